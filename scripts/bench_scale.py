"""scripts/bench scale [GATEWAYS [CYCLES]]: 1,000 meters on 20 gateways in one Home Assistant.

Runs benchmarks/test_scale.py (a real Home Assistant through pytest-homeassistant-custom-
component, the simulator on loopback) and prints its name=value lines.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    env = dict(os.environ)
    if len(sys.argv) > 1:
        env["PREPAID_BENCH_GATEWAYS"] = sys.argv[1]
    if len(sys.argv) > 2:
        env["PREPAID_BENCH_CYCLES"] = sys.argv[2]
    # No coverage: its tracer is not part of a home, and it was measured with the figures.
    command = [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "--no-cov"]
    if os.environ.get("PREPAID_BENCH_COVERAGE") == "1":  # to compare with earlier figures
        command.remove("--no-cov")
    result = subprocess.run(
        [*command, "benchmarks/test_scale.py"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    for line in result.stdout.splitlines():
        if ("=" in line and line.split("=", 1)[0].isidentifier()) or "passed" in line:
            print(line)
    if result.returncode:
        print(result.stdout[-4000:], result.stderr[-4000:], sep="\n")
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
