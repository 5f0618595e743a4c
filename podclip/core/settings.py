"""podclip's own settings, in one place.

Every field reads from the environment with the prefix ``PODCLIP_`` (nested groups use ``__``,
e.g. ``PODCLIP_RENDER__CONCURRENCY=4``); the flat names that operators set most often
(``PODCLIP_DATA_ROOT``, ``PODCLIP_DATABASE_URL``, ``PODCLIP_LAKE_CATALOG``, ``PODCLIP_MEDIA_URL``,
``PODCLIP_ALLOW_PRIVATE_URLS``) are top-level fields. Defaults work on a laptop: everything lives
under ``./data``. Prefect's own settings live in ``prefect.toml``.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

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
    max_queued_jobs: int = Field(default=20, ge=0)
    """Job budget of feeds: a poll queues jobs only while fewer than this many jobs of the
    environment wait (new items beyond it stay unseen until a later poll)."""
    max_items_parsed: int = Field(default=1000, ge=2)
    """Items read from one feed document (half from its start, half from its end); the rest is
    cut before parsing, so a 10 MB feed of tiny items costs no more than this many."""
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
    deadline_seconds: float = Field(default=3600.0, gt=0)
    """Overall deadline of one download, every request and redirect included (seconds)."""


class TranscribeSettings(BaseModel):
    """faster-whisper: which model, on which device, with which decoding options."""

    model: str = "bundled"
    """``bundled`` (the packaged CTranslate2 ``tiny.en``, offline), a faster-whisper size name
    (``tiny.en``, ``base``, ``small``, ``distil-large-v3``, ``large-v3-turbo``...) or the path of
    a CTranslate2 model directory."""
    allow_download: bool = False
    """Download a named model that is not cached yet (from the Hugging Face Hub)."""
    download_root: Path | None = None
    """Where named models are cached (default: the Hugging Face cache)."""
    device: Literal["auto", "cpu", "cuda"] = "auto"
    """``auto`` uses CUDA when CTranslate2 sees a GPU."""
    compute_type_cpu: str = "int8"
    """CTranslate2 compute type on the CPU."""
    compute_type_cuda: str = "float16"
    """CTranslate2 compute type on a GPU."""
    language: str | None = None
    """Default spoken language (ISO 639-1) of jobs that give none; None: detect it with a
    multilingual model, English with an English-only one."""
    max_unreliable_share: float = Field(default=0.5, ge=0.0, le=1.0)
    """English-only model, no language given: fail ``unsupported_language`` when more than this
    share of the decoded speech fails Whisper's own checks (mean log-probability below -1 or
    compression ratio above 2.4), which is what non-English speech does to it."""
    beam_size: int = 1
    """Beam width. 3 cut tiny.en's long-form word error rate by about a tenth for about 10 % more
    CPU (benchmarks/bench_transcribe.py), but it shifts word timings enough that speaker
    clustering merged the bundled sample's two voices into one; greedy 1 until diarization
    is robust to that."""
    batch_size: int = 8
    vad_filter: bool = True
    repair: bool = True
    """Decode again, sequentially with beam search, the stretches where batched decoding
    looped or dropped speech (``tasks/transcript_repair.py``); costs a few % on clean audio."""
    cpu_threads: int = 0
    """0: one thread per core."""
    model_dir: Path | None = None
    """Deprecated: use ``model`` with the directory's path."""

    @model_validator(mode="after")
    def _model_dir_alias(self) -> TranscribeSettings:
        if self.model_dir is not None and self.model == "bundled":
            self.model = str(self.model_dir)
        return self


