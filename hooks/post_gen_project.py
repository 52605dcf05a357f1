"""Finish the generated project.

1. Apply `_manifest` in cookiecutter.json: remove the files that the chosen options exclude, and
   rename each per-option variant into its place.
2. Write .env from .env.example with fresh random secrets, readable by the owner only.
3. Give the initial Alembic revision its own id and the generation date.
4. Record the template, its commit and the answers in .cruft.json, as `cruft create` does.
5. Start a git repository with a first commit (plain cookiecutter, git available, the project not
   inside a repository already), so that `pre-commit install` works at once.
6. Print the next steps.

It needs no network and touches no database.
"""

import datetime
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
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


def git(folder: Path, *arguments: str) -> str | None:
    try:
        result = subprocess.run(
            ["git", "-C", str(folder), *arguments],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def template_folder() -> tuple[Path, list[str]] | None:
    """The template folder cookiecutter rendered, and the order of its questions. Cookiecutter
    hands over the path as it was given, maybe relative to where it was started; it works in
    that folder while hooks run."""
    given = Path(CONTEXT["_repo_dir"])
    candidates = [given] if given.is_absolute() else []
    candidates += [Path(os.environ.get("PWD", "/nonexistent")) / given]
    candidates += [Path(f"/proc/{os.getppid()}/cwd")]
    for candidate in candidates:
        try:
            questions = json.loads((candidate / "cookiecutter.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if questions.get("_manifest") == CONTEXT["_manifest"]:
            return candidate.resolve(), list(questions)
    return None


def is_recorded_private(key: str) -> bool:
    """cookiecutter.json's private keys that cruft records: `_x` and rendered ones such as
    `__email`, not `__prompts__` (cruft drops it) and not `_manifest` (see write_record)."""
    return key.startswith("_") and key not in ("__prompts__", "_manifest")


def write_record() -> str:
    """Write .cruft.json for a plain cookiecutter run (cruft writes its own after the hooks);
    return what the next steps say about it."""
    updates = '`cruft update` brings later template changes (README.md, "Template updates").'
    if "_commit" in CONTEXT:
        return f".cruft.json records the template's commit and your answers:\n{updates}"
    found = template_folder()
    folder, order = found or (Path("/nonexistent"), [])
    top = git(folder, "rev-parse", "--show-toplevel")
    commit = git(folder, "rev-parse", "HEAD") if top and Path(top) == folder else None
    if commit is None:
        return (
            "The template is not a git checkout, so no .cruft.json was written. To take template\n"
            "updates later, run once in the project: `cruft link <the template's git URL>\n"
            "--checkout <the commit you generated from>` (it asks these questions again)."
        )
    if CONTEXT["_template"] == CONTEXT["_repo_dir"]:  # a local folder, not a URL cloned for us
        source = str(folder)
    else:
        source = git(folder, "remote", "get-url", "origin") or CONTEXT["_template"]
    # The answers, and what cruft records besides them (cookiecutter.json's private keys, such as
    # _template_version and _extensions). Not cookiecutter's _output_dir, _repo_dir and
    # _checkout (this machine's paths), nor _manifest: cruft reads the manifest from the
    # template at each update, never from the record (it passes no _-key back as an answer).
    # In cookiecutter.json's order, as cruft records them (the context came here sorted).
    answers = {key: CONTEXT[key] for key in order if not key.startswith("_")}
    answers |= {key: CONTEXT[key] for key in order if is_recorded_private(key) and key in CONTEXT}
    answers["_template"] = source
    answers["_commit"] = commit
    record = {
        "template": source,
        "commit": commit,
        "checkout": CONTEXT["_checkout"],
        "context": {"cookiecutter": answers},
        "directory": None,
    }
    text = json.dumps(record, ensure_ascii=False, indent=2, separators=(",", ": "))  # as cruft
    (PROJECT / ".cruft.json").write_text(text + "\n", encoding="utf-8")
    dirty = " (and its uncommitted changes)" if git(folder, "status", "--porcelain") else ""
    recorded = f"the template at commit {commit[:12]}{dirty} and your answers"
    return f".cruft.json records {recorded}:\n{updates}"


def compared_by_cruft() -> bool:
    """`cruft update` and `cruft diff` render into a fresh temporary folder to compare."""
    temporary = Path(tempfile.gettempdir()).resolve()
    parent = PROJECT.resolve().parent
    return "_commit" in CONTEXT and parent.parent == temporary and parent.name.startswith("tmp")


def start_repository() -> str:
    """`git init` and a first commit of everything (.env is git-ignored); what the next steps
    say about it. Under cruft, which writes .cruft.json after this hook, the next steps say how."""
    by_hand = "git init && git add --all && git commit -m 'Generated'"
    if "_commit" in CONTEXT:
        return f"Start its git repository: {by_hand}"
    if shutil.which("git") is None:
        return f"git was not found: install it, then {by_hand}"
    outer = git(PROJECT.parent, "rev-parse", "--show-toplevel")
    if outer is not None:
        return f"The project lies inside the git repository {outer}: commit it there."
    identity = []
    if not git(PROJECT, "config", "user.email"):  # nobody configured: the author's answers
        identity = ["-c", f"user.name={CONTEXT['author_name']}"]
        identity += ["-c", f"user.email={CONTEXT['author_email']}"]
    steps = [
        ("init", "--quiet"),
        ("add", "--all"),
        (
            *identity,
            "-c",
            "commit.gpgsign=false",
            "commit",
            "--quiet",
            "--no-verify",
            "-m",
            f"Generated by cookiecutter-fastapi-backend {CONTEXT['_template_version']}",
        ),
    ]
    for arguments in steps:
        if git(PROJECT, *arguments) is None:
            return f"git could not make the first commit: {by_hand}"
    return "A git repository with a first commit holds the project (.env is left out)."


def print_next_steps(record: str) -> None:
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
    make migrate          # creates the database if missing, alembic upgrade head
    make dev              # http://127.0.0.1:8000/docs
    make test             # the project's tests, against {servers}

.env{secret} is git-ignored: never commit it.
{record}
"""
    )


def main() -> int:
    apply_manifest()
    write_env()
    stamp_initial_migration()
    record = write_record()
    if not compared_by_cruft():
        print_next_steps(f"{record}\n{start_repository()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
