"""Stage 5: render one clip for one preset with ffmpeg (frame-accurate cut, burned captions).

Video sources are reframed to the preset's aspect: the crop follows the active speaker's face
(:mod:`tasks.reframe`), or the frame is letterboxed when no face is found; a source that
already has the preset's aspect is only scaled. Audio-only sources become an audiogram
(waveform, captions, the show title and, when the feed has one, the show artwork over a plain
background). Captions stay inside the preset's safe area. Clips render in parallel, bounded per
process by ``render.concurrency``.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from podclip.scoring.types import Word
from podclip.tasks.captions import build_ass
from podclip.tasks.ffmpeg import input_args, probe, run_ffmpeg
from podclip.tasks.keys import content_key, key_from
from podclip.tasks.reframe import (
    REFRAME_VERSION,
    CropPlan,
    FaceTrack,
    letterbox_filter,
    needs_crop,
    plan_crop,
    track_faces,
)
from prefect import task
from prefect.concurrency.sync import concurrency

from podclip.core.errors import RenderFailed
from podclip.core.presets import (
    DEFAULT_PLATFORMS,
    PLATFORMS,
    Preset,
    platforms_by_preset,
    render_lengths,
)
from podclip.core.presets import DEFAULT_PRESET as DEFAULT_PRESET
from podclip.core.presets import PRESETS as PRESETS
from podclip.core.records import AudioTrack, RenderedClip, SourceMedia
from podclip.core.settings import RenderSettings, get_settings
from podclip.store.media import MediaStore, sha256_file

RENDER_VERSION = "3"
RENDER_LIMIT = "podclip-render"
FONTS_DIR = Path("/usr/share/fonts/truetype/dejavu")
BACKGROUND = "0x14161C"
WAVE_COLOUR = "0xF5C542"


@dataclass(frozen=True)
class Framing:
    """How a video source fills the preset: ``fit`` (same aspect), ``crop`` or ``letterbox``."""

    mode: str
    crop: CropPlan | None = None
    track_sha256: str | None = None


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()
# One face-track computation per clip span at a time (two presets of a clip may ask at once).
_track_locks: dict[str, threading.Lock] = {}


def _render_slots(concurrency: int) -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, concurrency))
        return _slots


@task(
    name="render_clip",
    cache_key_fn=key_from(
        "render_clip",
        RENDER_VERSION,
        "source",
        "start",
        "end",
        "words",
        "preset",
        "caption_style",
        "title",
        "artwork",
    ),
    retries=1,
)
def render_clip(
    source: SourceMedia,
    audio: AudioTrack,
    start: float,
    end: float,
    words: tuple[Word, ...],
    preset: str = DEFAULT_PRESET,
    caption_style: str = "yellow-pop",
    title: str | None = None,
    artwork: str | None = None,
) -> RenderedClip:
    """Render ``start``..``end`` (seconds) of ``source`` into a content-addressed MP4.

    ``artwork`` is the media-store key of the show artwork (audiograms only).
    """
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    frame = PRESETS[preset]
    has_video = audio.info.has_video
    lease = settings.queue.lock_lease_seconds
    with (
        _render_slots(settings.render.concurrency),
        concurrency(RENDER_LIMIT, occupy=1, lease_duration=max(60.0, lease)),
    ):
        framing = (
            _framing(store, source, audio, start, end, frame, settings.render)
            if has_video
            else Framing("audiogram")
        )
        digest = content_key(
            "render",
            RENDER_VERSION,
            source.sha256,
            start,
            end,
            preset,
            caption_style,
            title,
            [(w.start, w.end, w.text) for w in words],
            REFRAME_VERSION,
            framing.mode,
            framing.track_sha256,
            None if has_video else artwork,
            settings.render.letterbox if framing.mode == "letterbox" else None,
        )
        key = f"renders/{digest[:2]}/{digest}/{preset}.mp4"
        if not store.exists(key):
            art = store.local_path(artwork) if artwork and not has_video else None
            _render_to_store(
                store,
                key,
                RenderJob(source, audio, (start, end, words), frame, framing, art),
                caption_style,
                title,
                settings.render,
            )
    local = store.local_path(key)
    info = probe(local)
    return RenderedClip(
        preset=preset,
        key=key,
        path=store.url_for(key),
        width=info.width,
        height=info.height,
        duration_seconds=info.duration_seconds,
        size_bytes=local.stat().st_size,
        sha256=sha256_file(local),
        caption_style=caption_style,
    )


@dataclass(frozen=True)
class RenderJob:
    """What one ffmpeg run needs besides the encoding settings."""

    source: SourceMedia
    audio: AudioTrack
    span: tuple[float, float, tuple[Word, ...]]
    frame: Preset
    framing: Framing
    artwork: Path | None = None


def render_spans(
    start: float, end: float, platforms: Sequence[str] | None
) -> list[tuple[str, float]]:
    """(preset, clip end) to render for one clip and the job's platforms (None: the defaults).

    Each preset is rendered once at the clip's length when that fits every platform it
    serves; a clip longer than a platform's limit also gets a copy cut at that limit, so no
    platform is served a file it would refuse.
    """
    chosen = list(platforms) if platforms else list(DEFAULT_PLATFORMS)
    spans: list[tuple[str, float]] = []
    for preset, names in platforms_by_preset(chosen).items():
        limits = [PLATFORMS[name].max_seconds for name in names]
        for length in render_lengths(end - start, limits):
            spans.append((preset, end if length >= end - start - 1e-3 else start + length))
    return spans


def _framing(
    store: MediaStore,
    source: SourceMedia,
    audio: AudioTrack,
    start: float,
    end: float,
    frame: Preset,
    opts: RenderSettings,
) -> Framing:
    """Fit, face-following crop or letterbox for a video source (face track cached in store)."""
    info = audio.info
    if not needs_crop(info.width, info.height, frame.width, frame.height):
        return Framing("fit")
    track, track_sha = _face_track(store, source, start, end, opts.reframe_sample_fps)
    plan = plan_crop(track, frame.width, frame.height) if track.boxes else None
    if plan is None:
        return Framing("letterbox", track_sha256=track_sha)
    return Framing("crop", plan, track_sha)


def face_track_key(source_sha256: str, start: float, end: float, sample_fps: float) -> str:
    """Media-store key of the cached face track of one clip span."""
    digest = content_key("faces", REFRAME_VERSION, source_sha256, start, end, sample_fps)
    return f"faces/{digest[:2]}/{digest}.json"


def _face_track(
    store: MediaStore, source: SourceMedia, start: float, end: float, sample_fps: float
) -> tuple[FaceTrack, str]:
    """The clip span's face track, computed once per span and kept in the media store."""
    key = face_track_key(source.sha256, start, end, sample_fps)
    with _slots_lock:
        lock = _track_locks.setdefault(key, threading.Lock())
    with lock:
        return _load_or_track(store, source, key, (start, end, sample_fps))


