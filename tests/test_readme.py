"""The README's two commands are real: CI runs the test one, and the generate one works."""

import re
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
