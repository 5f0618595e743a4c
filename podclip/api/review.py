"""The review actions behind both the API (``routes/clips.py``) and the studio's forms.

Each action checks the clip belongs to a job the key may see, snaps spans to word boundaries,
stores the new state (``store.clip_edits``, ``store.corrections``) and appends one
``clip_reviews`` event per clip it changed. Nothing here renders: a re-render is queued as a
``rerender_requests`` row that the dispatcher turns into a ``rerender-clips`` flow run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from podclip.api.errors import ApiError, from_podclip, not_found
from podclip.core.errors import JobNotFound, PermanentError
from podclip.core.presets import PLATFORMS, PRESETS
from podclip.core.settings import Settings
from podclip.store import clip_edits, clips, corrections, ops, reviews
from podclip.store.api_keys import ApiKey
from podclip.store.clip_edits import CAPTION_STYLES, VERDICTS, ClipEdit
from podclip.store.corrections import IndexedWord
from podclip.store.job_record import Job
from podclip.store.links import MediaLinks


@dataclass(frozen=True)
class Actor:
    """Who acts: the key (and so its account and environment) and the process's stores."""

    settings: Settings
    engine: Any
    key: ApiKey
    links: MediaLinks


def load_job(actor: Actor, job_id: str) -> Job:
    """The job if the actor's account and environment own it, else 404."""
    try:
        return ops.get_job(
            actor.engine,
            job_id,
            account_id=actor.key.account_id,
            environment=actor.key.environment,
        )
    except JobNotFound:
        raise not_found("job", job_id, param="id") from None


def _complete(job: Job) -> None:
    if job.status != "complete":
        raise ApiError(
            409,
            "job_not_complete",
            f"Job {job.id} is {job.status}; only a complete job's clips can be reviewed.",
            param="id",
        )


def _lake_clip_job(settings: Settings, clip_id: str) -> str | None:
    from podclip.store import lake

    with lake.reader(settings) as conn:
        row = conn.execute("SELECT job_id FROM clips WHERE clip_id = ? LIMIT 1", [clip_id])
        found = row.fetchone()
    return None if found is None else str(found[0])


def find_clip(actor: Actor, clip_id: str) -> tuple[Job, dict[str, Any]]:
    """The clip's job and its current state; 404 when the actor may not see it."""
    if not clip_id.startswith("clip_") or len(clip_id) > 40:
        raise not_found("clip", clip_id, param="id")
    edit = clip_edits.get(actor.engine, clip_id)
    job_id = edit.job_id if edit is not None else _lake_clip_job(actor.settings, clip_id)
    if job_id is None:
        raise not_found("clip", clip_id, param="id")
    try:
        job = load_job(actor, job_id)
    except ApiError:
        raise not_found("clip", clip_id, param="id") from None
    for state in job_clips(actor, job):
        if state["id"] == clip_id:
            return job, state
    raise not_found("clip", clip_id, param="id")


def transcript_words(actor: Actor, job: Job) -> list[IndexedWord]:
    """The job's words with the producer's fixes applied."""
    words = corrections.words_of(clips.transcript_for_job(actor.settings, job.id))
    return corrections.apply(words, corrections.for_job(actor.engine, job.id))


def _renders_view(actor: Actor, row: Mapping[str, Any], expires_at: int) -> list[dict[str, Any]]:
    out = []
    for r in row.get("renders") or ():
        url = actor.links.url(
            str(r["media_path"]), expires_at=expires_at, filename=f"{row['clip_id']}.mp4"
        )
        out.append(
            {
                "preset": r["preset"],
                "url": url,
                "download_url": actor.links.url(
                    str(r["media_path"]),
                    expires_at=expires_at,
                    filename=f"{row['clip_id']}-{r['preset']}.mp4",
                    download=True,
                ),
                "width": r["width"],
                "height": r["height"],
                "duration_seconds": r["duration_seconds"],
                "caption_style": r["caption_style"],
            }
        )
    return out


def _files_view(actor: Actor, row: Mapping[str, Any], expires_at: int) -> dict[str, str | None]:
    return {
        str(f["kind"]): actor.links.url(
            str(f["media_path"]),
            expires_at=expires_at,
            filename=f"{row['clip_id']}.{f['kind']}",
            download=True,
        )
        for f in row.get("files") or ()
    }


