"""The two reference APIs the job API speaks, one per URL prefix: their words for our things.

``/v1`` speaks Clypt (``003_9006dbdc4e7f54ae.txt``), ``/api/v1`` speaks Klipit
(``000_986de8da172a8bc5.txt``). Our pipeline has more statuses than either document; each
dialect maps them onto its own vocabulary, so a client with a strict enum never sees a word its
document does not name. Webhook event names differ too (Clypt ``job.completed``, Klipit
``job.complete``): a webhook keeps the names it was registered with, and events are matched
through the canonical names below.
"""

from __future__ import annotations

from typing import Literal, get_args

Dialect = Literal["clypt", "klipit"]
DIALECTS: tuple[Dialect, ...] = get_args(Dialect)
CLYPT: Dialect = "clypt"
KLIPIT: Dialect = "klipit"
PREFIXES: dict[str, Dialect] = {"/v1": CLYPT, "/api/v1": KLIPIT}

# Canonical event names (what the outbox records); each dialect names them its own way.
EVENTS = ("job.created", "job.completed", "job.failed")
EVENT_NAMES: dict[Dialect, dict[str, str]] = {
    # Clypt documents job.completed and job.failed; job.created is our addition.
    CLYPT: {
        "job.created": "job.created", "job.completed": "job.completed", "job.failed": "job.failed"
    },
    KLIPIT: {
        "job.created": "job.created", "job.completed": "job.complete", "job.failed": "job.failed"
    },
}  # fmt: skip

# Our statuses in each dialect's words. Clypt: queued → processing → complete | failed.
# Klipit: queued · transcribing · clipping · complete · failed (fetching media counts as
# transcribing, rendering as clipping).
STATUS_WORDS: dict[Dialect, dict[str, str]] = {
    CLYPT: {
        "queued": "queued", "downloading": "processing", "transcribing": "processing",
        "clipping": "processing", "rendering": "processing", "complete": "complete",
        "failed": "failed",
    },
    KLIPIT: {
        "queued": "queued", "downloading": "transcribing", "transcribing": "transcribing",
        "clipping": "clipping", "rendering": "clipping", "complete": "complete",
        "failed": "failed",
    },
}  # fmt: skip
STATUSES: dict[Dialect, tuple[str, ...]] = {
    CLYPT: ("queued", "processing", "complete", "failed"),
    KLIPIT: ("queued", "transcribing", "clipping", "complete", "failed"),
}


def dialect_for_path(path: str) -> Dialect:
    """The dialect of a request path: Klipit under ``/api/v1``, Clypt everywhere else."""
    return KLIPIT if path == "/api/v1" or path.startswith("/api/v1/") else CLYPT


def status_word(dialect: Dialect, status: str) -> str:
    """``status`` (one of ours) in the dialect's vocabulary."""
    return STATUS_WORDS[dialect].get(status, status)


def event_name(dialect: Dialect, canonical: str) -> str:
    """The dialect's name for a canonical event."""
    return EVENT_NAMES[dialect][canonical]


def canonical_event(dialect: Dialect, name: str) -> str | None:
    """The canonical event the dialect calls ``name``, or None when it names no such event."""
    for canonical, word in EVENT_NAMES[dialect].items():
        if word == name:
            return canonical
    return None
