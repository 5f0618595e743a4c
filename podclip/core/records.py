"""Typed records that pipeline stages hand to each other (and Prefect persists as results)."""

from __future__ import annotations

from dataclasses import dataclass

from podclip.scoring.types import ScoredMoment, Segment, Word


@dataclass(frozen=True)
class SourceMedia:
    """A fetched source, stored by content hash."""

    sha256: str
    key: str
    size_bytes: int
    original_name: str
    content_type: str | None = None


@dataclass(frozen=True)
class MediaInfo:
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
class AudioTrack:
    """The 16 kHz mono WAV made from a source, plus the source's stream facts."""

    source_sha256: str
    key: str
    sample_rate: int
    info: MediaInfo


@dataclass(frozen=True)
class Transcript:
    """Materialised faster-whisper output (seconds)."""

    segments: tuple[Segment, ...]
    language: str
    duration_seconds: float
    model_id: str

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.segments)

    def cache_identity(self) -> str:
        """sha256 of the words and timings, the content that downstream stages depend on."""
        import hashlib

        digest = hashlib.sha256(self.model_id.encode())
        for seg in self.segments:
            digest.update(f"|{seg.start:.3f}|{seg.end:.3f}|{seg.speaker}|{seg.text}".encode())
            for w in seg.words:
                digest.update(f"/{w.start:.3f}/{w.end:.3f}/{w.text}".encode())
        return digest.hexdigest()

    @property
    def words(self) -> tuple[Word, ...]:
        return tuple(w for s in self.segments for w in s.words)


@dataclass(frozen=True)
class ClipPlan:
    """A chosen moment with its rank and stable id, ready to render."""

    clip_id: str
    rank: int
    moment: ScoredMoment
    words: tuple[Word, ...]


@dataclass(frozen=True)
class RenderedClip:
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
