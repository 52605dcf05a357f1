"""Mutation score of the security-critical modules of the generated project.

    .venv/bin/python bench/mutation.py [--only default|session] [--workdir DIR] [--template DIR]
    .venv/bin/python bench/mutation.py --report-only --workdir DIR  # an earlier run, again

Renders the default project (jwt) and a session-mode project, installs each one's
requirements/test.txt and mutmut into a fresh virtual environment on the Python the project
names, writes mutmut's configuration into the render's pyproject.toml, and runs `mutmut run`
on the modules below with the generated unit and integration tests (mutmut runs each mutant
against the tests that call the mutated function; e2e tests serve the app from another
process, where mutmut cannot see which function they reach).

Prints, per module: mutants, killed, survived, known-equivalent survivors, untested and timed
out mutants, and the score = killed / (mutants - equivalent); then every surviving mutant as a
diff, marked with the reason when it is a known equivalent (EQUIVALENT below). A report is
also written to bench/results/. Nothing here asserts: it prints.

Needs PostgreSQL and Redis as the generated suite does (TEST_DATABASE_URL, TEST_REDIS_URL;
mutants run one at a time, as the suite empties its Redis database). About 25 minutes per
project on 2 cores.
"""

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
sys.path.insert(0, str(ROOT))

from tests.interpreters import find_python  # noqa: E402  # the generator's own helpers

MUTMUT = "mutmut==3.8.1"

# Project -> (answers, modules to mutate). Modules both auth modes share are measured in the
# default project only.
TARGETS: dict[str, tuple[dict[str, str], list[str]]] = {
    "default": (
        {},
        [
            "app/core/passwords.py",
            "app/core/tokens.py",
            "app/core/security.py",
            "app/services/auth_service.py",
            "app/services/sign_in_service.py",
            "app/services/rate_limit_service.py",
            "app/services/user_service.py",
        ],
    ),
    "session": (
        {"auth_mode": "session"},
        [
            "app/core/security.py",
            "app/services/auth_service.py",
            "app/services/session_service.py",
        ],
    ),
}


@dataclass(frozen=True)
class Equivalent:
    """A surviving mutant no test can kill, because the program behaves the same."""

    project: str
    function: str  # mutmut's name without the trailing __mutmut_<n>
    removed: str  # the original line, stripped
    added: str  # the mutated line, stripped
    reason: str


AUTH_JWT = "app.services.auth_service"
JOIN_INFERRED = "SQLAlchemy infers the same ON clause from the only foreign key between them"
SAME_INSTANT = (
    "differs only when an expiry equals the current microsecond, which no request can choose"
)
UUID_DEFAULT = "the column's default (uuid.uuid4) gives the family its id at flush"

EQUIVALENT: list[Equivalent] = [
    Equivalent(
        "default",
        f"{AUTH_JWT}.x_authenticate",
        ".join(RefreshTokenFamily, RefreshTokenFamily.user_id == User.id)",
        ".join(RefreshTokenFamily, None)",
        JOIN_INFERRED,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x_authenticate",
        ".join(RefreshTokenFamily, RefreshTokenFamily.user_id == User.id)",
        ".join(RefreshTokenFamily, )",
        JOIN_INFERRED,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x\u01c1AuthService\u01c1refresh",
        ".join(RefreshTokenFamily, RefreshToken.family_id == RefreshTokenFamily.id)",
        ".join(RefreshTokenFamily, None)",
        JOIN_INFERRED,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x\u01c1AuthService\u01c1refresh",
        ".join(RefreshTokenFamily, RefreshToken.family_id == RefreshTokenFamily.id)",
        ".join(RefreshTokenFamily, )",
        JOIN_INFERRED,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x_authenticate",
        "RefreshTokenFamily.expires_at > datetime.now(UTC),",
        "RefreshTokenFamily.expires_at >= datetime.now(UTC),",
        SAME_INSTANT,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x\u01c1AuthService\u01c1refresh",
        "or min(token.expires_at, family.expires_at) <= now",
        "or min(token.expires_at, family.expires_at) < now",
        SAME_INSTANT,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x\u01c1AuthService\u01c1start_family",
        "id=uuid.uuid4(),",
        "id=None,",
        UUID_DEFAULT,
    ),
    Equivalent(
        "default",
        f"{AUTH_JWT}.x\u01c1AuthService\u01c1start_family",
        "id=uuid.uuid4(),",
        "",
        UUID_DEFAULT,
    ),
]

