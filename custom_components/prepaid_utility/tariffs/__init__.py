"""Tariffs: the catalog of named tariffs, the books of a running gateway, pushing to meters."""
