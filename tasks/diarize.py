"""Stage 3b: who speaks when, with resemblyzer's voice encoder (weights ship in the package).

The encoder (a 3-layer LSTM over 40-band mel frames, 256-d unit embeddings) loads once per
process from resemblyzer's bundled ``pretrained.pt``; nothing is downloaded. The mel
spectrogram is computed in chunks with exactly resemblyzer's parameters, so a long episode never
holds one huge STFT in memory. Clustering and labelling are plain functions in
``scoring/diarization.py``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
import warnings
import wave
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from prefect import task

from podclip.core.identity import NOT_IDENTITY, ContentIdentity
from podclip.core.records import AudioTrack, Transcript
from podclip.core.settings import SpeakerSettings, get_settings
from podclip.scoring.diarization import (
    HOST_RULES,
    DiarizationOptions,
    diarize_segments,
    speaker_stats,
    speech_regions,
    window_spans,
)
from podclip.scoring.shownotes import guest_name_from_opening, host_name_from_opening
from podclip.scoring.types import Segment
from podclip.store.clips import EpisodeOutput
from podclip.store.media import MediaStore
from podclip.tasks.keys import stage_policy
from podclip.tasks.retry import retry_unless_permanent
from podclip.tasks.whisper_models import torch_device

if TYPE_CHECKING:
    from resemblyzer import VoiceEncoder

logger = logging.getLogger(__name__)
SAMPLE_RATE = 16_000
FRAME_HOP = 160  # samples per mel frame (10 ms), resemblyzer's hparams
FRAME_LENGTH = 400  # samples per STFT window (25 ms)
MEL_BANDS = 40
# Mel frames computed per chunk (10 minutes), bounding the STFT's memory.
CHUNK_FRAMES = 60_000
BATCH = 128
_encoder_lock = threading.Lock()


def diarization_options(
    settings: SpeakerSettings, job_options: Mapping[str, Any]
) -> DiarizationOptions:
    """Settings plus the job's hints: ``speakers`` (count) and ``host_speaker``."""
    count = job_options.get("speakers")
    rule = str(job_options.get("host_speaker") or "first")
    return DiarizationOptions(
        window_s=settings.window_seconds,
        hop_s=settings.hop_seconds,
        threshold=settings.threshold,
        max_speakers=settings.max_speakers,
        min_speaker_s=settings.min_speaker_seconds,
        host_window_s=settings.host_window_seconds,
        num_speakers=int(count) if count else None,
        host_rule=rule if rule in HOST_RULES else "first",
    )


@dataclass(frozen=True)
class SpeakerOptions(ContentIdentity):
    """Everything that changes the speaker labels besides the transcript and the audio."""

    clustering: DiarizationOptions
    """Windows, clustering cut and the job's hints (speaker count, host rule)."""
    encoder: str
    """resemblyzer's version and the sha256 of its bundled voice-encoder weights."""
    device: str
    """``cuda`` when torch sees a GPU, else ``cpu``."""
    torch_threads: int = field(default=1, metadata=NOT_IDENTITY)
    """torch threads on the CPU (speed only)."""


def speaker_options(settings: SpeakerSettings, job_options: Mapping[str, Any]) -> SpeakerOptions:
    """The job's diarization record: settings, the job's hints, encoder identity and device."""
    return SpeakerOptions(
        clustering=diarization_options(settings, job_options),
        encoder=encoder_identity(),
        device=torch_device(),
        torch_threads=settings.torch_threads or 0,
    )


@lru_cache(maxsize=1)
def encoder_identity() -> str:
    """``resemblyzer <version> <sha256 of pretrained.pt>``: which voice encoder embeds."""
    import importlib.util

    spec = importlib.util.find_spec("resemblyzer")
    assert spec is not None and spec.origin is not None
    weights = Path(spec.origin).parent / "pretrained.pt"
    digest = hashlib.sha256(weights.read_bytes()).hexdigest()
    return f"resemblyzer {version('resemblyzer')} {digest}"


@lru_cache(maxsize=2)
def load_encoder(device: str = "cpu") -> VoiceEncoder:
    """resemblyzer's VoiceEncoder with its bundled weights on ``device`` (once per process)."""
    with warnings.catch_warnings():
        # resemblyzer imports scipy.ndimage.morphology, deprecated since SciPy 1.8; harmless.
        warnings.filterwarnings("ignore", category=DeprecationWarning, module="resemblyzer")
        warnings.filterwarnings("ignore", message=".*scipy.ndimage.morphology.*")
        from resemblyzer import VoiceEncoder

        return VoiceEncoder(device, verbose=False)


