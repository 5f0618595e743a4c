"""One-time studio login links: ``podclip studio --print-link`` makes one, the studio uses it.

Only the sha256 of the token is stored; using it marks it used in the same statement that
checks it, so a link logs in once, before it expires, even when two browsers race.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Engine, insert, update

from podclip.store.job_record import utcnow
from podclip.store.schema import studio_logins

TOKEN_BYTES = 24


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create(engine: Engine, api_key_id: str, *, ttl_seconds: float) -> str:
    """A new one-time token that logs in as ``api_key_id`` within ``ttl_seconds``."""
    token = secrets.token_urlsafe(TOKEN_BYTES)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(studio_logins).values(
                token_hash=_hash(token),
                api_key_id=api_key_id,
                expires_at=now + timedelta(seconds=ttl_seconds),
                created_at=now,
            )
        )
    return token


def redeem(engine: Engine, token: str) -> str | None:
    """The key id the token logs in as, marking it used; None if unknown, used or expired."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    digest = _hash(token)
    with engine.begin() as conn:
        moved = conn.execute(
            update(studio_logins)
            .where(
                studio_logins.c.token_hash == digest,
                studio_logins.c.used_at.is_(None),
                studio_logins.c.expires_at > now,
            )
            .values(used_at=now)
            .returning(studio_logins.c.api_key_id)
        ).first()
    return None if moved is None else str(moved[0])
