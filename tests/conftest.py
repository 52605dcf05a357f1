"""Shared machinery: render each combination once per worker, and run tools on the output."""

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.combinations import ROOT, SUPPORTED, TOOLS

Render = Callable[[str], Path]


def run(
    command: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600
) -> subprocess.CompletedProcess[str]:
    """Run a command; the caller asserts on the result, which carries the whole output."""
    return subprocess.run(
        command,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def explain(result: subprocess.CompletedProcess[str]) -> str:
    return f"$ {' '.join(result.args)}\nexit {result.returncode}\n{result.stdout}\n{result.stderr}"


@pytest.fixture(scope="session")
def render(cookies_session: object) -> Render:
    """Bake a supported combination by name, once per test worker."""
    baked: dict[str, Path] = {}

    def bake(name: str) -> Path:
        if name not in baked:
            result = cookies_session.bake(  # type: ignore[attr-defined]
                extra_context=SUPPORTED[name], template=str(ROOT)
            )
            assert result.exit_code == 0, f"{name}: {result.exception!r}"
            baked[name] = Path(result.project_path)
        return baked[name]

    return bake


def make_venv(path: Path, requirements: list[Path]) -> Path:
    """A fresh virtual environment holding exactly these requirement files; its bin/."""
    uv = Path(sys.executable).with_name("uv")
    created = run([str(uv), "venv", "--quiet", "--python", sys.executable, str(path)], cwd=ROOT)
    assert created.returncode == 0, explain(created)
    arguments = [arg for req in requirements for arg in ("-r", str(req))]
    installed = run(
        [
            str(uv),
            "pip",
            "install",
            "--quiet",
            "--python",
            str(path / "bin" / "python"),
            *arguments,
        ],
        cwd=ROOT,
    )
    assert installed.returncode == 0, explain(installed)
    return path / "bin"


@pytest.fixture(scope="session")
def tools(render: Render, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """bin/ of an environment with the generated project's own pinned ruff, mypy and deps."""
    project = render(TOOLS)
    requirements = [project / "requirements.txt", project / "requirements" / "production.txt"]
    return make_venv(tmp_path_factory.mktemp("tools-venv"), requirements)
