"""YAML: every YAML file of every combination passes yamllint with the project's own
configuration; the pre-commit configuration is valid, runs the project's checks, and stays
free of template syntax."""

import re

import pytest

from tests.combinations import ROOT
from tests.conftest import Render
from tests.validators import COMBINATIONS, check, load, text_files, tool

TEMPLATE_SYNTAX = re.compile(r"\{\{|\{%|\{#|cookiecutter\.")


@pytest.mark.parametrize("name", COMBINATIONS)
def test_every_yaml_file_passes_yamllint(name: str, render: Render) -> None:
    root = render(name)
    yaml_files = [
        p for p in text_files(root) if p.suffix in {".yml", ".yaml"} and ".venv" not in p.parts
    ]
    assert len(yaml_files) >= 2  # .pre-commit-config.yaml and .yamllint.yaml at least
    check([tool("yamllint"), "--strict", "-c", ".yamllint.yaml", "."], root)


@pytest.mark.parametrize("name", ["default", "noredis-noemail-bare-sentry"])
def test_pre_commit_config_is_valid(name: str, render: Render) -> None:
    root = render(name)
    check([tool("pre-commit"), "validate-config", ".pre-commit-config.yaml"], root)
    config = load(root / ".pre-commit-config.yaml")
    hooks = {hook["id"] for repo in config["repos"] for hook in repo["hooks"]}
    assert {
        "ruff-check",
        "ruff-format",
        "mypy",
        "trailing-whitespace",
        "end-of-file-fixer",
        "check-yaml",
        "yamllint",
    } <= hooks


def test_pre_commit_config_has_no_jinja() -> None:
    """pre-commit autoupdate rewrites this file in the generated project: keep it plain."""
    source = (ROOT / "{{cookiecutter.project_slug}}" / ".pre-commit-config.yaml").read_text()
    assert not TEMPLATE_SYNTAX.search(source)
