"""Stage 2: decode the source to 16 kHz mono PCM, the input every model here expects."""

from __future__ import annotations

from podclip.tasks.ffmpeg import input_args, probe, run_ffmpeg
from podclip.tasks.keys import key_from
from prefect import task

from podclip.core.errors import SourceTooLarge, UnsupportedMedia
from podclip.core.records import AudioTrack, SourceMedia
from podclip.core.settings import get_settings
from podclip.store.media import MediaStore

AUDIO_VERSION = "1"
SAMPLE_RATE = 16_000


@task(
    name="extract_audio",
    cache_key_fn=key_from("extract_audio", AUDIO_VERSION, "source"),
    retries=1,
)
def extract_audio(source: SourceMedia) -> AudioTrack:
    """Probe the source, enforce the duration cap and write ``audio/<sha>.wav``."""
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    local = store.local_path(source.key)
    info = probe(local)
    cap = settings.fetch.max_duration_seconds
    if info.duration_seconds > cap:
        raise SourceTooLarge(
            f"Source is {info.duration_seconds:.0f} s long; the limit is {cap:.0f} s."
        )
    key = f"audio/{source.sha256}.wav"
    if not store.exists(key):
        scratch = store.scratch(f"{source.sha256}.wav")
        run_ffmpeg(
            [
                *input_args(local),
                "-vn",
                "-ac",
                "1",
                "-ar",
                str(SAMPLE_RATE),
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
    return AudioTrack(source_sha256=source.sha256, key=key, sample_rate=SAMPLE_RATE, info=info)
