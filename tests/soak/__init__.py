"""The whole-building soak: a simulated month under faults, with the books audited."""
