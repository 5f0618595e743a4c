"""podclip's job API: FastAPI over ``store/``; it never runs a pipeline stage itself.

Run it with ``podclip api`` or ``uvicorn podclip.api.main:app --workers 2 --no-proxy-headers``
(``podclip.api.main:create_app --factory`` builds a fresh app). Every route is served under
``/v1``, which speaks Clypt, and ``/api/v1``, which speaks Klipit (statuses, rate-limit budgets,
webhook formats: :mod:`podclip.core.dialects`); the OpenAPI document lists ``/v1``.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from podclip.api import errors
from podclip.api.deps import open_stores
from podclip.api.limits import BodyLimitMiddleware
from podclip.api.middleware import RequestContextMiddleware
from podclip.api.routes import (
    account,
    brands,
    clips,
    exports,
    fallback,
    feeds,
    jobs,
    media,
    share,
    share_links,
    shows,
    webhooks,
)
from podclip.api.schemas import Health
from podclip.api.serving import enable_tcp_nodelay_on_listeners
from podclip.api.studio import routes as studio_routes
from podclip.core.settings import Settings, get_settings
from podclip.store.job_view import OutputCache
from podclip.store.links import MediaLinks

PREFIXES = ("/v1", "/api/v1")
DESCRIPTION = """Submit long episodes, poll their jobs, read ranked clips, export them.

Authenticate with `Authorization: Bearer clk_live_…` (runs the pipeline) or `clk_test_…`
(sandbox: deterministic fixtures). Every error is `{"error": {type, code, message, param,
request_id}}`; every response carries `X-Request-Id`.
"""


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the API for ``settings`` (default: the process's settings)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Migrate (under a file lock: two workers start at once) and create the signing
        # secret before the first request, not during it.
        enable_tcp_nodelay_on_listeners()
        app.state.stores = open_stores(settings)
        app.state.links = MediaLinks(settings)
        # Everything imported so far lives as long as the process: keep it out of the
        # collector's full passes, which otherwise show up as latency spikes.
        gc.freeze()
        yield

    app = FastAPI(
        title="podclip API",
        version="1.0.0",
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.output_cache = OutputCache(settings.api.output_cache_jobs)
    app.state.known_keys = {}
    errors.install(app)
    # Limits run inside the request context (their answers carry X-Request-Id) and before
    # routing, so before any body is parsed or any key is looked up.
    app.add_middleware(BodyLimitMiddleware, settings=settings.api)
    app.add_middleware(RequestContextMiddleware)
    for prefix in PREFIXES:
        for module in (
            jobs,
            exports,
            account,
            feeds,
            media,
            webhooks,
            share_links,
            clips,
            brands,
            shows,
        ):
            app.include_router(module.router, prefix=prefix, include_in_schema=prefix == "/v1")
    # Last: authenticated 404/405 answers for what no route above serves.
    for prefix in PREFIXES:
        app.include_router(fallback.router, prefix=prefix)
    # Guest pages are public web pages, not API resources: served at the root, /share/{token}.
    app.include_router(share.router)
    # The producer studio's pages (issue 18), at /studio.
    app.include_router(studio_routes.router)

    @app.get("/healthz", response_model=Health, tags=["health"], summary="Liveness")
    def healthz() -> dict[str, str]:
        """Unauthenticated liveness check."""
        return {"status": "ok"}

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = _openapi(app)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
    return app


def _openapi(app: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with the hand-read submit body and without its 422 responses
    (validation errors are answered 400 in the error envelope)."""
    schema = get_openapi(
        title=app.title,
        version=app.version,
        description=app.description,
        routes=app.routes,
    )
    components = schema.setdefault("components", {}).setdefault("schemas", {})
    components.update(jobs.SUBMIT_COMPONENTS)
    for name in ("HTTPValidationError", "ValidationError"):
        components.pop(name, None)
    for path in schema.get("paths", {}).values():
        for operation in path.values():
            operation.get("responses", {}).pop("422", None)
    schema["components"]["securitySchemes"] = {
        "bearer": {"type": "http", "scheme": "bearer", "description": "clk_live_… or clk_test_…"}
    }
    for route, path in schema.get("paths", {}).items():
        if "/media/" in route or route == "/healthz":
            continue
        for operation in path.values():
            operation["security"] = [{"bearer": []}]
    schema["servers"] = [{"url": "/"}]
    return schema


app = create_app()
