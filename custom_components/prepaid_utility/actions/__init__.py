"""Service action handlers, by noun; services.py binds them to their schemas."""
