"""Verify podclip webhook deliveries, with our own header or the webhook's dialect's.

``X-Podclip-Signature: t=<unix>,v1=<hex>`` (every delivery, ``scheme="podclip"``): the signed
message is ``"<t>." + raw_body`` (the request body bytes as received, before any JSON parsing);
the HMAC-SHA256 key is the base64-decoded part of the ``whsec_…`` secret, the same key the
Standard Webhooks headers of each delivery use. Several ``v1=`` entries may be present (secret
rotation): one match is enough.

``X-Clypt-Signature`` (``scheme="clypt"``, webhooks registered under ``/v1``): the same shape,
keyed with the whole ``whsec_…`` string. ``X-Klipit-Signature`` (``scheme="klipit"``, under
``/api/v1``): the hex HMAC-SHA256 of the raw body alone, keyed with the whole secret string
(it has no timestamp, so no replay window either).

    from podclip.client import verify_signature

    event = verify_signature(request.body, request.headers["X-Podclip-Signature"], secret)
    event = verify_signature(body, headers["X-Klipit-Signature"], secret, scheme="klipit")
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from typing import Any, Literal

__all__ = ["SignatureVerificationError", "verify_signature"]

Scheme = Literal["podclip", "clypt", "klipit"]

SECRET_PREFIX = "whsec_"
DEFAULT_TOLERANCE_SECONDS = 300


class SignatureVerificationError(ValueError):
    """The header is missing or malformed, the timestamp is out of tolerance, or no v1 matches."""


def _key(secret: str | bytes) -> bytes:
    if isinstance(secret, bytes):
        return secret
    encoded = secret.removeprefix(SECRET_PREFIX)
    try:
        return base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureVerificationError("The secret is not a whsec_ base64 secret.") from exc


def _parse(header: str) -> tuple[int, list[str]]:
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            continue
        if name == "t":
            try:
                timestamp = int(value)
            except ValueError as exc:
                raise SignatureVerificationError(
                    "The signature timestamp is not a number."
                ) from exc
        elif name == "v1":
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureVerificationError("The signature header needs t= and at least one v1=.")
    return timestamp, signatures


def verify_signature(
    raw_body: bytes | str,
    header: str | None,
    secret: str | bytes,
    tolerance: int = DEFAULT_TOLERANCE_SECONDS,
    *,
    now: float | None = None,
    scheme: Scheme = "podclip",
) -> Any:
    """Check a delivery's signature header; return the parsed JSON event.

    Args:
        raw_body: The request body exactly as received (bytes; str is UTF-8 encoded).
        header: The header value: ``X-Podclip-Signature`` (default), ``X-Clypt-Signature``
            or ``X-Klipit-Signature`` (with ``scheme`` to match).
        secret: The webhook's ``whsec_…`` secret (or, for ``podclip``, the decoded key bytes).
        tolerance: Seconds a timestamp may lie in the past or the future (default 300).
        now: The current Unix time (for tests); default the system clock.
        scheme: ``podclip``, ``clypt`` or ``klipit`` (see the module docstring).

    Raises:
        SignatureVerificationError: missing or malformed header, stale or future timestamp,
            or no signature matching the body.
    """
    if not header:
        raise SignatureVerificationError("The signature header is missing.")
    body = raw_body.encode() if isinstance(raw_body, str) else bytes(raw_body)
    if scheme == "klipit":
        return _verify_klipit(body, header, secret)
    timestamp, signatures = _parse(header)
    current = time.time() if now is None else now
    if abs(current - timestamp) > tolerance:
        raise SignatureVerificationError("The signature timestamp is outside the tolerance.")
    key = _whole(secret) if scheme == "clypt" else _key(secret)
    expected = hmac.new(key, f"{timestamp}.".encode() + body, hashlib.sha256).digest()
    matched = False
    for candidate in signatures:
        try:
            given = bytes.fromhex(candidate)
        except ValueError:
            continue
        # Compare every entry (no early exit) so timing says nothing about which one matched.
        matched |= hmac.compare_digest(expected, given)
    if not matched:
        raise SignatureVerificationError("No v1 signature matches the body.")
    return json.loads(body)


def _whole(secret: str | bytes) -> bytes:
    """The Clypt and Klipit key: the whole secret string, ``whsec_`` included, as UTF-8."""
    return secret if isinstance(secret, bytes) else secret.encode()


def _verify_klipit(body: bytes, header: str, secret: str | bytes) -> Any:
    expected = hmac.new(_whole(secret), body, hashlib.sha256).digest()
    try:
        given = bytes.fromhex(header.strip())
    except ValueError as exc:
        raise SignatureVerificationError("The X-Klipit-Signature header is not hex.") from exc
    if not hmac.compare_digest(expected, given):
        raise SignatureVerificationError("The signature does not match the body.")
    return json.loads(body)
