"""Every option combination the generator tests, in one place.

SUPPORTED: rendered, checked for leftovers, linted and type-checked.
DEEP: a subset whose generated test suite also runs against real PostgreSQL and Redis.
REFUSED: answers the pre-generation hook (or cookiecutter) must refuse, with the message
that names the problem.
"""

import json
import re
from pathlib import Path
from typing import Any

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
    # jwt, Redis, e-mail, Docker, GitHub Actions, MIT, Python 3.12
    "default": {},
    "session-noredis-gitlab-nodocker-sentry": {
        "auth_mode": "session",
        "use_redis": False,
        "enable_email": False,
        "task_queue": "none",
        "ci_provider": "gitlab",
        "include_docker": False,
        "use_sentry": True,
        "open_source_license": "BSD-3-Clause",
        "python_version": "3.13",
    },
    "none-k8s-sentry-noci": {
        "auth_mode": "none",
        "enable_email": False,
        "task_queue": "none",
        "deployment": "kubernetes",
        "ci_provider": "none",
        "use_sentry": True,
        "open_source_license": "Apache-2.0",
    },
    "session-noredis-k8s-noci": {
        "auth_mode": "session",
        "use_redis": False,
        "deployment": "kubernetes",
        "ci_provider": "none",
        "open_source_license": "Proprietary",
        "python_version": "3.13",
    },
    "none-noredis-nodocker": {
        "auth_mode": "none",
        "use_redis": False,
        "enable_email": False,
        "task_queue": "none",
        "include_docker": False,
        "open_source_license": "Proprietary",
    },
    "gitlab-nodocker": {
        "ci_provider": "gitlab",
        "include_docker": False,
        "open_source_license": "Apache-2.0",
        "python_version": "3.13",
        "project_name": "Billing-API v2",
    },
    "k8s-sentry": {
        "deployment": "kubernetes",
        "observability": "opentelemetry",
        "use_sentry": True,
        "open_source_license": "BSD-3-Clause",
    },
    "noredis-noemail-bare-sentry": {
        "observability": "opentelemetry",
        "use_redis": False,
        "enable_email": False,
        "task_queue": "none",
        "ci_provider": "none",
        "include_docker": False,
        "use_sentry": True,
        "python_version": "3.13",
    },
    "session-k8s-gitlab": {
        "auth_mode": "session",
        "ci_provider": "gitlab",
        "deployment": "kubernetes",
    },
    "session-noredis": {
        "auth_mode": "session",
        "observability": "opentelemetry",
        "use_redis": False,
        "open_source_license": "Apache-2.0",
        "python_version": "3.13",
    },
    "none-gitlab-sentry": {
        "auth_mode": "none",
        "enable_email": False,
        "task_queue": "none",
        "ci_provider": "gitlab",
        "use_sentry": True,
        "open_source_license": "Proprietary",
        "python_version": "3.13",
    },
    "none-noci-bsd": {
        "auth_mode": "none",
        "observability": "opentelemetry",
        "enable_email": False,
        "task_queue": "none",
        "ci_provider": "none",
        "open_source_license": "BSD-3-Clause",
    },
    "proprietary": {"open_source_license": "Proprietary", "observability": "opentelemetry"},
    "none": {"auth_mode": "none", "enable_email": False, "task_queue": "none"},
    # e-mail sent in-process after the answer, no worker
    "nojobs": {"task_queue": "none", "deployment": "kubernetes", "python_version": "3.13"},
    "nojobs-noredis-gitlab": {
        "task_queue": "none",
        "use_redis": False,
        "ci_provider": "gitlab",
        "observability": "opentelemetry",
    },
}

DEEP: list[str] = [
    "default",  # jwt, Redis, e-mail, jobs in Redis
    "session-k8s-gitlab",  # session, Redis, e-mail
    "none",  # no accounts, Redis
    "noredis-noemail-bare-sentry",  # jwt, in-process stand-ins, no e-mail
    "session-noredis",  # session, in-process stand-ins, e-mail, jobs in PostgreSQL
    "nojobs",  # jwt, Redis, e-mail sent in-process (no worker)
    "none-noredis-nodocker",  # no accounts, no Redis
    "session-noredis-gitlab-nodocker-sentry",  # session, in-process stand-ins, no e-mail, 3.13
]