def clip_state(
    actor: Actor, job: Job, row: Mapping[str, Any] | None, edit: ClipEdit | None
) -> dict[str, Any]:
    """One clip as the review API shows it: the lake row with the producer's edit over it."""
    expires_at = actor.links.expiry()
    base: dict[str, Any] = dict(row or {})
    start = (
        edit.start_seconds if edit and edit.start_seconds is not None else base.get("start_seconds")
    )
    end = edit.end_seconds if edit and edit.end_seconds is not None else base.get("end_seconds")
    renders = base.get("renders") or []
    style = (edit.caption_style if edit else None) or (
        renders[0]["caption_style"] if renders else job.options.get("caption_style")
    )
    if edit is None:
        render_status = "current"
    elif edit.render_error:
        render_status = "failed"
    else:
        render_status = "pending" if edit.dirty else "current"
    return {
        "object": "clip",
        "id": base.get("clip_id") or (edit.clip_id if edit else ""),
        "job_id": job.id,
        "rank": base.get("rank"),
        "moment_type": base.get("moment_type") or ("manual" if edit and edit.manual else None),
        "category": base.get("category"),
        "shareability_score": base.get("shareability_score"),
        "reason": base.get("reason"),
        "hook": base.get("hook"),
        "transcript_text": base.get("transcript_text"),
        "start": start,
        "end": end,
        "duration": None if start is None or end is None else round(end - start, 3),
        "rendered_start": base.get("start_seconds"),
        "rendered_end": base.get("end_seconds"),
        "caption_style": style or "yellow-pop",
        "preset": edit.preset if edit else None,
        "platforms": list(edit.platforms) if edit and edit.platforms else None,
        "review_status": (edit.review_status if edit else None) or "unreviewed",
        "review_reason": edit.review_reason if edit else None,
        "manual": bool(edit and edit.manual),
        "render_status": render_status,
        "render_error": edit.render_error if edit else None,
        "renders": _renders_view(actor, base, expires_at) if base else [],
        "captions": _files_view(actor, base, expires_at) if base else {},
    }


def job_clips(actor: Actor, job: Job) -> list[dict[str, Any]]:
    """Every clip of the job (rendered ones by score, then clips made by hand), edits applied."""
    if job.environment != "live" or job.status != "complete":
        return []
    rows = clips.clips_for_job(actor.settings, job.id)
    edits = clip_edits.for_job(actor.engine, job.id)
    seen = {r["clip_id"] for r in rows}
    out = [clip_state(actor, job, r, edits.get(r["clip_id"])) for r in rows]
    out += [clip_state(actor, job, None, e) for cid, e in edits.items() if cid not in seen]
    return out


def _event(
    actor: Actor,
    job: Job,
    state: Mapping[str, Any],
    action: str,
    before: Mapping[str, Any] | None,
    after: Mapping[str, Any] | None,
    reason: str | None = None,
) -> reviews.ReviewEvent:
    return reviews.ReviewEvent(
        clip_id=str(state["id"]),
        job_id=job.id,
        account_id=actor.key.account_id,
        environment=actor.key.environment,
        api_key_id=actor.key.id,
        action=action,
        before=dict(before) if before is not None else None,
        after=dict(after) if after is not None else None,
        reason=reason,
        moment_type=state.get("moment_type"),
        shareability_score=state.get("shareability_score"),
        show_name=job.show_name,
        manual=bool(state.get("manual")),
    )


def _save(
    actor: Actor,
    job: Job,
    clip_id: str,
    changes: Mapping[str, Any],
    rerender: bool,
    manual: bool = False,
) -> ClipEdit:
    return clip_edits.save(
        actor.engine,
        clip_id=clip_id,
        job_id=job.id,
        account_id=actor.key.account_id,
        environment=actor.key.environment,
        changes=changes,
        actor=actor.key.id,
        rerender=rerender,
        manual=manual,
    )


def _number(body: Mapping[str, Any], *names: str) -> float | None:
    for name in names:
        if body.get(name) is not None:
            value = body[name]
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ApiError(400, "invalid_parameter", f"{name} must be seconds.", param=name)
            return float(value)
    return None


