"""The load generator of the bench: keep-alive HTTP/1.1 connections from this process, each
sending its next request when the last one is answered, and the servers it loads."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

API = "/api/v1"


@dataclass
class Load:
    """What one run of the load generator saw."""

    label: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Milliseconds."""
        if not self.latencies:
            return 0.0
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]

    def summary(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "req_per_s": round(self.rate, 1),
            "p50_ms": round(self.percentile(0.50), 2),
            "p99_ms": round(self.percentile(0.99), 2),
            "requests": self.requests,
            "non_2xx": self.errors,
            "statuses": {str(code): count for code, count in sorted(self.statuses.items())},
        }


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def encode(self) -> bytes:
        lines = [f"{self.method} {self.path} HTTP/1.1", "Host: 127.0.0.1"]
        lines += [f"{name}: {value}" for name, value in self.headers.items()]
        if self.body or self.method == "POST":
            lines.append(f"Content-Length: {len(self.body)}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body


async def exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    body = await reader.readexactly(length)
    return int(head[9:12]), body


async def load(
    port: int,
    requests: list[Request],
    seconds: float,
    connections: int,
    label: str,
    *,
    stop: asyncio.Event | None = None,
) -> Load:
    """Each connection sends its requests in turn (cycling) until `seconds` have passed."""
    result = Load(label)
    encoded = [request.encode() for request in requests]
    deadline = time.monotonic() + seconds

    async def connection(offset: int) -> None:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        index = offset
        try:
            while time.monotonic() < deadline and not (stop and stop.is_set()):
                started = time.perf_counter()
                status, _ = await exchange(reader, writer, encoded[index % len(encoded)])
                result.latencies.append(time.perf_counter() - started)
                result.requests += 1
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if not 200 <= status < 300:
                    result.errors += 1
                index += 1
        finally:
            writer.close()

    started = time.monotonic()
    await asyncio.gather(*(connection(offset) for offset in range(connections)))
    result.seconds = time.monotonic() - started
    return result


async def call(port: int, request: Request) -> tuple[int, Any]:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        status, body = await exchange(reader, writer, request.encode())
    finally:
        writer.close()
    return status, json.loads(body) if body else None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def server(app: str, cwd: Path, env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """(port, pid) of one uvicorn worker serving `app`, stopped on exit."""
    port = free_port()
    command = [sys.executable, "-m", "uvicorn", app, "--port", str(port)]
    command += ["--no-access-log", "--log-level", "warning"]
    process = subprocess.Popen(command, cwd=cwd, env={**os.environ, **env})
    try:
        for _ in range(1200):
            if process.poll() is not None:
                raise SystemExit(f"{app} exited with {process.returncode} at start-up")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        else:
            raise SystemExit(f"{app} did not listen on port {port} within 60 s")
        yield port, process.pid
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


def rss_megabytes(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
