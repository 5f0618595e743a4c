"""Secrets at rest: webhook signing secrets are stored Fernet-encrypted, never in plain text.

The key is ``settings.secrets_key`` (``PODCLIP_SECRETS_KEY``) when set; otherwise one is
generated once into ``<data root>/secrets.key``, created with mode 0600 (``O_EXCL``, so two
processes starting together agree on one key). A stored secret reads ``fernet:<token>``;
rows written before encryption (plain ``whsec_...``) still read back until migration 100
encrypts them (:func:`encrypt_plain_webhook_secrets`).
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import Connection, select, update

from podclip.core.errors import StoreError
from podclip.core.settings import Settings, get_settings
from podclip.store.schema import webhooks

PREFIX = "fernet:"
KEY_FILE = "secrets.key"


class SecretBox:
    """Encrypts and decrypts short secrets with one Fernet key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    def seal(self, plain: str) -> str:
        """The stored form of ``plain``."""
        return PREFIX + self._fernet.encrypt(plain.encode()).decode()

    def open(self, stored: str) -> str:
        """The plain secret of a stored value (a value from before encryption as it is)."""
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise StoreError(
                "A stored secret cannot be decrypted: PODCLIP_SECRETS_KEY (or the data root's "
                "secrets.key) is not the key it was encrypted with."
            ) from None


def key_file(settings: Settings) -> Path:
    return settings.root / KEY_FILE


def _load_or_create(path: Path) -> bytes:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as out:
        out.write(Fernet.generate_key())
    return path.read_bytes().strip()


@lru_cache(maxsize=8)
def _box(key: bytes) -> SecretBox:
    return SecretBox(key)


def secret_box(settings: Settings | None = None) -> SecretBox:
    """The box of ``settings`` (default: the process settings)."""
    settings = settings or get_settings()
    if settings.secrets_key is not None:
        return _box(settings.secrets_key.get_secret_value().encode())
    return _box(_load_or_create(key_file(settings)))


def encrypt_plain_webhook_secrets(conn: Connection, settings: Settings | None = None) -> int:
    """Encrypt every webhook secret still stored in plain text; how many were."""
    rows = conn.execute(
        select(webhooks.c.id, webhooks.c.secret).where(webhooks.c.secret.not_like(f"{PREFIX}%"))
    ).all()
    if not rows:
        return 0  # no key is needed (nor generated) for a database without secrets
    box = secret_box(settings)
    for row in rows:
        conn.execute(
            update(webhooks).where(webhooks.c.id == row.id).values(secret=box.seal(row.secret))
        )
    return len(rows)


def encrypt_existing(conn: Connection, settings: Settings | None) -> None:
    """Migration 100's data step: encrypt the plain webhook secrets stored so far."""
    encrypt_plain_webhook_secrets(conn, settings)
