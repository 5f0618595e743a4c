"""Retry policy shared by every task: retry what may pass, never what cannot."""

from __future__ import annotations

from typing import Any

from podclip.core.errors import PermanentError


def retry_unless_permanent(_task: Any, _task_run: Any, state: Any) -> bool:
    """Prefect ``retry_condition_fn``: skip retries for :class:`PermanentError`."""
    try:
        state.result()
    except PermanentError:
        return False
    except Exception:
        return True
    return True