USERS = "app.services.user_service.x\u01c1UserService\u01c1"
SIGN_IN = "app.services.sign_in_service.x\u01c1SignInService\u01c1"
SESSION_SECURITY = "app.core.security"
NOT_A_COLUMN = (
    "current_password is no column: _apply would only set a plain attribute on the User object, "
    "which nothing stores or reads"
)
STARLETTE_DEFAULT = (
    "the argument left out (or None for a flag) is Starlette's own default: the same Set-Cookie"
)
UPDATE_OWN = 'model_dump(exclude_unset=True, exclude={"current_password"})'

EQUIVALENT += [
    Equivalent(
        "default",
        "app.core.tokens.x_new_opaque_token",
        "return secrets.token_urlsafe(32)",
        "return secrets.token_urlsafe(None)",
        "secrets.token_urlsafe's default is 32 bytes",
    ),
    Equivalent(
        "default",
        f"{SIGN_IN}_rehash",
        ".execution_options(synchronize_session=False)",
        ".execution_options(synchronize_session=None)",
        "SQLAlchemy reads None as its default ('auto'): it differs from False only in updating "
        "the in-session User's hash, which nothing reads after the rehash",
    ),
    Equivalent(
        "default",
        f"{USERS}list_page",
        "total = await self.db.scalar(select(func.count()).select_from(User)) or 0",
        "total = await self.db.scalar(select(func.count()).select_from(User)) or 1",
        "only a signed-in administrator lists users, so COUNT(*) is at least 1",
    ),
    *(
        Equivalent(
            "default",
            f"{USERS}update_own",
            f"changes = data.{UPDATE_OWN}",
            f"changes = data.{added}",
            NOT_A_COLUMN,
        )
        for added in (
            "model_dump(exclude_unset=True, exclude=None)",
            "model_dump(exclude_unset=True, )",
            'model_dump(exclude_unset=True, exclude={"XXcurrent_passwordXX"})',
            'model_dump(exclude_unset=True, exclude={"CURRENT_PASSWORD"})',
        )
    ),
    Equivalent(
        "session",
        f"{SESSION_SECURITY}.x_csrf_token_for",
        'return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()',
        'return base64.urlsafe_b64encode(digest).rstrip(b"XX=XX").decode()',
        "the last character of 32 bytes in base64 holds 4 bits (one of AEIMQUYcgkosw048), never X",
    ),
    Equivalent(
        "session",
        f"{SESSION_SECURITY}.x_check_csrf",
        'presented = request.headers.get(CSRF_HEADER, "")',
        'presented = request.headers.get(CSRF_HEADER, "XXXX")',
        "a missing header is compared with a 43-character token: '' and 'XXXX' both differ",
    ),
]
# Cookie arguments equal to Starlette's defaults (path="/", samesite="lax", httponly=False).
_SET = '{}, {}, path="/", secure=True, httponly={}, samesite="lax"'
for cookie, value, httponly, removed_arguments in [
    ("SESSION_COOKIE", "session_token", "True", ["path", "samesite"]),
    ("CSRF_COOKIE", "csrf_token", "False", ["path", "samesite", "httponly", "httponly=None"]),
]:
    original = _SET.format(cookie, value, httponly)
    for argument in removed_arguments:
        if argument == "httponly=None":
            added = original.replace("httponly=False", "httponly=None")
        elif argument == "samesite":
            added = original.replace(', samesite="lax"', ", ")
        else:
            added = original.replace(
                f"{argument}=" + ('"/", ' if argument == "path" else "False, "), ""
            )
        EQUIVALENT.append(
            Equivalent(
                "session",
                f"{SESSION_SECURITY}.x_set_session_cookies",
                original,
                added,
                STARLETTE_DEFAULT,
            )
        )
