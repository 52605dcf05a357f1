"""Requests per second of this service against a bare FastAPI app, in one run.

    make bench ARGS="--seconds 10 --connections 32"

Both apps run under the same uvicorn, from this virtual environment, one worker each, with
development settings and logs at WARNING. The load: keep-alive HTTP/1.1 connections, each
sending its next request when the last one is answered, from `wrk` when it is installed, else
from this process (see bench/load.py). It measures bare FastAPI (one `async def` route returning JSON), the service's liveness probe,
the phases of `bench/accounts.py` where the project has accounts, and the service's resident
memory after all of it.

It needs the project's database (DATABASE_URL, from the environment or .env) and the servers
`bench/services.py` names. It creates, migrates and drops a database of its own (the
configured name + `_bench`). It prints a table, writes `bench/results/bench.json` and, with
matplotlib installed (`requirements/bench.txt`), `bench/results/bench.png`. Nothing here
asserts: it prints.
"""

import argparse
import asyncio
import json
import os
import platform
import shlex
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from importlib import import_module
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from sqlalchemy import make_url

from bench import services
from bench.load import API, Load, Request, client, load, rss_megabytes, server

# The signed-in phases, where the project has accounts (the file is absent otherwise).
accounts = import_module("bench.accounts") if find_spec("bench.accounts") else None

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
HEALTH = f"{API}/health/live"

BARE_APP = """
from fastapi import FastAPI

app = FastAPI()


@app.get("PATH")
async def live() -> dict[str, str]:
    return dict(status="ok")
""".replace("PATH", HEALTH)

# The goals this service is held to (see the README's performance section).
GOALS = {"health / bare": 0.85, "rss MB": 120.0}


def service_environment() -> tuple[dict[str, str], str, str]:
    """The service's environment for the run, the admin URL and the bench database name."""
    settings = import_module("app.core.config").get_settings()
    url = make_url(settings.DATABASE_URL)
    if url.get_backend_name() != "postgresql":
        raise SystemExit("bench: DATABASE_URL must name a PostgreSQL database")
    name = f"{url.database}_bench"
    env = {
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "WARNING",
        "DATABASE_URL": url.set(database=name).render_as_string(hide_password=False),
        **services.environment(settings),
    }
    if accounts is not None:
        env.update(accounts.ENVIRONMENT)
    admin = url.set(database="postgres").render_as_string(hide_password=False)
    return env, admin, name


async def database(admin_url: str, name: str, *, create: bool) -> None:
    engine_module = import_module("sqlalchemy.ext.asyncio")
    engine = engine_module.create_async_engine(admin_url, isolation_level="AUTOCOMMIT")
    sql = import_module("sqlalchemy").text
    try:
        async with engine.connect() as connection:
            await connection.execute(sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                await connection.execute(sql(f'CREATE DATABASE "{name}"'))
    finally:
        await engine.dispose()


async def measure(port: int, bare_port: int, seconds: float, connections: int) -> list[Load]:
    results = []
    for label, target in (("bare FastAPI", bare_port), ("health", port)):
        await load(target, [Request("GET", HEALTH)], 1, connections, "warm-up")
        results.append(await load(target, [Request("GET", HEALTH)], seconds, connections, label))
    if accounts is not None:
        results += await accounts.measure(port, seconds, connections)
    return results


def ratios(loads: dict[str, Load], rss: float) -> dict[str, float]:
    figures = {"health / bare": loads["health"].rate / loads["bare FastAPI"].rate}
    if accounts is not None:
        figures.update(accounts.figures(loads))
    figures["rss MB"] = rss
    return figures


def goals() -> dict[str, float]:
    return GOALS if accounts is None else {**GOALS, **accounts.goals(services.FAST_CHECK)}


def met(goal: float, name: str, value: float) -> bool:
    return value <= goal if name.endswith(("ms", "MB")) else value >= goal


def chart(report: dict[str, Any], path: Path) -> bool:
    try:
        matplotlib = import_module("matplotlib")
    except ImportError:
        return False
    matplotlib.use("Agg")
    pyplot = import_module("matplotlib.pyplot")
    rows = [row for row in report["loads"] if not row["label"].startswith("storm load")]
    bare = rows[0]["req_per_s"]
    figure, axis = pyplot.subplots(figsize=(9, 4.8))
    labels = [row["label"] for row in rows]
    values = [row["req_per_s"] / bare for row in rows]
    bars = axis.barh(labels[::-1], values[::-1], color="#4c72b0")
    for bar, row in zip(bars, rows[::-1], strict=True):
        axis.text(
            bar.get_width() + 0.01,
            bar.get_y() + bar.get_height() / 2,
            f"{row['req_per_s']:,.0f} req/s, p99 {row['p99_ms']:.1f} ms",
            va="center",
            fontsize=8,
        )
    axis.set_xlim(0, 1.45)
    axis.set_xlabel("requests per second ÷ bare FastAPI (one uvicorn worker)")
    axis.set_title(f"{report['project']}: {report['date']}, {report['machine']}", fontsize=9)
    footer = f"{report['command']}  (load from {report['client']})"
    figure.text(0.01, 0.01, footer, fontsize=7, family="monospace")
    figure.tight_layout(rect=(0, 0.04, 1, 1))
    figure.savefig(path, dpi=110)
    return True


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    for line in cpuinfo.read_text().splitlines() if cpuinfo.exists() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    return f"{os.cpu_count()} cores, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()
    env, admin_url, name = service_environment()
    asyncio.run(database(admin_url, name, create=True))
    try:
        subprocess.run(
            [sys.executable, "-m", "alembic", "upgrade", "head"],
            cwd=ROOT,
            env={**os.environ, **env},
            check=True,
            capture_output=True,
        )
        with tempfile.TemporaryDirectory() as scratch:
            (Path(scratch) / "bare.py").write_text(BARE_APP)
            with (
                server("bare:app", Path(scratch), {}) as (bare_port, _),
                server("main:app", ROOT, env) as (port, pid),
            ):
                results = asyncio.run(measure(port, bare_port, args.seconds, args.connections))
                rss = rss_megabytes(pid)
    finally:
        asyncio.run(database(admin_url, name, create=False))
    loads = {result.label: result for result in results}
    figures = ratios(loads, rss)
    report: dict[str, Any] = {
        "project": ROOT.name,
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "machine": machine(),
        "command": shlex.join(["python", "-m", "bench.bench", *sys.argv[1:]]),
        "client": client(),
        "loads": [result.summary() for result in results],
        "figures": {key: round(value, 3) for key, value in figures.items()},
        "goals": goals(),
        "met": {key: met(goals()[key], key, value) for key, value in figures.items()},
    }
    print(f"{'':24}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'CPU µs/req':>12}  statuses")
    for row in report["loads"]:
        print(
            f"{row['label']:24}{row['req_per_s']:10,.0f}{row['p50_ms']:9.1f}"
            f"{row['p99_ms']:9.1f}{row['server_cpu_us_per_req']:12,.0f}  {row['statuses']}"
        )
    print()
    for key, value in figures.items():
        goal = goals()[key]
        sign = "≤" if key.endswith(("ms", "MB")) else "≥"
        verdict = "met" if report["met"][key] else "NOT met"
        print(f"{key:24}{value:10.3f}   goal {sign} {goal:g}: {verdict}")
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bench.json").write_text(json.dumps(report, indent=2) + "\n")
    if chart(report, RESULTS / "bench.png"):
        print(f"\nchart: {(RESULTS / 'bench.png').relative_to(ROOT)}")
    else:
        print("\nno chart: pip install -r requirements/bench.txt")


if __name__ == "__main__":
    main()
