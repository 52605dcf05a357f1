"""The load generator of the bench, and the servers it loads.

Each connection is kept alive and sends its next request when the last one is answered. The
load of each GET comes from `wrk` (C, one thread) when it is on PATH, else from this process
(asyncio), which on a small machine caps what the fastest paths can show (set
BENCH_CLIENT=python to force it). POSTs, and loads that cycle through several requests, always
come from this process.
"""

import asyncio
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

API = "/api/v1"
# The pid of the server listening on each port `server()` started.
SERVERS: dict[int, int] = {}


@dataclass
class Load:
    """What one run of the load generator saw."""

    label: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list, repr=False)
    statuses: dict[int, int] = field(default_factory=dict)
    # Percentiles (share -> milliseconds) reported by wrk, which gives no single latencies.
    reported: dict[float, float] = field(default_factory=dict)
    # CPU time of the server process (all its threads) during the run: steadier than the
    # rate on a shared machine, as the load generator's own share does not count.
    cpu_seconds: float = 0.0

    @property
    def cpu_per_request_us(self) -> float:
        return 1e6 * self.cpu_seconds / self.requests if self.requests else 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        """Milliseconds."""
        if share in self.reported:
            return self.reported[share]
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
            "server_cpu_us_per_req": round(self.cpu_per_request_us, 1),
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
    pid = SERVERS.get(port)
    cpu_before = cpu_seconds(pid)
    result = await _load(port, requests, seconds, connections, label, stop=stop)
    result.cpu_seconds = cpu_seconds(pid) - cpu_before
    return result


def cpu_seconds(pid: int | None) -> float:
    """User and system CPU time of a process so far (0 where /proc is not there)."""
    stat = Path(f"/proc/{pid}/stat")
    if pid is None or not stat.exists():
        return 0.0
    fields = stat.read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _load(
    port: int,
    requests: list[Request],
    seconds: float,
    connections: int,
    label: str,
    *,
    stop: asyncio.Event | None,
) -> Load:
    # wrk drops the requests in flight when its time is up: a dropped slow POST would go on
    # holding its place in a server-side queue, so POSTs always come from this process.
    if client() == "wrk" and len(requests) == 1 and requests[0].method == "GET" and stop is None:
        return await wrk_load(port, requests[0], seconds, connections, label)
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


def client() -> str:
    """The load generator in use: "wrk" or "python"."""
    if os.environ.get("BENCH_CLIENT", "wrk") == "python" or shutil.which("wrk") is None:
        return "python"
    return "wrk"


WRK_SCRIPT = """
wrk.method = {method}
wrk.body = {body}
{headers}
"""
UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _lua(text: str) -> str:
    return json.dumps(text)  # a JSON string is a valid Lua string literal for this text


async def wrk_load(
    port: int, request: Request, seconds: float, connections: int, label: str
) -> Load:
    headers = "\n".join(
        f"wrk.headers[{_lua(name)}] = {_lua(value)}" for name, value in request.headers.items()
    )
    script = WRK_SCRIPT.format(
        method=_lua(request.method), body=_lua(request.body.decode()), headers=headers
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as lua:
        lua.write(script)
        lua.flush()
        # A long timeout: wrk would otherwise drop a slow answer and reconnect, leaving the
        # abandoned request queued on the server.
        command = [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{max(1, round(seconds))}s",
            "--timeout",
            "60s",
        ]
        command += ["--latency", "-s", lua.name, f"http://127.0.0.1:{port}{request.path}"]
        process = await asyncio.create_subprocess_exec(
            *command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
        )
        out, err = await process.communicate()
    report = out.decode()
    if process.returncode != 0 or "Requests/sec" not in report:
        raise SystemExit(f"bench: wrk failed: {err.decode() or report}")
    return parse_wrk(report, label)


def parse_wrk(report: str, label: str) -> Load:
    """A Load from the report of `wrk --latency`."""
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", report)
    if total is None:
        raise SystemExit(f"bench: no request count in wrk's report:\n{report}")
    requests = int(total.group(1))
    seconds = float(total.group(2)) * UNITS[total.group(3)] / 1000
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", report)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    reported = {
        int(share) / 100: float(value) * UNITS[unit]
        for share, value, unit in re.findall(
            r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\b", report, re.M
        )
    }
    # wrk counts non-2xx answers but not their codes.
    statuses = {200: requests - errors} | ({0: errors} if errors else {})
    return Load(label, requests, errors, seconds, statuses=statuses, reported=reported)


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
        SERVERS[port] = process.pid
        yield port, process.pid
    finally:
        SERVERS.pop(port, None)
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