@task(
    name="diarize_speakers",
    cache_policy=stage_policy(helpers=("diarize_wav", "embed_windows", "mel_frames")),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def diarize_speakers(
    transcript: Transcript, audio: AudioTrack, options: SpeakerOptions
) -> Transcript:
    """The transcript with ``speaker`` on every segment, split where the speaker changes."""
    wav = read_wav(MediaStore.from_settings(get_settings()).local_path(audio.key))
    segments = diarize_wav(
        transcript, wav, options.clustering, options.torch_threads, options.device
    )
    return replace(transcript, segments=segments)


def diarize_wav(
    transcript: Transcript,
    wav: npt.NDArray[np.float32],
    options: DiarizationOptions,
    threads: int = 1,
    device: str = "cpu",
) -> tuple[Segment, ...]:
    """Label the transcript's segments from 16 kHz mono samples."""
    words = [w for s in transcript.segments for w in s.words]
    duration = len(wav) / SAMPLE_RATE
    spans = window_spans(speech_regions(words), options.window_s, options.hop_s, duration)
    embeddings = embed_windows(wav, spans, threads, device)
    return diarize_segments(transcript.segments, spans, embeddings, options)


def read_wav(path: os.PathLike[str] | str) -> npt.NDArray[np.float32]:
    """The 16-bit mono WAV that ``extract_audio`` wrote, as floats in [-1, 1]."""
    with wave.open(str(path), "rb") as f:
        if f.getnchannels() != 1 or f.getsampwidth() != 2 or f.getframerate() != SAMPLE_RATE:
            raise ValueError(f"{path}: expected 16 kHz mono 16-bit PCM")
        raw = f.readframes(f.getnframes())
    return (np.frombuffer(raw, dtype="<i2").astype(np.float32) / 32768.0).astype(np.float32)


def mel_frames(wav: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    """resemblyzer's mel spectrogram (power, not log; frame i centred at i * 10 ms), chunked."""
    import librosa

    wav = _normalize_volume(wav)
    n_frames = 1 + len(wav) // FRAME_HOP
    pad = FRAME_LENGTH // 2
    padded = np.pad(wav, (pad, pad + FRAME_HOP))
    out = np.empty((n_frames, MEL_BANDS), dtype=np.float32)
    for f0 in range(0, n_frames, CHUNK_FRAMES):
        f1 = min(n_frames, f0 + CHUNK_FRAMES)
        chunk = padded[f0 * FRAME_HOP : (f1 - 1) * FRAME_HOP + FRAME_LENGTH]
        mel = librosa.feature.melspectrogram(
            y=chunk,
            sr=SAMPLE_RATE,
            n_fft=FRAME_LENGTH,
            hop_length=FRAME_HOP,
            n_mels=MEL_BANDS,
            center=False,
        )
        out[f0:f1] = mel.T[: f1 - f0]
    return out


def _normalize_volume(
    wav: npt.NDArray[np.float32], target_dbfs: float = -30.0
) -> npt.NDArray[np.float32]:
    """Raise (never lower) the level to ``target_dbfs`` as resemblyzer's preprocessing does."""
    rms = float(np.sqrt(np.mean(np.square(wav, dtype=np.float64)))) if len(wav) else 0.0
    if rms <= 0:
        return wav
    change = target_dbfs - 20 * np.log10(rms)
    if change <= 0:
        return wav
    return (wav * (10 ** (change / 20))).astype(np.float32)


def embed_windows(
    wav: npt.NDArray[np.float32],
    spans: Sequence[tuple[float, float]],
    threads: int = 1,
    device: str = "cpu",
) -> npt.NDArray[np.float32]:
    """One unit voice embedding per window span (seconds)."""
    if not spans:
        return np.zeros((0, 256), dtype=np.float32)
    import torch

    from podclip.scoring.embedder import set_torch_threads

    set_torch_threads(threads)
    with _encoder_lock:
        encoder = load_encoder(device)
    mel = mel_frames(wav)
    slices = []
    for a, b in spans:
        f0 = min(round(a * 100), max(0, len(mel) - 1))
        f1 = max(f0 + 1, min(len(mel), round(b * 100)))
        slices.append((f0, f1))
    out = np.zeros((len(spans), 256), dtype=np.float32)
    by_length: dict[int, list[int]] = {}
    for i, (f0, f1) in enumerate(slices):
        by_length.setdefault(f1 - f0, []).append(i)
    with torch.inference_mode():
        for length, idx in by_length.items():
            for lo in range(0, len(idx), BATCH):
                part = idx[lo : lo + BATCH]
                batch = np.stack([mel[slices[i][0] : slices[i][0] + length] for i in part])
                out[part] = encoder(torch.from_numpy(batch).to(device)).cpu().numpy()
    # Digital silence can make every unit of the final ReLU zero and the embedding 0/0: such a
    # window carries no voice, so it gets the direction all windows share on average.
    bad = ~np.isfinite(out).all(axis=1)
    if bad.any():
        fallback = out[~bad].mean(axis=0) if (~bad).any() else np.ones(out.shape[1])
        out[bad] = fallback / max(float(np.linalg.norm(fallback)), 1e-9)
    return out


def speakers_output(transcript: Transcript, guest_name: str | None) -> EpisodeOutput:
    """The ``speakers`` episode output: host label, guest name, and each speaker's share."""
    stats = speaker_stats(transcript.segments)
    body = {
        "host": "host",
        "guest_name": guest_name,
        "speakers": [
            {"label": s.label, "seconds": s.seconds, "segments": s.segments} for s in stats
        ],
    }
    return EpisodeOutput(kind="speakers", body=json.dumps(body))


def speaker_names(
    transcript: Transcript, job_guest_name: str | None, job_options: Mapping[str, Any]
) -> tuple[str | None, str | None]:
    """``(host_name, guest_name)``: the job's, else introduced in the opening, else None."""
    host = _named(job_options.get("host_name")) or host_name_from_opening(transcript.segments)
    guest = _named(job_guest_name) or _named(job_options.get("guest_name"))
    return host, guest or guest_name_from_opening(transcript.segments)


def _named(value: object) -> str | None:
    return str(value).strip() or None if value else None
