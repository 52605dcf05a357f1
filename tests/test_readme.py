"""The README's two commands are real: CI runs the test one, and the generate one works."""

import re
import shutil
import sys
from pathlib import Path

from tests.combinations import ROOT
from tests.conftest import explain, run

README = (ROOT / "README.md").read_text(encoding="utf-8")
GENERATE = "./scripts/generate --no-input --output-dir ~/projects"
TEST = "./scripts/test"


def test_readme_gives_both_commands() -> None:
    assert GENERATE in README
    assert re.search(rf"^{re.escape(TEST)}$", README, re.MULTILINE)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert re.search(r"^exec \./scripts/test\b", ci, re.MULTILINE), ci


def test_generate_command_creates_a_project(tmp_path: Path) -> None:
    command = GENERATE.replace("~/projects", str(tmp_path)).split()
    result = run(command, cwd=ROOT)
    assert result.returncode == 0, explain(result)
    assert (tmp_path / "my_service" / "app" / "main.py").is_file()
    assert (tmp_path / "my_service" / ".env").is_file()


def test_plain_cookiecutter_cli_with_a_relative_template_path(tmp_path: Path) -> None:
    """`cookiecutter --no-input .` from the template folder: the hooks must not depend on
    where the template lies (cookiecutter hands them a relative path then)."""
    cookiecutter = str(Path(sys.executable).with_name("cookiecutter"))
    result = run(
        [cookiecutter, "--no-input", ".", "-o", str(tmp_path), "use_sentry=true"], cwd=ROOT
    )
    assert result.returncode == 0, explain(result)
    project = tmp_path / "my_service"
    assert (project / ".env").stat().st_mode & 0o777 == 0o600
    assert (project / "app" / "core" / "sentry.py").is_file()
    assert not (project / "k8s").exists()

    refused = run(
        [cookiecutter, "--no-input", ".", "-o", str(tmp_path / "refused"), "project_slug=class"],
        cwd=ROOT,
    )
    assert refused.returncode != 0
    assert "project_slug 'class' is a Python keyword" in refused.stderr
    assert not (tmp_path / "refused" / "class").exists()


def test_generate_installs_only_what_rendering_needs(tmp_path: Path) -> None:
    """A fresh copy of the template: ./scripts/generate makes .venv with cookiecutter and its
    dependencies, not the test toolchain (mypy, uv, hadolint, kubectl...)."""
    template = tmp_path / "template"
    shutil.copytree(ROOT, template, ignore=shutil.ignore_patterns(".venv", ".git", "__pycache__"))
    result = run(["./scripts/generate", "--no-input", "-o", str(tmp_path / "out")], cwd=template)
    assert result.returncode == 0, explain(result)
    assert (tmp_path / "out" / "my_service" / "app" / "main.py").is_file()
    installed = {path.name for path in (template / ".venv" / "bin").iterdir()}
    assert "cookiecutter" in installed
    assert installed.isdisjoint({"mypy", "uv", "hadolint", "kubectl", "pytest", "ruff"}), installed
