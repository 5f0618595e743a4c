"""Ordered schema changes for both stores; each module exposes VERSION, NAME and upgrade()."""
