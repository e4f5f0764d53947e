"""Tests of the parts with no Home Assistant in them (billing, ledger, meters)."""
