"""Custom integrations of this repository (imported first by tests, see tests/conftest.py)."""
