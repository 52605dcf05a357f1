"""Every supported combination: renders cleanly, leaves nothing behind, and lints clean."""

import re
import stat
from pathlib import Path

import pytest
from slugify import slugify

from tests.combinations import QUESTIONS, SUPPORTED, TRACES, context, effective, expected_paths
from tests.conftest import Render, explain, run

LEFTOVER = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")
# Files no option owns (so the manifest never names them): every project has them.
ALWAYS = ["gunicorn.conf.py", "scripts/prestart.sh", ".pre-commit-config.yaml", ".yamllint.yaml"]
# Modules the spec's layout keeps for the project's own models, even where no generated model
# uses them yet (auth_mode=none has no tables).
BUILDING_BLOCKS = {"app.models.mixins", "app.models.types"}
# Modules run as commands (`python -m app.prestart`) or imported by their package.
ENTRY_POINTS = {"__init__.py", "__main__.py", "cli.py", "prestart.py", "shell.py"}
MIGRATION_NAME = re.compile(r"^(\d{4})_(\d{2})_(\d{2})_([0-9a-f]{12})_initial_schema\.py$")


def combinations() -> list[pytest.param]:  # type: ignore[valid-type]
    return [pytest.param(name, marks=pytest.mark.xdist_group(name)) for name in SUPPORTED]


