"""Exports: signed, expiring downloads of a finished job's clips and clip decisions.

``mp4`` links the top clip; ``zip`` links one archive with every rendered clip (for the chosen
preset or platform), each clip's SRT and VTT captions, ``clips.csv`` and the editor timelines
(``timeline.otio``, ``timeline.edl``, ``timeline.fcpxml``) over the source media; ``otio``,
``edl`` and ``fcpxml`` link that one timeline. Every name in an archive is made of ASCII
letters, digits and ``._ -`` under one top folder, so unpacking it cannot write elsewhere.
Files are content-addressed in the media store (``exports/<sha256>.<ext>``): the same export is
built once.
"""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi import Path as PathParam

from podclip.api import timelines
from podclip.api.deps import CacheDep, ExportsCreate, LinksDep, SettingsDep, StoresDep
from podclip.api.errors import ApiError
from podclip.api.routes import ERROR_RESPONSES
from podclip.api.routes.jobs import load_job
from podclip.api.schemas import Export, ExportRequest
from podclip.core.presets import DEFAULT_PRESET, LENGTH_TOLERANCE, PLATFORMS, PRESETS
from podclip.core.settings import Settings
from podclip.core.sources import MEDIA_EXTENSIONS
from podclip.store import job_view
from podclip.store.clips import clip_files_for_job
from podclip.store.links import FIXTURES_DIR, MediaLinks
from podclip.store.media import MediaStore
from podclip.store.ops import Job

router = APIRouter(tags=["exports"], responses=ERROR_RESPONSES)

TIMELINE_FORMATS = ("otio", "edl", "fcpxml")
CSV_COLUMNS = (
    "rank", "clip_id", "moment_type", "category", "shareability_score", "start_seconds",
    "end_seconds", "duration_seconds", "hook", "reason", "pull_quote", "video_file",
    "srt_file", "vtt_file",
)  # fmt: skip
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Choice:
    """The render (and its limit) an export takes from each clip."""

    presets: tuple[str, ...]
    max_seconds: float | None
    label: str


def _choice(request: ExportRequest) -> Choice:
    if request.preset is not None:
        if request.preset not in PRESETS:
            raise ApiError(
                400,
                "invalid_parameter",
                f"preset must be one of {', '.join(PRESETS)}.",
                param="preset",
            )
        return Choice((request.preset,), None, request.preset)
    if request.platform is not None:
        spec = PLATFORMS.get(request.platform.lower())
        if spec is None:
            raise ApiError(
                400,
                "invalid_parameter",
                f"platform must be one of {', '.join(PLATFORMS)}.",
                param="platform",
            )
        return Choice(spec.presets, spec.max_seconds + LENGTH_TOLERANCE, spec.presets[0])
    return Choice((DEFAULT_PRESET,), None, DEFAULT_PRESET)


def _render_for(row: dict[str, Any], choice: Choice) -> dict[str, Any] | None:
    """The longest render in the chosen presets (within the platform's limit), else any."""
    renders = sorted(row.get("renders", []), key=lambda r: -float(r["duration_seconds"]))
    for wanted in (*choice.presets, DEFAULT_PRESET):
        for render in renders:
            fits = choice.max_seconds is None or render["duration_seconds"] <= choice.max_seconds
            if render["preset"] == wanted and fits:
                return render
    return renders[0] if renders else None


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def clips_csv(rows: list[tuple[dict[str, Any], dict[str, str]]]) -> str:
    """``clips.csv``: one line per clip, best first, with the names of its files."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row, names in rows:
        writer.writerow(
            [
                int(row["rank"]),
                _cell(row["clip_id"]),
                _cell(row["moment_type"]),
                _cell(row["category"]),
                round(float(row["shareability_score"]), 1),
                round(float(row["start_seconds"]), 3),
                round(float(row["end_seconds"]), 3),
                round(float(row["duration_seconds"]), 3),
                _cell(row["hook"]),
                _cell(row["reason"]),
                _cell(row["pull_quote"]),
                names.get("mp4", ""),
                names.get("srt", ""),
                names.get("vtt", ""),
            ]
        )
    return out.getvalue()


def _source_key(store: MediaStore, job: Job) -> str | None:
    """The media-store key of the job's source (``sources/<sha256>.<ext>``), if it is there."""
    if not job.source_sha256:
        return None
    found = sorted(store.fs.glob(store.full_path(f"sources/{job.source_sha256}.*")))
    return str(found[0])[len(store.root) + 1 :] if found else None


