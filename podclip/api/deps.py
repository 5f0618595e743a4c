"""Dependencies shared by the routes: settings, database engines, the authenticated key.

Authentication runs in this order, each step answering with the documented code:
``missing_authorization`` → ``invalid_api_key_format`` (not ``Bearer clk_live_…``/``clk_test_…``)
→ ``invalid_api_key`` (unknown, or the prefix disagrees with the key's stored environment) →
``api_key_revoked`` → the rate limit of the key's bucket (``too_many_requests``; the budgets are
the dialect's, see :func:`budget`) → the route's scope (403 ``insufficient_scope``).
The rate-limit headers are attached to every response from then on, errors included.

Authentication runs on the event loop, not in the thread pool: its two statements take well
under a millisecond on SQLite, and in the pool every request's write transaction (which holds
the database's write lock across both worker processes) could wait several milliseconds for
the GIL behind other request threads, so the lock was held longer and requests queued behind
it: at 200 requests/s, seconds of latency, against under 10 ms at the median when inline.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy import Engine

from podclip.api.base_url import request_base_url
from podclip.api.errors import AUTHENTICATION, RATE_LIMIT, ApiError
from podclip.api.middleware import EXTRA_HEADERS
from podclip.core.dialects import KLIPIT, Dialect, dialect_for_path
from podclip.core.filemodes import restrict_files
from podclip.core.settings import ApiSettings, Settings
from podclip.store import api_keys, ops, ratelimit
from podclip.store.api_keys import ApiKey
from podclip.store.job_view import OutputCache
from podclip.store.links import MediaLinks
from podclip.store.migrate import migrate

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass(frozen=True)
class Stores:
    """The process's handles on the operational database."""

    engine: Engine
    write_engine: Engine


# The cheap dependencies are ``async``: FastAPI runs a sync dependency in the thread pool, one
# hop per dependency per request, and these never block.
async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def open_stores(settings: Settings) -> Stores:
    """Migrate the operational database (the API's start is a stack start), then open it.

    The umask is set first (:func:`restrict_files`), so the database, media and exports this
    process writes are private to the server's user (0600 files, 0700 folders by default).
    """
    url = settings.resolved_database_url
    restrict_files(settings)
    migrate(url, settings=settings)
    return Stores(ops.engine_for(url), ops.write_engine_for(url))


async def get_stores(request: Request) -> Stores:
    stores: Stores | None = getattr(request.app.state, "stores", None)
    if stores is None:
        stores = open_stores(request.app.state.settings)
        request.app.state.stores = stores
    return stores


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoresDep = Annotated[Stores, Depends(get_stores)]


def _auth_error(status: int, code: str, message: str) -> ApiError:
    return ApiError(
        status, code, message, type=AUTHENTICATION, headers={"WWW-Authenticate": "Bearer"}
    )


KNOWN_KEYS_MAX = 4096


def _lookup(known: dict[str, ApiKey], engine: Engine, secret: str) -> ApiKey | None:
    """The key for ``secret``, from the app's cache of keys found before or from the database.

    What a key is (id, environment, scopes) never changes; whether it was revoked is read again
    in every request's rate-limit transaction.
    """
    key = known.get(secret)
    if key is None:
        key = api_keys.find_key(engine, secret)
        if key is not None and not key.revoked:
            if len(known) >= KNOWN_KEYS_MAX:
                known.clear()
            known[secret] = key
    return key


@dataclass(frozen=True)
class Budget:
    """One rate-limit bucket: its name in the database, its limit, and what it counts."""

    bucket: str
    limit: int
    what: str


def budget(limits: ApiSettings, dialect: Dialect, method: str, route: str | None) -> Budget:
    """The bucket a request counts against.

    ``/v1`` (Clypt): writes (POST/PUT/PATCH/DELETE) and reads. ``/api/v1`` (Klipit): job
    submissions, clip reads (``GET .../clips``), status polls (every other GET), other writes.
    ``route`` is the matched path template, None for a path no route serves.
    """
    write = method.upper() in WRITE_METHODS
    if dialect != KLIPIT:
        if write:
            return Budget("write", limits.rate_limit_writes, "writes")
        return Budget("read", limits.rate_limit_reads, "reads")
    path = route or ""
    if write and path.endswith("/jobs"):
        return Budget("klipit_submit", limits.klipit_rate_limit_submissions, "job submissions")
    if write:
        return Budget("klipit_write", limits.klipit_rate_limit_writes, "writes")
    if path.endswith("/clips"):
        return Budget("klipit_clips", limits.klipit_rate_limit_clip_reads, "clip reads")
    return Budget("klipit_status", limits.klipit_rate_limit_status_polls, "status polls")


