"""Where the Python a combination names lives on this machine (PATH, then pyenv's versions)."""

import os
import shutil
import subprocess
from pathlib import Path


def runs_as(candidate: str, version: str) -> bool:
    """Whether `candidate` starts and is Python `version` (pyenv shims fail unless selected)."""
    try:
        result = subprocess.run(
            [candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except OSError:
        return False
    return result.returncode == 0 and result.stdout.strip() == version


def find_python(version: str) -> Path | None:
    """An interpreter of `version` ("3.13"), or None when this machine has none."""
    on_path = shutil.which(f"python{version}")
    if on_path and runs_as(on_path, version):
        return Path(on_path)
    pyenv = shutil.which("pyenv")
    root = os.environ.get("PYENV_ROOT")
    if root is None and pyenv:
        found = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        root = found.stdout.strip() or None
    if root:
        installed = sorted(
            Path(root, "versions").glob(f"{version}.*/bin/python{version}"),
            key=lambda path: [
                int(part) for part in path.parents[1].name.split(".") if part.isdigit()
            ],
        )
        for candidate in reversed(installed):
            if runs_as(str(candidate), version):
                return candidate
    return None
