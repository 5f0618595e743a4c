"""Content cache keys for tasks: a stage name, its version and the content hashes it reads."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from prefect.context import TaskRunContext


def content_key(stage: str, *parts: object) -> str:
    """Stable sha256 over a stage name and JSON-able parts."""
    blob = json.dumps([stage, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def key_from(
    stage: str, version: str, *param_names: str
) -> Callable[[TaskRunContext, dict[str, Any]], str]:
    """A ``cache_key_fn`` over the named parameters (records by their content identity)."""

    def _key(_ctx: TaskRunContext, params: dict[str, Any]) -> str:
        values = [_identity(params[name]) for name in param_names]
        return content_key(stage, version, *values)

    return _key


def _identity(value: Any) -> Any:
    for attr in ("cache_identity", "sha256"):
        if hasattr(value, attr):
            found = getattr(value, attr)
            return found() if callable(found) else found
    return value
