"""Fixtures shared by every test.

The first import matters: phcc's test config folder has a ``custom_components`` package of its
own, and Home Assistant imports ``custom_components`` with the config folder first on sys.path.
Importing ours before any ``hass`` fixture runs makes Home Assistant find this repository's
integration.
"""

import custom_components  # noqa: F401  # isort: skip

import time
from collections import defaultdict
from typing import Any

import pytest

# The slow parts first: pytest-xdist's load scheduling hands each worker a run of consecutive
# tests at the start and the rest to whichever worker is free, so the browser test and the soak
# (a third of the suite's time) start in the first minute and the short tests fill in around
# them instead of leaving one core idle at the end.
_FIRST = ("tests/browser/", "tests/soak/")


def _part(nodeid: str) -> str:
    """Return the part of the suite a test belongs to, as scripts/test reports it."""
    folder = nodeid.split("/")[1] if nodeid.startswith("tests/") and "/" in nodeid[6:] else ""
    return folder if folder in {"ha", "soak", "browser"} else "unit"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the slow parts first (stable: every other test keeps its order)."""
    items.sort(
        key=lambda item: next(
            (i for i, prefix in enumerate(_FIRST) if item.nodeid.startswith(prefix)), len(_FIRST)
        )
    )


class _PartClock:
    """Wall time of each part of the suite: first start to last end of its tests, any worker."""

    def __init__(self) -> None:
        self.started = time.time()
        self.span: dict[str, list[float]] = {}
        self.tests: defaultdict[str, int] = defaultdict(int)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        part = _part(report.nodeid)
        start, stop = float(report.start), float(report.stop)
        span = self.span.setdefault(part, [start, stop])
        span[0], span[1] = min(span[0], start), max(span[1], stop)
        if report.when == "call" or (report.when == "setup" and report.skipped):
            self.tests[part] += 1

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        terminalreporter.write_sep("-", "wall time of each part (they overlap on several workers)")
        for part in ("unit", "ha", "soak", "browser"):
            if part in self.span:
                first, last = self.span[part]
                terminalreporter.write_line(
                    f"part={part} tests={self.tests[part]} wall_s={last - first:.1f}"
                    f" from_s={first - self.started:.1f} to_s={last - self.started:.1f}"
                )


def pytest_configure(config: pytest.Config) -> None:
    """Time the parts on the process that reports (the controller under xdist)."""
    if not hasattr(config, "workerinput"):
        config.pluginmanager.register(_PartClock(), "prepaid_part_clock")
