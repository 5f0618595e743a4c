"""podclip's own settings, in one place.

Every field reads from the environment with the prefix ``PODCLIP_`` (nested groups use ``__``,
e.g. ``PODCLIP_RENDER__CONCURRENCY=4``); the flat names that operators set most often
(``PODCLIP_DATA_ROOT``, ``PODCLIP_DATABASE_URL``, ``PODCLIP_LAKE_CATALOG``, ``PODCLIP_MEDIA_URL``,
``PODCLIP_ALLOW_PRIVATE_URLS``) are top-level fields. Defaults work on a laptop: everything lives
under ``./data``. Prefect's own settings live in ``prefect.toml``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

_PACKAGE_DIR = Path(__file__).resolve().parents[1]  # podclip/, which holds sample/


class FeedSettings(BaseModel):
    """How feeds are fetched and how many episodes one poll may turn into jobs."""

    max_feed_bytes: int = Field(default=10 * 1024**2, gt=0)
    """Largest feed document accepted, after decompression (bytes)."""
    timeout_seconds: float = Field(default=20.0, gt=0)
    """Per-operation network timeout and overall deadline for one fetch (seconds)."""
    max_redirects: int = Field(default=5, ge=0)
    poll_interval_minutes: float = Field(default=15.0, gt=0)
    default_backfill: int = Field(default=1, ge=0)
    """How many of the newest episodes the first poll of a new feed turns into jobs."""
    max_items_per_poll: int = Field(default=50, ge=1)
    """Flood guard: at most this many jobs per feed per poll; further new items are skipped."""
    fetch_retries: int = Field(default=2, ge=0)
    """Extra attempts after a network error (never after a bad answer)."""
    retry_delay_seconds: float = Field(default=5.0, ge=0)


class FetchSettings(BaseModel):
    """Limits for downloading sources (bytes, seconds)."""

    max_source_bytes: int = 4 * 1024**3
    max_duration_seconds: float = 4 * 3600.0
    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 60.0
    max_redirects: int = 5
    url_cache_hours: float = 24.0


class TranscribeSettings(BaseModel):
    """faster-whisper options; the defaults are the bundled CTranslate2 ``tiny.en``."""

    model_dir: Path | None = None
    model_id: str = "tiny.en"
    compute_type: str = "int8"
    beam_size: int = 1
    batch_size: int = 8
    vad_filter: bool = True
    cpu_threads: int = 0


class ScoringSettings(BaseModel):
    """How many clips and how long (seconds)."""

    clip_count: int = 6
    min_clips: int = 4
    max_clips: int = 9
    min_window_seconds: float = 15.0
    max_window_seconds: float = 90.0
    target_min_seconds: float = 25.0
    target_max_seconds: float = 60.0


class SpeakerSettings(BaseModel):
    """Diarization with resemblyzer voice embeddings (seconds unless stated)."""

    enabled: bool = True
    window_seconds: float = 1.5
    hop_seconds: float = 0.75
    # Average-linkage cut on cosine distance between voice embeddings; lower finds more voices.
    threshold: float = 0.3
    max_speakers: int = 6
    # A cluster with less speech than this is merged into the nearest voice.
    min_speaker_seconds: float = 4.0
    # The host is whoever speaks most in this opening stretch of speech.
    host_window_seconds: float = 60.0
    # 0 = all cores. One thread by default: for 62 min of audio on 2 cores, two threads took
    # 12.5 s against 18.5 s on an idle machine, but 557 s against 28 s on a busy one.
    torch_threads: int = 1


class ShowNotesSettings(BaseModel):
    """Chapters, summary and quotes of the Markdown show notes (seconds unless stated)."""

    min_chapter_seconds: float = 45.0
    max_chapters: int = 10
    passage_seconds: float = 20.0
    summary_sentences: int = 3
    key_quotes: int = 4


class RenderSettings(BaseModel):
    """ffmpeg encoding knobs for finished clips."""

    concurrency: int = 2
    width: int = 1080
    height: int = 1920
    fps: int = 24
    x264_preset: str = "ultrafast"
    crf: int = 26
    audio_bitrate: str = "128k"
    ffmpeg_threads: int = 0
    font_name: str = "DejaVu Sans"
    timeout_seconds: float = 600.0
    # Video reframing: face samples per second (downscaled frames), and what fills the frame
    # when no face is found: "blur" (a blurred zoom of the clip) or an ffmpeg colour.
    reframe_sample_fps: float = 3.0
    letterbox: str = "blur"
    # Show artwork (audiograms) is downloaded once per URL, at most this many bytes.
    artwork_max_bytes: int = 5_000_000


class TrailerSettings(BaseModel):
    """The episode trailer of video sources: length bounds and cut shape (seconds, pixels)."""

    min_seconds: float = 45.0
    max_seconds: float = 75.0
    target_seconds: float = 60.0
    min_segments: int = 3
    max_segments: int = 6
    title_seconds: float = 2.5
    crossfade_seconds: float = 0.4
    width: int = 1920
    height: int = 1080


class QueueSettings(BaseModel):
    """How queued jobs become flow runs (seconds)."""

    drain_interval_seconds: float = 5.0
    claim_batch: int = 10
    # A running flow run beats every stale_after/4 s; one silent this long is taken for dead.
    stale_after_seconds: float = 120.0
    # A claimed run that has not started after this long is started again.
    start_grace_seconds: float = 600.0
    deployment: str = "process-episode/process-episode"
    # The Prefect work pool that `podclip worker` polls (deployments/prefect.yaml deploys to it).
    work_pool: str = "podclip"
    # Lease of per-episode stage locks and Prefect concurrency slots (Prefect's minimum: 60 s).
    lock_lease_seconds: float = 60.0
    # Prefect global concurrency limits, across every worker (created by `podclip serve`).
    transcription_concurrency: int = 1
    render_concurrency: int = 2


class ApiSettings(BaseModel):
    """The job API: bind address, limits, signing (seconds unless stated)."""

    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    rate_limit_writes: int = 60
    rate_limit_reads: int = 600
    rate_limit_window_seconds: float = 60.0
    idempotency_ttl_hours: float = 24.0
    signing_secret: SecretStr | None = None
    export_ttl_seconds: int = 3600
    max_upload_bytes: int = 2 * 1024**3
    sandbox_step_seconds: float = 3.0
    page_size_default: int = 20
    # Signed clip media URLs live this long (rounded up to media_ttl_round_seconds, so repeated
    # reads of a finished job return the same URLs and can be cached).
    media_ttl_seconds: int = 6 * 3600
    media_ttl_round_seconds: int = 300
    max_json_bytes: int = 1024**2
    # An in-flight idempotency claim older than this is taken to belong to a dead process.
    idempotency_stale_seconds: float = 60.0
    idempotency_retry_after_seconds: int = 1
    # Finished jobs' outputs (clips, transcript) kept per API process.
    output_cache_jobs: int = 256


class WebhookSettings(BaseModel):
    """Webhook delivery (seconds unless stated); see tasks/webhooks.py."""

    delivery_timeout_seconds: float = 10.0
    # Multiplies the retry schedule (1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 24 h); tests shrink it.
    time_scale: float = 1.0
    max_attempts: int = 7
    deliver_interval_seconds: float = 5.0
    max_consecutive_failures: int = 10
    # A claimed delivery is the claimer's for this long; must outlast a batch's sends.
    lease_seconds: float = 120.0
    batch_size: int = 20
    concurrency: int = 8


class Settings(BaseSettings):
    """All of podclip's settings; build through :func:`get_settings`."""

    model_config = SettingsConfigDict(
        env_prefix="PODCLIP_", env_nested_delimiter="__", extra="ignore"
    )

    data_root: Path = Path("data")
    database_url: str | None = None
    lake_catalog: str | None = None
    lake_data_url: str | None = None
    media_url: str | None = None
    # S3-compatible endpoint (MinIO, Ceph, moto) for s3:// media and lake URLs; credentials
    # come from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_REGION variables.
    s3_endpoint: str | None = None
    allow_private_urls: bool = False
    public_base_url: str = "http://127.0.0.1:8000"

    fetch: FetchSettings = Field(default_factory=FetchSettings)
    transcribe: TranscribeSettings = Field(default_factory=TranscribeSettings)
    scoring: ScoringSettings = Field(default_factory=ScoringSettings)
    speakers: SpeakerSettings = Field(default_factory=SpeakerSettings)
    show_notes: ShowNotesSettings = Field(default_factory=ShowNotesSettings)
    render: RenderSettings = Field(default_factory=RenderSettings)
    trailer: TrailerSettings = Field(default_factory=TrailerSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    queue: QueueSettings = Field(default_factory=QueueSettings)
    feeds: FeedSettings = Field(default_factory=FeedSettings)
    webhooks: WebhookSettings = Field(default_factory=WebhookSettings)

    @property
    def root(self) -> Path:
        return self.data_root.expanduser().resolve()

    @property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.root / 'podclip.db'}"

    @property
    def resolved_lake_catalog(self) -> str:
        return self.lake_catalog or f"sqlite:{self.root / 'lake' / 'catalog.sqlite'}"

    @property
    def resolved_lake_data_url(self) -> str:
        return self.lake_data_url or f"{self.root / 'lake' / 'data'}/"

    @property
    def resolved_media_url(self) -> str:
        return self.media_url or str(self.root / "media")

    @property
    def prefect_results_dir(self) -> Path:
        return self.root / "prefect-results"

    @property
    def sample_episode(self) -> Path:
        return _PACKAGE_DIR / "sample" / "episode.mp3"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Return the process-wide settings, read once from the environment."""
    return Settings()


def feed_settings(settings: Settings | None = None) -> FeedSettings:
    """The ``feeds`` group of ``settings`` (default: the process settings)."""
    if settings is None:
        settings = get_settings()
    return settings.feeds
