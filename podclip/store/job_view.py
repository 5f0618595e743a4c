"""The job's JSON view: job, clip and output envelopes built from ``store`` records.

The API answers with it and the webhook sender puts it in Clypt events' ``data.object``, so
both import it from here. Statuses are in the words of the dialect asked for
(:mod:`podclip.core.dialects`); links are under the base of the :class:`MediaLinks` given.
A finished job never changes, so the lake rows behind its output (clips with renders, transcript
segments) are read once per process and kept in a small LRU cache; signed URLs are added per
response (their rounded expiry keeps them identical for minutes at a time).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from datetime import datetime
from typing import Any

from pydantic_core import to_jsonable_python

from podclip.core.dialects import CLYPT, Dialect, status_word
from podclip.core.presets import DEFAULT_PLATFORMS, LENGTH_TOLERANCE, PLATFORMS
from podclip.core.settings import Settings
from podclip.store import sandbox, share_links
from podclip.store.clips import clips_for_job, language_for_job, transcript_for_job
from podclip.store.job_record import Job
from podclip.store.links import FIXTURES_DIR, MediaLinks

DEFAULT_PRESET = "vertical"


class OutputCache:
    """Finished jobs' lake rows and rendered responses, least recently used evicted.

    ``rows``: job id → (clip rows, transcript rows). ``rendered``: (route, job id, URL expiry)
    → the response body (callers put the dialect and link base in ``route``), so a finished
    job polled again costs no lake read and no serialisation until its links' rounded expiry
    moves on. Each entry is computed once even
    when many requests miss it at the same time (one computes, the others wait for it).
    """

    def __init__(self, size: int) -> None:
        self.size = max(0, size)
        self._items: OrderedDict[str, tuple[list[dict[str, Any]], list[dict[str, Any]]]] = (
            OrderedDict()
        )
        self._rendered: OrderedDict[tuple[str, str, int], bytes] = OrderedDict()
        self._languages: OrderedDict[tuple[str, str], str | None] = OrderedDict()
        self._lock = threading.Lock()
        self._computing: dict[object, threading.Lock] = {}

    def _once(self, key: object) -> threading.Lock:
        """The lock that the computation of ``key`` runs under."""
        with self._lock:
            return self._computing.setdefault(key, threading.Lock())

    def _done(self, key: object) -> None:
        with self._lock:
            self._computing.pop(key, None)

    def cached(self, route: str, job: Job, expires_at: int) -> bytes | None:
        """The body rendered before for this finished job and expiry, if any."""
        with self._lock:
            return self._rendered.get((route, job.id, expires_at))

    def rendered(self, route: str, job: Job, expires_at: int, render: Callable[[], bytes]) -> bytes:
        """The cached body for a finished job, else ``render()`` (cached when finished)."""
        if not job.is_terminal or not self.size:
            return render()
        key = (route, job.id, expires_at)
        with self._once(key):
            with self._lock:
                body = self._rendered.get(key)
                if body is not None:
                    self._rendered.move_to_end(key)
                    return body
            body = render()
            with self._lock:
                self._rendered[key] = body
                while len(self._rendered) > 2 * self.size:
                    self._rendered.popitem(last=False)
        self._done(key)
        return body

    def language(self, settings: Settings, job: Job) -> str | None:
        """The published transcript's language, read once per finished job."""
        key = ("language", job.id)
        with self._lock:
            if key in self._languages:
                return self._languages[key]
        found = language_for_job(settings, job.id)
        if job.is_terminal and self.size:
            with self._lock:
                self._languages[key] = found
                while len(self._languages) > self.size:
                    self._languages.popitem(last=False)
        return found

    def rows(
        self, settings: Settings, job: Job
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        with self._once(job.id):
            with self._lock:
                found = self._items.get(job.id)
                if found is not None:
                    self._items.move_to_end(job.id)
                    return found
            value = self._read(settings, job)
        self._done(job.id)
        return value

    def _read(
        self, settings: Settings, job: Job
    ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
        clips = clips_for_job(settings, job.id)
        transcript = [
            {
                "speaker": s.get("speaker"),
                "start": round(float(s["start_seconds"]), 3),
                "end": round(float(s["end_seconds"]), 3),
                "text": str(s["text"]).strip(),
            }
            for s in transcript_for_job(settings, job.id)
        ]
        value = (clips, transcript)
        if job.is_terminal and self.size:
            with self._lock:
                self._items[job.id] = value
                while len(self._items) > self.size:
                    self._items.popitem(last=False)
        return value


def _seconds(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(microsecond=0)


def platforms_of(job: Job) -> list[str]:
    chosen = job.options.get("platforms")
    return list(chosen) if chosen else list(DEFAULT_PLATFORMS)


def clip_view(
    row: dict[str, Any], links: MediaLinks, platforms: list[str], expires_at: int
) -> dict[str, Any]:
    """One clip with every field of both documents."""
    start = round(float(row["start_seconds"]), 3)
    end = round(float(row["end_seconds"]), 3)
    duration = round(float(row["duration_seconds"]), 3)
    renders = []
    url_by_preset: dict[str, str] = {}
    # (preset, seconds, url) of every render, longest first: a platform gets the longest render
    # of its preset that fits its length limit (a trimmed one when the clip is too long).
    fitting: list[tuple[str, float, str]] = []
    for render in sorted(row.get("renders", []), key=lambda r: -float(r["duration_seconds"])):
        url = links.url(
            str(render["media_path"]),
            expires_at=expires_at,
            filename=f"{row['clip_id']}-{render['preset']}.mp4",
        )
        if url is not None:
            url_by_preset.setdefault(str(render["preset"]), url)
            fitting.append((str(render["preset"]), float(render["duration_seconds"]), url))
        renders.append(
            {
                "preset": render["preset"],
                "width": int(render["width"]),
                "height": int(render["height"]),
                "duration_seconds": round(float(render["duration_seconds"]), 3),
                "size_bytes": int(render["size_bytes"]),
                "url": url,
            }
        )
    default_url = url_by_preset.get(DEFAULT_PRESET) or next(iter(url_by_preset.values()), None)
    rendered_urls: dict[str, str] = {}
    for platform in platforms:
        url = _platform_url(platform, fitting)
        if url is not None:
            rendered_urls[platform] = url
    captions: dict[str, str | None] = {}
    for file in row.get("files", []):
        kind = str(file["kind"])
        captions[kind] = links.url(
            str(file["media_path"]), expires_at=expires_at, filename=f"{row['clip_id']}.{kind}"
        )
    return {
        "object": "clip",
        "id": row["clip_id"],
        "job_id": row["job_id"],
        "rank": int(row["rank"]),
        "moment_type": row["moment_type"],
        "category": row["category"],
        "shareability_score": round(float(row["shareability_score"])),
        "reason": row["reason"],
        "hook": row["hook"],
        "hook_suggestion": row["hook"],
        "pull_quote": row["pull_quote"],
        "start": start,
        "end": end,
        "duration": duration,
        "start_time": start,
        "end_time": end,
        "start_seconds": start,
        "end_seconds": end,
        "duration_seconds": duration,
        "media_url": default_url,
        "rendered_urls": rendered_urls,
        "renders": renders,
        "captions": captions,
        "transcript_text": row["transcript_text"],
    }


def _platform_url(platform: str, fitting: list[tuple[str, float, str]]) -> str | None:
    """The longest render in the platform's presets (preferred first) within its length limit.

    A platform whose presets were not rendered gets the default (vertical) render; a clip with
    no render short enough for the platform gets no URL for it.
    """
    spec = PLATFORMS.get(platform)
    presets = spec.presets if spec else (DEFAULT_PRESET,)
    limit = spec.max_seconds + LENGTH_TOLERANCE if spec else float("inf")
    for wanted in (*presets, DEFAULT_PRESET):
        for preset, seconds, url in fitting:
            if preset == wanted and seconds <= limit:
                return url
    return None


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (-float(r["shareability_score"]), int(r["rank"])))


def clip_rows(job: Job, settings: Settings, cache: OutputCache) -> list[dict[str, Any]]:
    """The job's clip rows, best first ([] until it is complete)."""
    if job.status != "complete":
        return []
    if job.environment == "test":
        fixture = FIXTURES_DIR / sandbox.FIXTURE_MEDIA
        return sandbox.fixture_clip_rows(job, str(fixture), fixture.stat().st_size)
    return _sorted(cache.rows(settings, job)[0])


def clips_view(
    job: Job, settings: Settings, links: MediaLinks, cache: OutputCache
) -> list[dict[str, Any]]:
    expires_at = links.expiry()
    platforms = platforms_of(job)
    return [clip_view(r, links, platforms, expires_at) for r in clip_rows(job, settings, cache)]


def output_view(
    job: Job, settings: Settings, links: MediaLinks, cache: OutputCache
) -> dict[str, Any] | None:
    """``output`` of a complete job, else None."""
    if job.status != "complete":
        return None
    clips = clips_view(job, settings, links, cache)
    if job.environment == "test":
        trailer = None
        if sandbox.has_trailer(job):
            url = links.url(
                str(FIXTURES_DIR / sandbox.FIXTURE_MEDIA),
                expires_at=links.expiry(),
                filename=f"{job.id}-trailer.mp4",
            )
            trailer = {"url": url, "duration_seconds": 67.4}
        return {
            "clips": clips,
            "trailer": trailer,
            "guest_share_url": None,
            "show_notes": sandbox.SHOW_NOTES,
            "transcript": [dict(s) for s in sandbox.TRANSCRIPT],
        }
    transcript = cache.rows(settings, job)[1]
    # Trailers, show notes and guest pages are not built by the pipeline yet.
    return {
        "clips": clips,
        "trailer": share_links.trailer_view(links, job, share_links.job_outputs(settings, job)),
        # None once the link was revoked or has expired (podclip.store.share_links).
        "guest_share_url": share_links.current_url(links, job),
        "show_notes": share_links.job_outputs(settings, job).get("show_notes", {}).get("body"),
        "transcript": transcript,
    }


def job_view(
    job: Job,
    settings: Settings,
    links: MediaLinks,
    cache: OutputCache,
    dialect: Dialect = CLYPT,
) -> dict[str, Any]:
    """The job envelope of both documents, its ``status`` in ``dialect``'s words."""
    source = {k: v for k, v in job.source.items() if k != "video"}
    if job.source_type == "upload":
        source.pop("path", None)
    error = (
        {"code": job.error_code or "internal_error", "message": job.error_message or ""}
        if job.status == "failed"
        else None
    )
    return {
        "object": "job",
        "id": job.id,
        "status": status_word(dialect, job.status),
        "environment": job.environment,
        "livemode": job.environment == "live",
        "source": source,
        "source_url": source.get("url"),
        "options": job.options,
        "show_name": job.show_name,
        "guest_name": job.guest_name,
        "description": job.options.get("description"),
        "platforms": platforms_of(job),
        "created_at": _seconds(job.created_at),
        "updated_at": _seconds(job.updated_at),
        "started_at": _seconds(job.started_at),
        "completed_at": _seconds(job.completed_at),
        "clip_count": job.clip_count,
        "duration_seconds": job.duration_seconds,
        # The transcript's language once published (detected by a multilingual model, or the
        # one asked for); before that, the one asked for, if any.
        "language": _language(job, settings, cache),
        "output": output_view(job, settings, links, cache),
        "error": error,
    }


def _language(job: Job, settings: Settings, cache: OutputCache) -> str | None:
    asked = job.options.get("language")
    asked = str(asked) if asked else None
    if job.status == "complete" and job.environment == "live":
        return cache.language(settings, job) or asked
    return asked


def as_json(view: dict[str, Any]) -> Any:
    """A view as JSON values (times as ISO 8601 ``Z`` strings, as the API's responses show)."""
    return to_jsonable_python(view)
