"""Payment providers' signatures and formats (no Home Assistant import)."""
