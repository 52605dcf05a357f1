"""Finish the generated project.

1. Apply `_manifest` in cookiecutter.json: remove the files that the chosen options exclude, and
   rename each per-option variant into its place.
2. Write .env from .env.example with fresh random secrets, readable by the owner only.
3. Give the initial Alembic revision its own id and the generation date.
4. Print the next steps.

It needs no network and touches no database.
"""

import datetime
import json
import os
import secrets
import shutil
import sys
from pathlib import Path

CONTEXT = json.loads(r"""{{ cookiecutter | tojson }}""")
PROJECT = Path.cwd()

# .env.example keys whose placeholder value is replaced by a fresh secret in .env.
SECRET_KEYS = ("SECRET_KEY",)
INITIAL_MIGRATION = PROJECT / "alembic" / "versions" / "initial_schema.py"
REVISION_PLACEHOLDER = "__initial_revision__"
DATE_PLACEHOLDER = "__creation_date__"


def kept(rule: dict, answers: dict) -> bool:
    return all(answers[key] in allowed for key, allowed in rule.get("keep_when", {}).items())


def excluded_paths(manifest: dict, answers: dict) -> list[str]:
    """Paths of every rule whose conditions the answers do not all meet."""
    return [path for rule in manifest["rules"] if not kept(rule, answers) for path in rule["paths"]]


def chosen_variants(manifest: dict, answers: dict) -> tuple[dict[str, str], list[str]]:
    """{source: target} for the variant each answer picks, and the sources nobody picked."""
    renames, unused = {}, []
    for variant in manifest.get("variants", []):
        value = answers[variant["by"]]
        key = str(value).lower() if isinstance(value, bool) else str(value)
        pick = variant["sources"].get(key) if kept(variant, answers) else None
        for source in variant["sources"].values():
            if source == pick:
                renames[source] = variant["path"]
            else:
                unused.append(source)
    return renames, unused


def apply_manifest() -> None:
    manifest = CONTEXT["_manifest"]
    renames, unused = chosen_variants(manifest, CONTEXT)
    for relative in [*excluded_paths(manifest, CONTEXT), *unused]:
        target = PROJECT / relative
        if target.is_dir():
            shutil.rmtree(target)
        elif target.exists():
            target.unlink()
    for source, target in renames.items():
        (PROJECT / source).rename(PROJECT / target)
    # Folders left empty by the removals go too.
    for folder in sorted((p for p in PROJECT.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def write_env() -> None:
    lines = []
    for line in (PROJECT / ".env.example").read_text(encoding="utf-8").splitlines():
        key = line.split("=", 1)[0]
        if key in SECRET_KEYS:
            line = f"{key}={secrets.token_urlsafe(48)}"
        lines.append(line)
    env_file = PROJECT / ".env"
    descriptor = os.open(env_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
    env_file.chmod(0o600)


def stamp_initial_migration() -> None:
    now = datetime.datetime.now(datetime.UTC)
    revision = secrets.token_hex(6)
    text = INITIAL_MIGRATION.read_text(encoding="utf-8")
    text = text.replace(REVISION_PLACEHOLDER, revision).replace(
        DATE_PLACEHOLDER, now.isoformat(" ", "seconds")
    )
    target = INITIAL_MIGRATION.with_name(f"{now:%Y_%m_%d}_{revision}_initial_schema.py")
    target.write_text(text, encoding="utf-8")
    INITIAL_MIGRATION.unlink()


def print_next_steps() -> None:
    slug = CONTEXT["project_slug"]
    servers = "PostgreSQL and Redis" if CONTEXT["use_redis"] else "PostgreSQL"
    stand_ins = "SQLite and an in-process Redis" if CONTEXT["use_redis"] else "SQLite"
    secret = " holds a fresh SECRET_KEY and" if CONTEXT["auth_mode"] != "none" else ""
    print(
        f"""
Created {PROJECT}

Next steps (see {slug}/README.md):
    cd {slug}
    make try              # try it at once on {stand_ins}: no servers needed
    make install          # virtual environment + requirements.txt
    make migrate          # alembic upgrade head (PostgreSQL must be running)
    make dev              # http://127.0.0.1:8000/docs
    make test             # the project's tests, against {servers}

.env{secret} is git-ignored: never commit it.
"""
    )


def main() -> int:
    apply_manifest()
    write_env()
    stamp_initial_migration()
    print_next_steps()
    return 0


if __name__ == "__main__":
    sys.exit(main())
