"""The soak runs a real Home Assistant like the tests in tests/ha, with the same fixtures."""

from tests.ha.conftest import (  # noqa: F401  # fixtures, registered by being imported
    auto_enable_custom_integrations,
    isolated_config_dir,
    sockets,
)
