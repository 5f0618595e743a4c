"""One router per resource; :mod:`api.main` mounts each under ``/v1`` and ``/api/v1``."""

from __future__ import annotations

from typing import Any

from podclip.api.schemas import ErrorEnvelope

ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorEnvelope, "description": description}
    for status, description in (
        (400, "Invalid request (invalid_json, invalid_body, invalid_parameter, ...)."),
        (401, "Missing, malformed, unknown or revoked API key."),
        (403, "The API key lacks the route's scope (insufficient_scope)."),
        (404, "No such object for this key's environment (not_found)."),
        (429, "Rate limit reached (too_many_requests); see Retry-After."),
        (500, "Unexpected server error (internal_error)."),
    )
}
