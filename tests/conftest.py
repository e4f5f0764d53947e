"""Fixtures shared by every test.

The first import matters: phcc's test config folder has a ``custom_components`` package of its
own, and Home Assistant imports ``custom_components`` with the config folder first on sys.path.
Importing ours before any ``hass`` fixture runs makes Home Assistant find this repository's
integration.
"""

import custom_components  # noqa: F401  # isort: skip
