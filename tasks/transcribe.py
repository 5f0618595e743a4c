"""Stage 3: speech to text with faster-whisper, the model that :mod:`whisper_models` resolves.

The flow builds one :class:`TranscriptionOptions` per job (model identity by content hash,
device, compute type, decoding options, language); its identity is the task's cache key, so
another model or option re-runs the stage and the same ones never do. The model loads once per
process. faster-whisper returns a lazy generator; :func:`decode` materialises it into frozen
records so the result can be cached and handed on.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from prefect import task

from podclip.core.errors import TranscriptionFailed, UnsupportedLanguage
from podclip.core.identity import NOT_IDENTITY, ContentIdentity
from podclip.core.records import AudioTrack, Transcript
from podclip.core.settings import TranscribeSettings, get_settings
from podclip.scoring.types import Segment, Word
from podclip.store.media import MediaStore
from podclip.tasks.keys import stage_policy
from podclip.tasks.retry import retry_unless_permanent
from podclip.tasks.transcript_repair import RepairOptions, repair_segments
from podclip.tasks.whisper_models import (
    WhisperModelRef,
    load_model,
    resolve_device,
    resolve_model,
)

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)
TRANSCRIPTION_LIMIT = "podclip-transcription"
SAMPLE_RATE = 16_000
CHUNK_SECONDS = 30
# Whisper's own per-window failure checks (faster-whisper's defaults for temperature fallback).
LOG_PROB_THRESHOLD = -1.0
COMPRESSION_RATIO_THRESHOLD = 2.4


@dataclass(frozen=True)
class TranscriptionOptions(ContentIdentity):
    """Everything that changes a transcript besides the audio."""

    model: WhisperModelRef
    """The model, identified by the sha256 of its files."""
    device: str
    """``cpu`` or ``cuda`` (``auto`` is resolved when the record is built)."""
    compute_type: str
    """CTranslate2 compute type (``int8`` on the CPU, ``float16`` on a GPU by default)."""
    beam_size: int
    """Beam width; 1 is greedy decoding."""
    batch_size: int
    """Windows decoded at once; above 1 uses faster-whisper's ``BatchedInferencePipeline``."""
    vad_filter: bool
    """Decode only the stretches Silero VAD finds speech in (otherwise fixed 30 s windows)."""
    repair: bool
    """Decode again the stretches that looped or dropped speech (:mod:`transcript_repair`)."""
    language: str | None
    """ISO 639-1 code the audio is spoken in; None: detect (multilingual) or English."""
    max_unreliable_share: float
    """English-only model, no language given: the share of decoded speech failing Whisper's
    checks above which the audio is taken for another language."""
    cpu_threads: int = field(default=0, metadata=NOT_IDENTITY)
    """CTranslate2 threads on the CPU (speed only)."""


@dataclass(frozen=True)
class Decoded:
    """A materialised decode: segments plus what the language check needs (seconds)."""

    segments: tuple[Segment, ...]
    language: str
    language_probability: float
    duration_seconds: float
    decoded_seconds: float
    """Length of every decoded window with text."""
    unreliable_seconds: float
    """Length of the windows whose log-probability or compression ratio failed Whisper's
    checks."""


def transcription_options(
    settings: TranscribeSettings, job_options: Mapping[str, Any]
) -> TranscriptionOptions:
    """The job's transcription record: resolve model and device, take the job's language."""
    device = resolve_device(settings.device)
    language = job_options.get("language") or settings.language
    return TranscriptionOptions(
        model=resolve_model(
            settings.model,
            allow_download=settings.allow_download,
            download_root=settings.download_root,
        ),
        device=device,
        compute_type=settings.compute_type_cuda if device == "cuda" else settings.compute_type_cpu,
        beam_size=settings.beam_size,
        batch_size=settings.batch_size,
        vad_filter=settings.vad_filter,
        repair=settings.repair,
        language=str(language).lower() if language else None,
        max_unreliable_share=settings.max_unreliable_share,
        cpu_threads=settings.cpu_threads or os.cpu_count() or 2,
    )


