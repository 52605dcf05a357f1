"""CI: each generated pipeline matches its provider's schema and runs the same checks as the
Makefile and this generator (ruff, ruff format, mypy, migrations, tests with coverage)."""

import re
from pathlib import Path

import pytest

from tests.conftest import Render
from tests.validators import COMBINATIONS, WITH_CI, check, load, tool

# What the generated CI must run: the same commands as `make lint`, `make typecheck` and the
# generator's own checks of every rendered project (ruff, ruff format, mypy, migrations, tests).
CI_COMMANDS = [
    "ruff check .",
    "ruff format --check .",
    "mypy",
    "alembic upgrade head",
    "alembic check",
    "pytest",
]


def ci_file(root: Path, provider: str) -> Path:
    return root / (".github/workflows/ci.yml" if provider == "github" else ".gitlab-ci.yml")


@pytest.mark.parametrize("name", WITH_CI)
def test_ci_file_matches_its_schema(name: str, render: Render) -> None:
    root, provider = render(name), COMBINATIONS[name]["ci_provider"]
    schema = {"github": "vendor.github-workflows", "gitlab": "vendor.gitlab-ci"}[str(provider)]
    check(
        [tool("check-jsonschema"), "--builtin-schema", schema, str(ci_file(root, str(provider)))],
        root,
    )


@pytest.mark.parametrize("name", WITH_CI)
def test_ci_runs_the_same_checks_as_make_and_the_generator(name: str, render: Render) -> None:
    root, provider = render(name), str(COMBINATIONS[name]["ci_provider"])
    pipeline = ci_file(root, provider).read_text()
    commands = [
        line.strip().removeprefix("- ").removeprefix("run: ")
        for line in pipeline.splitlines()
        if line.strip().startswith(("- ", "run: ", "- run: "))
    ]
    commands = [c.removeprefix("run: ") for c in commands]
    for expected in CI_COMMANDS:
        assert any(c == expected or c.startswith(f"{expected} ") for c in commands), expected
    # The Makefile's lint and typecheck targets run the very same commands.
    makefile = (root / "Makefile").read_text()
    for expected in ("ruff check .", "ruff format --check .", "mypy"):
        assert f"$(BIN)/{expected}\n" in makefile
    assert "postgres:16" in pipeline
    assert ("redis:7.2" in pipeline) == COMBINATIONS[name]["use_redis"]
    assert "--cov" in pipeline
    version = COMBINATIONS[name].get("python_version", "3.12")
    assert f'"{version}"' in pipeline or f"python:{version}-slim" in pipeline
    # A fresh key per run; no secret value is written into the pipeline.
    keys = re.findall(r"SECRET_KEY\s*[:=]\s*(\S+)", pipeline)
    assert bool(keys) == (COMBINATIONS[name]["auth_mode"] != "none")
    assert all(value.lstrip('"').startswith("$(") for value in keys), keys


def test_github_workflow_keeps_its_expressions(render: Render) -> None:
    workflow = (render("k8s-sentry") / ".github/workflows/ci.yml").read_text()
    assert "${{ env.PYTHON_VERSION }}" in workflow
    assert "${{ github.ref }}" in workflow
    assert load(render("k8s-sentry") / ".github/workflows/ci.yml")["permissions"] == {
        "contents": "read"
    }
