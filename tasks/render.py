"""Stage 5: render one clip for one preset with ffmpeg (frame-accurate cut, burned captions).

Video sources are cropped to the preset's aspect around the frame centre; audio-only sources
become an audiogram (waveform, captions and the show title over a plain background). Clips
render in parallel, bounded per process by ``render.concurrency``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

from prefect import task
from prefect.concurrency.sync import concurrency

from podclip.errors import RenderFailed
from podclip.records import AudioTrack, RenderedClip, SourceMedia
from podclip.settings import RenderSettings, get_settings
from scoring.types import Word
from store.media import MediaStore, sha256_file
from tasks.captions import build_ass
from tasks.ffmpeg import input_args, probe, run_ffmpeg
from tasks.keys import content_key, key_from

RENDER_VERSION = "1"
RENDER_LIMIT = "podclip-render"
FONTS_DIR = Path("/usr/share/fonts/truetype/dejavu")
BACKGROUND = "0x14161C"
WAVE_COLOUR = "0xF5C542"


@dataclass(frozen=True)
class Preset:
    """Output frame size (pixels)."""

    name: str
    width: int
    height: int


PRESETS: dict[str, Preset] = {
    "vertical": Preset("vertical", 1080, 1920),
    "square": Preset("square", 1080, 1080),
    "landscape": Preset("landscape", 1920, 1080),
}
DEFAULT_PRESET = "vertical"

_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()


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
) -> RenderedClip:
    """Render ``start``..``end`` (seconds) of ``source`` into a content-addressed MP4."""
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    frame = PRESETS[preset]
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
    )
    key = f"renders/{digest[:2]}/{digest}/{preset}.mp4"
    lease = settings.queue.lock_lease_seconds
    with (
        _render_slots(settings.render.concurrency),
        concurrency(RENDER_LIMIT, occupy=1, lease_duration=max(60.0, lease)),
    ):
        if not store.exists(key):
            _render_to_store(
                store,
                key,
                source,
                audio,
                (start, end, words),
                frame,
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


def _render_to_store(
    store: MediaStore,
    key: str,
    source: SourceMedia,
    audio: AudioTrack,
    span: tuple[float, float, tuple[Word, ...]],
    frame: Preset,
    caption_style: str,
    title: str | None,
    opts: RenderSettings,
) -> None:
    start, end, words = span
    duration = end - start
    workdir = store.scratch(f"render-{key.split('/')[2][:16]}-{frame.name}")
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
                title=None if audio.info.has_video else title,
                font_name=opts.font_name,
            ),
            encoding="utf-8",
        )
        src = store.local_path(source.key)
        out = workdir / "out.mp4"
        run_ffmpeg(
            _ffmpeg_args(src, start, duration, frame, audio.info.has_video, opts, out),
            timeout=opts.timeout_seconds,
            error=RenderFailed,
            cwd=workdir,
        )
        store.put(out, key)
    finally:
        for path in workdir.glob("*"):
            path.unlink(missing_ok=True)
        workdir.rmdir()


def _ffmpeg_args(
    src: Path,
    start: float,
    duration: float,
    frame: Preset,
    has_video: bool,
    opts: RenderSettings,
    out: Path,
) -> list[str]:
    w, h, fps = frame.width, frame.height, opts.fps
    subs = "subtitles=f=captions.ass"
    if FONTS_DIR.is_dir():
        subs += f":fontsdir={FONTS_DIR}"
    if has_video:
        inputs = input_args(src, start=start, duration=duration)
        graph = (
            f"[0:v]crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})',scale={w}:{h},setsar=1,"
            f"fps={fps},{subs}[v]"
        )
        audio_map = "0:a:0"
    else:
        inputs = [
            "-f",
            "lavfi",
            "-i",
            f"color=c={BACKGROUND}:s={w}x{h}:r={fps}",
            *input_args(src, start=start, duration=duration),
        ]
        wave_h = round(h * 0.18)
        graph = (
            f"[1:a:0]aformat=channel_layouts=mono,showwaves=s={w}x{wave_h}:mode=cline:"
            f"rate={fps}:colors={WAVE_COLOUR}:scale=sqrt[wave];"
            f"[0:v][wave]overlay=0:{round(h * 0.38)}:shortest=1,{subs}[v]"
        )
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
