"""HMAC-signed, expiring tokens for URLs the API serves without a key (clip media, exports).

The secret is ``settings.api.signing_secret`` or, when that is unset, 32 random bytes generated
once into ``<data_root>/api-signing-secret`` (mode 0600), so every API worker and every restart
signs and verifies with the same secret. A token is ``<payload>.<mac>``, both base64url: the
payload is compact JSON with an ``exp`` (Unix seconds); the MAC is HMAC-SHA256 over the
payload text.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
from pathlib import Path
from typing import Any

from podclip.core.errors import InvalidToken
from podclip.core.settings import Settings

SECRET_FILE = "api-signing-secret"


def signing_secret(settings: Settings) -> bytes:
    """The process's signing secret (see the module docstring)."""
    configured = settings.api.signing_secret
    if configured is not None and configured.get_secret_value():
        return configured.get_secret_value().encode()
    return _secret_file(settings.root / SECRET_FILE)


def _secret_file(path: Path) -> bytes:
    try:
        value = path.read_bytes().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.write(fd, secrets.token_hex(32).encode())
    finally:
        os.close(fd)
    try:
        # link() never replaces: of two processes racing here, the first secret wins for both.
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink(missing_ok=True)
    return path.read_bytes().strip()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: bytes, payload: dict[str, Any], *, expires_at: int) -> str:
    """A token carrying ``payload`` until ``expires_at`` (Unix seconds)."""
    body = _b64(json.dumps({**payload, "exp": int(expires_at)}, separators=(",", ":")).encode())
    mac = hmac.new(secret, body.encode(), hashlib.sha256).digest()
    return f"{body}.{_b64(mac)}"


def verify(secret: bytes, token: str, *, now: float | None = None) -> dict[str, Any]:
    """The payload of a genuine, unexpired token, else :class:`InvalidToken`."""
    body, _, mac = token.partition(".")
    try:
        expected = hmac.new(secret, body.encode(), hashlib.sha256).digest()
        if not mac or not hmac.compare_digest(expected, _unb64(mac)):
            raise InvalidToken("The link is not valid.")
        payload = json.loads(_unb64(body))
    except (ValueError, TypeError) as exc:
        raise InvalidToken("The link is not valid.") from exc
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        raise InvalidToken("The link is not valid.")
    if payload["exp"] < (time.time() if now is None else now):
        raise InvalidToken("The link has expired.")
    return payload
