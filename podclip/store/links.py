"""Signed links to files the API serves without an API key: clip renders, trailers, exports.

The lake records a render's ``media_path`` (a file in the media store). Clients get
``<base>/v1/media/<token>`` instead, where the token names the file relative to a known root
(``m``: the media store, ``f``: the sandbox fixtures) and expires. Expiry is rounded up to
``media_ttl_round_seconds`` so that repeated reads of a finished job return the same URLs.

``<base>`` is, in order: ``settings.public_base_url`` when set; else the request's own scheme,
host and port (the API passes it through :meth:`MediaLinks.for_base`); else, outside a request
(webhook bodies, feeds), ``http://<api.host>:<api.port>`` (:func:`default_base_url`).
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass
from pathlib import Path

from podclip.core.errors import InvalidToken
from podclip.core.settings import Settings
from podclip.store import signing
from podclip.store.media import MediaStore

FIXTURES_DIR = Path(__file__).resolve().parent / "fixtures"
MEDIA_ROUTE = "/v1/media"
# Addresses that mean "every interface" when bound to, and nothing when put in a link.
_WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", "[::]", ""})


def default_base_url(settings: Settings) -> str:
    """The base of links made outside a request: the public URL, else the API's own address."""
    if settings.public_base_url:
        return settings.public_base_url.rstrip("/")
    host = settings.api.host
    if host in _WILDCARD_HOSTS:
        host = "127.0.0.1"
    elif ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 literal
    return f"http://{host}:{settings.api.port}"


@dataclass(frozen=True)
class ResolvedMedia:
    """A verified token's file and how to present it."""

    path: Path
    filename: str
    download: bool


class MediaLinks:
    """Signs and resolves media tokens for one settings object."""

    def __init__(self, settings: Settings, *, base: str | None = None) -> None:
        self.settings = settings
        self.secret = signing.signing_secret(settings)
        self.store = MediaStore.from_settings(settings)
        self.base = (base or default_base_url(settings)).rstrip("/")

    def for_base(self, base: str) -> MediaLinks:
        """The same signer with links under ``base`` (cheap: nothing is read again)."""
        if base.rstrip("/") == self.base:
            return self
        other = copy.copy(self)
        other.base = base.rstrip("/")
        return other

    def expiry(self, ttl_seconds: int | None = None, *, now: float | None = None) -> int:
        """A rounded-up expiry (Unix seconds) at least ``ttl_seconds`` away."""
        api = self.settings.api
        ttl = api.media_ttl_seconds if ttl_seconds is None else ttl_seconds
        step = max(1, api.media_ttl_round_seconds)
        return math.ceil(((now or time.time()) + ttl) / step) * step

    def key_for(self, media_path: str) -> str | None:
        """The media-store key of a stored file's path or URL, or None if it is elsewhere."""
        for prefix in (f"{self.store.root}/", f"{self.store.url}/"):
            if media_path.startswith(prefix):
                return media_path[len(prefix) :]
        return None

    def url(
        self,
        media_path: str,
        *,
        expires_at: int,
        filename: str | None = None,
        download: bool = False,
    ) -> str | None:
        """A signed URL for a file in the media store or the fixtures folder."""
        fixture = Path(media_path)
        if fixture.parent == FIXTURES_DIR:
            root, key = "f", fixture.name
        else:
            found = self.key_for(media_path)
            if found is None:
                return None
            root, key = "m", found
        payload: dict[str, object] = {"r": root, "k": key, "n": filename or Path(key).name}
        if download:
            payload["d"] = 1
        token = signing.sign(self.secret, payload, expires_at=expires_at)
        return f"{self.base}{MEDIA_ROUTE}/{token}"

    def resolve(self, token: str) -> ResolvedMedia:
        """The file behind a token, or :class:`~podclip.core.errors.InvalidToken`."""
        payload = signing.verify(self.secret, token)
        root, key = payload.get("r"), str(payload.get("k", ""))
        if not key or ".." in Path(key).parts or key.startswith("/"):
            raise InvalidToken("The link is not valid.")
        if root == "f":
            path = FIXTURES_DIR / Path(key).name
        elif root == "m":
            try:
                # On an object store: a cached copy, fetched once per API host.
                path = self.store.local_path(key)
            except FileNotFoundError:
                raise InvalidToken("The file behind this link no longer exists.") from None
        else:
            raise InvalidToken("The link is not valid.")
        if not path.is_file():
            raise InvalidToken("The file behind this link no longer exists.")
        return ResolvedMedia(path, str(payload.get("n") or path.name), bool(payload.get("d")))


def fixture_path(name: str) -> Path:
    """A sandbox fixture file by name."""
    return FIXTURES_DIR / name
