"""The client's exception tree; every failure a caller can meet is one of these.

::

    PodclipClientError              anything this package raises
    ├── ConfigurationError          no API key, or a malformed base URL
    ├── APIConnectionError          the server could not be reached (refused, reset, timed out)
    ├── WaitTimeout                 ``wait()`` gave up before the job was terminal
    ├── JobFailed                   ``wait(raise_on_failure=True)``: the job ended ``failed``
    └── APIError                    the server answered with the error envelope
        ├── InvalidRequestError     ``invalid_request_error`` (400, 409, 413 ...)
        │   └── NotFoundError       404 ``not_found``
        ├── AuthenticationError     ``authentication_error`` (401)
        │   └── PermissionDeniedError  403 ``insufficient_scope``
        ├── IdempotencyError        ``idempotency_error`` (409)
        ├── RateLimitError          ``rate_limit_error`` (429); ``retry_after`` in seconds
        └── ServerError             ``api_error`` (5xx), or a response that is no envelope

An :class:`APIError` carries the envelope's ``code`` (branch on it), ``type``, ``message``,
``param`` and ``request_id`` (quote it when reporting a problem), plus the HTTP ``status``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from podclip.client.models import Job


class PodclipClientError(Exception):
    """Base class of every error the client raises."""


class ConfigurationError(PodclipClientError):
    """The client is missing an API key or was given an unusable base URL."""


class APIConnectionError(PodclipClientError):
    """The request never got an HTTP answer (connection refused or reset, timeout)."""


class WaitTimeout(PodclipClientError):
    """The job was still running when ``wait()``'s timeout ran out; ``job`` is its last state."""

    def __init__(self, job: Job, timeout: float) -> None:
        super().__init__(f"Job {job.id} is still {job.status} after {timeout:g} s.")
        self.job = job
        self.timeout = timeout


class JobFailed(PodclipClientError):
    """The job ended ``failed``; ``code`` and ``message`` come from its ``error`` field."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.code = job.error.code if job.error else "unknown_error"
        self.message = job.error.message if job.error else "The job failed."
        super().__init__(f"Job {job.id} failed: {self.code}: {self.message}")


class APIError(PodclipClientError):
    """An error response in the API's envelope ``{"error": {type, code, message, ...}}``."""

    def __init__(
        self,
        message: str,
        *,
        status: int,
        code: str,
        type: str,
        param: str | None = None,
        request_id: str | None = None,
        headers: dict[str, str] | None = None,
        body: Any = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.type = type
        self.param = param
        self.request_id = request_id
        self.headers = headers or {}
        self.body = body

    def __str__(self) -> str:
        where = f" (request {self.request_id})" if self.request_id else ""
        return f"{self.code}: {self.message}{where}"

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(status={self.status}, code={self.code!r}, "
            f"type={self.type!r}, request_id={self.request_id!r})"
        )


class InvalidRequestError(APIError):
    """The request was refused as invalid (``invalid_request_error``)."""


class NotFoundError(InvalidRequestError):
    """No such job (or other object) for this key's environment."""


class AuthenticationError(APIError):
    """The key is missing, malformed, unknown or revoked."""


class PermissionDeniedError(AuthenticationError):
    """The key lacks the scope the route needs (403 ``insufficient_scope``)."""


class IdempotencyError(APIError):
    """The Idempotency-Key was reused with another body, or its first request is in flight."""


class RateLimitError(APIError):
    """The key's rate budget is spent; ``retry_after`` says when to try again (seconds)."""

    def __init__(self, message: str, *, retry_after: float | None = None, **fields: Any) -> None:
        super().__init__(message, **fields)
        self.retry_after = retry_after


class ServerError(APIError):
    """The server failed (``api_error``, 5xx) or answered with something that is no envelope."""


_BY_TYPE: dict[str, type[APIError]] = {
    "invalid_request_error": InvalidRequestError,
    "authentication_error": AuthenticationError,
    "idempotency_error": IdempotencyError,
    "rate_limit_error": RateLimitError,
    "api_error": ServerError,
}


def error_class(status: int, type: str, code: str) -> type[APIError]:
    """The most specific exception class for an error response."""
    if status == 404 or code == "not_found":
        return NotFoundError
    if status == 403 or code == "insufficient_scope":
        return PermissionDeniedError
    if status == 429:
        return RateLimitError
    if type in _BY_TYPE:
        return _BY_TYPE[type]
    return ServerError if status >= 500 else InvalidRequestError
