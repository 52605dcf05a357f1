"""Time `cookiecutter --no-input` on this template: python bench/render_time.py [runs] [key=value ...]

Prints the wall time of each render and the median; run it with the generator's
environment (.venv/bin/python, created by ./scripts/test or ./scripts/generate).
"""

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COOKIECUTTER = Path(sys.executable).with_name("cookiecutter")


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    answers = sys.argv[2:]
    times = []
    for _ in range(runs):
        with tempfile.TemporaryDirectory() as output:
            started = time.perf_counter()
            subprocess.run(
                [str(COOKIECUTTER), "--no-input", str(ROOT), "-o", output, *answers],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - started)
    print("renders:", " ".join(f"{t:.2f}s" for t in times))
    print(
        f"median: {statistics.median(times):.2f}s  min: {min(times):.2f}s  max: {max(times):.2f}s"
    )


if __name__ == "__main__":
    main()
