"""API keys: created once, stored only as a hash, looked up on every request.

A key reads ``clk_live_<secret>`` or ``clk_test_<secret>`` (32 url-safe characters). Only the
sha256 of the secret part is stored, beside the environment the key was made for; the prefix a
client sends is then checked against that stored environment, so editing the prefix of a test
key does not make it a live key.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, insert, select, update

from podclip.core.errors import ApiKeyNotFound, InvalidScope
from podclip.store.ops import ENVIRONMENTS, as_utc, utcnow
from podclip.store.schema import DEFAULT_ACCOUNT_ID, api_keys

KEY_PREFIXES: dict[str, str] = {"live": "clk_live_", "test": "clk_test_"}
SECRET_BYTES = 24  # 32 url-safe base64 characters
SCOPES: tuple[str, ...] = (
    "jobs:create",
    "jobs:read",
    "clips:read",
    "exports:create",
    "account:read",
    "webhooks:*",
)
FAMILIES = frozenset(s.split(":", 1)[0] for s in SCOPES)


@dataclass(frozen=True)
class ApiKey:
    """A stored key (never its secret)."""

    id: str
    name: str | None
    environment: str
    scopes: tuple[str, ...]
    prefix: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None
    account_id: str = DEFAULT_ACCOUNT_ID
    """The account the key belongs to: every request with it sees only that account's data."""

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    def allows(self, scope: str) -> bool:
        """True if one of the key's scopes grants ``scope`` (``jobs:*`` grants ``jobs:read``)."""
        family = scope.split(":", 1)[0]
        return any(s in (scope, "*", f"{family}:*") for s in self.scopes)


def split_key(plaintext: str) -> tuple[str, str] | None:
    """``(environment, secret)`` from a key's prefix, or None when the prefix is not ours."""
    for environment, prefix in KEY_PREFIXES.items():
        if plaintext.startswith(prefix) and len(plaintext) > len(prefix):
            return environment, plaintext[len(prefix) :]
    return None


def hash_secret(secret: str) -> str:
    """The stored form of a key's secret part."""
    return hashlib.sha256(secret.encode()).hexdigest()


def normalise_scopes(scopes: list[str] | tuple[str, ...]) -> tuple[str, ...]:
    """Split comma-separated entries, drop duplicates, refuse unknown scopes."""
    found: list[str] = []
    for entry in scopes:
        for scope in (s.strip() for s in entry.split(",")):
            if not scope:
                continue
            family = scope.split(":", 1)[0]
            known = scope in SCOPES or scope == "*" or (scope.endswith(":*") and family in FAMILIES)
            if not known:
                raise InvalidScope(f"Unknown scope {scope!r}; known: {', '.join(SCOPES)}.")
            if scope not in found:
                found.append(scope)
    return tuple(found)


def create_key(
    engine: Engine,
    *,
    environment: str,
    scopes: list[str] | tuple[str, ...] | None = None,
    name: str | None = None,
    account_id: str = DEFAULT_ACCOUNT_ID,
) -> tuple[ApiKey, str]:
    """Store a new key of ``account_id``; return it with its plaintext, shown once only."""
    if environment not in ENVIRONMENTS:
        raise ValueError(f"environment must be one of {ENVIRONMENTS}, not {environment!r}")
    chosen = normalise_scopes(list(scopes)) if scopes else SCOPES
    secret = secrets.token_urlsafe(SECRET_BYTES)
    plaintext = KEY_PREFIXES[environment] + secret
    key_id = f"key_{secrets.token_hex(8)}"
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            insert(api_keys).values(
                id=key_id,
                name=name,
                environment=environment,
                account_id=account_id,
                scopes=json.dumps(list(chosen)),
                hash=hash_secret(secret),
                prefix=f"{KEY_PREFIXES[environment]}{secret[:4]}",
                created_at=now,
            )
        )
    return get_key(engine, key_id), plaintext


def get_key(engine: Engine, key_id: str) -> ApiKey:
    """One key by id, or :class:`ApiKeyNotFound`."""
    with engine.connect() as conn:
        row = conn.execute(select(api_keys).where(api_keys.c.id == key_id)).mappings().first()
    if row is None:
        raise ApiKeyNotFound(f"No API key with id {key_id!r}.")
    return _key_from_row(row)


def find_key(engine: Engine, secret: str) -> ApiKey | None:
    """The key whose secret part is ``secret`` (revoked ones included), or None."""
    with engine.connect() as conn:
        row = (
            conn.execute(select(api_keys).where(api_keys.c.hash == hash_secret(secret)))
            .mappings()
            .first()
        )
    return None if row is None else _key_from_row(row)


def list_keys(engine: Engine, *, account_id: str | None = None) -> list[ApiKey]:
    """Every key (of ``account_id`` when given), oldest first."""
    query = select(api_keys).order_by(api_keys.c.created_at)
    if account_id is not None:
        query = query.where(api_keys.c.account_id == account_id)
    with engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
    return [_key_from_row(r) for r in rows]


def revoke_key(engine: Engine, key_id: str) -> ApiKey:
    """Revoke a key now (revoking twice keeps the first time); return it."""
    with engine.begin() as conn:
        conn.execute(
            update(api_keys)
            .where(api_keys.c.id == key_id, api_keys.c.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
    return get_key(engine, key_id)


def _key_from_row(row: Any) -> ApiKey:
    return ApiKey(
        id=row["id"],
        name=row["name"],
        environment=row["environment"],
        scopes=tuple(json.loads(row["scopes"])),
        prefix=row["prefix"],
        created_at=as_utc(row["created_at"]),
        revoked_at=as_utc(row["revoked_at"]) if row["revoked_at"] else None,
        last_used_at=as_utc(row["last_used_at"]) if row["last_used_at"] else None,
        account_id=row["account_id"],
    )