# What tools write into a render while other tests run on it (all git-ignored there).
TOOL_FOLDERS = {".venv", ".git", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", ".schemathesis"}


def project_files(project: Path) -> list[Path]:
    return [
        path for path in project.rglob("*") if path.is_file() and not TOOL_FOLDERS & set(path.parts)
    ]


@pytest.mark.parametrize("name", combinations())
def test_renders_into_the_slug_folder(render: Render, name: str) -> None:
    project, answers = render(name), SUPPORTED[name]
    project_name = str(answers.get("project_name", QUESTIONS["project_name"]))
    assert project.name == slugify(project_name, separator="_")
    assert (project / "app" / "main.py").is_file()
    assert (project / "main.py").is_file()


@pytest.mark.parametrize("name", combinations())
def test_no_template_syntax_is_left(render: Render, name: str) -> None:
    project = render(name)
    leftovers = []
    for path in project_files(project):
        text = path.read_text(encoding="utf-8", errors="replace")
        if path.parent.name == "workflows":  # GitHub's own ${{ }}: checked by its linter
            text = text.replace("${{", "")
        leftovers += [f"{path.relative_to(project)}: {m.group()}" for m in LEFTOVER.finditer(text)]
    assert leftovers == []


@pytest.mark.parametrize("name", combinations())
def test_manifest_removed_exactly_the_excluded_files(render: Render, name: str) -> None:
    project = render(name)
    expected = expected_paths(context(name))
    assert expected
    wrong = [
        f"{relative} (expected {'present' if keep else 'absent'})"
        for relative, keep in expected.items()
        if (project / relative).exists() != keep
    ]
    assert wrong == []


@pytest.mark.parametrize("name", combinations())
def test_files_no_option_owns_are_always_there(render: Render, name: str) -> None:
    project = render(name)
    assert [relative for relative in ALWAYS if not (project / relative).is_file()] == []
    assert set(ALWAYS).isdisjoint(expected_paths(context(name)))


@pytest.mark.parametrize("name", combinations())
def test_disabled_options_leave_no_trace(render: Render, name: str) -> None:
    project, answers = render(name), effective(context(name))
    patterns = [
        pattern
        for condition, pattern in TRACES
        if all(answers[key] in values for key, values in condition.items())
    ]
    found = []
    for path in project_files(project):
        relative = str(path.relative_to(project))
        if relative == ".cruft.json":  # the record of every answer, yes or no
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for pattern in patterns:
            if pattern.search(relative):
                found.append(f"{relative}: file name matches {pattern.pattern}")
            found += [
                f"{relative}:{number}: {line.strip()[:120]}"
                for number, line in enumerate(text.splitlines(), 1)
                if pattern.search(line)
            ]
    assert found == []


@pytest.mark.parametrize("name", combinations())
def test_every_application_module_is_used(render: Render, name: str) -> None:
    """A module nothing imports (tests aside) is a dead file left by a disabled option."""
    project = render(name)
    sources = {
        path: path.read_text(encoding="utf-8")
        for folder in ("app", "alembic")
        for path in (project / folder).rglob("*.py")
    }
    sources[project / "main.py"] = (project / "main.py").read_text(encoding="utf-8")
    unused = []
    for path in (project / "app").rglob("*.py"):
        module = ".".join(path.relative_to(project).with_suffix("").parts)
        if path.name in ENTRY_POINTS or module in BUILDING_BLOCKS:
            continue
        parent, _, leaf = module.rpartition(".")
        imported = re.compile(
            rf"^\s*(from {re.escape(module)} import|import {re.escape(module)}\b"
            rf"|from {re.escape(parent)} import (\([^)]*|[^\n]*)\b{leaf}\b)",
            re.MULTILINE,
        )
        if not any(imported.search(text) for other, text in sources.items() if other != path):
            unused.append(module)
    assert unused == []


@pytest.mark.parametrize("name", combinations())
def test_readme_documents_every_setting(render: Render, name: str) -> None:
    """The README's configuration table is checked against the settings model itself."""
    project = render(name)
    fields = [
        field
        for part in sorted((project / "app" / "core" / "settings").glob("*.py"))
        for field in re.findall(r"^    ([A-Z][A-Z0-9_]*)\s*:", part.read_text(), re.MULTILINE)
    ]
    assert {"DATABASE_URL", "ENVIRONMENT", "PROJECT_NAME"} <= set(fields)
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert [field for field in fields if f"`{field}`" not in readme] == []


@pytest.mark.parametrize("name", combinations())
def test_env_is_private_ignored_and_complete(render: Render, name: str) -> None:
    project = render(name)
    env_file = project / ".env"
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600

    def keys(path: Path) -> list[str]:
        lines = path.read_text(encoding="utf-8").splitlines()
        return [line.split("=", 1)[0] for line in lines if line and not line.startswith("#")]

    assert keys(env_file) == keys(project / ".env.example")
    values = dict(line.split("=", 1) for line in env_file.read_text().splitlines() if "=" in line)
    # Only the modes with accounts sign anything; auth_mode=none has no secret at all.
    assert ("SECRET_KEY" in values) == (context(name)["auth_mode"] != "none")
    if "SECRET_KEY" in values:
        assert len(values["SECRET_KEY"]) >= 43  # 32 random bytes or more, URL-safe base64
        assert values["SECRET_KEY"] not in (project / ".env.example").read_text()

    assert run(["git", "init", "-q"], cwd=project).returncode == 0
    ignored = run(["git", "check-ignore", "-q", ".env"], cwd=project)
    assert ignored.returncode == 0, ".env is not ignored by the generated .gitignore"
    kept = run(["git", "check-ignore", "-q", ".env.example"], cwd=project)
    assert kept.returncode == 1, ".env.example must not be ignored"


@pytest.mark.parametrize("name", combinations())
def test_initial_migration_is_stamped(render: Render, name: str) -> None:
    versions = render(name) / "alembic" / "versions"
    files = [path.name for path in versions.glob("*.py")]
    assert len(files) == 1, files
    match = MIGRATION_NAME.match(files[0])
    assert match, files[0]
    text = (versions / files[0]).read_text()
    assert f'revision: str = "{match.group(4)}"' in text
    assert "__initial_revision__" not in text
    assert "__creation_date__" not in text


@pytest.mark.parametrize("name", combinations())
def test_ruff_check_passes(render: Render, tools: Path, name: str) -> None:
    result = run([str(tools / "ruff"), "check", "--no-cache", "."], cwd=render(name))
    assert result.returncode == 0, explain(result)


@pytest.mark.parametrize("name", combinations())
def test_ruff_format_check_passes(render: Render, tools: Path, name: str) -> None:
    result = run([str(tools / "ruff"), "format", "--check", "--no-cache", "."], cwd=render(name))
    assert result.returncode == 0, explain(result)


@pytest.mark.parametrize("name", combinations())
def test_mypy_strict_passes(render: Render, tools: Path, name: str) -> None:
    project = render(name)
    config = (project / "pyproject.toml").read_text()
    assert "strict = true" in config
    result = run([str(tools / "mypy")], cwd=project)
    assert result.returncode == 0, explain(result)
    assert "Success: no issues found" in result.stdout


TREE_LINE = re.compile(r"^((?:│   |    )*)(?:├── |└── )(\S+)")


def structure_entries(text: str) -> dict[str, bool]:
    """The paths PROJECT_STRUCTURE.md's tree lists: {path: whether it is a folder listed
    without its contents (which it then stands for)}."""
    lines = text.split("```")[1].strip().splitlines()[1:]  # below the project folder
    entries: dict[str, bool] = {}
    parents: list[str] = []
    for line in lines:
        match = TREE_LINE.match(line)
        assert match, f"not a tree line: {line!r}"
        depth = len(match.group(1)) // 4
        parents = parents[:depth]
        path = "".join(parents) + match.group(2)
        if parents:
            entries["".join(parents).rstrip("/")] = False  # a folder whose contents are listed
        entries[path.rstrip("/")] = path.endswith("/")
        parents.append(path.removeprefix("".join(parents)))
    return entries


@pytest.mark.parametrize("name", combinations())
def test_project_structure_lists_exactly_the_files(render: Render, name: str) -> None:
    project = render(name)
    entries = structure_entries((project / "PROJECT_STRUCTURE.md").read_text(encoding="utf-8"))
    wholes = [path for path, whole in entries.items() if whole]
    files = [
        str(path.relative_to(project))
        for path in project_files(project)
        if "__pycache__" not in path.parts and path.name != "__init__.py"
    ]
    unlisted = [
        file
        for file in files
        if file not in entries and not any(file.startswith(f"{whole}/") for whole in wholes)
    ]
    # .cruft.json is written only when the template is a git checkout.
    missing = [path for path in entries if not (project / path).exists() and path != ".cruft.json"]
    assert (unlisted, missing) == ([], [])
