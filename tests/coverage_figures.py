"""A pytest plugin (loaded by pyproject's addopts): the coverage figures as ``name=value``.

pytest-cov prints its table per module; this adds the totals the quality scale is judged by:
the whole integration, and the config-flow modules (config_flow.py and flows/). It reads
pytest-cov's combined data, so it is right under pytest-xdist too.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

CONFIG_FLOW_MODULES = ["*/prepaid_utility/config_flow.py", "*/prepaid_utility/flows/*.py"]


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    """Print coverage_total= and coverage_config_flow= after pytest-cov's table."""
    plugin = config.pluginmanager.getplugin("_cov")
    total = getattr(plugin, "cov_total", None)
    if total is None:
        return  # coverage off (--no-cov) or on an xdist worker
    terminalreporter.write_line(f"coverage_total={total:.1f}")
    coverage = plugin.cov_controller.cov
    try:
        flows = coverage.report(include=CONFIG_FLOW_MODULES, file=io.StringIO())
    except Exception as err:  # a figure missing must not fail the run
        terminalreporter.write_line(f"coverage_config_flow=unknown ({err})")
        return
    terminalreporter.write_line(f"coverage_config_flow={flows:.1f}")
