"""Exports: a signed, expiring download of a finished job's clips (one MP4 or a ZIP of all)."""

from __future__ import annotations

import hashlib
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Body
from fastapi import Path as PathParam

from api import views
from api.deps import CacheDep, ExportsCreate, LinksDep, SettingsDep, StoresDep
from api.errors import ApiError
from api.media import MediaLinks
from api.routes import ERROR_RESPONSES
from api.routes.jobs import load_job
from api.schemas import Export, ExportRequest
from api.submit import PLATFORM_PRESETS

router = APIRouter(tags=["exports"], responses=ERROR_RESPONSES)

PRESETS = ("vertical", "square", "landscape")


def _preset(request: ExportRequest) -> str:
    if request.preset is not None:
        if request.preset not in PRESETS:
            raise ApiError(
                400,
                "invalid_parameter",
                f"preset must be one of {', '.join(PRESETS)}.",
                param="preset",
            )
        return request.preset
    if request.platform is not None:
        preset = PLATFORM_PRESETS.get(request.platform.lower())
        if preset is None:
            raise ApiError(
                400,
                "invalid_parameter",
                f"platform must be one of {', '.join(PLATFORM_PRESETS)}.",
                param="platform",
            )
        return preset
    return views.DEFAULT_PRESET


def _render_for(row: dict[str, Any], preset: str) -> dict[str, Any] | None:
    """The clip's render for ``preset``, else its default (vertical) one, else any."""
    renders: list[dict[str, Any]] = list(row.get("renders", []))
    for wanted in (preset, views.DEFAULT_PRESET):
        for render in renders:
            if render["preset"] == wanted:
                return render
    return renders[0] if renders else None


def _zip(links: MediaLinks, entries: list[tuple[str, dict[str, Any]]]) -> str:
    """A stored (uncompressed: MP4 is already compressed) ZIP in the media store; its path.

    Named by the hash of what it holds, so the same export is built once.
    """
    digest = hashlib.sha256()
    for name, render in entries:
        digest.update(f"{name}|{render['media_path']}|{render['size_bytes']}\n".encode())
    key = f"exports/{digest.hexdigest()}.zip"
    store = links.store
    if not store.exists(key):
        scratch = store.scratch(f"{digest.hexdigest()[:16]}.zip")
        try:
            with zipfile.ZipFile(scratch, "w", compression=zipfile.ZIP_STORED) as archive:
                for name, render in entries:
                    archive.write(Path(str(render["media_path"])), arcname=name)
            store.put(scratch, key)
        finally:
            scratch.unlink(missing_ok=True)
    return str(store.local_path(key))


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
    """``format`` ``mp4`` links the top clip (and lists every clip in ``files``); ``zip`` links an
    archive of all clips. ``platform`` (tiktok, reels, shorts, linkedin, twitter, x, ...) or
    ``preset`` (vertical, square, landscape) picks the render; links expire after
    ``export_ttl_seconds``."""
    request = request or ExportRequest()
    preset = _preset(request)
    job = load_job(stores, settings, key, job_id)
    if job.status != "complete":
        raise ApiError(
            409,
            "job_not_complete",
            f"Job {job.id} is {job.status}; only complete jobs can be exported.",
            param="id",
        )
    rows = views.clip_rows(job, settings, cache)
    chosen = [(row, render) for row in rows if (render := _render_for(row, preset)) is not None]
    if not chosen:
        raise ApiError(
            409, "no_clips", f"Job {job.id} has no rendered clips to export.", param="id"
        )
    expires_at = links.expiry(settings.api.export_ttl_seconds)
    files = []
    entries = []
    for row, render in chosen:
        name = f"{int(row['rank']):02d}-{row['moment_type']}-{row['clip_id']}.mp4"
        url = links.url(
            str(render["media_path"]), expires_at=expires_at, filename=name, download=True
        )
        if url is None:
            continue
        files.append({"clip_id": row["clip_id"], "rank": int(row["rank"]), "url": url})
        entries.append((name, render))
    if not files:
        raise ApiError(409, "no_clips", f"Job {job.id} has no served clip files.", param="id")
    if request.format == "zip":
        archive = _zip(links, entries)
        export_url = links.url(
            archive, expires_at=expires_at, filename=f"{job.id}-{preset}.zip", download=True
        )
        assert export_url is not None
    else:
        export_url = files[0]["url"]
    return {
        "object": "export",
        "job_id": job.id,
        "format": request.format,
        "platform": request.platform,
        "preset": preset,
        "export_url": export_url,
        "expires_at": datetime.fromtimestamp(expires_at, UTC),
        "files": files,
    }
