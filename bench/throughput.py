"""Requests per second of the generated service against a bare FastAPI app, same machine.

    .venv/bin/python bench/throughput.py [seconds] [connections]

Renders the default project, installs its requirements into a fresh virtual environment,
starts both apps with one uvicorn worker each (the same interpreter and uvicorn options),
and loads `GET /api/v1/health/live` on each with a keep-alive HTTP/1.1 client from this
process. Both servers share the machine with the client, so compare the two figures,
not the absolute numbers. Nothing here asserts: it prints.
"""

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PATH = "/api/v1/health/live"

# Production settings that start without any server: no mail is sent during the run.
PRODUCTION = {
    "ENVIRONMENT": "production",
    "LOG_LEVEL": "WARNING",
    "EMAIL_BACKEND": "smtp",
    "SMTP_HOST": "127.0.0.1",
    "EMAIL_FROM": "no-reply@bench.example.org",
    "FRONTEND_URL": "https://bench.example.org",
}

# The same endpoint in an included router, as the template's layout has it (FastAPI 0.165
# matches included routers at request time rather than flattening them).
NESTED_APP = """
from fastapi import APIRouter, FastAPI

health = APIRouter()


@health.get("/live")
async def live() -> dict[str, str]:
    return {"status": "ok"}


app = FastAPI()
app.include_router(health, prefix="/api/v1/health")
"""

BARE_APP = f"""
from fastapi import FastAPI

app = FastAPI()


@app.get("{PATH}")
async def live() -> dict[str, str]:
    return {{"status": "ok"}}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def load(port: int, seconds: float, connections: int) -> tuple[int, int]:
    """Send sequential keep-alive requests on each connection; count answers and non-200s."""
    request = f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    deadline = time.monotonic() + seconds
    done = errors = 0

    async def worker() -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        while time.monotonic() < deadline:
            writer.write(request)
            head = await reader.readuntil(b"\r\n\r\n")
            length = 0
            for line in head.split(b"\r\n"):
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            await reader.readexactly(length)
            done += 1
            if not head.startswith(b"HTTP/1.1 200"):
                errors += 1
        writer.close()

    await asyncio.gather(*(worker() for _ in range(connections)))
    return done, errors


def serve(
    app: str, cwd: Path, python: Path, env: dict[str, str]
) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [
            str(python),
            "-m",
            "uvicorn",
            app,
            "--port",
            str(port),
            "--no-access-log",
            "--log-level",
            "warning",
        ],
        cwd=cwd,
        env={**os.environ, **env},
    )
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return process, port
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit(f"{app} did not start")


def main() -> None:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10
    connections = int(sys.argv[2]) if len(sys.argv) > 2 else 16
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        subprocess.run(
            [str(BIN / "cookiecutter"), "--no-input", str(ROOT), "-o", str(work)],
            check=True,
            capture_output=True,
        )
        project = work / "my_service"
        venv = work / "venv"
        subprocess.run([str(BIN / "uv"), "venv", "-q", "-p", sys.executable, str(venv)], check=True)
        subprocess.run(
            [
                str(BIN / "uv"),
                "pip",
                "install",
                "-q",
                "-p",
                str(venv / "bin" / "python"),
                "-r",
                str(project / "requirements" / "production.txt"),
            ],
            check=True,
        )
        (work / "bare.py").write_text(BARE_APP)
        (work / "nested.py").write_text(NESTED_APP)
        python = venv / "bin" / "python"
        results = {}
        for label, app, cwd, env in (
            ("bare FastAPI", "bare:app", work, {}),
            ("bare, included router", "nested:app", work, {}),
            (
                "generated service",
                "main:app",
                project,
                PRODUCTION,
            ),
        ):
            process, port = serve(app, cwd, python, env)
            try:
                asyncio.run(load(port, 1, connections))  # warm-up
                done, errors = asyncio.run(load(port, seconds, connections))
            finally:
                process.terminate()
                process.wait()
            results[label] = done / seconds
            print(f"{label:22} {done / seconds:9.0f} req/s  ({done} requests, {errors} non-200)")
        generated = results["generated service"]
        print(f"generated / bare: {generated / results['bare FastAPI']:.2f}")
        print(
            f"generated / bare with an included router: {generated / results['bare, included router']:.2f}"
        )


if __name__ == "__main__":
    main()
