"""The hooks: bad answers refused with one clear line and no folder; secrets fresh per render."""

import sys
from pathlib import Path

import pytest

from tests.combinations import REFUSED, ROOT
from tests.conftest import explain, run


@pytest.mark.parametrize(
    ("answers", "message"),
    REFUSED,
    ids=[" ".join(f"{k}={v}" for k, v in a.items()) for a, _ in REFUSED],
)
def test_bad_answers_are_refused_and_leave_nothing(
    cookies: object,
    capfd: pytest.CaptureFixture[str],
    tmp_path: Path,
    answers: dict[str, object],
    message: str,
) -> None:
    result = cookies.bake(extra_context=answers, template=str(ROOT))  # type: ignore[attr-defined]
    captured = capfd.readouterr()
    assert result.exit_code != 0
    assert message in f"{captured.err}{result.exception}"
    left_behind = [
        path for path in (tmp_path / "cookies").rglob("*") if not path.name.startswith("bake")
    ]
    assert left_behind == []


def test_one_line_per_problem_on_stderr(cookies: object, capfd: pytest.CaptureFixture[str]) -> None:
    result = cookies.bake(extra_context={"project_slug": "class"}, template=str(ROOT))  # type: ignore[attr-defined]
    errors = [line for line in capfd.readouterr().err.splitlines() if line.startswith("ERROR:")]
    assert result.exit_code != 0
    assert errors == [
        "ERROR: project_slug 'class' is a Python keyword: choose another name, e.g. 'class_service'"
    ]


def test_two_renders_never_share_a_secret(cookies: object) -> None:
    secrets = set()
    for _ in range(2):
        result = cookies.bake(template=str(ROOT))  # type: ignore[attr-defined]
        assert result.exit_code == 0, result.exception
        env = (result.project_path / ".env").read_text()
        secrets.add(next(line for line in env.splitlines() if line.startswith("SECRET_KEY=")))
    assert len(secrets) == 2


def test_next_steps_are_printed(cookies: object, capfd: pytest.CaptureFixture[str]) -> None:
    result = cookies.bake(template=str(ROOT))  # type: ignore[attr-defined]
    printed = capfd.readouterr().out
    assert result.exit_code == 0
    for step in (
        "cd my_service",
        "make try",
        "make install",
        "make migrate",
        "make dev",
        "make test",
    ):
        assert step in printed
    assert "alembic upgrade head" in printed


def git(project: Path, *arguments: str) -> str:
    result = run(["git", *arguments], cwd=project)
    assert result.returncode == 0, explain(result)
    return result.stdout


def test_the_project_starts_as_a_git_repository_with_one_commit(cookies: object) -> None:
    """So that `pre-commit install`, as the README says, works at once."""
    result = cookies.bake(template=str(ROOT))  # type: ignore[attr-defined]
    assert result.exit_code == 0, result.exception
    project = Path(result.project_path)
    assert git(project, "rev-parse", "--show-toplevel").strip() == str(project.resolve())
    assert len(git(project, "log", "--format=%H").split()) == 1
    assert git(project, "status", "--porcelain", "--ignored=no") == ""
    assert ".cruft.json" in git(project, "ls-files").split()
    assert ".env" not in git(project, "ls-files").split()
    installed = run([str(Path(sys.executable).with_name("pre-commit")), "install"], cwd=project)
    assert installed.returncode == 0, explain(installed)
    assert (project / ".git" / "hooks" / "pre-commit").is_file()


def test_no_repository_inside_another(tmp_path: Path) -> None:
    """Generated into a folder of an existing repository (a monorepo): that one keeps it."""
    outer = tmp_path / "monorepo"
    outer.mkdir()
    git(outer, "init", "--quiet")
    cookiecutter = str(Path(sys.executable).with_name("cookiecutter"))
    result = run([cookiecutter, "--no-input", str(ROOT), "-o", str(outer / "services")], cwd=outer)
    assert result.returncode == 0, explain(result)
    assert (outer / "services" / "my_service" / "app").is_dir()
    assert not (outer / "services" / "my_service" / ".git").exists()