for cookie, httponly in [("SESSION_COOKIE", "True"), ("CSRF_COOKIE", "False")]:
    original = (
        f'response.delete_cookie({cookie}, path="/", secure=True, httponly={httponly}, '
        'samesite="lax")'
    )
    variants = [original.replace('path="/", ', ""), original.replace(', samesite="lax")', ", )")]
    if httponly == "False":
        variants += [
            original.replace("httponly=False", "httponly=None"),
            original.replace(" httponly=False,", ""),
        ]
    for added in variants:
        EQUIVALENT.append(
            Equivalent(
                "session",
                f"{SESSION_SECURITY}.x_clear_session_cookies",
                original,
                added,
                STARLETTE_DEFAULT,
            )
        )

# mutmut's exit codes, grouped as this report counts them (see mutmut/stats.py).
KILLED = {1, 3, 37}
SURVIVED = {0}
UNTESTED = {5, 33}
TIMEOUT = {24, -24, 36, 152, 255}


def run(command: list[str], cwd: Path, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, text=True, check=True, **kwargs)  # type: ignore[call-overload,no-any-return]


def render(template: Path, answers: dict[str, str], output: Path) -> Path:
    output.mkdir(parents=True, exist_ok=True)
    pairs = [f"{key}={value}" for key, value in answers.items()]
    run(
        [str(BIN / "cookiecutter"), "--no-input", "-f", "-o", str(output), str(template), *pairs],
        cwd=ROOT,
        capture_output=True,
    )
    [project] = [path for path in output.iterdir() if (path / "pyproject.toml").exists()]
    return project


def python_version_of(project: Path) -> str:
    text = (project / "pyproject.toml").read_text()
    line = next(line for line in text.splitlines() if line.startswith("requires-python"))
    return line.split('">=')[1].rstrip('"').strip()


def make_venv(project: Path) -> Path:
    version = python_version_of(project)
    python = find_python(version)
    if python is None:
        print(f"!! Python {version} not found here: using {sys.executable} instead")
    venv = project / ".venv-mutation"
    run([str(BIN / "uv"), "venv", "-q", "-p", str(python or sys.executable), str(venv)], project)
    run(
        [
            str(BIN / "uv"),
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            "-r",
            "requirements/test.txt",
            MUTMUT,
        ],
        project,
    )
    return venv / "bin"


def configure(project: Path, modules: list[str]) -> None:
    quoted = ", ".join(f'"{module}"' for module in modules)
    config = f"""

[tool.mutmut]
source_paths = ["app"]
only_mutate = [{quoted}]
pytest_add_cli_args_test_selection = ["tests/unit", "tests/integration"]
also_copy = ["alembic", "alembic.ini", "main.py", "gunicorn.conf.py", "scripts", ".env"]
"""
    with (project / "pyproject.toml").open("a") as pyproject:
        pyproject.write(config)


def diff_of(bin_dir: Path, project: Path, mutant: str) -> tuple[str, str, str]:
    """The mutant's diff, and its removed and added lines (stripped)."""
    shown = (
        subprocess.run(
            [str(bin_dir / "mutmut"), "show", mutant], cwd=project, text=True, capture_output=True
        ).stdout
        or f"(mutmut show {mutant} failed)\n"
    )
    lines = shown.splitlines()
    removed = "\n".join(
        line[1:].strip() for line in lines if line.startswith("-") and not line.startswith("---")
    )
    added = "\n".join(
        line[1:].strip() for line in lines if line.startswith("+") and not line.startswith("+++")
    )
    return shown, removed, added


def equivalent_reason(name: str, mutant: str, removed: str, added: str) -> str | None:
    function = mutant.rsplit("__mutmut_", 1)[0]
    for known in EQUIVALENT:
        if (known.project, known.function, known.removed, known.added) == (
            name,
            function,
            removed,
            added,
        ):
            return known.reason
    return None


