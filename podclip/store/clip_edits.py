"""What a producer changed on a clip, and the queue of re-renders that make it real.

A ``clip_edits`` row overlays one lake clip (or is a clip made by hand, ``manual``, until its
first render): span, caption style, preset or platforms, verdict. A change that alters the
rendered file bumps ``revision``; the ``rerender-clips`` flow renders every clip whose
``revision`` is ahead of ``rendered_revision`` and then records what it rendered, so a second
re-render of the same state renders nothing. A verdict never bumps the revision.

Spans snap to word boundaries here (:func:`snap_span`), so the API and the studio agree.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, and_, insert, select, update

from podclip.core.errors import InvalidSpan
from podclip.store.corrections import IndexedWord
from podclip.store.job_record import as_utc, utcnow
from podclip.store.schema import clip_edits, rerender_requests

# The caption looks tasks.captions draws (a unit test keeps the two lists equal; the API may
# not import tasks).
CAPTION_STYLES: tuple[str, ...] = ("yellow-pop", "clean-white", "boxed")
VERDICTS = {"approve": "approved", "reject": "rejected"}
MIN_CLIP_SECONDS = 1.0
MAX_REASON_CHARS = 500


@dataclass(frozen=True)
class ClipEdit:
    """One ``clip_edits`` row (seconds; None: the lake clip's value)."""

    clip_id: str
    job_id: str
    account_id: str
    environment: str
    start_seconds: float | None
    end_seconds: float | None
    caption_style: str | None
    preset: str | None
    platforms: tuple[str, ...] | None
    review_status: str | None
    review_reason: str | None
    manual: bool
    revision: int
    rendered_revision: int
    render_error: str | None
    updated_by: str | None
    updated_at: datetime

    @property
    def dirty(self) -> bool:
        """True while a change waits for its re-render."""
        return self.revision > self.rendered_revision


def _edit(row: Any) -> ClipEdit:
    return ClipEdit(
        clip_id=row["clip_id"],
        job_id=row["job_id"],
        account_id=row["account_id"],
        environment=row["environment"],
        start_seconds=row["start_seconds"],
        end_seconds=row["end_seconds"],
        caption_style=row["caption_style"],
        preset=row["preset"],
        platforms=tuple(json.loads(row["platforms"])) if row["platforms"] else None,
        review_status=row["review_status"],
        review_reason=row["review_reason"],
        manual=bool(row["manual"]),
        revision=int(row["revision"]),
        rendered_revision=int(row["rendered_revision"]),
        render_error=row["render_error"],
        updated_by=row["updated_by"],
        updated_at=as_utc(row["updated_at"]),
    )


def for_job(engine: Engine, job_id: str) -> dict[str, ClipEdit]:
    """The job's edits by clip id."""
    with engine.connect() as conn:
        rows = conn.execute(select(clip_edits).where(clip_edits.c.job_id == job_id)).mappings()
        return {r["clip_id"]: _edit(r) for r in rows}


def get(engine: Engine, clip_id: str) -> ClipEdit | None:
    with engine.connect() as conn:
        row = conn.execute(select(clip_edits).where(clip_edits.c.clip_id == clip_id)).mappings()
        found = row.first()
    return None if found is None else _edit(found)


def save(
    engine: Engine,
    *,
    clip_id: str,
    job_id: str,
    account_id: str,
    environment: str,
    changes: Mapping[str, Any],
    actor: str | None,
    rerender: bool,
    manual: bool = False,
) -> ClipEdit:
    """Apply ``changes`` (column → value) to the clip's edit row, made if missing.

    ``rerender``: the change alters the rendered file, so the revision moves on.
    """
    values = dict(changes)
    if "platforms" in values and values["platforms"] is not None:
        values["platforms"] = json.dumps(list(values["platforms"]))
    now = utcnow()
    with engine.begin() as conn:
        found = conn.execute(
            select(clip_edits.c.revision).where(clip_edits.c.clip_id == clip_id)
        ).first()
        if found is None:
            conn.execute(
                insert(clip_edits).values(
                    clip_id=clip_id,
                    job_id=job_id,
                    account_id=account_id,
                    environment=environment,
                    manual=manual,
                    revision=1 if rerender else 0,
                    rendered_revision=0,
                    updated_by=actor,
                    created_at=now,
                    updated_at=now,
                    **values,
                )
            )
        else:
            bump = {"revision": clip_edits.c.revision + 1} if rerender else {}
            conn.execute(
                update(clip_edits)
                .where(clip_edits.c.clip_id == clip_id)
                .values(updated_by=actor, updated_at=now, **bump, **values)
            )
    edit = get(engine, clip_id)
    assert edit is not None
    return edit


def mark_rendered(engine: Engine, clip_id: str, revision: int, error: str | None = None) -> None:
    """Record that ``revision`` of the clip is rendered (or failed with ``error``)."""
    values: dict[str, Any] = {"render_error": error}
    if error is None:
        values["rendered_revision"] = revision
    with engine.begin() as conn:
        conn.execute(update(clip_edits).where(clip_edits.c.clip_id == clip_id).values(**values))


def snap_span(
    words: Sequence[IndexedWord],
    start: float,
    end: float,
    current: tuple[float, float] | None = None,
) -> tuple[float, float]:
    """(start, end) moved onto word boundaries: a start onto a word's start, an end onto one's
    end (seconds).

    A bound moved from ``current`` snaps in the direction it moved (so a +0.5 s nudge always
    reaches the next word); a new span snaps to the nearest boundaries.
    """
    if not words:
        raise InvalidSpan("This job has no transcript words to snap to.")
    if not end > start:
        raise InvalidSpan("A clip's end must be after its start.")
    starts = sorted({w.start for w in words})
    ends = sorted({w.end for w in words})
    cur_start, cur_end = current if current is not None else (None, None)
    a = _snap(starts, start, cur_start)
    b = _snap(ends, end, cur_end)
    if b - a < MIN_CLIP_SECONDS:
        raise InvalidSpan(
            f"The span {a:.2f}-{b:.2f} s is shorter than {MIN_CLIP_SECONDS:g} s after snapping "
            "to words."
        )
    return a, b


def _snap(points: Sequence[float], t: float, current: float | None) -> float:
    if current is not None and abs(t - current) > 1e-6:
        if t > current:
            later = [p for p in points if p >= t - 1e-6]
            return later[0] if later else points[-1]
        earlier = [p for p in points if p <= t + 1e-6]
        return earlier[-1] if earlier else points[0]
    return min(points, key=lambda p: abs(p - t))


def manual_clip_id(job_id: str, start: float, end: float) -> str:
    """The stable id of a clip made by hand from ``start``..``end`` (seconds)."""
    digest = hashlib.sha256(f"{job_id}:manual:{start:.3f}:{end:.3f}".encode()).hexdigest()
    return f"clip_{digest[:16]}"


@dataclass(frozen=True)
class RerenderRequest:
    """One queued, running or finished re-render of a job's changed clips."""

    id: str
    job_id: str
    account_id: str
    environment: str
    status: str
    clip_ids: tuple[str, ...]
    flow_run_id: str | None
    error: str | None
    created_at: datetime
    finished_at: datetime | None


def _request(row: Any) -> RerenderRequest:
    return RerenderRequest(
        id=row["id"],
        job_id=row["job_id"],
        account_id=row["account_id"],
        environment=row["environment"],
        status=row["status"],
        clip_ids=tuple(json.loads(row["clip_ids"])),
        flow_run_id=row["flow_run_id"],
        error=row["error"],
        created_at=as_utc(row["created_at"]),
        finished_at=as_utc(row["finished_at"]) if row["finished_at"] else None,
    )


def request_rerender(
    engine: Engine,
    *,
    job_id: str,
    account_id: str,
    environment: str,
    actor: str | None,
) -> RerenderRequest | None:
    """Queue a re-render of the job's changed clips; None when nothing changed.

    While a request of the job still waits in the queue it is the answer (its run reads the
    edits when it starts, so it renders the newer ones too).
    """
    dirty = sorted(e.clip_id for e in for_job(engine, job_id).values() if e.dirty)
    if not dirty:
        return None
    waiting = latest_request(engine, job_id)
    if waiting is not None and waiting.status == "queued":
        with engine.begin() as conn:
            conn.execute(
                update(rerender_requests)
                .where(rerender_requests.c.id == waiting.id)
                .values(clip_ids=json.dumps(dirty))
            )
        return get_request(engine, waiting.id)
    request_id = f"rr_{secrets.token_hex(8)}"
    with engine.begin() as conn:
        conn.execute(
            insert(rerender_requests).values(
                id=request_id,
                job_id=job_id,
                account_id=account_id,
                environment=environment,
                status="queued",
                clip_ids=json.dumps(dirty),
                requested_by=actor,
                created_at=utcnow(),
            )
        )
    return get_request(engine, request_id)


def get_request(engine: Engine, request_id: str) -> RerenderRequest | None:
    with engine.connect() as conn:
        row = (
            conn.execute(select(rerender_requests).where(rerender_requests.c.id == request_id))
            .mappings()
            .first()
        )
    return None if row is None else _request(row)


def latest_request(engine: Engine, job_id: str) -> RerenderRequest | None:
    """The job's newest re-render request, if any."""
    with engine.connect() as conn:
        row = (
            conn.execute(
                select(rerender_requests)
                .where(rerender_requests.c.job_id == job_id)
                .order_by(rerender_requests.c.created_at.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    return None if row is None else _request(row)


def queued_requests(engine: Engine, limit: int = 10) -> list[RerenderRequest]:
    """Queued re-renders, oldest first (the dispatcher starts one flow run each)."""
    with engine.connect() as conn:
        rows = conn.execute(
            select(rerender_requests)
            .where(rerender_requests.c.status == "queued")
            .order_by(rerender_requests.c.created_at)
            .limit(limit)
        ).mappings()
        return [_request(r) for r in rows]


def set_request_status(
    engine: Engine,
    request_id: str,
    status: str,
    *,
    expect: str | None = None,
    flow_run_id: str | None = None,
    error: str | None = None,
) -> bool:
    """Move a request to ``status`` (only from ``expect`` when given); True if it moved."""
    values: dict[str, Any] = {"status": status}
    if status == "running":
        values["started_at"] = utcnow()
    if status in ("done", "failed"):
        values["finished_at"] = utcnow()
        values["error"] = error
    if flow_run_id is not None:
        values["flow_run_id"] = flow_run_id
    where = [rerender_requests.c.id == request_id]
    if expect is not None:
        where.append(rerender_requests.c.status == expect)
    with engine.begin() as conn:
        moved = conn.execute(update(rerender_requests).where(and_(*where)).values(**values))
    return bool(moved.rowcount)
