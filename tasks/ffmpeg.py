"""Run the ffmpeg binary that ``imageio-ffmpeg`` ships, and probe media with PyAV.

ffmpeg runs with a protocol whitelist (local files and pipes only): sources are fetched by
our own downloaders first, so a hostile playlist cannot make ffmpeg open URLs. PyAV's probe
opens with the whitelist ``file`` too, and refuses playlist and concat demuxers, which would
read other files or URLs named inside the "media". The one ffmpeg that opens URLs is the one
yt-dlp may start for HLS; it gets the egress proxy (see :func:`ffmpeg_for_ytdlp`). Error
messages carry no server paths (they reach API clients); the full command goes to the log.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import tempfile
from functools import lru_cache
from pathlib import Path

import av

from podclip.core.errors import RenderFailed, UnsupportedMedia
from podclip.core.records import MediaInfo
from podclip.core.redact import redact_paths

logger = logging.getLogger(__name__)
PROTOCOL_WHITELIST = "file,pipe"
PROBE_PROTOCOL_WHITELIST = "file"
# Demuxers that open further files or URLs named inside the input: never sources.
PLAYLIST_FORMATS = frozenset({"hls", "applehttp", "dash", "concat", "ffconcat", "tee"})


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@lru_cache(maxsize=1)
def ffmpeg_for_ytdlp() -> str:
    """An ``ffmpeg`` for yt-dlp's ``ffmpeg_location`` that cannot go around the egress proxy.

    yt-dlp starts ffmpeg for some HLS streams with ``HTTP_PROXY`` set to our proxy, but
    ffmpeg also honours ``no_proxy``, which often lists exactly the private hosts the proxy
    guards (localhost, 127.0.0.1, 10.0.0.0/8). The wrapper clears it before ffmpeg starts.
    """
    folder = Path(tempfile.mkdtemp(prefix="podclip-ffmpeg-"))
    wrapper = folder / "ffmpeg"  # yt-dlp recognises the program by this name
    wrapper.write_text(
        "#!/bin/sh\n"
        "unset no_proxy NO_PROXY all_proxy ALL_PROXY\n"
        f'exec {shlex.quote(ffmpeg_exe())} "$@"\n'
    )
    wrapper.chmod(0o700)
    return str(wrapper)


def run_ffmpeg(
    args: list[str],
    *,
    timeout: float,
    error: type[Exception] = RenderFailed,
    cwd: Path | None = None,
) -> None:
    """Run ffmpeg with ``args``; raise ``error`` carrying the command and stderr tail."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-loglevel", "error", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False, cwd=cwd)
    except subprocess.TimeoutExpired as exc:
        logger.warning("ffmpeg timed out after %.0f s: %s", timeout, shlex.join(cmd))
        raise error(f"ffmpeg timed out after {timeout:.0f} s.") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip()[-800:]
        logger.warning("ffmpeg failed (%d): %s\n%s", proc.returncode, shlex.join(cmd), tail)
        raise error(f"ffmpeg failed ({proc.returncode}): {redact_paths(tail)}")


def input_args(
    path: Path, *, start: float | None = None, duration: float | None = None
) -> list[str]:
    """ffmpeg input options for a local file, seeking accurately when ``start`` is given."""
    args = ["-protocol_whitelist", PROTOCOL_WHITELIST]
    if start is not None:
        args += ["-ss", f"{start:.3f}"]
    if duration is not None:
        args += ["-t", f"{duration:.3f}"]
    return [*args, "-i", str(path)]


def aac_output_args(bitrate: str) -> list[str]:
    """ffmpeg output options for the sound of every file we publish: AAC, stereo, 44.1 kHz."""
    return ["-c:a", "aac", "-b:a", bitrate, "-ac", "2", "-ar", "44100"]


def probe(path: Path) -> MediaInfo:
    """Stream facts of a media file; raise :class:`UnsupportedMedia` if it has no audio."""
    if path.stat().st_size == 0:
        raise UnsupportedMedia("The source file is empty (0 bytes).")
    try:
        with av.open(
            str(path),
            metadata_errors="ignore",
            options={"protocol_whitelist": PROBE_PROTOCOL_WHITELIST},
        ) as container:
            if set(container.format.name.split(",")) & PLAYLIST_FORMATS:
                raise UnsupportedMedia(
                    f"The source is a {container.format.name} playlist, not audio or video."
                )
            audio = next(iter(container.streams.audio), None)
            video = next(
                (v for v in container.streams.video if not _is_cover_art(v)),
                None,
            )
            duration = _duration(container, audio)
            info = MediaInfo(
                duration_seconds=duration,
                has_video=video is not None,
                has_audio=audio is not None,
                width=int(video.codec_context.width) if video is not None else 0,
                height=int(video.codec_context.height) if video is not None else 0,
                fps=float(video.average_rate or 0) if video is not None else 0.0,
                audio_codec=audio.codec_context.name if audio is not None else None,
                video_codec=video.codec_context.name if video is not None else None,
                container=container.format.name,
            )
    except (av.error.FFmpegError, UnicodeDecodeError, ValueError) as exc:
        reason = redact_paths(str(exc))
        raise UnsupportedMedia(
            f"The source is not audio or video ffmpeg can read: {reason}"
        ) from exc
    if not info.has_audio:
        raise UnsupportedMedia("The source has no audio stream.")
    if info.duration_seconds <= 0:
        raise UnsupportedMedia("The source's audio has no duration.")
    return info


def _is_cover_art(stream: av.video.stream.VideoStream) -> bool:
    # MP3 and M4A files carry artwork as a one-frame "video" stream.
    return bool(stream.disposition & av.stream.Disposition.attached_pic)


def _duration(
    container: av.container.InputContainer, audio: av.audio.stream.AudioStream | None
) -> float:
    if container.duration:
        return float(container.duration / av.time_base)
    if audio is not None and audio.duration and audio.time_base:
        return float(audio.duration * audio.time_base)
    return 0.0
