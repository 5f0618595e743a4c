"""The API's one error shape, and the handlers that put every failure into it.

Every non-2xx response is ``{"error": {type, code, message, param, request_id}}``. ``type`` is
one of the documented five (``invalid_request_error``, ``authentication_error``,
``rate_limit_error``, ``idempotency_error``, ``api_error``); clients branch on ``code``. A key
without the scope a route needs gets 403 ``insufficient_scope`` of type
``authentication_error`` (the documents define no sixth type). FastAPI's own 404, 405 and
validation errors and any unexpected exception are converted here too; an unexpected exception
is logged with its traceback and answered 500 ``internal_error`` with no detail.

A :class:`~podclip.core.errors.PodclipError` that escapes a route needs no ``except`` there: one
handler answers with the class's own ``status``, ``code`` and ``param`` (the tree is in
:mod:`podclip.core.errors`) and a ``type`` from :data:`TYPE_BY_STATUS`. A 5xx one is treated as
unexpected (its message may name internals). :class:`ApiError` stays for answers that are not a
domain error (malformed bodies, idempotency, auth).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from podclip.core.errors import PodclipError

logger = logging.getLogger(__name__)

INVALID_REQUEST = "invalid_request_error"
AUTHENTICATION = "authentication_error"
RATE_LIMIT = "rate_limit_error"
IDEMPOTENCY = "idempotency_error"
API_ERROR = "api_error"

TYPE_BY_STATUS = {401: AUTHENTICATION, 403: AUTHENTICATION, 429: RATE_LIMIT}
"""The envelope ``type`` of a PodclipError by its status; other 4xx are ``invalid_request_error``.

(Idempotency answers are :class:`ApiError` raised by the submit route, not PodclipErrors.)"""


class ApiError(Exception):
    """An error response: raise it anywhere below a route."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        type: str = INVALID_REQUEST,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.type = type
        self.param = param
        self.headers = dict(headers or {})


def not_found(what: str, ident: str, *, param: str | None = None) -> ApiError:
    return ApiError(404, "not_found", f"No {what} with id {ident!r}.", param=param)


def from_podclip(
    error: PodclipError, *, param: str | None = None, status: int | None = None
) -> ApiError:
    """An ApiError carrying a podclip error's own code, message and (default) status and param.

    Only for code that needs an ApiError value; raising the PodclipError itself is enough.
    """
    return ApiError(
        status or error.status,
        error.code,
        error.message,
        type=error_type(error.status),
        param=param or error.param,
        headers=_retry_after(error),
    )


def error_type(status: int) -> str:
    """The envelope ``type`` for a domain error answered with ``status``."""
    return TYPE_BY_STATUS.get(status, API_ERROR if status >= 500 else INVALID_REQUEST)


def _retry_after(error: PodclipError) -> dict[str, str]:
    return {} if error.retry_after is None else {"Retry-After": str(error.retry_after)}


@contextmanager
def about(param: str) -> Iterator[None]:
    """Name ``param`` in any PodclipError raised inside that names no parameter itself.

    For shared checks (``check_url``) that cannot know which request field they were given.
    """
    try:
        yield
    except PodclipError as exc:
        if exc.param is None:
            exc.param = param
        raise


def request_id_of(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def error_body(
    *, type: str, code: str, message: str, param: str | None, request_id: str
) -> dict[str, Any]:
    return {
        "error": {
            "type": type,
            "code": code,
            "message": message,
            "param": param,
            "request_id": request_id,
        }
    }


def error_response(request: Request, error: ApiError) -> JSONResponse:
    body = error_body(
        type=error.type,
        code=error.code,
        message=error.message,
        param=error.param,
        request_id=request_id_of(request),
    )
    return JSONResponse(body, status_code=error.status, headers=error.headers)


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(request, exc)


async def _podclip_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, PodclipError)
    if exc.status >= 500:
        # Not the client's fault and its message may name internals: the request middleware
        # logs it with its traceback and answers the bare 500 ``internal_error``.
        raise exc
    return error_response(request, from_podclip(exc))


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    if status == 404:
        error = ApiError(404, "not_found", f"No route {request.url.path!r}.")
    elif status == 405:
        error = ApiError(
            405,
            "method_not_allowed",
            f"{request.method} is not allowed on {request.url.path!r}.",
            headers=dict(exc.headers or {}),
        )
    else:
        detail = exc.detail if isinstance(exc.detail, str) else "Request refused."
        error = ApiError(
            status, f"http_{status}", detail, type=API_ERROR if status >= 500 else INVALID_REQUEST
        )
    return error_response(request, error)


def _param(loc: Sequence[Any]) -> str | None:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or None


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    first = errors[0] if errors else {"loc": (), "msg": "Invalid request.", "type": ""}
    kind = str(first.get("type", ""))
    loc = tuple(first.get("loc", ()))
    if kind == "json_invalid":
        error = ApiError(400, "invalid_json", "The request body is not valid JSON.")
    elif loc == ("body",) and kind in ("model_attributes_type", "dict_type", "missing"):
        error = ApiError(400, "invalid_body", "The request body must be a JSON object.")
    else:
        param = _param(loc)
        code = "missing_parameter" if kind == "missing" else "invalid_parameter"
        message = str(first.get("msg", "Invalid value."))
        error = ApiError(400, code, f"{param or 'request'}: {message}", param=param)
    return error_response(request, error)


def install(app: FastAPI) -> None:
    """Register the handlers (unexpected exceptions are caught by the request middleware)."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(PodclipError, _podclip_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