def _load_or_track(
    store: MediaStore, source: SourceMedia, key: str, span: tuple[float, float, float]
) -> tuple[FaceTrack, str]:
    start, end, sample_fps = span
    if store.exists(key):
        text = store.local_path(key).read_text(encoding="utf-8")
    else:
        track = track_faces(store.local_path(source.key), start, end - start, sample_fps=sample_fps)
        text = track.to_json()
        scratch = store.scratch(f"faces-{uuid.uuid4().hex}.json")
        scratch.write_text(text, encoding="utf-8")
        try:
            store.put(scratch, key)
        finally:
            scratch.unlink(missing_ok=True)
    return FaceTrack.from_json(text), hashlib.sha256(text.encode()).hexdigest()


def _render_to_store(
    store: MediaStore,
    key: str,
    job: RenderJob,
    caption_style: str,
    title: str | None,
    opts: RenderSettings,
) -> None:
    start, end, words = job.span
    frame = job.frame
    workdir = store.scratch(f"render-{key.split('/')[2][:16]}-{frame.name}-{uuid.uuid4().hex[:8]}")
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        (workdir / "captions.ass").write_text(
            build_ass(
                words,
                clip_start=start,
                clip_end=end,
                width=frame.width,
                height=frame.height,
                style_name=caption_style,
                title=None if job.audio.info.has_video else title,
                font_name=opts.font_name,
                preset=frame,
            ),
            encoding="utf-8",
        )
        src = store.local_path(job.source.key)
        out = workdir / "out.mp4"
        run_ffmpeg(
            _ffmpeg_args(src, job, opts, out),
            timeout=opts.timeout_seconds,
            error=RenderFailed,
            cwd=workdir,
        )
        store.put(out, key)
    finally:
        for path in workdir.glob("*"):
            path.unlink(missing_ok=True)
        workdir.rmdir()