def _probe(store: MediaStore, key: str, fallback: timelines.SourceRef) -> timelines.SourceRef:
    """``fallback`` with the stored source's duration, frame rate and frame size.

    The file is opened through fsspec, so on object storage only the container header is
    read (ranged reads), not the whole episode.
    """
    import av  # only here: the frame rate is the one thing the API needs a probe for

    try:
        with (
            store.fs.open(store.full_path(key), "rb") as fh,
            av.open(fh, metadata_errors="ignore") as container,
        ):
            video = next(
                (
                    v
                    for v in container.streams.video
                    if not v.disposition & av.stream.Disposition.attached_pic
                ),
                None,
            )
            duration = float(container.duration / av.time_base) if container.duration else 0.0
            if video is None:
                return replace(
                    fallback,
                    duration_seconds=duration or fallback.duration_seconds,
                    rate=timelines.AUDIO_ONLY_RATE,
                    has_video=False,
                )
            return replace(
                fallback,
                duration_seconds=duration or fallback.duration_seconds,
                rate=timelines.rate_of(float(video.average_rate or 0)),
                has_video=True,
                width=int(video.codec_context.width),
                height=int(video.codec_context.height),
            )
    except (av.error.FFmpegError, OSError, ValueError):
        return fallback


def source_ref(store: MediaStore, job: Job) -> timelines.SourceRef:
    """What the timelines reference: the stored source by a relative name the user knew it by
    (its stream facts probed from the stored copy)."""
    key = _source_key(store, job)
    name = str(job.source.get("filename") or "") or timelines.name_from_url(job.source_url)
    if Path(name).suffix.lower() not in MEDIA_EXTENSIONS:
        name = Path(key).name if key else name or "source"
    # A relative reference by name: a server path (or a source URL, which may carry a token)
    # never goes into an export; editors relink the name to the file beside the timeline.
    ref = timelines.SourceRef(
        url=timelines.safe_name(name, fallback="source"),
        name=name,
        duration_seconds=float(job.duration_seconds or 0.0),
        has_video=bool(job.source.get("video", job.source_type != "audio_url")),
    )
    return _probe(store, key, ref) if key else ref


def timeline_files(store: MediaStore, job: Job, rows: list[dict[str, Any]]) -> dict[str, str]:
    """``timeline.<ext>`` → text for each editor format."""
    title = job.show_name or job.title or job.id
    if job.show_name and job.title:
        title = f"{job.show_name} - {job.title}"
    source = source_ref(store, job)
    clips = [
        timelines.TimelineClip(
            clip_id=str(r["clip_id"]),
            rank=int(r["rank"]),
            start=float(r["start_seconds"]),
            end=float(r["end_seconds"]),
            moment_type=str(r["moment_type"]),
            score=float(r["shareability_score"]),
            hook=str(r["hook"] or ""),
        )
        for r in sorted(rows, key=lambda r: int(r["rank"]))
    ]
    return {
        "timeline.otio": timelines.to_otio_json(title, source, clips),
        "timeline.edl": timelines.to_edl(title, source, clips),
        "timeline.fcpxml": timelines.to_fcpxml(title, source, clips),
    }


def _caption_files(
    settings: Settings, job: Job, rows: list[dict[str, Any]]
) -> dict[str, list[dict[str, Any]]]:
    if all("files" in row for row in rows):
        return {str(row["clip_id"]): list(row["files"]) for row in rows}
    return clip_files_for_job(settings, job.id)


def _store_text(store: MediaStore, name: str, text: str) -> str:
    """Store ``text`` content-addressed; its local path."""
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    key = f"exports/{digest}{Path(name).suffix}"
    if not store.exists(key):
        scratch = store.scratch(f"{digest[:16]}{Path(name).suffix}")
        try:
            scratch.write_bytes(data)
            store.put(scratch, key)
        finally:
            scratch.unlink(missing_ok=True)
    return str(store.local_path(key))


def _zip(store: MediaStore, files: list[tuple[str, str]], texts: dict[str, str]) -> str:
    """A ZIP of stored ``files`` (archive name, path) and ``texts`` in the media store; its path.

    MP4s are stored as they are (already compressed); text is deflated. Named by the hash of
    what it holds, so the same export is built once.
    """
    digest = hashlib.sha256()
    for name, path in files:
        digest.update(f"{name}|{path}|{Path(path).stat().st_size}\n".encode())
    for name, text in texts.items():
        digest.update(f"{name}|{hashlib.sha256(text.encode()).hexdigest()}\n".encode())
    key = f"exports/{digest.hexdigest()}.zip"
    if not store.exists(key):
        scratch = store.scratch(f"{digest.hexdigest()[:16]}.zip")
        try:
            with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_DEFLATED) as archive:
                for name, path in files:
                    kind = zipfile.ZIP_STORED if name.endswith(".mp4") else zipfile.ZIP_DEFLATED
                    archive.write(Path(path), arcname=name, compress_type=kind)
                for name, text in texts.items():
                    archive.writestr(name, text)
            store.put(scratch, key)
        finally:
            scratch.unlink(missing_ok=True)
    return str(store.local_path(key))


