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


def make_venv(path: Path, requirements: list[Path], python: Path | None = None) -> Path:
    """A fresh virtual environment on `python` (default: this one) holding exactly these
    requirement files; its bin/."""
    uv = Path(sys.executable).with_name("uv")
    interpreter = str(python or sys.executable)
    created = run(
        [str(uv), "venv", "--quiet", "--python", interpreter, str(path)],
        cwd=ROOT,
        env={"UV_PYTHON_DOWNLOADS": "never"},
    )
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


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say which Python each deep combination ran on (recorded by test_generated_suite.py),
    and loudly where the one it names is missing here."""
    ran_on: dict[str, str] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", ()):
                if key == "python":
                    name, _, interpreter = str(value).partition(": ")
                    ran_on[name] = interpreter
    if ran_on:
        terminalreporter.section("deep combinations ran on")
        for name, interpreter in sorted(ran_on.items()):
            terminalreporter.write_line(f"{name}: {interpreter}")
