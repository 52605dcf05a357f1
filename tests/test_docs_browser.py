"""/docs in a real browser: Debian's headless Chromium (apt-get install chromium
chromium-driver; .ci/run installs them) opens the docs of a rendered service. The operations
list renders, the console stays clean (a CSP violation or an unreachable CDN would show there),
and the screenshot is kept in test-artifacts/docs.png."""

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.combinations import ROOT, TOOLS
from tests.conftest import Render

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
def service(render: Render, tools: Path, tmp_path: Path) -> Iterator[str]:
    """The rendered service under uvicorn, on SQLite and the in-process Redis (no servers)."""
    project, port = render(TOOLS), free_port()
    log = (tmp_path / "server.log").open("w")
    environment = {
        **os.environ,
        "ENVIRONMENT": "development",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'docs.db'}",
        "REDIS_URL": "memory://",
        "PYTHONUNBUFFERED": "1",
    }
    command = [str(tools / "python"), "-m", "uvicorn", "main:app", "--port", str(port)]
    server = subprocess.Popen(command, cwd=project, env=environment, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # imports are slow on a busy machine
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/v1/health/live", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, (tmp_path / "server.log").read_text()
                assert time.monotonic() < deadline, (tmp_path / "server.log").read_text()
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def test_docs_render_in_headless_chromium(service: str) -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    assert missing == [], "install them: apt-get install -y chromium chromium-driver"
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage"):
        options.add_argument(argument)
    options.add_argument("--window-size=1280,1600")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        driver.get(f"{service}/docs")
        WebDriverWait(driver, 60).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")
        )
        paths = [e.text for e in driver.find_elements(By.CSS_SELECTOR, ".opblock-summary-path")]
        ARTIFACTS.mkdir(exist_ok=True)
        driver.save_screenshot(str(ARTIFACTS / "docs.png"))
        errors = [entry for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]
    finally:
        driver.quit()
    assert any("/api/v1/health/live" in path for path in paths), paths
    assert errors == []