# The combination with every optional dependency: its requirements.txt is installed once
# into the environment whose ruff and mypy check every combination.
TOOLS: str = "k8s-sentry"

MANIFEST: dict[str, Any] = QUESTIONS["_manifest"]
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


# What must not appear anywhere (file names or contents) in a project whose answers meet the
# condition: a disabled option leaves no module, setting, dependency, doc line or CI step.
TRACES: list[tuple[dict[str, list[object]], re.Pattern[str]]] = [
    ({"include_docker": [False]}, re.compile(r"docker", re.IGNORECASE)),
    (
        {"ci_provider": ["none"]},
        re.compile(r"gitlab|\.github/|github actions|GITHUB_", re.IGNORECASE),
    ),
    ({"ci_provider": ["github"]}, re.compile(r"gitlab", re.IGNORECASE)),
    ({"ci_provider": ["gitlab"]}, re.compile(r"\.github/|github actions|GITHUB_", re.IGNORECASE)),
    ({"deployment": ["none"]}, re.compile(r"kubernetes|kubectl|kustomiz|k8s", re.IGNORECASE)),
    ({"use_sentry": [False]}, re.compile(r"sentry", re.IGNORECASE)),
    (
        {"observability": ["none"]},
        re.compile(r"opentelemetry|otel|prometheus|trace_id|span_id|METRICS_", re.IGNORECASE),
    ),
    ({"use_redis": [False]}, re.compile(r"redis(?!tribut)", re.IGNORECASE)),
    (
        {"task_queue": ["none"]},
        re.compile(r"saq|app\.worker|outbox|JOB_|WORKER_CONCURRENCY|psycopg", re.IGNORECASE),
    ),
    (
        {"enable_email": [False]},
        re.compile(
            r"smtp|email_service|aiosmtp|verify.email|forgot|reset.password|action.token"
            r"|FRONTEND_URL|is_verified",
            re.IGNORECASE,
        ),
    ),
    ({"auth_mode": ["jwt"]}, re.compile(r"csrf|__Host-|session_cookie|SESSION_", re.IGNORECASE)),
    (
        {"auth_mode": ["session"]},
        re.compile(r"jwt|refresh.token|access.token|oauth2|bearer_format", re.IGNORECASE),
    ),
    (
        {"auth_mode": ["none"]},
        re.compile(
            r"jwt|bcrypt|hash_password|superuser|refresh.token|csrf|/users|models\.user"
            r"|UserService|AuthService|auth_service|oauth2|/auth/|rate.limit|login|SECRET_KEY",
            re.IGNORECASE,
        ),
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


def source_key(value: object) -> str:
    """How an answer names its source in a variant: JSON object keys are strings."""
    return value if isinstance(value, str) else json.dumps(value)


def variants(manifest: dict[str, Any] = MANIFEST) -> list[dict[str, Any]]:
    """Per-option variants of one file: the post-generation hook renames the answer's source
    into `path` and deletes the other sources. A manifest may have rules only."""
    return list(manifest.get("variants", []))


def expected_paths(
    answers: dict[str, object], manifest: dict[str, Any] = MANIFEST
) -> dict[str, bool]:
    """Every path the manifest mentions, and whether it must exist in the rendered project.

    A rule keeps its paths when the answers meet all its conditions; a path several entries
    mention must satisfy all of them. A variant's target exists iff the answers meet its
    conditions and pick one of its sources; the sources themselves never survive rendering
    (renamed or deleted).
    """
    expected: dict[str, bool] = {}

    def require(path: str, present: bool) -> None:
        expected[path] = expected.get(path, True) and present

    def kept(entry: dict[str, Any]) -> bool:
        return all(answers[key] in allowed for key, allowed in entry.get("keep_when", {}).items())

    for rule in manifest["rules"]:
        for path in rule["paths"]:
            require(path, kept(rule))
    for variant in variants(manifest):
        chosen = source_key(answers[variant["by"]]) in variant["sources"]
        require(variant["path"], kept(variant) and chosen)
    for variant in variants(manifest):
        for source in variant["sources"].values():
            require(source, False)
    return expected
