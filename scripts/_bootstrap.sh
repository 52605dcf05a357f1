# Shared by scripts/test and scripts/generate: a Python 3.12+ virtual environment in .venv
# with one of the generator's dependency groups (pyproject.toml): "render" for generate, "test"
# (render and the test toolchain) for test.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VENV="$ROOT/.venv"

version_ok() {  # $1: an interpreter; true when it runs and is 3.12 or newer
    "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1
}

find_python() {
    local candidate root version
    for candidate in "${PYTHON:-}" python3.14 python3.13 python3.12 python3; do
        [ -n "$candidate" ] && command -v "$candidate" >/dev/null 2>&1 || continue
        version_ok "$candidate" && { command -v "$candidate"; return; }
    done
    # pyenv shims fail unless a version is selected: look at the installed versions directly.
    if command -v pyenv >/dev/null 2>&1; then
        root=$(pyenv root)
        for version in $(ls "$root/versions" 2>/dev/null | sort -rV); do
            candidate="$root/versions/$version/bin/python3"
            [ -x "$candidate" ] && version_ok "$candidate" && { echo "$candidate"; return; }
        done
    fi
    return 1
}

ensure_venv() {  # $1: the dependency group to install
    local group=$1
    if [ ! -x "$VENV/bin/python" ] || ! version_ok "$VENV/bin/python"; then
        local python
        python=$(find_python) || {
            echo "error: Python 3.12 or newer is needed and none was found (tried \$PYTHON, python3.14," \
                 "python3.13, python3.12, python3 and pyenv); install one, e.g. 'pyenv install 3.12'" \
                 "or 'apt-get install python3.12', or point PYTHON at it" >&2
            exit 2
        }
        echo "Creating $VENV with $python ($("$python" --version))"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
    local stamp="$VENV/.installed-$group"
    if [ ! -f "$stamp" ] || [ "$ROOT/pyproject.toml" -nt "$stamp" ]; then
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        (cd "$ROOT" && "$VENV/bin/python" -m pip install --quiet --group "$group")
        touch "$stamp"
    fi
}
