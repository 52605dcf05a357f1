"""The generated Makefile on an ordinary machine: it finds a suitable Python wherever it is."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.combinations import ROOT

PYENV = shutil.which("pyenv")
# PATH without pyenv's shims: the chosen Python is reachable only through `pyenv`.
BARE_PATH = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]


def pyenv_versions() -> list[str]:
    root = subprocess.run([PYENV or "pyenv", "root"], capture_output=True, text=True, check=True)
    return sorted(os.listdir(Path(root.stdout.strip()) / "versions"))


def bake(cookies: object, **answers: object) -> Path:
    result = cookies.bake(extra_context=answers, template=str(ROOT))  # type: ignore[attr-defined]
    assert result.exit_code == 0, f"{result.exception!r}"
    return Path(result.project_path)


def make_venv(
    project: Path, path: list[str], **env: str
) -> subprocess.CompletedProcess[str]:
    environment = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYENV", "PYTHON"))
    }
    environment |= {"PATH": os.pathsep.join(path), **env}
    return subprocess.run(
        ["make", ".venv/bin/python"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def venv_version(project: Path) -> str:
    result = subprocess.run(
        [str(project / ".venv" / "bin" / "python"), "--version"], capture_output=True, text=True
    )
    return result.stdout.strip()


@pytest.mark.skipif(PYENV is None, reason="needs pyenv (this machine: 3.12 and 3.13 only there)")
@pytest.mark.parametrize("version", ["3.12", "3.13"])
def test_python_reachable_only_through_pyenv(cookies: object, version: str) -> None:
    assert any(v.startswith(f"{version}.") for v in pyenv_versions())
    project = bake(cookies, python_version=version)
    result = make_venv(project, [str(Path(PYENV or "").parent), *BARE_PATH])
    assert result.returncode == 0, result.stdout + result.stderr
    assert venv_version(project).startswith(f"Python {version}."), result.stdout


@pytest.mark.skipif(PYENV is None, reason="needs pyenv for a 3.13 interpreter")
def test_a_newer_python3_serves_when_the_chosen_minor_is_missing(
    cookies: object, tmp_path: Path
) -> None:
    """Only a python3 that is 3.13 (like Homebrew's) for a 3.12 project."""
    root = subprocess.run([PYENV or "pyenv", "root"], capture_output=True, text=True).stdout
    newer = next(v for v in pyenv_versions() if v.startswith("3.13."))
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "python3").symlink_to(Path(root.strip()) / "versions" / newer / "bin" / "python3")
    project = bake(cookies, python_version="3.12")
    result = make_venv(project, [str(bin_dir), *BARE_PATH])
    assert result.returncode == 0, result.stdout + result.stderr
    assert venv_version(project).startswith("Python 3.13."), result.stdout


def test_no_suitable_python_says_what_to_install(cookies: object) -> None:
    project = bake(cookies, python_version="3.13")
    result = make_venv(project, BARE_PATH)  # /usr/bin/python3 is older, and no pyenv
    assert result.returncode != 0
    assert "Python 3.13 or newer is needed" in result.stderr, result.stderr
    assert "pyenv install 3.13" in result.stderr, result.stderr
    assert not (project / ".venv").exists()


def test_pythons_given_by_the_user_is_checked(cookies: object) -> None:
    project = bake(cookies, python_version="3.13")
    result = make_venv(project, BARE_PATH, PYTHON="/usr/bin/python3")
    assert result.returncode != 0
    assert "PYTHON=/usr/bin/python3 is Python 3." in result.stderr, result.stderr


def test_readme_documents_python_host_and_port(cookies: object) -> None:
    readme = (bake(cookies) / "README.md").read_text()
    for words in ("make dev PORT=8001", "HOST=0.0.0.0", "PYTHON=", "scripts/find-python"):
        assert words in readme, words
