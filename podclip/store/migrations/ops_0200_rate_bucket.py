"""Operational database: rate-limit bucket names up to 32 characters.

Klipit's buckets (``klipit_submit``, ``klipit_status``…) are longer than the 8 characters the
first schema gave ``read``/``write``; PostgreSQL refused them. SQLite never enforces a
``VARCHAR`` length, so it has nothing to change.

Fixed DDL; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 200
NAME = "rate_limit_hits.bucket_32"

SQLITE: tuple[str, ...] = ()
POSTGRESQL = ("ALTER TABLE rate_limit_hits ALTER COLUMN bucket TYPE VARCHAR(32)",)