def _style_changes(body: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    if "caption_style" in body:
        style = body["caption_style"]
        if style is not None and style not in CAPTION_STYLES:
            raise ApiError(
                400,
                "invalid_parameter",
                f"caption_style must be one of {', '.join(CAPTION_STYLES)}.",
                param="caption_style",
            )
        changes["caption_style"] = style
    if "preset" in body:
        preset = body["preset"]
        if preset is not None and preset not in PRESETS:
            raise ApiError(
                400,
                "invalid_parameter",
                f"preset must be one of {', '.join(PRESETS)}.",
                param="preset",
            )
        changes["preset"] = preset
    if "platforms" in body or "platform" in body:
        raw = body.get("platforms", body.get("platform"))
        names = [raw] if isinstance(raw, str) else raw
        if names is not None and (
            not isinstance(names, list) or not names or any(n not in PLATFORMS for n in names)
        ):
            raise ApiError(
                400,
                "invalid_parameter",
                f"platforms must be a list of {', '.join(PLATFORMS)}.",
                param="platforms",
            )
        changes["platforms"] = tuple(names) if names else None
    return changes


PATCH_FIELDS = frozenset(
    {
        "start",
        "end",
        "start_seconds",
        "end_seconds",
        "caption_fixes",
        "caption_style",
        "preset",
        "platforms",
        "platform",
    }
)


def update_clip(actor: Actor, clip_id: str, body: Mapping[str, Any]) -> dict[str, Any]:
    """Trim (snapped to words), fix caption words, change style; one event per change."""
    unknown = sorted(set(body) - PATCH_FIELDS)
    if unknown:
        raise ApiError(400, "invalid_parameter", f"Unknown field {unknown[0]!r}.", param=unknown[0])
    job, state = find_clip(actor, clip_id)
    _complete(job)
    events: list[reviews.ReviewEvent] = []
    start = _number(body, "start", "start_seconds")
    end = _number(body, "end", "end_seconds")
    words: list[IndexedWord] | None = None
    if start is not None or end is not None:
        words = transcript_words(actor, job)
        cur = (float(state["start"]), float(state["end"]))
        try:
            a, b = clip_edits.snap_span(
                words, cur[0] if start is None else start, cur[1] if end is None else end, cur
            )
        except PermanentError as exc:
            raise from_podclip(exc, param="start") from None
        if (a, b) != cur:
            _save(actor, job, clip_id, {"start_seconds": a, "end_seconds": b}, rerender=True)
            events.append(
                _event(
                    actor,
                    job,
                    state,
                    "trim",
                    {"start": cur[0], "end": cur[1]},
                    {"start": a, "end": b},
                )
            )
    fixes = body.get("caption_fixes")
    if fixes is not None:
        if not isinstance(fixes, list) or len(fixes) > 200:
            raise ApiError(
                400,
                "invalid_parameter",
                "caption_fixes must be a list (at most 200).",
                param="caption_fixes",
            )
        words = words if words is not None else transcript_words(actor, job)
        events += _fix_captions(actor, job, state, words, fixes)
    style = _style_changes(body)
    if style:
        before = {k: state.get(k) for k in style}
        _save(actor, job, clip_id, style, rerender=True)
        after = {k: list(v) if isinstance(v, tuple) else v for k, v in style.items()}
        events.append(_event(actor, job, state, "style", before, after))
    reviews.record(actor.settings, events)
    return find_clip(actor, clip_id)[1]


def _fix_captions(
    actor: Actor,
    job: Job,
    state: Mapping[str, Any],
    words: Sequence[IndexedWord],
    fixes: Sequence[Any],
) -> list[reviews.ReviewEvent]:
    heard = corrections.words_of(clips.transcript_for_job(actor.settings, job.id))
    events = []
    for fix in fixes:
        if not isinstance(fix, Mapping):
            raise ApiError(
                400, "invalid_parameter", "Each caption fix is an object.", param="caption_fixes"
            )
        try:
            word = corrections.locate(words, fix)
            to_text = corrections.clean_text(fix.get("to"))
        except PermanentError as exc:
            raise from_podclip(exc, param="caption_fixes") from None
        if fix.get("from") is not None and not corrections.same_word(str(fix["from"]), word.text):
            raise ApiError(
                409,
                "caption_word_mismatch",
                f"Word {word.index} reads {word.text.strip()!r}, not {str(fix['from'])!r}.",
                param="caption_fixes",
            )
        corrections.save(
            actor.engine,
            job_id=job.id,
            account_id=actor.key.account_id,
            word=word,
            original=heard[word.index].text,
            to_text=to_text,
            actor=actor.key.id,
        )
        # Every clip whose span holds the word shows it: all of them re-render.
        for other in job_clips(actor, job):
            if other["start"] - 1e-3 <= word.start and word.end <= other["end"] + 1e-3:
                _save(actor, job, str(other["id"]), {}, rerender=True)
        events.append(
            _event(
                actor,
                job,
                state,
                "caption_fix",
                {"index": word.index, "word": word.text.strip()},
                {"index": word.index, "word": to_text},
            )
        )
    return events


def review_clip(actor: Actor, clip_id: str, action: str, reason: str | None) -> dict[str, Any]:
    """Approve or reject the clip (a verdict never re-renders)."""
    if action not in VERDICTS:
        raise ApiError(
            400, "invalid_parameter", "action must be approve or reject.", param="action"
        )
    if reason is not None and (not isinstance(reason, str) or len(reason) > 500):
        raise ApiError(
            400,
            "invalid_parameter",
            "reason must be text (at most 500 characters).",
            param="reason",
        )
    job, state = find_clip(actor, clip_id)
    _complete(job)
    _save(
        actor,
        job,
        clip_id,
        {"review_status": VERDICTS[action], "review_reason": reason},
        rerender=False,
    )
    reviews.record(
        actor.settings,
        [
            _event(
                actor,
                job,
                state,
                action,
                {"review_status": state["review_status"]},
                {"review_status": VERDICTS[action]},
                reason,
            )
        ],
    )
    return find_clip(actor, clip_id)[1]


def create_clip(actor: Actor, job_id: str, start: float, end: float) -> dict[str, Any]:
    """A new clip from ``start``..``end`` (seconds, snapped to words), rendered on re-render."""
    job = load_job(actor, job_id)
    _complete(job)
    if job.environment != "live":
        raise ApiError(409, "sandbox_job", "Sandbox jobs have fixture clips only.", param="id")
    try:
        a, b = clip_edits.snap_span(transcript_words(actor, job), start, end)
    except PermanentError as exc:
        raise from_podclip(exc, param="start") from None
    clip_id = clip_edits.manual_clip_id(job.id, a, b)
    existing = clip_edits.get(actor.engine, clip_id)
    if existing is None:
        edit = _save(
            actor, job, clip_id, {"start_seconds": a, "end_seconds": b}, rerender=True, manual=True
        )
        state = clip_state(actor, job, None, edit)
        reviews.record(
            actor.settings, [_event(actor, job, state, "create", None, {"start": a, "end": b})]
        )
    return find_clip(actor, clip_id)[1]


def rerender(actor: Actor, job_id: str) -> dict[str, Any]:
    """Queue a re-render of the job's changed clips (none changed: nothing is queued)."""
    job = load_job(actor, job_id)
    _complete(job)
    request = clip_edits.request_rerender(
        actor.engine,
        job_id=job.id,
        account_id=actor.key.account_id,
        environment=actor.key.environment,
        actor=actor.key.id,
    )
    if request is None:
        latest = clip_edits.latest_request(actor.engine, job.id)
        return rerender_view(job, latest, queued=False)
    return rerender_view(job, request, queued=True)


def rerender_view(
    job: Job, request: clip_edits.RerenderRequest | None, *, queued: bool
) -> dict[str, Any]:
    return {
        "object": "rerender",
        "job_id": job.id,
        "queued": queued,
        "id": request.id if request else None,
        "status": request.status if request else "none",
        "clip_ids": list(request.clip_ids) if request else [],
        "error": request.error if request else None,
    }


def approved_renders(
    actor: Actor, job_id: str
) -> tuple[Job, list[tuple[dict[str, Any], dict[str, Any]]]]:
    """The job and its approved clips' lake rows, each with one render: the edit's preset,
    else vertical, else the first (what ``GET /jobs/{id}/export?approved=true`` zips)."""
    job = load_job(actor, job_id)
    _complete(job)
    edits = clip_edits.for_job(actor.engine, job.id)
    chosen = []
    for row in clips.clips_for_job(actor.settings, job.id):
        edit = edits.get(row["clip_id"])
        if edit is None or edit.review_status != "approved":
            continue
        renders = sorted(row.get("renders") or [], key=lambda r: r["preset"] != "vertical")
        renders.sort(key=lambda r: r["preset"] != edit.preset)
        if renders:
            chosen.append((row, renders[0]))
    if not chosen:
        raise ApiError(
            409,
            "no_approved_clips",
            f"Job {job.id} has no approved, rendered clips.",
            param="approved",
        )
    return job, chosen
