"""The review API for agents: the studio's actions over HTTP (issue 18).

``PATCH /clips/{id}`` trims (snapped to words), fixes caption words and changes the look;
``POST /clips/{id}/review`` approves or rejects; ``POST /jobs/{id}/clips`` makes a clip from a
passage; ``POST /jobs/{id}/rerender`` queues a re-render of what changed; ``GET
/jobs/{id}/export?approved=true`` answers a ZIP of the approved clips. Writes need
``jobs:create``, reads ``clips:read``, the export ``exports:create``; another account's or
environment's clip is 404. The work is in :mod:`podclip.api.review`.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, ConfigDict, Field

from podclip.api import review
from podclip.api.deps import ClipsRead, ExportsCreate, JobsCreate, LinksDep, SettingsDep, StoresDep
from podclip.api.errors import ApiError
from podclip.api.routes import ERROR_RESPONSES, exports
from podclip.core.settings import Settings
from podclip.store.api_keys import ApiKey
from podclip.store.links import MediaLinks

# Every review action needs a complete job; some have more preconditions (a live job, a caption
# word that still reads as quoted, an approved clip to export): each refusal is a 409.
CONFLICT: dict[int | str, dict[str, Any]] = {
    409: {
        "model": ERROR_RESPONSES[400]["model"],
        "description": "The job or clip is not in a state that allows this "
        "(job_not_complete, sandbox_job, caption_word_mismatch, no_approved_clips, ...).",
    }
}
router = APIRouter(tags=["review"], responses={**ERROR_RESPONSES, **CONFLICT})

ClipId = Annotated[str, PathParam(min_length=1, max_length=40, description="A clip id (clip_…).")]
JobId = Annotated[str, PathParam(min_length=1, max_length=64, description="A job id (job_…).")]


class ReviewedClip(BaseModel):
    """A clip with the producer's edits over it (seconds)."""

    model_config = ConfigDict(extra="allow")

    object: str = "clip"
    id: str
    job_id: str
    start: float | None
    end: float | None
    duration: float | None
    review_status: str = Field(description="unreviewed, approved or rejected.")
    render_status: str = Field(description="current, pending (re-render it) or failed.")
    manual: bool


class Rerender(BaseModel):
    """A queued re-render (``queued`` false: nothing had changed; the latest one is shown)."""

    object: str = "rerender"
    id: str | None
    job_id: str
    queued: bool
    status: str
    clip_ids: list[str]
    error: str | None = None


class ReviewBody(BaseModel):
    """``action``: approve or reject; ``reason``: why, optional (at most 500 characters)."""

    model_config = ConfigDict(extra="forbid")

    action: str = Field(description="approve or reject")
    reason: str | None = Field(default=None, max_length=500)


class ClipSpan(BaseModel):
    """A passage of the episode (seconds); snapped to word boundaries."""

    model_config = ConfigDict(extra="forbid")

    start: float = Field(ge=0)
    end: float = Field(gt=0)


def approved_zip(actor: review.Actor, job_id: str) -> str:
    """The path of the ZIP of the job's approved clips: the same bundle as ``POST
    /jobs/{id}/export`` (MP4, SRT, VTT, clips.csv, timelines), built once per content."""
    job, chosen = review.approved_renders(actor, job_id)
    return exports._bundle(actor.settings, actor.links.store, job, chosen)


def _actor(settings: Settings, stores: Any, key: ApiKey, links: MediaLinks) -> review.Actor:
    return review.Actor(settings, stores.engine, key, links)


@router.get("/clips/{clip_id}", response_model=ReviewedClip, summary="Get a clip with its edits")
def get_clip(
    clip_id: ClipId, key: ClipsRead, settings: SettingsDep, stores: StoresDep, links: LinksDep
) -> dict[str, Any]:
    """The clip, its review state and whether its renders show its latest edits."""
    return review.find_clip(_actor(settings, stores, key, links), clip_id)[1]


@router.patch("/clips/{clip_id}", response_model=ReviewedClip, summary="Edit a clip")
def patch_clip(
    clip_id: ClipId,
    key: JobsCreate,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    body: Annotated[dict[str, Any], Body()],
) -> dict[str, Any]:
    """``start``/``end`` (seconds, snapped to word boundaries), ``caption_fixes``
    ``[{index|time, from, to}]``, ``caption_style``, ``preset``, ``platforms``. The clip's
    ``render_status`` turns ``pending`` until ``POST /jobs/{id}/rerender`` renders it."""
    return review.update_clip(_actor(settings, stores, key, links), clip_id, body)


@router.post("/clips/{clip_id}/review", response_model=ReviewedClip, summary="Approve or reject")
def review_clip(
    clip_id: ClipId,
    key: JobsCreate,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    body: ReviewBody,
) -> dict[str, Any]:
    """Record the verdict (the latest one counts) as a ``clip_reviews`` event."""
    return review.review_clip(
        _actor(settings, stores, key, links), clip_id, body.action, body.reason
    )


@router.post(
    "/jobs/{job_id}/clips",
    response_model=ReviewedClip,
    status_code=201,
    summary="Make a clip from a passage",
)
def create_clip(
    job_id: JobId,
    key: JobsCreate,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    body: ClipSpan,
) -> dict[str, Any]:
    """A new ``manual`` clip from ``start``..``end``; typed, scored and rendered on re-render."""
    return review.create_clip(_actor(settings, stores, key, links), job_id, body.start, body.end)


@router.post(
    "/jobs/{job_id}/rerender",
    response_model=Rerender,
    status_code=202,
    summary="Re-render changed clips",
)
def rerender_job(
    job_id: JobId, key: JobsCreate, settings: SettingsDep, stores: StoresDep, links: LinksDep
) -> dict[str, Any]:
    """Queue one ``rerender-clips`` run for the clips whose edits are not rendered yet."""
    return review.rerender(_actor(settings, stores, key, links), job_id)


@router.get(
    "/jobs/{job_id}/export",
    response_class=FileResponse,
    summary="Download the approved clips as a ZIP",
    responses={200: {"content": {"application/zip": {}}, "description": "The ZIP."}},
)
def export_approved(
    job_id: JobId,
    key: ExportsCreate,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    approved: Annotated[bool, Query(description="Must be true: approved clips only.")] = False,
) -> FileResponse:
    """A ZIP of the approved clips (their MP4, SRT, VTT, clips.csv and timelines)."""
    if not approved:
        raise ApiError(
            400,
            "invalid_parameter",
            "Use approved=true (POST /export exports every clip).",
            param="approved",
        )
    path = approved_zip(_actor(settings, stores, key, links), job_id)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{job_id}-approved.zip",
        headers={"Cache-Control": "private, no-store"},
    )
