"""Studio sessions: a signed, expiring, HttpOnly cookie naming an API key, and CSRF tokens.

Logging in with a key (or a one-time link) sets ``podclip_studio`` = a token signed with the
API's signing secret (:mod:`podclip.store.signing`) holding the key's id, a random session
nonce and the purpose ``studio`` (so no media link is ever a session). Each request looks the
key up again: a revoked key ends its sessions at once, and the studio acts with exactly that
key's account, environment and scopes.

CSRF: every form carries ``csrf_token`` = HMAC(secret, nonce); a write without the token of
its own session is refused 403. The login form, before any session, uses a double-submit
cookie (``podclip_csrf``). The cookies are ``SameSite=Strict`` too.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response
from sqlalchemy import Engine

from podclip.core.settings import Settings
from podclip.store import api_keys
from podclip.store.api_keys import ApiKey
from podclip.store.signing import InvalidToken, sign, signing_secret, verify

COOKIE = "podclip_studio"
LOGIN_CSRF_COOKIE = "podclip_csrf"
PURPOSE = "studio"
PATH = "/studio"


@dataclass(frozen=True)
class Session:
    """A logged-in studio user: the key they act as and their session's CSRF token."""

    key: ApiKey
    csrf: str


def _secret(settings: Settings) -> bytes:
    return signing_secret(settings)


def csrf_for(settings: Settings, nonce: str) -> str:
    """The CSRF token bound to one session nonce (or one login form's cookie)."""
    return hmac.new(_secret(settings), f"csrf:{nonce}".encode(), hashlib.sha256).hexdigest()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def start(request: Request, response: Response, settings: Settings, key: ApiKey) -> None:
    """Set the session cookie for ``key`` on ``response``."""
    ttl = int(settings.studio.session_hours * 3600)
    token = sign(
        _secret(settings),
        {"p": PURPOSE, "k": key.id, "n": secrets.token_urlsafe(16)},
        expires_at=int(time.time()) + ttl,
    )
    response.set_cookie(
        COOKIE,
        token,
        max_age=ttl,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=PATH)


def end(response: Response) -> None:
    response.delete_cookie(COOKIE, path=PATH)


def current(request: Request, settings: Settings, engine: Engine) -> Session | None:
    """The request's session, or None (no cookie, forged, expired, or its key revoked)."""
    token = request.cookies.get(COOKIE)
    if not token or len(token) > 2000:
        return None
    try:
        payload = verify(_secret(settings), token)
    except InvalidToken:
        return None
    if payload.get("p") != PURPOSE or not payload.get("k") or not payload.get("n"):
        return None
    try:
        key = api_keys.get_key(engine, str(payload["k"]))
    except api_keys.ApiKeyNotFound:
        return None
    if key.revoked:
        return None
    return Session(key, csrf_for(settings, str(payload["n"])))


def login_nonce(request: Request) -> tuple[str, bool]:
    """The login form's double-submit nonce, and whether it is new (its cookie must be set)."""
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE)
    if nonce and len(nonce) <= 64:
        return nonce, False
    return secrets.token_urlsafe(16), True


def set_login_nonce(request: Request, response: Response, nonce: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        nonce,
        max_age=3600,
        path=PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
    )


def login_csrf_ok(request: Request, settings: Settings, sent: str | None) -> bool:
    nonce = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not nonce or not sent:
        return False
    return hmac.compare_digest(csrf_for(settings, nonce), sent)


def csrf_ok(session: Session, sent: str | None) -> bool:
    return bool(sent) and hmac.compare_digest(session.csrf, str(sent))
