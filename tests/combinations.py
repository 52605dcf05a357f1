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
    "gitlab-nodocker-sentry-py313": {
        "ci_provider": "gitlab",
        "include_docker": False,
        "open_source_license": "BSD-3-Clause",
        "python_version": "3.13",
        "use_sentry": True,
    },
    "k8s-sentry-noci": {
        "ci_provider": "none",
        "deployment": "kubernetes",
        "open_source_license": "Apache-2.0",
        "use_sentry": True,
    },
    "k8s-gitlab-py313": {
        "ci_provider": "gitlab",
        "deployment": "kubernetes",
        "open_source_license": "Proprietary",
        "python_version": "3.13",
    },
    "bare-proprietary": {
        "ci_provider": "none",
        "include_docker": False,
        "open_source_license": "Proprietary",
    },
    "nodocker-py313": {
        "include_docker": False,
        "open_source_license": "Apache-2.0",
        "python_version": "3.13",
        "project_name": "Billing-API v2",
    },
    "k8s-github": {"deployment": "kubernetes", "open_source_license": "BSD-3-Clause"},
    "bare-sentry-py313": {
        "ci_provider": "none",
        "include_docker": False,
        "python_version": "3.13",
        "use_sentry": True,
    },
    "sentry-proprietary": {"open_source_license": "Proprietary", "use_sentry": True},
    "k8s-gitlab": {"ci_provider": "gitlab", "deployment": "kubernetes"},
    "gitlab-apache": {"ci_provider": "gitlab", "open_source_license": "Apache-2.0"},
    "noci-bsd": {"ci_provider": "none", "open_source_license": "BSD-3-Clause"},
}

DEEP: list[str] = ["default"]

# The combination with every optional dependency: its requirements.txt is installed once
# into the environment whose ruff and mypy check every combination.
TOOLS: str = "k8s-sentry-noci"

MANIFEST = json.loads((ROOT / "hooks" / "manifest.json").read_text(encoding="utf-8"))
# Conflicting answers, as the pre-generation hook reads them: {option: [values]} and message.
CONFLICTS: list[dict[str, list[object]]] = [entry["when"] for entry in MANIFEST["conflicts"]]

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
    *(
        ({key: values[0] for key, values in entry["when"].items()}, entry["message"])
        for entry in MANIFEST["conflicts"]
    ),
]


def is_refused(answers: dict[str, object]) -> bool:
    """Whether answers (possibly partial) meet every condition of a conflict."""
    return any(
        all(key in answers and answers[key] in values for key, values in conflict.items())
        for conflict in CONFLICTS
    )


def context(name: str) -> dict[str, object]:
    """The answers of a supported combination, defaults filled in."""
    return {**DEFAULTS, **SUPPORTED[name]}
