"""Device layer: Modbus buses, meter profiles, HA-entity meters and a simulated building.

This package knows bytes, registers and relays, and nothing of money. Everything but
``ha_entity`` is free of Home Assistant imports, so it can run in tests, benchmarks and the
simulator without a Home Assistant instance.
"""
