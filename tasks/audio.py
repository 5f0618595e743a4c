"""Stage 2: decode the source to 16 kHz mono PCM, the input every model here expects."""

from __future__ import annotations

from dataclasses import dataclass, field

from prefect import task

from podclip.core.errors import SourceTooLarge, UnsupportedMedia
from podclip.core.identity import NOT_IDENTITY, ContentIdentity
from podclip.core.records import AudioTrack, SourceMedia
from podclip.core.settings import FetchSettings, get_settings
from podclip.store.media import MediaStore
from podclip.tasks.ffmpeg import input_args, probe, run_ffmpeg
from podclip.tasks.keys import stage_key, stage_policy
from podclip.tasks.retry import retry_unless_permanent

SAMPLE_RATE = 16_000


@dataclass(frozen=True)
class AudioOptions(ContentIdentity):
    """How a source becomes the WAV every model reads."""

    sample_rate: int = SAMPLE_RATE
    """Samples per second of the mono 16-bit PCM output (Hz)."""
    max_duration_seconds: float = field(default=4 * 3600.0, metadata=NOT_IDENTITY)
    """Longest source accepted (seconds); it decides whether the stage runs, not its output."""


def audio_options(settings: FetchSettings) -> AudioOptions:
    """The job's audio record from the fetch limits."""
    return AudioOptions(max_duration_seconds=settings.max_duration_seconds)


@task(
    name="extract_audio",
    cache_policy=stage_policy(),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def extract_audio(source: SourceMedia, options: AudioOptions) -> AudioTrack:
    """Probe the source, enforce the duration cap and write ``audio/<stage key>.wav``."""
    store = MediaStore.from_settings(get_settings())
    local = store.local_path(source.key)
    info = probe(local)
    cap = options.max_duration_seconds
    if info.duration_seconds > cap:
        raise SourceTooLarge(
            f"Source is {info.duration_seconds:.0f} s long; the limit is {cap:.0f} s."
        )
    digest = stage_key(extract_audio, source=source, options=options)
    key = f"audio/{digest}.wav"
    if not store.exists(key):
        scratch = store.scratch(f"{digest}.wav")
        run_ffmpeg(
            [
                *input_args(local),
                "-vn",
                "-ac",
                "1",
                "-ar",
                str(options.sample_rate),
                "-c:a",
                "pcm_s16le",
                "-f",
                "wav",
                str(scratch),
            ],
            timeout=max(120.0, info.duration_seconds),
            error=UnsupportedMedia,
        )
        store.put(scratch, key)
        scratch.unlink(missing_ok=True)
    return AudioTrack(
        source_sha256=source.sha256, key=key, sample_rate=options.sample_rate, info=info
    )
