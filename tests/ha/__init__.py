"""Tests that run a real Home Assistant (pytest-homeassistant-custom-component)."""
