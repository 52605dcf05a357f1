"""Real server processes on free local ports, against the test database{% if cookiecutter.use_redis %} and Redis{% endif %}.

Each server runs in a process group of its own (a reloader's or an arbiter's children too),
writes its output to a file, never to a pipe nobody reads, and the whole group is killed at
the end. Every wait is bounded.
"""

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.conftest import PROJECT_ROOT

# Bounds, not timings: generous enough for a loaded machine.
STARTUP_SECONDS = 60
STOP_SECONDS = 15
# The project's own interpreter first on PATH, for scripts that call `python`.
PATH = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@dataclass(frozen=True)
class Server:
    url: str
    output: Path

    def log(self) -> str:
        """Everything the server has printed so far."""
        return self.output.read_text(errors="replace")
{%- if cookiecutter.task_queue == "saq" %}


def wait_for_log(process: subprocess.Popen[bytes], output: Path, text: str) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while text not in output.read_text(errors="replace"):
        if process.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"no {text!r} from the process:\n{output.read_text(errors='replace')}")
        time.sleep(0.1)


@contextmanager
def running_worker(settings: dict[str, str]) -> Iterator[Server]:
    """`python -m app.worker` with these settings, once it runs; `url` is unused."""
    descriptor, name = tempfile.mkstemp(prefix="worker-", suffix=".log")
    os.close(descriptor)
    worker = Server("", Path(name))
    with worker.output.open("ab") as output:
        process = subprocess.Popen(  # our own interpreter and module
            [sys.executable, "-m", "app.worker"],
            cwd=PROJECT_ROOT,
            env={**os.environ, "PATH": PATH, **settings},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_for_log(process, worker.output, "Worker running")
        yield worker
    finally:
        stop_group(process)
        worker.output.unlink(missing_ok=True)
{%- endif %}


def uvicorn_command(port: int) -> list[str]:
    return [sys.executable, "-m", "uvicorn", "main:app", "--host", "127.0.0.1", "--port", str(port)]


@contextmanager
def serving(command: list[str], settings: dict[str, str], port: int) -> Iterator[Server]:
    """Run `command` from the project root with these settings; the server once
    /api/v1/health/live answers 200 on `port`."""
    descriptor, name = tempfile.mkstemp(prefix="server-", suffix=".log")
    os.close(descriptor)
    server = Server(f"http://127.0.0.1:{port}", Path(name))
    with server.output.open("ab") as output:
        process = subprocess.Popen(  # noqa: S603  # our own interpreter and scripts
            command,
            cwd=PROJECT_ROOT,
            env={**os.environ, "PATH": PATH, **settings},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_until_live(process, server)
        yield server
    finally:
        stop_group(process)
        server.output.unlink(missing_ok=True)


def wait_until_live(process: subprocess.Popen[bytes], server: Server) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if process.poll() is not None:
            pytest.fail(f"the server exited with {process.returncode} at start-up:\n{server.log()}")
        with suppress(httpx.TransportError):
            if httpx.get(f"{server.url}/api/v1/health/live", timeout=1).status_code == 200:
                return
        if time.monotonic() > deadline:
            pytest.fail(
                f"the server did not answer on {server.url} within {STARTUP_SECONDS} s:\n"
                f"{server.log()}"
            )
        time.sleep(0.1)


def stop_group(process: subprocess.Popen[bytes]) -> None:
    """SIGTERM to the server's whole process group, SIGKILL to whatever is left."""
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=STOP_SECONDS)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=STOP_SECONDS)
    with suppress(ProcessLookupError):  # children that outlived their parent
        os.killpg(process.pid, signal.SIGKILL)


@contextmanager
def running_server(settings: dict[str, str]) -> Iterator[str]:
    """`uvicorn main:app` with these settings; its URL once it answers."""
    port = free_port()
    with serving(uvicorn_command(port), settings, port) as server:
        yield server.url


@pytest.fixture(scope="session")
def server_url(services: dict[str, str]) -> Iterator[str]:
{%- if cookiecutter.task_queue == "saq" %}
    """The app, and a worker that sends its mails."""
    with running_worker(services), running_server(services) as url:
        yield url
{%- else %}
    with running_server(services) as url:
        yield url
{%- endif %}