class ScoringSettings(BaseModel):
    """How many clips and how long (seconds)."""

    clip_count: int = 6
    min_clips: int = 4
    max_clips: int = 9
    min_window_seconds: float = 15.0
    max_window_seconds: float = 90.0
    target_min_seconds: float = 25.0
    target_max_seconds: float = 60.0
    # A window this close to a picked clip ranks lower (scoring/select.py, NEAR_CLIP_PENALTY).
    min_gap_seconds: float = 15.0


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
    # x264 threads per render; 0: the machine's cores split among `concurrency` renders.
    ffmpeg_threads: int = 0
    font_name: str = "DejaVu Sans"
    timeout_seconds: float = 600.0
    # Video reframing: face samples per second (downscaled frames), and what fills the frame
    # when no face is found: "blur" (a blurred zoom of the clip) or an ffmpeg colour.
    reframe_sample_fps: float = 3.0
    letterbox: str = "blur"
    # Show artwork (audiograms) is downloaded once per URL, at most this many bytes.
    artwork_max_bytes: int = 5_000_000
    artwork_deadline_seconds: float = 60.0
    # A brand logo upload (base64 in PUT /v1/shows/{name}/brand): bytes and pixels at most.
    logo_max_bytes: int = 1_000_000
    logo_max_pixels: int = 16_000_000

    def encoder_threads(self) -> int:
        """x264 threads for one render: `ffmpeg_threads`, or the cores this process may use
        shared among the renders it runs at once (at least 1).

        ffmpeg's own choice (every core, for every render) was slower on two cores: a 42 s
        audiogram encoded in 3.6 s with one thread against 4.0 s with its choice (6.0 against
        6.7 CPU-s), two at once in 6.5 s against 7.4 s; a video source alike.
        """
        if self.ffmpeg_threads > 0:
            return self.ffmpeg_threads
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        return max(1, (cores or 1) // max(1, self.concurrency))


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

    # The dispatcher (in `podclip serve` or `podclip dispatcher`) looks for new jobs this often:
    # one indexed SELECT per tick, in the same process, never a flow run.
    dispatch_interval_seconds: float = 1.0
    # The safety sweep that requeues lost jobs (dead runs, silent heartbeats, unstarted claims).
    sweep_interval_seconds: float = 60.0
    # How often `podclip serve`'s runner asks Prefect for runs it was not told about (operator
    # retries, runs a separate dispatcher created); runs its own dispatcher starts go at once.
    runner_poll_seconds: float = 30.0
    # `podclip serve` forks each flow run from a process that has already imported Prefect and
    # the flows (deployments/warm.py): a run starts in well under a second instead of a cold
    # interpreter's 2-5 s. The forkserver idles on a socket (no CPU, ~200 MB). False: cold.
    warm_starts: bool = True
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
    """Bind address; also the host of links made outside a request when no public URL is set."""
    port: int = 8000
    """Bind port; also the port of links made outside a request (webhooks, feeds)."""
    workers: int = 2
    trusted_proxies: list[str] = Field(default_factory=list)
    """Proxy addresses or CIDRs whose ``X-Forwarded-Proto``/``X-Forwarded-Host`` are believed
    when links are built from a request (e.g. ``["127.0.0.1", "10.0.0.0/8"]``)."""
    rate_limit_writes: int = 60
    """``/v1`` (Clypt): POST/DELETE requests per key per window."""
    rate_limit_reads: int = 600
    """``/v1`` (Clypt): GET requests per key per window."""
    klipit_rate_limit_submissions: int = 10
    """``/api/v1`` (Klipit): ``POST /jobs`` per key per window."""
    klipit_rate_limit_status_polls: int = 60
    """``/api/v1`` (Klipit): GET requests other than clip reads per key per window."""
    klipit_rate_limit_clip_reads: int = 120
    """``/api/v1`` (Klipit): ``GET /jobs/{id}/clips`` per key per window."""
    klipit_rate_limit_writes: int = 60
    """``/api/v1`` (Klipit): other writes (exports, webhooks) per key per window; the document
    names no budget for them, so Clypt's write budget is the default."""
    rate_limit_window_seconds: float = 60.0
    idempotency_ttl_hours: float = 24.0
    signing_secret: SecretStr | None = None
    export_ttl_seconds: int = 3600
    max_upload_bytes: int = 2 * 1024**3
    sandbox_step_seconds: float = 5.0
    """A sandbox job takes three steps (15 s by default: inside Clypt's documented 10-70 s)."""
    page_size_default: int = 20
    # Signed clip media URLs live this long (rounded up to media_ttl_round_seconds, so repeated
    # reads of a finished job return the same URLs and can be cached).
    media_ttl_seconds: int = 6 * 3600
    media_ttl_round_seconds: int = 300
    max_json_bytes: int = 1024**2
    """Largest JSON (or other non-upload) request body; refused before it is parsed (bytes)."""
    max_json_depth: int = 32
    """Deepest nesting of arrays and objects accepted in a JSON body."""
    body_idle_timeout_seconds: float = 10.0
    """A request body that sends nothing for this long is refused (408): slow-loris bodies."""
    json_body_timeout_seconds: float = 30.0
    """A non-upload body must arrive whole within this time."""
    # An in-flight idempotency claim older than this is taken to belong to a dead process.
    idempotency_stale_seconds: float = 60.0
    idempotency_retry_after_seconds: int = 1
    idempotency_wait_seconds: float = 5.0
    """How long a request waits for an in-flight twin (same key and body) before answering 409."""
    # Finished jobs' outputs (clips, transcript) kept per API process.
    output_cache_jobs: int = 256
    share_ttl_days: float = Field(default=30.0, gt=0)
    """A guest share link works this long after it was issued (the job's completion, or the
    last ``POST /v1/jobs/{id}/share``); then its page answers 410."""


class WebhookSettings(BaseModel):
    """Webhook delivery (seconds unless stated); see tasks/webhooks.py."""

    delivery_timeout_seconds: float = 10.0
    # Multiplies the retry schedule (1 s, 10 s, 1 min, 10 min, 1 h, 6 h, 24 h); tests shrink it.
    time_scale: float = 1.0
    max_attempts: int = 7
    # The delivery loop (`podclip serve`, `podclip dispatcher`) looks for due deliveries this often.
    deliver_interval_seconds: float = 2.0
    max_consecutive_failures: int = 10
    # A claimed delivery is the claimer's for this long; must outlast a batch's sends.
    lease_seconds: float = 120.0
    batch_size: int = 20
    concurrency: int = 8


class EgressSettings(BaseModel):
    """The egress guard every outbound connection passes (see ``podclip/core/netsafe.py``)."""

    treat_as_public: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """CIDRs judged public although they are not, e.g. ``127.0.0.2/32``. For tests only (an
    "attacker" host on loopback); never set it in a deployment. Comma-separated or JSON."""
    proxy_idle_seconds: float = Field(default=60.0, gt=0)
    """The yt-dlp/ffmpeg filtering proxy drops a connection silent for this long (seconds)."""

    @field_validator("treat_as_public", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value


class AccountSettings(BaseModel):
    """What one account (tenant) may own and queue; see docs/security.md."""

    max_webhooks: int = Field(default=20, ge=0)
    """Webhooks an account may have registered at once (deleted ones do not count)."""
    max_feeds: int = Field(default=50, ge=0)
    """Active feeds an account may watch at once (removed ones do not count)."""
    max_active_jobs: int = Field(default=100, ge=0)
    """The account's job budget: live jobs queued or running at once. ``POST /v1/jobs`` past it
    answers 429 ``too_many_active_jobs``; a feed poll queues only what is left of it (further
    new items stay unseen until a later poll)."""


class FileSettings(BaseModel):
    """Permissions of what podclip writes under the data root (database, lake, media, keys)."""

    umask: int = Field(default=0o077, ge=0, le=0o777)
    """Process umask set at start (``podclip`` commands, the API): 0o077 makes files 0600 and
    folders 0700. ``PODCLIP_FILES__UMASK=18`` (0o022) gives the usual 0644/0755."""


class StudioSettings(BaseModel):
    """The producer studio at ``/studio`` (issue 18)."""

    session_hours: float = Field(default=12.0, gt=0)
    """How long a studio login lasts (the signed session cookie's expiry)."""
    login_link_minutes: float = Field(default=15.0, gt=0)
    """How long a one-time login link from ``podclip studio --print-link`` stays valid."""
    poll_seconds: float = Field(default=3.0, gt=0)
    """How often the jobs page refreshes running jobs' status."""


class LearningSettings(BaseModel):
    """Per-show ranking learned from producer reviews (issue 18, ``scoring/preferences.py``)."""

    enabled: bool = True
    """Re-rank a show's clips with its adjustment once it has ``min_reviews`` verdicts."""
    min_reviews: int = Field(default=20, ge=1)
    """Approved or rejected clips of a show before its adjustment is used."""
    pool_factor: int = Field(default=3, ge=1)
    """Candidates scored per final clip when a show is re-ranked."""
    l2: float = Field(default=1.0, gt=0)
    """Ridge penalty of the show model (per standardised feature)."""
    strength: float = Field(default=1.0, ge=0)
    """Log-odds of a clip's score (0-100) moved per logit of the show model's approval."""


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
    secrets_key: SecretStr | None = None
    """Fernet key (urlsafe base64 of 32 bytes) that encrypts webhook secrets at rest. Unset: a
    key generated once into ``<data root>/secrets.key`` (mode 0600)."""
    public_base_url: str | None = None
    """Scheme, host and port of every link the API hands out. Unset: a request's own (see
    ``api.trusted_proxies``), and ``http://<api.host>:<api.port>`` outside a request."""

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
    egress: EgressSettings = Field(default_factory=EgressSettings)
    accounts: AccountSettings = Field(default_factory=AccountSettings)
    files: FileSettings = Field(default_factory=FileSettings)
    studio: StudioSettings = Field(default_factory=StudioSettings)
    learning: LearningSettings = Field(default_factory=LearningSettings)

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