@task(
    name="transcribe_audio",
    cache_policy=stage_policy(
        helpers=("decode", "_segment", "check_language", "podclip.tasks.transcript_repair")
    ),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def transcribe_audio(audio: AudioTrack, options: TranscriptionOptions) -> Transcript:
    """Transcribe the 16 kHz WAV with word timestamps, in the options' or detected language."""
    model = load_model(
        options.model.path, options.device, options.compute_type, options.cpu_threads
    )
    multilingual = bool(model.model.is_multilingual)
    if options.language and options.language != "en" and not multilingual:
        raise UnsupportedLanguage(
            f"Model {options.model.name} is English-only; the job asks for "
            f"{options.language!r}. Set PODCLIP_TRANSCRIBE__MODEL to a multilingual model."
        )
    wav = MediaStore.from_settings(get_settings()).local_path(audio.key)
    try:
        decoded = decode(model, str(wav), options)
    except (RuntimeError, ValueError) as exc:
        raise TranscriptionFailed(f"Transcription failed: {exc}") from exc
    check_language(decoded, options, multilingual)
    return Transcript(
        segments=decoded.segments,
        language=decoded.language,
        duration_seconds=decoded.duration_seconds,
        model_id=options.model.name,
        model_sha256=options.model.sha256,
        language_probability=decoded.language_probability,
    )


def decode(model: WhisperModel, wav: str, options: TranscriptionOptions) -> Decoded:
    """Run faster-whisper over ``wav`` (sequential or batched) and materialise the result."""
    common: dict[str, Any] = {
        "language": options.language or (None if model.model.is_multilingual else "en"),
        "beam_size": options.beam_size,
        "word_timestamps": True,
    }
    if options.batch_size > 1:
        from faster_whisper import BatchedInferencePipeline
        from faster_whisper.audio import decode_audio

        audio = decode_audio(wav, sampling_rate=SAMPLE_RATE)
        clips = None if options.vad_filter else _fixed_windows(len(audio))
        raw, info = BatchedInferencePipeline(model).transcribe(
            audio,
            batch_size=options.batch_size,
            vad_filter=options.vad_filter,
            clip_timestamps=clips,
            **common,
        )
    else:
        raw, info = model.transcribe(
            wav, vad_filter=options.vad_filter, condition_on_previous_text=False, **common
        )
    kept = [s for s in raw if s.text.strip()]
    unreliable = sum(
        s.end - s.start
        for s in kept
        if s.avg_logprob < LOG_PROB_THRESHOLD or s.compression_ratio > COMPRESSION_RATIO_THRESHOLD
    )
    decoded_seconds = float(sum(s.end - s.start for s in kept))
    segments = tuple(_segment(s) for s in kept)
    # Audio that fails the language check is not worth repairing: the task raises next.
    if options.repair and unreliable <= options.max_unreliable_share * decoded_seconds:
        segments = repair_segments(
            model,
            audio if options.batch_size > 1 else wav,
            segments,
            str(info.language),
            float(info.duration),
            RepairOptions(),
        )
    return Decoded(
        segments=segments,
        language=str(info.language),
        language_probability=float(info.language_probability),
        duration_seconds=float(info.duration),
        decoded_seconds=decoded_seconds,
        unreliable_seconds=float(unreliable),
    )


def check_language(decoded: Decoded, options: TranscriptionOptions, multilingual: bool) -> None:
    """Fail ``unsupported_language`` when an English-only model was given non-English speech.

    A multilingual model reports its own detection (kept in the transcript). An English-only
    model always reports English, so the evidence is its decoding: non-English speech makes it
    loop (high compression ratio) or guess (low log-probability) in most windows.
    """
    if multilingual or options.language or decoded.decoded_seconds <= 0:
        return
    share = decoded.unreliable_seconds / decoded.decoded_seconds
    if share > options.max_unreliable_share:
        raise UnsupportedLanguage(
            f"The audio does not sound like English ({share:.0%} of the speech failed the "
            f"English-only model {options.model.name}'s checks). Set the job's language and "
            "PODCLIP_TRANSCRIBE__MODEL to a multilingual model (e.g. 'small')."
        )


def _fixed_windows(samples: int) -> list[dict[str, float]]:
    """30 s windows over the whole audio, for batched decoding without VAD (seconds)."""
    step = CHUNK_SECONDS * SAMPLE_RATE
    return [
        {"start": a / SAMPLE_RATE, "end": min(a + step, samples) / SAMPLE_RATE}
        for a in range(0, max(samples, 1), step)
    ]


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
