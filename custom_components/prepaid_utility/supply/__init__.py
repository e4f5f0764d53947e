"""Supply: cutting and restoring relays and valves, overrides, watches, emergency credit."""
