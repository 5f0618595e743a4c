"""Request and response shapes, the union of both reference documents.

Clips carry every field either document names (``hook`` and ``hook_suggestion``;
``start``/``end``/``duration``, ``start_time``/``end_time``, ``start_seconds``/``end_seconds``,
``duration_seconds``), so a client of either one finds what it reads. Times are seconds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

from podclip.core.dialects import CLYPT, STATUSES

# A job's status in the words of the dialect that answers (podclip.core.dialects): /v1 (Clypt)
# says queued, processing, complete, failed; /api/v1 (Klipit) queued, transcribing, clipping,
# complete, failed. The OpenAPI document describes /v1, so it lists Clypt's four.
Status = Annotated[
    Literal["queued", "processing", "transcribing", "clipping", "complete", "failed"],
    WithJsonSchema({"type": "string", "enum": list(STATUSES[CLYPT])}),
]
SourceType = Literal["video_url", "audio_url", "rss_feed_url", "youtube_url"]


class ErrorDetail(BaseModel):
    type: Literal[
        "invalid_request_error",
        "authentication_error",
        "rate_limit_error",
        "idempotency_error",
        "api_error",
    ]
    code: str
    message: str
    param: str | None = None
    request_id: str


class ErrorEnvelope(BaseModel):
    """Every non-2xx response."""

    error: ErrorDetail


class Source(BaseModel):
    """Where the episode comes from; uploads add ``filename``, ``size_bytes`` and ``sha256``."""

    model_config = ConfigDict(extra="allow")

    type: str
    url: str | None = None


# Documentation of the accepted shape; the route checks URLs with podclip.netsafe.
URL_PATTERN = r"^https?://[A-Za-z0-9][A-Za-z0-9.-]{0,62}(:[1-9][0-9]{0,3})?(/[A-Za-z0-9._~%/-]*)?$"
Platform = Literal[
    "tiktok", "reels", "shorts", "youtube_shorts", "instagram",
    "linkedin", "twitter", "x", "youtube",
]  # fmt: skip
_PLATFORM_NAMES = "|".join(get_args(Platform))


class SubmitSource(BaseModel):
    type: SourceType
    url: str = Field(max_length=2048, pattern=URL_PATTERN)


class SubmitOptions(BaseModel):
    include_trailer: bool = Field(
        default=False, description="Video sources only (video_url, youtube_url)."
    )
    caption_style: str = Field(default="yellow-pop", min_length=1, max_length=64)
    clip_count: int = Field(default=6, ge=4, le=9)
    platforms: list[Platform] = Field(default_factory=list)
    speakers: int | SkipJsonSchema[None] = Field(
        default=None, ge=1, le=6, description="How many voices the episode has, when known."
    )
    host_speaker: Literal["first", "opening", "most"] | SkipJsonSchema[None] = Field(
        default=None,
        description="Who the host is: the first long turn (default), the voice that talks most "
        "in the opening minute, or the voice that talks most overall.",
    )
    host_name: str | SkipJsonSchema[None] = Field(default=None, min_length=1, max_length=200)
    language: str | SkipJsonSchema[None] = Field(
        default=None,
        pattern=r"^[a-z]{2,3}$",
        description="Spoken language (ISO 639-1, e.g. es). Omitted: detected by a multilingual "
        "model; an English-only model fails unsupported_language on other languages.",
    )


class SubmitJob(BaseModel):
    """``POST /v1/jobs`` as JSON: ``source`` (Clypt) or ``source_url`` (Klipit), not both."""

    model_config = ConfigDict(
        json_schema_extra={"oneOf": [{"required": ["source"]}, {"required": ["source_url"]}]}
    )

    source: SubmitSource | SkipJsonSchema[None] = None
    source_url: str | SkipJsonSchema[None] = Field(
        default=None, max_length=2048, pattern=URL_PATTERN
    )
    options: SubmitOptions = Field(default_factory=SubmitOptions)
    show_name: str | SkipJsonSchema[None] = Field(default=None, max_length=500)
    guest_name: str | SkipJsonSchema[None] = Field(default=None, max_length=500)
    description: str | SkipJsonSchema[None] = Field(default=None, max_length=5000)
    platforms: list[Platform] = Field(default_factory=list)


class SubmitUpload(BaseModel):
    """``POST /v1/jobs`` as multipart/form-data: the episode in ``file``."""

    file: bytes = Field(json_schema_extra={"format": "binary"})
    show_name: str | SkipJsonSchema[None] = Field(default=None, max_length=500)
    guest_name: str | SkipJsonSchema[None] = Field(default=None, max_length=500)
    description: str | SkipJsonSchema[None] = Field(default=None, max_length=5000)
    platforms: str | SkipJsonSchema[None] = Field(
        default=None,
        description="Comma-separated platforms.",
        pattern=rf"^({_PLATFORM_NAMES})(,({_PLATFORM_NAMES}))*$",
    )
    options: str | SkipJsonSchema[None] = Field(
        default=None, description='The options object as JSON text, e.g. {"clip_count": 5}.'
    )


class Render(BaseModel):
    preset: str
    width: int
    height: int
    duration_seconds: float
    size_bytes: int
    url: str | None


class Clip(BaseModel):
    object: Literal["clip"] = "clip"
    id: str
    job_id: str
    rank: int
    moment_type: str
    category: str
    shareability_score: int = Field(description="0-100, rounded; clips sort by the exact score.")
    reason: str
    hook: str
    hook_suggestion: str
    pull_quote: str
    start: float
    end: float
    duration: float
    start_time: float
    end_time: float
    start_seconds: float
    end_seconds: float
    duration_seconds: float
    media_url: str | None
    rendered_urls: dict[str, str]
    renders: list[Render]
    captions: dict[str, str | None] = Field(
        default_factory=dict, description="Signed links to the clip's captions: srt, vtt."
    )
    transcript_text: str


class Trailer(BaseModel):
    url: str | None
    duration_seconds: float


class TranscriptSegment(BaseModel):
    speaker: str | None
    start: float
    end: float
    text: str


class JobOutput(BaseModel):
    clips: list[Clip]
    trailer: Trailer | None
    guest_share_url: str | None
    show_notes: str | None
    transcript: list[TranscriptSegment]


class JobError(BaseModel):
    code: str
    message: str


class Job(BaseModel):
    """The job envelope (``GET /v1/jobs/{id}``)."""

    object: Literal["job"] = "job"
    id: str
    status: Status
    environment: Literal["live", "test"]
    livemode: bool
    source: Source
    source_url: str | None
    options: dict[str, Any]
    show_name: str | None
    guest_name: str | None
    description: str | None
    platforms: list[str]
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    completed_at: datetime | None
    clip_count: int | None
    duration_seconds: float | None
    language: str | None = None
    """The transcript's language (ISO 639-1) once published: detected by a multilingual model,
    or the one asked for in ``options.language``."""
    output: JobOutput | None
    error: JobError | None


class JobList(BaseModel):
    object: Literal["list"] = "list"
    data: list[Job]
    has_more: bool


class ClipList(BaseModel):
    object: Literal["list"] = "list"
    job_id: str
    status: Status
    clips: list[Clip]
    has_more: bool = False


class ExportRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    format: Literal["mp4", "zip", "otio", "edl", "fcpxml"] = "mp4"
    platform: str | None = Field(default=None, max_length=32)
    preset: str | None = Field(default=None, max_length=32)


class ExportFile(BaseModel):
    clip_id: str
    rank: int
    url: str


class Export(BaseModel):
    object: Literal["export"] = "export"
    job_id: str
    format: Literal["mp4", "zip", "otio", "edl", "fcpxml"]
    platform: str | None
    preset: str
    export_url: str
    expires_at: datetime
    files: list[ExportFile]


class ApiKeyInfo(BaseModel):
    id: str
    name: str | None
    prefix: str
    environment: Literal["live", "test"]
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None


class Credits(BaseModel):
    unlimited: bool
    remaining: float | None


class Account(BaseModel):
    object: Literal["account"] = "account"
    id: str
    name: str
    display_name: str | None = None
    email: str | None = None
    created_at: datetime | None = None
    environment: Literal["live", "test"]
    livemode: bool
    api_key: ApiKeyInfo
    credits: Credits
    credit_balance: float | None
    minutes_used: float
    jobs_total: int


class Health(BaseModel):
    status: Literal["ok"] = "ok"
