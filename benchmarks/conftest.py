"""The benchmarks run a real Home Assistant with the same fixtures as tests/ha."""

from homeassistant.helpers.storage import Store

from tests.ha.conftest import (  # noqa: F401  # fixtures, registered by being imported
    auto_enable_custom_integrations,
    isolated_config_dir,
    sockets,
)

# Home Assistant's own storage, before the test harness swaps it for an in-memory copy of every
# file (see benchmarks/test_scale.py: a benchmark of memory writes to disk, as a home does).
STORE_WRITE = Store._async_write_data