def _subtitles() -> str:
    subs = "subtitles=f=captions.ass"
    if FONTS_DIR.is_dir():
        subs += f":fontsdir={FONTS_DIR}"
    return subs


def video_graph(frame: Preset, framing: Framing, fps: int, letterbox: str) -> str:
    """Filter graph from input 0's video to ``[v]`` for a video source."""
    w, h = frame.width, frame.height
    tail = f"fps={fps},{_subtitles()}[v]"
    if framing.mode == "crop" and framing.crop is not None:
        return f"[0:v]{framing.crop.filter()},scale={w}:{h},setsar=1,{tail}"
    if framing.mode == "letterbox":
        return f"[0:v]{letterbox_filter(w, h, letterbox)},{tail}"
    return f"[0:v]scale={w}:{h},setsar=1,{tail}"


def audiogram_graph(frame: Preset, fps: int, has_artwork: bool) -> str:
    """Filter graph for an audio source: background (input 0), audio (1), artwork (2).

    The waveform spans the safe width only, so no platform button sits on it.
    """
    h = frame.height
    wave_w, wave_h = frame.safe_width - frame.safe_width % 2, round(h * 0.18)
    wave = (
        f"[1:a:0]aformat=channel_layouts=mono,showwaves=s={wave_w}x{wave_h}:mode=cline:"
        f"rate={fps}:colors={WAVE_COLOUR}:scale=sqrt:draw=full[wave];"
    )
    left = frame.safe_left
    if not has_artwork:
        return f"{wave}[0:v][wave]overlay={left}:{round(h * 0.38)}:shortest=1,{_subtitles()}[v]"
    x, y, side = artwork_box(frame)
    wave_y = min(y + side + round(h * 0.02), h - frame.safe_bottom - wave_h)
    return (
        f"{wave}[2:v]scale={side}:{side}:force_original_aspect_ratio=increase,"
        f"crop={side}:{side},setsar=1,format=yuva420p[art];"
        f"[0:v][art]overlay={x}:{y}[withart];"
        f"[withart][wave]overlay={left}:{wave_y}:shortest=1,{_subtitles()}[v]"
    )


def artwork_box(frame: Preset) -> tuple[int, int, int]:
    """(x, y, side) of the square artwork: upper part of the safe area, below the title."""
    side = round(min(frame.safe_width * 0.6, frame.safe_height * 0.35))
    side -= side % 2
    x = frame.safe_left + (frame.safe_width - side) // 2
    y = frame.safe_top + round(frame.height * 0.08)
    return x, y, side


def _ffmpeg_args(src: Path, job: RenderJob, opts: RenderSettings, out: Path) -> list[str]:
    start, end, _ = job.span
    duration = end - start
    frame, fps = job.frame, opts.fps
    if job.audio.info.has_video:
        inputs = input_args(src, start=start, duration=duration)
        graph = video_graph(frame, job.framing, fps, opts.letterbox)
        audio_map = "0:a:0"
    else:
        inputs = [
            "-f",
            "lavfi",
            "-i",
            f"color=c={BACKGROUND}:s={frame.width}x{frame.height}:r={fps}",
            *input_args(src, start=start, duration=duration),
        ]
        if job.artwork is not None:
            inputs += input_args(job.artwork)
        graph = audiogram_graph(frame, fps, job.artwork is not None)
        audio_map = "1:a:0"
    return [
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        audio_map,
        "-t",
        f"{duration:.3f}",
        "-c:v",
        "libx264",
        "-preset",
        opts.x264_preset,
        "-crf",
        str(opts.crf),
        "-pix_fmt",
        "yuv420p",
        "-r",
        str(fps),
        "-threads",
        str(opts.ffmpeg_threads),
        "-c:a",
        "aac",
        "-b:a",
        opts.audio_bitrate,
        "-ac",
        "2",
        "-ar",
        "44100",
        "-movflags",
        "+faststart",
        str(out),
    ]
