"""Every option combination the generator tests, in one place.

SUPPORTED: rendered, checked for leftovers, linted and type-checked.
DEEP: a subset whose generated test suite also runs against real PostgreSQL and Redis.
REFUSED: answers the pre-generation hook (or cookiecutter) must refuse, with the message
that names the problem.
"""

import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = json.loads((ROOT / "cookiecutter.json").read_text(encoding="utf-8"))

# The options whose values change the output: choices (lists) and yes/no questions.
OPTIONS: dict[str, list[object]] = {
    key: (value if isinstance(value, list) else [value, not value])
    for key, value in QUESTIONS.items()
    if not key.startswith("_") and isinstance(value, list | bool)
}
DEFAULTS: dict[str, object] = {key: values[0] for key, values in OPTIONS.items()}

SUPPORTED: dict[str, dict[str, object]] = {
    "default": {},
    "py313-bsd": {"python_version": "3.13", "open_source_license": "BSD-3-Clause"},
    "py313-apache": {"python_version": "3.13", "open_source_license": "Apache-2.0"},
    "py312-apache": {"open_source_license": "Apache-2.0"},
    "py313-proprietary": {"python_version": "3.13", "open_source_license": "Proprietary"},
    "py312-bsd": {"open_source_license": "BSD-3-Clause"},
    "py312-proprietary": {"open_source_license": "Proprietary"},
    "py313-mit": {"python_version": "3.13", "project_name": "Billing-API v2"},
}

DEEP: list[str] = ["default"]

# The combination with every optional dependency: its requirements.txt is installed once
# into the environment whose ruff and mypy check every combination.
TOOLS: str = "default"

# Conflicting options: (options, the words the refusal must contain).
CONFLICTS: list[tuple[dict[str, object], str]] = []

REFUSED: list[tuple[dict[str, object], str]] = [
    (
        {"project_slug": "My-Service"},
        "project_slug 'My-Service' is not a lowercase Python identifier",
    ),
    ({"project_slug": "1service"}, "project_slug '1service' is not a lowercase Python identifier"),
    ({"project_slug": "class"}, "project_slug 'class' is a Python keyword"),
    ({"project_slug": "match"}, "project_slug 'match' is a Python keyword"),
    ({"project_slug": "json"}, "project_slug 'json' would shadow the module 'json'"),
    ({"project_slug": "app"}, "project_slug 'app' would shadow the module 'app'"),
    ({"project_name": "  "}, "project_name is empty"),
    ({"project_name": 'My "Service"'}, "project_name 'My \"Service\"' contains a double quote"),
    ({"author_email": "not-an-email"}, "author_email 'not-an-email' is not a valid e-mail address"),
    ({"author_email": "a@b"}, "author_email 'a@b' is not a valid e-mail address"),
    ({"author_email": "me@exa mple.com"}, "author_email 'me@exa mple.com' is not a valid e-mail"),
    ({"version": "one"}, "version 'one' is not a release number"),
    ({"python_version": "3.11"}, "3.11 provided for choice variable python_version"),
    ({"open_source_license": "GPL"}, "GPL provided for choice variable open_source_license"),
    *CONFLICTS,
]


def context(name: str) -> dict[str, object]:
    """The answers of a supported combination, defaults filled in."""
    return {**DEFAULTS, **SUPPORTED[name]}