def _bundle(
    settings: Settings,
    store: MediaStore,
    job: Job,
    chosen: list[tuple[dict[str, Any], dict[str, Any]]],
) -> str:
    """The ZIP export: clips, captions, clips.csv and timelines under one safe top folder."""
    top = timelines.safe_name(f"{job.show_name or job.title or 'podclip'} {job.id}")
    captions = _caption_files(settings, job, [row for row, _ in chosen])
    files: list[tuple[str, str]] = []
    listed: list[tuple[dict[str, Any], dict[str, str]]] = []
    for row, render in chosen:
        base = timelines.safe_name(f"{int(row['rank']):02d}-{row['moment_type']}-{row['clip_id']}")
        video = _local(store, str(render["media_path"]))
        if video is None:
            continue
        names = {"mp4": f"{base}.mp4"}
        files.append((f"{top}/{names['mp4']}", str(video)))
        for caption in captions.get(str(row["clip_id"]), []):
            kind = str(caption["kind"]).lower()
            path = _local(store, str(caption["media_path"]))
            if kind in ("srt", "vtt") and kind not in names and path is not None:
                names[kind] = f"{base}.{kind}"
                files.append((f"{top}/{names[kind]}", str(path)))
        listed.append((row, names))
    texts = {f"{top}/clips.csv": clips_csv(listed)}
    for name, text in timeline_files(store, job, [row for row, _ in chosen]).items():
        texts[f"{top}/{name}"] = text
    return _zip(store, files, texts)


def _local(store: MediaStore, media_path: str) -> Path | None:
    """A local copy of a file in the media store (by its path or URL) or a sandbox fixture."""
    if Path(media_path).parent == FIXTURES_DIR:
        return Path(media_path) if Path(media_path).is_file() else None
    for prefix in (f"{store.root}/", f"{store.url}/"):
        if media_path.startswith(prefix):
            try:
                path = store.local_path(media_path[len(prefix) :])
            except FileNotFoundError:
                return None
            return path if path.is_file() else None
    return None


@router.post("/jobs/{job_id}/export", response_model=Export, summary="Export a job's clips")
def export_job(
    job_id: Annotated[str, PathParam(min_length=1, max_length=64)],
    key: ExportsCreate,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    cache: CacheDep,
    request: Annotated[ExportRequest | None, Body()] = None,
) -> dict[str, Any]:
    """``format``: ``mp4`` links the top clip (and lists every clip in ``files``); ``zip`` an
    archive of clips, captions, clips.csv and editor timelines; ``otio``, ``edl`` or
    ``fcpxml`` that one timeline over the source media. ``platform`` (tiktok, reels, shorts,
    linkedin, twitter, x, ...) or ``preset`` (vertical, portrait, square, landscape) picks the
    render; links expire after ``export_ttl_seconds``."""
    request = request or ExportRequest()
    choice = _choice(request)
    job = load_job(stores, settings, key, job_id)
    if job.status != "complete":
        raise ApiError(
            409,
            "job_not_complete",
            f"Job {job.id} is {job.status}; only complete jobs can be exported.",
            param="id",
        )
    rows = job_view.clip_rows(job, settings, cache)
    chosen = [(row, render) for row in rows if (render := _render_for(row, choice)) is not None]
    if not chosen:
        raise ApiError(
            409, "no_clips", f"Job {job.id} has no rendered clips to export.", param="id"
        )
    expires_at = links.expiry(settings.api.export_ttl_seconds)
    files = []
    served = []
    for row, render in chosen:
        name = timelines.safe_name(f"{int(row['rank']):02d}-{row['moment_type']}-{row['clip_id']}")
        url = links.url(
            str(render["media_path"]), expires_at=expires_at, filename=f"{name}.mp4", download=True
        )
        if url is None:
            continue
        files.append({"clip_id": row["clip_id"], "rank": int(row["rank"]), "url": url})
        served.append((row, render))
    if not files:
        raise ApiError(409, "no_clips", f"Job {job.id} has no served clip files.", param="id")
    export_url = _export_url(settings, links, job, request.format, choice, served, expires_at)
    return {
        "object": "export",
        "job_id": job.id,
        "format": request.format,
        "platform": request.platform,
        "preset": str(served[0][1]["preset"]),
        "export_url": export_url or files[0]["url"],
        "expires_at": datetime.fromtimestamp(expires_at, UTC),
        "files": files,
    }


def _export_url(
    settings: Settings,
    links: MediaLinks,
    job: Job,
    fmt: str,
    choice: Choice,
    served: list[tuple[dict[str, Any], dict[str, Any]]],
    expires_at: int,
) -> str | None:
    """The signed link of a ``zip`` or timeline export; None for ``mp4``."""
    if fmt == "mp4":
        return None
    if fmt == "zip":
        path = _bundle(settings, links.store, job, served)
        filename = f"{timelines.safe_name(job.id)}-{choice.label}.zip"
    else:
        name = f"timeline.{fmt}"
        text = timeline_files(links.store, job, [row for row, _ in served])[name]
        path = _store_text(links.store, name, text)
        filename = f"{timelines.safe_name(job.show_name or job.id)}.{fmt}"
    url = links.url(path, expires_at=expires_at, filename=filename, download=True)
    assert url is not None
    return url
