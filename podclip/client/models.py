"""Typed, read-only views of the API's responses (pydantic models, times in seconds).

They mirror ``api/schemas.py`` without importing the server, and accept fields they do not
know (``extra="allow"``) so that a newer server never breaks an older client.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

TERMINAL_STATUSES = frozenset({"complete", "failed"})
# The order a job walks as ``/v1`` (the client's default base, the Clypt dialect) words it;
# under ``/api/v1`` (Klipit) the statuses are queued, transcribing, clipping, complete, failed.
STATUS_ORDER = ("queued", "processing", "complete")


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


class Source(_Model):
    """Where the episode comes from; uploads add ``filename``, ``size_bytes`` and ``sha256``."""

    type: str
    url: str | None = None


class JobError(_Model):
    code: str
    message: str


class Render(_Model):
    preset: str
    width: int
    height: int
    duration_seconds: float
    size_bytes: int
    url: str | None = None


class Clip(_Model):
    """One ranked clip; the same times appear under each reference document's names."""

    id: str
    job_id: str | None = None
    rank: int
    moment_type: str
    category: str | None = None
    shareability_score: int = Field(description="0-100.")
    reason: str = ""
    hook: str = ""
    hook_suggestion: str = ""
    pull_quote: str = ""
    start_seconds: float
    end_seconds: float
    duration_seconds: float
    media_url: str | None = None
    rendered_urls: dict[str, str] = Field(default_factory=dict)
    renders: list[Render] = Field(default_factory=list)
    transcript_text: str = ""


class Trailer(_Model):
    url: str | None = None
    duration_seconds: float


class TranscriptSegment(_Model):
    speaker: str | None = None
    start: float
    end: float
    text: str


class JobOutput(_Model):
    clips: list[Clip] = Field(default_factory=list)
    trailer: Trailer | None = None
    guest_share_url: str | None = None
    show_notes: str | None = None
    transcript: list[TranscriptSegment] = Field(default_factory=list)


class Job(_Model):
    """The job envelope; ``output`` is set once ``status`` is ``complete``, ``error`` if
    ``failed``."""

    id: str
    status: str
    environment: Literal["live", "test"] | None = None
    livemode: bool | None = None
    source: Source | None = None
    source_url: str | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    show_name: str | None = None
    guest_name: str | None = None
    description: str | None = None
    platforms: list[str] = Field(default_factory=list)
    created_at: datetime
    updated_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    clip_count: int | None = None
    duration_seconds: float | None = None
    output: JobOutput | None = None
    error: JobError | None = None

    @property
    def is_terminal(self) -> bool:
        """``complete`` or ``failed``: the job never changes again."""
        return self.status in TERMINAL_STATUSES


class JobList(_Model):
    """One page of ``GET /v1/jobs`` (newest first); pass the last id as ``starting_after``."""

    data: list[Job]
    has_more: bool


class ClipList(_Model):
    """``GET /v1/jobs/{id}/clips``: sorted by ``shareability_score``, empty until complete."""

    job_id: str
    status: str
    clips: list[Clip]
    has_more: bool = False


class ExportFile(_Model):
    clip_id: str
    rank: int
    url: str


class Export(_Model):
    """A signed, expiring download: one MP4 (``format=mp4``) or a ZIP of every clip."""

    job_id: str
    format: Literal["mp4", "zip"]
    platform: str | None = None
    preset: str
    export_url: str
    expires_at: datetime
    files: list[ExportFile] = Field(default_factory=list)


class Account(_Model):
    """``GET /v1/account``: the key's account, environment and usage."""

    id: str
    name: str
    environment: Literal["live", "test"]
    livemode: bool
    minutes_used: float = 0.0
    jobs_total: int = 0


class ReviewedClip(_Model):
    """A clip with a producer's edits (review API): span in seconds, verdict, render state."""

    id: str
    job_id: str
    start: float | None = None
    end: float | None = None
    duration: float | None = None
    moment_type: str | None = None
    shareability_score: float | None = None
    review_status: str = "unreviewed"
    """unreviewed, approved or rejected."""
    render_status: str = "current"
    """current, pending (re-render the job) or failed."""
    manual: bool = False
    caption_style: str | None = None
