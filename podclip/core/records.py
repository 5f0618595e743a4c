"""Typed records that pipeline stages hand to each other (and Prefect persists as results)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from podclip.core.identity import NOT_IDENTITY, ContentIdentity
from podclip.scoring.types import ScoredMoment, Segment, Word


@dataclass(frozen=True)
class SourceMedia(ContentIdentity):
    """A fetched source, stored by content hash; its identity is the hash of its bytes."""

    sha256: str
    """sha256 of the source's bytes."""
    key: str = field(metadata=NOT_IDENTITY)
    """Media-store key of the stored file (where it lies, not what it is)."""
    size_bytes: int = field(metadata=NOT_IDENTITY)
    original_name: str = field(metadata=NOT_IDENTITY)
    content_type: str | None = field(default=None, metadata=NOT_IDENTITY)


@dataclass(frozen=True)
class MediaInfo(ContentIdentity):
    """What a probe found in the source (seconds, pixels, frames per second)."""

    duration_seconds: float
    has_video: bool
    has_audio: bool
    width: int = 0
    height: int = 0
    fps: float = 0.0
    audio_codec: str | None = None
    video_codec: str | None = None
    container: str | None = None


@dataclass(frozen=True)
class AudioTrack(ContentIdentity):
    """The 16 kHz mono WAV made from a source, plus the source's stream facts."""

    source_sha256: str
    """sha256 of the source the WAV was decoded from."""
    key: str
    """Media-store key of the WAV: named by the extraction's stage key, so it names content."""
    sample_rate: int
    """Samples per second (Hz)."""
    info: MediaInfo
    """What the probe found in the source."""


@dataclass(frozen=True)
class Transcript:
    """Materialised faster-whisper output (seconds), with the model that made it."""

    segments: tuple[Segment, ...]
    language: str
    """ISO 639-1 code: the job's language, or the one the model detected."""
    duration_seconds: float
    model_id: str
    """The model's name (``tiny.en``, ``small``, a directory's name)."""
    model_sha256: str = ""
    """sha256 over the model's files: which weights made this transcript."""
    language_probability: float = 1.0
    """The model's probability for ``language`` (1.0 when the job fixed it)."""

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    @property
    def model_label(self) -> str:
        """``name@sha256-prefix``: what the lake records as the transcription model."""
        return f"{self.model_id}@{self.model_sha256[:16]}" if self.model_sha256 else self.model_id

    def cache_identity(self) -> str:
        """sha256 of the model, language, words and timings: what later stages depend on."""
        digest = hashlib.sha256(f"{self.model_id}@{self.model_sha256}|{self.language}".encode())
        for seg in self.segments:
            digest.update(f"|{seg.start:.3f}|{seg.end:.3f}|{seg.speaker}|{seg.text}".encode())
            for w in seg.words:
                digest.update(f"/{w.start:.3f}/{w.end:.3f}/{w.text}".encode())
        return digest.hexdigest()

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)


@dataclass(frozen=True)
class ClipPlan(ContentIdentity):
    """A chosen moment with its rank and stable id, ready to render."""

    clip_id: str
    rank: int
    moment: ScoredMoment
    words: tuple[Word, ...]


@dataclass(frozen=True)
class RenderedClip(ContentIdentity):
    """One rendered file of a clip for one preset (content-addressed, shared across jobs)."""

    preset: str
    key: str
    path: str
    width: int
    height: int
    duration_seconds: float
    size_bytes: int
    sha256: str
    caption_style: str
