"""Classify what a user hands us (path or URL) into a job source."""

from __future__ import annotations

from pathlib import Path, PurePosixPath
from urllib.parse import urlsplit

VIDEO_EXTENSIONS = frozenset({".mp4", ".m4v", ".mov", ".webm", ".mkv"})
AUDIO_EXTENSIONS = frozenset({".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".opus"})
MEDIA_EXTENSIONS = VIDEO_EXTENSIONS | AUDIO_EXTENSIONS
YOUTUBE_HOSTS = frozenset({"youtube.com", "www.youtube.com", "m.youtube.com", "youtu.be"})


def source_for(value: str) -> tuple[str, str]:
    """Return ``(source_type, url_or_path)``; local paths become absolute ``file`` sources."""
    if "://" not in value:
        return "file", str(Path(value).expanduser().resolve())
    parts = urlsplit(value)
    if (parts.hostname or "").lower() in YOUTUBE_HOSTS:
        return "youtube_url", value
    if PurePosixPath(parts.path).suffix.lower() in VIDEO_EXTENSIONS:
        return "video_url", value
    return "audio_url", value
