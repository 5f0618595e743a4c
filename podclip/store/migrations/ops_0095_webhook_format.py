"""Operational database: each webhook's dialect (``clypt`` or ``klipit``), Clypt for old rows.

Fixed DDL; never edit a migration that has shipped.
"""

from __future__ import annotations

VERSION = 95
NAME = "webhooks.format"

# Valid on SQLite and PostgreSQL alike.
ADD_FORMAT = "ALTER TABLE webhooks ADD COLUMN format VARCHAR(16) NOT NULL DEFAULT 'clypt'"
SQLITE = (ADD_FORMAT,)
POSTGRESQL = (ADD_FORMAT,)
