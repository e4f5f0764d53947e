"""Statements: building one, its printable page and labels, and serving it over HTTP."""
