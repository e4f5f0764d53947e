"""Tests for the prepaid_utility integration."""