def measure(
    name: str, template: Path, workdir: Path, env: dict[str, str], *, report_only: bool
) -> list[str]:
    answers, modules = TARGETS[name]
    minutes = 0.0
    if report_only:  # the results of an earlier run in this workdir
        [project] = [path.parent for path in (workdir / name).glob("*/.venv-mutation")]
        bin_dir = project / ".venv-mutation" / "bin"
    else:
        project = render(template, answers, workdir / name)
        print(f"== {name}: {project}", flush=True)
        bin_dir = make_venv(project)
        configure(project, modules)
        started = time.monotonic()
        with (workdir / f"{name}-mutmut.log").open("w") as log:
            result = subprocess.run(
                [str(bin_dir / "mutmut"), "run", "--max-children", "1"],
                cwd=project,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                check=False,
            )
        minutes = (time.monotonic() - started) / 60
        print(f"   mutmut run: exit {result.returncode} in {minutes:.1f} min", flush=True)

    report = [f"## {name} ({minutes:.0f} min)", ""]
    report.append(
        "| module | mutants | killed | survived | equivalent | untested | timeout | score |"
    )
    report.append("|---|---:|---:|---:|---:|---:|---:|---:|")
    survivors: list[str] = []
    for module in modules:
        meta = project / "mutants" / f"{module}.meta"
        codes: dict[str, int | None] = (
            json.loads(meta.read_text())["exit_code_by_key"] if meta.exists() else {}
        )
        counts: Counter[str] = Counter()
        for mutant, code in sorted(codes.items()):
            if code in KILLED:
                counts["killed"] += 1
            elif code in UNTESTED:
                counts["untested"] += 1
            elif code in TIMEOUT:
                counts["timeout"] += 1
            else:
                shown, removed, added = diff_of(bin_dir, project, mutant)
                reason = equivalent_reason(name, mutant, removed, added)
                if code in SURVIVED and reason is not None:
                    counts["equivalent"] += 1
                    survivors.append(f"equivalent: {reason}\n{shown}")
                else:
                    counts["survived"] += 1
                    survivors.append(f"status {code}\n{shown}")
        total = len(codes)
        scored = total - counts["equivalent"]
        score = f"{100 * counts['killed'] / scored:.1f} %" if scored else "n/a"
        report.append(
            f"| {module} | {total} | {counts['killed']} | {counts['survived']} | "
            f"{counts['equivalent']} | {counts['untested']} | {counts['timeout']} | {score} |"
        )
    report += ["", "### Surviving mutants", ""]
    report += [f"```diff\n{text.rstrip()}\n```" for text in survivors] or ["none"]
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", choices=sorted(TARGETS), action="append")
    parser.add_argument("--workdir", type=Path, help="where to render (kept afterwards)")
    parser.add_argument("--template", type=Path, default=ROOT, help="the template to render")
    parser.add_argument(
        "--report-only", action="store_true", help="report an earlier run in --workdir again"
    )
    args = parser.parse_args()
    if args.report_only and args.workdir is None:
        parser.error("--report-only needs --workdir")
    workdir = args.workdir or Path(f"/tmp/mutation-{time.strftime('%Y%m%d-%H%M%S')}")
    env = {
        **os.environ,
        "TEST_DATABASE_URL": os.environ.get(
            "TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
        ),
        "TEST_REDIS_URL": os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15"),
    }
    report = [f"# Mutation scores ({time.strftime('%Y-%m-%d %H:%M')})", ""]
    for name in args.only or list(TARGETS):
        template = args.template.resolve()
        report += [*measure(name, template, workdir, env, report_only=args.report_only), ""]
    text = "\n".join(report)
    print(text)
    results = ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    path = results / f"mutation-{time.strftime('%Y%m%d-%H%M%S')}.md"
    path.write_text(text + "\n")
    print(f"(written to {path}; renders and mutmut's state in {workdir})")


if __name__ == "__main__":
    main()