def _route_path(request: Request) -> str | None:
    route = request.scope.get("route")
    path = getattr(route, "path_format", None) or getattr(route, "path", None)
    # The fallback route (api.routes.fallback) serves paths no real route does.
    return None if path is None or path.endswith("{rest:path}") else str(path)


async def authenticate(request: Request, settings: SettingsDep, stores: StoresDep) -> ApiKey:
    """The request's API key after the checks in the module docstring (scope excepted)."""
    header = request.headers.get("authorization")
    if not header or not header.strip():
        raise _auth_error(401, "missing_authorization", "Authorization header is missing.")
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise _auth_error(
            401, "invalid_api_key_format", "Use 'Authorization: Bearer clk_live_…' or clk_test_…."
        )
    parts = api_keys.split_key(token)
    if parts is None:
        raise _auth_error(
            401, "invalid_api_key_format", "The API key must start with clk_live_ or clk_test_."
        )
    environment, secret = parts
    known: dict[str, ApiKey] = request.app.state.known_keys
    key = _lookup(known, stores.engine, secret)
    if key is None or key.environment != environment:
        raise _auth_error(401, "invalid_api_key", "The API key is not valid.")
    if key.revoked:
        raise _auth_error(401, "api_key_revoked", "The API key was revoked.")
    limits = settings.api
    chosen = budget(
        limits, dialect_for_path(request.url.path), request.method, _route_path(request)
    )
    decision = ratelimit.hit(
        stores.write_engine,
        api_key_id=key.id,
        bucket=chosen.bucket,
        limit=chosen.limit,
        window_seconds=limits.rate_limit_window_seconds,
    )
    if decision.revoked or decision.missing:
        known.pop(secret, None)
        raise _auth_error(401, "api_key_revoked", "The API key was revoked.")
    extra: dict[str, str] = request.scope["state"].setdefault(EXTRA_HEADERS, {})
    extra.update(decision.headers())
    if not decision.allowed:
        raise ApiError(
            429,
            "too_many_requests",
            f"Rate limit of {decision.limit} {chosen.what} per "
            f"{limits.rate_limit_window_seconds:g} s reached; retry in {decision.retry_after} s.",
            type=RATE_LIMIT,
            headers={"Retry-After": str(decision.retry_after)},
        )
    request.state.api_key = key
    return key


def require(scope: str) -> Callable[..., Any]:
    """A dependency that authenticates and then checks ``scope``."""

    async def dependency(key: Annotated[ApiKey, Depends(authenticate)]) -> ApiKey:
        if not key.allows(scope):
            raise ApiError(
                403,
                "insufficient_scope",
                f"This API key lacks the {scope!r} scope.",
                type=AUTHENTICATION,
            )
        return key

    dependency.__name__ = f"require_{scope.replace(':', '_').replace('*', 'all')}"
    return dependency


JobsCreate = Annotated[ApiKey, Depends(require("jobs:create"))]
JobsRead = Annotated[ApiKey, Depends(require("jobs:read"))]
ClipsRead = Annotated[ApiKey, Depends(require("clips:read"))]
ExportsCreate = Annotated[ApiKey, Depends(require("exports:create"))]
AccountRead = Annotated[ApiKey, Depends(require("account:read"))]


async def get_links(request: Request) -> MediaLinks:
    """The app's link signer, with links under this request's base (see :mod:`api.base_url`)."""
    settings: Settings = request.app.state.settings
    links: MediaLinks | None = getattr(request.app.state, "links", None)
    if links is None:
        links = MediaLinks(settings)
        request.app.state.links = links
    return links.for_base(request_base_url(request, settings))


async def get_dialect(request: Request) -> Dialect:
    """The dialect of the request's prefix: Klipit under ``/api/v1``, else Clypt."""
    return dialect_for_path(request.url.path)


async def get_cache(request: Request) -> OutputCache:
    cache: OutputCache = request.app.state.output_cache
    return cache


LinksDep = Annotated[MediaLinks, Depends(get_links)]
CacheDep = Annotated[OutputCache, Depends(get_cache)]
DialectDep = Annotated[Dialect, Depends(get_dialect)]
