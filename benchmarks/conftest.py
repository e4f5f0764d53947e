"""The benchmarks run a real Home Assistant with the same fixtures as tests/ha."""

from tests.ha.conftest import (  # noqa: F401  # fixtures, registered by being imported
    auto_enable_custom_integrations,
    isolated_config_dir,
    sockets,
)
