"""`python main.py` (`make dev`) on a port another program holds: one line saying what to do."""

import os
import socket
import subprocess
import sys

from tests.conftest import PROJECT_ROOT, TEST_SETTINGS


def test_a_busy_port_is_named_with_the_way_out() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "main.py"],
            cwd=PROJECT_ROOT,
            env={**os.environ, **TEST_SETTINGS, "HOST": "127.0.0.1", "PORT": str(port)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert result.returncode != 0
    assert f"port {port} on 127.0.0.1 is in use" in result.stderr, result.stderr
    assert "make dev PORT=" in result.stderr
