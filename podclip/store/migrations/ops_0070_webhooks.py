"""Operational database: webhooks, their events, deliveries and delivery attempts."""

from __future__ import annotations

from sqlalchemy import Connection

from podclip.store.webhooks import webhook_attempts, webhook_deliveries, webhook_events, webhooks

VERSION = 70
NAME = "webhooks, webhook_events, webhook_deliveries, webhook_attempts"


def upgrade(conn: Connection) -> None:
    for table in (webhooks, webhook_events, webhook_deliveries, webhook_attempts):
        table.create(conn, checkfirst=True)
