"""Refuse bad answers before anything is written.

Each problem is reported as one line on stderr that names the field, the value
given and what is allowed; cookiecutter then removes the half-made project folder.
"""

import json
import keyword
import os
import re
import stat
import sys
import tempfile
import time
from pathlib import Path

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
# Free text: rendered as plain text by the quoting filters of local_extensions.py, one line each.
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
        if any(char in ANSWERS[key] for char in "\r\n"):
            found.append(f"{key} {ANSWERS[key]!r} contains a line break: keep it to one line")
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


# `cruft update` renders the template twice in one process: at the recorded commit with the
# recorded answers, then at the new commit with the same answers. Cookiecutter silently drops an
# answer the new cookiecutter.json no longer asks, and the update would then delete whatever that
# answer generated. So the first render leaves its answers in a note that the second one reads
# (cruft sets _commit; plain cookiecutter renders once and does not). Keep this protocol stable:
# older templates write the note that newer ones read.
NOTE_DIR = Path(tempfile.gettempdir())
OWNER = os.getuid() if hasattr(os, "getuid") else None  # Windows: the temp folder is the user's
NOTE_PREFIX = f"cookiecutter-fastapi-backend-answers-{OWNER}-"
NOTE = NOTE_DIR / f"{NOTE_PREFIX}{os.getppid()}.json"
NOTE_LIFETIME_SECONDS = 600
# Answers a team has read about in the CHANGELOG and lets the update drop, e.g. "use_celery".
DROP_ALLOWED = "TEMPLATE_DROPPED_ANSWERS_OK"


def read_note() -> dict | None:
    """The previous render's answers, when this process left them moments ago; then forgotten."""
    try:
        info = NOTE.lstat()
        if not stat.S_ISREG(info.st_mode) or OWNER not in (None, info.st_uid):
            return None
        text = NOTE.read_text(encoding="utf-8")
        NOTE.unlink()
    except OSError:
        return None
    if time.time() - info.st_mtime > NOTE_LIFETIME_SECONDS:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def write_note() -> None:
    for old in NOTE_DIR.glob(f"{NOTE_PREFIX}*.json"):  # left by cruft create and cruft diff
        try:
            if time.time() - old.lstat().st_mtime > NOTE_LIFETIME_SECONDS:
                old.unlink()
        except OSError:
            pass
    NOTE.unlink(missing_ok=True)
    answers = {key: value for key, value in ANSWERS.items() if not key.startswith("_")}
    note = {"template": ANSWERS["_template"], "commit": ANSWERS["_commit"], "answers": answers}
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    with os.fdopen(os.open(NOTE, flags, 0o600), "w", encoding="utf-8") as handle:
        json.dump(note, handle)


def dropped_answers() -> list[str]:
    """Answers of the render before this one (cruft update) that this template no longer asks."""
    if "_commit" not in ANSWERS:
        return []
    before = read_note()
    if before is None or before.get("template") != ANSWERS["_template"]:
        write_note()
        return []
    allowed = set(os.environ.get(DROP_ALLOWED, "").replace(",", " ").split())
    return [
        f"the answer {key}={json.dumps(value)} in .cruft.json is no longer asked by the template "
        f"at commit {ANSWERS['_commit'][:12]}, and updating would drop what it generated, so "
        f"nothing was changed: read the template's CHANGELOG.md, then update with "
        f"{DROP_ALLOWED}={key}"
        for key, value in before.get("answers", {}).items()
        if key not in ANSWERS and key not in allowed
    ]


def main() -> int:
    found = dropped_answers() + problems()
    for line in found:
        print(f"ERROR: {line}", file=sys.stderr)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
