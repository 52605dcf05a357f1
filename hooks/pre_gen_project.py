"""Refuse bad answers before anything is written.

Each problem is reported as one line on stderr that names the field, the value
given and what is allowed; cookiecutter then removes the half-made project folder.
"""

import json
import keyword
import re
import sys

ANSWERS = json.loads(r"""{{ cookiecutter | tojson }}""")

# The questions as cookiecutter.json asks them (choices as lists), and the option manifest.
# cruft renders through cookiecutter's generate_files, which does not pass them: cookiecutter
# has then already refused a choice that cookiecutter.json does not offer.
QUESTIONS = json.loads(r"""{{ _cookiecutter | default({}) | tojson }}""")
MANIFEST = ANSWERS["_manifest"]
# A list in cookiecutter.json is a choice; a JSON boolean is a yes/no question.
CHOICES = {key: value for key, value in QUESTIONS.items() if isinstance(value, list)}
FLAGS = [key for key, value in QUESTIONS.items() if isinstance(value, bool)]

SLUG = re.compile(r"^[a-z][a-z0-9_]*$")
EMAIL = re.compile(
    r"^[^@\s]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$"
)
VERSION = re.compile(r"^\d+(\.\d+){0,2}([abc]|rc)?\d*$")
# Answers written verbatim into Python, TOML and YAML strings.
FREE_TEXT = ("project_name", "description", "author_name")
# Names the generated project itself imports: a slug equal to one would shadow it.
RESERVED = {"app", "alembic", "tests", "main"}


def problems() -> list[str]:
    found = []
    name, slug = ANSWERS["project_name"], ANSWERS["project_slug"]
    if not name.strip():
        found.append(
            "project_name is empty: give the service a human-readable name, e.g. 'My Service'"
        )
    if not SLUG.match(slug):
        found.append(
            f"project_slug '{slug}' is not a lowercase Python identifier: "
            "use a-z, 0-9 and _, starting with a letter (e.g. 'my_service')"
        )
    elif keyword.iskeyword(slug) or keyword.issoftkeyword(slug):
        found.append(
            f"project_slug '{slug}' is a Python keyword: choose another name, e.g. '{slug}_service'"
        )
    elif slug in sys.stdlib_module_names or slug in RESERVED:
        found.append(
            f"project_slug '{slug}' would shadow the module '{slug}' "
            f"(standard library or the project's own): choose another name, e.g. '{slug}_service'"
        )
    for key in FREE_TEXT:
        if any(char in ANSWERS[key] for char in '"\\\n'):
            found.append(
                f"{key} {ANSWERS[key]!r} contains a double quote, backslash or line break: leave them out"
            )
    email = ANSWERS["author_email"]
    if len(email) > 254 or not EMAIL.match(email):
        found.append(
            f"author_email '{email}' is not a valid e-mail address: use the form name@example.com"
        )
    if not VERSION.match(ANSWERS["version"]):
        found.append(f"version '{ANSWERS['version']}' is not a release number: use the form 0.1.0")
    for key, allowed in CHOICES.items():
        if ANSWERS[key] not in allowed:
            found.append(
                f"{key} '{ANSWERS[key]}' is not supported: choose one of {', '.join(allowed)}"
            )
    for key in FLAGS:
        if not isinstance(ANSWERS[key], bool):
            found.append(f"{key} '{ANSWERS[key]}' is not a yes/no answer: use true or false")
    for conflict in MANIFEST["conflicts"]:
        if all(ANSWERS[key] in values for key, values in conflict["when"].items()):
            found.append(conflict["message"])
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(f"ERROR: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
