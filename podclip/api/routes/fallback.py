"""Paths and methods no route serves, under each API prefix: 404 and 405 after authentication.

Mounted last under ``/v1`` and ``/api/v1``. A request that carries an ``Authorization`` header
is authenticated and counted first, so its 404 or 405 carries the ``X-RateLimit-*`` headers as
every other authenticated response does (a bad key gets its 401). Without the header it is
answered at once, as before. A path that some route serves with other methods gets 405 with
``Allow``.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.routing import Match

from podclip.api.deps import authenticate, get_settings_dep, get_stores
from podclip.api.errors import ApiError

router = APIRouter(include_in_schema=False)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


def _allowed(request: Request) -> set[str]:
    """Methods that other routes serve on this path (empty: no route serves the path)."""
    routes = [
        r
        for r in request.app.router.routes
        if getattr(r, "original_router", None) is not router
        and getattr(r, "endpoint", None) is not fallback
    ]
    allowed: set[str] = set()
    for method in METHODS:
        scope = {**request.scope, "method": method}
        if any(route.matches(scope)[0] == Match.FULL for route in routes):
            allowed.add(method)
    return allowed


@router.api_route("/{rest:path}", methods=METHODS)
async def fallback(request: Request, rest: str) -> None:
    """Answer 404 ``not_found`` or 405 ``method_not_allowed`` in the error envelope."""
    if request.headers.get("authorization"):
        settings = await get_settings_dep(request)
        await authenticate(request, settings, await get_stores(request))
    allowed = _allowed(request)
    if allowed:
        raise ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path!r}.",
            headers={"Allow": ", ".join(sorted(allowed))},
        )
    raise ApiError(404, "not_found", f"No route {request.url.path!r}.")
