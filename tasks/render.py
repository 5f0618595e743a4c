"""Stage 5: render one clip for one preset with ffmpeg (frame-accurate cut, burned captions).

Video sources are reframed to the preset's aspect: the crop follows the active speaker's face
(:mod:`tasks.reframe`), or the frame is letterboxed when no face is found; a source that
already has the preset's aspect is only scaled. Audio-only sources become an audiogram
(the show artwork large over a blurred, darkened copy of itself filling the frame, or a
gradient of the brand colours when there is none; the waveform at full width under it).
Every preset gets word captions in phrase lines, a progress bar and, per clip, the hook as a
headline (frames at least as tall as wide) and speaker labels (:mod:`tasks.captions` draws
them); a show's brand kit (:mod:`podclip.core.brand`) sets colours, font, caption style and a
logo. Everything stays inside the preset's safe area. Clips render in parallel, bounded per
process by ``render.concurrency``.
"""

from __future__ import annotations

import hashlib
import threading
import uuid
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from prefect import task
from prefect.concurrency.sync import concurrency

from podclip.core.brand import DEFAULT_PRIMARY, DEFAULT_SECONDARY, Brand, ffmpeg_colour, shade
from podclip.core.errors import RenderFailed
from podclip.core.fonts import font_folder
from podclip.core.identity import NOT_IDENTITY, ContentIdentity
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
from podclip.scoring.types import Word
from podclip.store.media import MediaStore, sha256_file
from podclip.tasks.captions import (
    CAPTION_STYLES,
    DEFAULT_STYLE,
    ClipOverlay,
    build_ass,
    headline_band,
    layout,
)
from podclip.tasks.ffmpeg import aac_output_args, input_args, probe, run_ffmpeg
from podclip.tasks.keys import content_key, stage_key, stage_policy
from podclip.tasks.reframe import (
    REFRAME_VERSION,
    CropPlan,
    FaceTrack,
    letterbox_filter,
    needs_crop,
    plan_crop,
    track_faces,
)
from podclip.tasks.retry import retry_unless_permanent

RENDER_LIMIT = "podclip-render"
FONTS_DIR = font_folder("DejaVu Sans")
# The blurred artwork behind the audiogram: box-blur radius (pixels) and brightness shift.
BLUR_RADIUS = 40
DARKEN = -0.22
# The logo's side as a fraction of the safe area's shorter side.
LOGO_FRACTION = 0.12


@dataclass(frozen=True)
class FontRef(ContentIdentity):
    """The caption font: the name libass asks for and the files it may find it in."""

    name: str
    """Font family name in the ASS style (``DejaVu Sans``)."""
    sha256: str
    """sha256 over the font files of the folder libass reads ("" when there is none)."""
    folder: str = field(default="", metadata=NOT_IDENTITY)
    """Where those files lie."""


@lru_cache(maxsize=4)
def font_ref(name: str, folder: Path = FONTS_DIR) -> FontRef:
    """The font ``name`` and the identity of the files in ``folder`` (once per process)."""
    if not folder.is_dir():
        return FontRef(name, "")
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.ttf")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return FontRef(name, digest.hexdigest(), str(folder))


@dataclass(frozen=True)
class RenderOptions(ContentIdentity):
    """Everything that changes a rendered clip besides the source, the span and its words."""

    fps: int
    """Output frames per second."""
    crf: int
    """x264 constant rate factor (lower is better quality, larger files)."""
    x264_preset: str
    """x264 speed preset (``ultrafast`` ... ``veryslow``)."""
    audio_bitrate: str
    """AAC bitrate (``128k``)."""
    font: FontRef
    """Caption and title font, by name and file content."""
    caption_style: str
    """Caption look, a key of ``CAPTION_STYLES``."""
    title: str | None
    """Show title drawn on audiograms."""
    artwork: str | None
    """Media-store key of the show artwork (``artwork/<sha256>.png``; audiograms only)."""
    letterbox: str
    """What fills a video frame with no face: ``blur`` or an ffmpeg colour."""
    reframe_sample_fps: float
    """Face samples per second when following the speaker."""
    primary: str = DEFAULT_PRIMARY
    """Brand accent ``#RRGGBB``: waveform, progress bar, speaker label, gradient."""
    secondary: str = DEFAULT_SECONDARY
    """Brand background ``#RRGGBB``: headline box, gradient."""
    logo: str | None = None
    """Media-store key of the brand logo PNG (``brand/<sha256>.png``), drawn top left."""
    ffmpeg_threads: int = field(default=0, metadata=NOT_IDENTITY)
    """x264 threads per render (`RenderSettings.encoder_threads`; speed only)."""
    concurrency: int = field(default=2, metadata=NOT_IDENTITY)
    """Renders at once per process."""
    timeout_seconds: float = field(default=600.0, metadata=NOT_IDENTITY)
    """Longest one ffmpeg run may take (seconds)."""


def render_options(
    settings: RenderSettings,
    job_options: Mapping[str, Any],
    title: str | None = None,
    artwork: str | None = None,
    brand: Brand | None = None,
) -> RenderOptions:
    """The job's render record: encoding settings, font, style, title, artwork and brand.

    The job's caption style wins over the brand's default; the brand's font over the setting.
    """
    brand = brand or Brand()
    font = brand.font or settings.font_name
    style = job_options.get("caption_style") or brand.caption_style or DEFAULT_STYLE
    return RenderOptions(
        fps=settings.fps,
        crf=settings.crf,
        x264_preset=settings.x264_preset,
        audio_bitrate=settings.audio_bitrate,
        font=font_ref(font, font_folder(font)),
        caption_style=str(style),
        title=title,
        artwork=artwork,
        letterbox=settings.letterbox,
        reframe_sample_fps=settings.reframe_sample_fps,
        primary=brand.primary,
        secondary=brand.secondary,
        logo=brand.logo,
        ffmpeg_threads=settings.encoder_threads(),
        concurrency=settings.concurrency,
        timeout_seconds=settings.timeout_seconds,
    )


@dataclass(frozen=True)
class Framing:
    """How a video source fills the preset: ``fit`` (same aspect), ``crop`` or ``letterbox``."""

    mode: str
    crop: CropPlan | None = None
    track_sha256: str | None = None


_slots: threading.BoundedSemaphore | None = None
_slots_lock = threading.Lock()
# One computation per media-store key at a time: the presets of a clip render at once and ask
# for the same face track and the same encoded audio. A fixed set of locks, picked by the key,
# so a worker that runs for months holds no lock per clip it ever rendered.
_KEY_LOCKS = tuple(threading.Lock() for _ in range(64))
# Bump when the clip audio's encoding changes, so cached copies are not reused.
CLIP_AUDIO_VERSION = 1


def _key_lock(key: str) -> threading.Lock:
    return _KEY_LOCKS[zlib.crc32(key.encode()) % len(_KEY_LOCKS)]


def _render_slots(concurrency: int) -> threading.BoundedSemaphore:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = threading.BoundedSemaphore(max(1, concurrency))
        return _slots


# The output also depends on these modules' code: filter graphs, caption layout and styles,
# face reframing, preset frames and safe areas, ffmpeg's input arguments.
RENDER_CODE = (
    "podclip.tasks.render",
    "podclip.tasks.captions",
    "podclip.tasks.reframe",
    "podclip.tasks.ffmpeg",
    "podclip.core.presets",
)


@task(
    name="render_clip",
    cache_policy=stage_policy(helpers=RENDER_CODE),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def render_clip(
    source: SourceMedia,
    audio: AudioTrack,
    start: float,
    end: float,
    words: tuple[Word, ...],
    preset: str,
    options: RenderOptions,
    overlay: ClipOverlay | None = None,
) -> RenderedClip:
    """Render ``start``..``end`` (seconds) of ``source`` into a content-addressed MP4.

    ``overlay`` carries the clip's headline and speaker turns (None: captions only).
    """
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    frame = PRESETS[preset]
    has_video = audio.info.has_video
    lease = settings.queue.lock_lease_seconds
    digest = stage_key(
        render_clip,
        source=source,
        audio=audio,
        start=start,
        end=end,
        words=words,
        preset=preset,
        options=options,
        overlay=overlay,
    )
    key = f"renders/{digest[:2]}/{digest}/{preset}.mp4"
    with (
        _render_slots(options.concurrency),
        concurrency(RENDER_LIMIT, occupy=1, lease_duration=max(60.0, lease)),
    ):
        if not store.exists(key):
            framing = (
                _framing(store, source, audio, start, end, frame, options.reframe_sample_fps)
                if has_video
                else Framing("audiogram")
            )
            art = store.local_path(options.artwork) if options.artwork and not has_video else None
            logo = store.local_path(options.logo) if options.logo else None
            _render_to_store(
                store,
                key,
                RenderJob(source, audio, (start, end, words), frame, framing, art, logo, overlay),
                options,
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
        caption_style=options.caption_style,
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
    logo: Path | None = None
    overlay: ClipOverlay | None = None


def logo_side(frame: Preset) -> int:
    """Side (pixels, even) of the brand logo's square at the safe area's top left."""
    side = round(min(frame.safe_width, frame.safe_height) * LOGO_FRACTION)
    return side - side % 2


def logo_position(frame: Preset) -> tuple[int, int]:
    """(x, y) of the logo: the safe area's top-left corner, one caption pad in."""
    pad = layout(frame, CAPTION_STYLES[DEFAULT_STYLE]).pad
    return frame.safe_left + pad, frame.safe_top + pad


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
    sample_fps: float,
) -> Framing:
    """Fit, face-following crop or letterbox for a video source (face track cached in store)."""
    info = audio.info
    if not needs_crop(info.width, info.height, frame.width, frame.height):
        return Framing("fit")
    track, track_sha = _face_track(store, source, start, end, sample_fps)
    plan = plan_crop(track, frame.width, frame.height) if track.boxes else None
    if plan is None:
        return Framing("letterbox", track_sha256=track_sha)
    return Framing("crop", plan, track_sha)


def clip_audio_key(source_sha256: str, start: float, end: float, bitrate: str) -> str:
    """Media-store key of a clip span's encoded audio, which every preset of the clip muxes."""
    digest = content_key(
        "clip-audio", CLIP_AUDIO_VERSION, source_sha256, f"{start:.3f}", f"{end:.3f}", bitrate
    )
    return f"clip-audio/{digest[:2]}/{digest}.m4a"


def clip_audio(
    store: MediaStore, source: SourceMedia, start: float, end: float, opts: RenderOptions
) -> Path:
    """The span's audio as AAC, encoded once and kept in the media store.

    A clip renders for two presets by default (vertical and landscape), and the AAC encoder
    was half of an audiogram render's CPU: each preset now copies this one encode.
    """
    key = clip_audio_key(source.sha256, start, end, opts.audio_bitrate)
    with _key_lock(key):
        if not store.exists(key):
            scratch = store.scratch(f"audio-{uuid.uuid4().hex}.m4a")
            duration = f"{end - start:.3f}"
            try:
                run_ffmpeg(
                    [
                        *input_args(
                            store.local_path(source.key), start=start, duration=end - start
                        ),
                        *("-map", "0:a:0", "-t", duration),
                        *aac_output_args(opts.audio_bitrate),
                        str(scratch),
                    ],
                    timeout=opts.timeout_seconds,
                    error=RenderFailed,
                )
                store.put(scratch, key)
            finally:
                scratch.unlink(missing_ok=True)
    return store.local_path(key)


def face_track_key(source_sha256: str, start: float, end: float, sample_fps: float) -> str:
    """Media-store key of the cached face track of one clip span."""
    digest = content_key("faces", REFRAME_VERSION, source_sha256, start, end, sample_fps)
    return f"faces/{digest[:2]}/{digest}.json"


def _face_track(
    store: MediaStore, source: SourceMedia, start: float, end: float, sample_fps: float
) -> tuple[FaceTrack, str]:
    """The clip span's face track, computed once per span and kept in the media store."""
    key = face_track_key(source.sha256, start, end, sample_fps)
    with _key_lock(key):
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
    opts: RenderOptions,
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
                style_name=opts.caption_style,
                title=None if job.audio.info.has_video else opts.title,
                font_name=opts.font.name,
                preset=frame,
                overlay=job.overlay,
                accent=opts.primary,
                backdrop=opts.secondary,
                logo_px=logo_side(frame) if job.logo is not None else 0,
            ),
            encoding="utf-8",
        )
        src = store.local_path(job.source.key)
        audio = clip_audio(store, job.source, start, end, opts)
        out = workdir / "out.mp4"
        run_ffmpeg(
            _ffmpeg_args(src, audio, job, opts, out),
            timeout=opts.timeout_seconds,
            error=RenderFailed,
            cwd=workdir,
        )
        store.put(out, key)
    finally:
        for path in workdir.glob("*"):
            path.unlink(missing_ok=True)
        workdir.rmdir()


def _subtitles(fonts: str = "") -> str:
    subs = "subtitles=f=captions.ass"
    folder = Path(fonts) if fonts else FONTS_DIR
    if folder.is_dir():
        subs += f":fontsdir={folder}"
    return subs


def _with_logo(graph_in: str, frame: Preset, logo_input: int | None) -> tuple[str, str]:
    """(filters to add, label to continue from): the logo overlaid on ``graph_in``'s output."""
    if logo_input is None:
        return "", graph_in
    side = logo_side(frame)
    x, y = logo_position(frame)
    return (
        f"[{logo_input}:v]scale={side}:{side}:force_original_aspect_ratio=decrease,"
        f"format=rgba[logo];[{graph_in}][logo]overlay={x}:{y}:format=auto[branded];",
        "branded",
    )


def video_graph(
    frame: Preset,
    framing: Framing,
    fps: int,
    letterbox: str,
    logo_input: int | None = None,
    fonts: str = "",
) -> str:
    """Filter graph from input 0's video to ``[v]`` for a video source."""
    w, h = frame.width, frame.height
    if framing.mode == "crop" and framing.crop is not None:
        head = f"[0:v]{framing.crop.filter()},scale={w}:{h},setsar=1"
    elif framing.mode == "letterbox":
        head = f"[0:v]{letterbox_filter(w, h, letterbox)}"
    else:
        head = f"[0:v]scale={w}:{h},setsar=1"
    logo, label = _with_logo("base", frame, logo_input)
    return f"{head},fps={fps}[base];{logo}[{label}]{_subtitles(fonts)}[v]"


def wave_box(frame: Preset, has_artwork: bool) -> tuple[int, int]:
    """(y, height) of the full-width waveform: under the artwork, or mid-frame without it."""
    h = frame.height
    wave_h = round(h * 0.12)
    wave_h -= wave_h % 2
    if not has_artwork:
        return round(h * 0.38), wave_h
    _, y, side = artwork_box(frame)
    return min(y + side + round(h * 0.015), h - frame.safe_bottom - wave_h), wave_h


def audiogram_graph(
    frame: Preset,
    fps: int,
    has_artwork: bool,
    accent: str = DEFAULT_PRIMARY,
    logo_input: int | None = None,
    fonts: str = "",
) -> str:
    """Filter graph for an audio source: background (input 0), audio (1), artwork (2).

    The waveform spans the full frame width, centred under the artwork; with artwork, a
    blurred, darkened copy of it fills the frame behind everything.
    """
    w, h = frame.width, frame.height
    wave_y, wave_h = wave_box(frame, has_artwork)
    # cbrt lifts quiet speech so the wave is visible whenever someone talks.
    wave = (
        f"[1:a:0]aformat=channel_layouts=mono,showwaves=s={w}x{wave_h}:mode=cline:"
        f"rate={fps}:colors={ffmpeg_colour(accent)}:scale=cbrt:draw=full[wave];"
    )
    if has_artwork:
        x, y, side = artwork_box(frame)
        scene = (
            f"[2:v]split[artbg][artfg];"
            f"[artbg]scale={w}:{h}:force_original_aspect_ratio=increase,crop={w}:{h},setsar=1,"
            f"boxblur={BLUR_RADIUS}:2,eq=brightness={DARKEN}[blur];"
            f"[0:v][blur]overlay=0:0[bg];"
            f"[artfg]scale={side}:{side}:force_original_aspect_ratio=increase,"
            f"crop={side}:{side},setsar=1,format=yuva420p[art];"
            f"[bg][art]overlay={x}:{y}[scene];"
        )
    else:
        scene = "[0:v]null[scene];"
    logo, label = _with_logo("waved", frame, logo_input)
    return (
        f"{wave}{scene}[scene][wave]overlay=0:{wave_y}:shortest=1[waved];"
        f"{logo}[{label}]{_subtitles(fonts)}[v]"
    )


def artwork_box(frame: Preset) -> tuple[int, int, int]:
    """(x, y, side) of the square artwork: large, centred, just below the headline band."""
    side = round(min(frame.safe_width * 0.78, frame.safe_height * 0.42))
    side -= side % 2
    x = frame.safe_left + (frame.safe_width - side) // 2
    y = frame.safe_top + max(headline_band(frame), round(frame.height * 0.08))
    return x, y, side


def background_source(frame: Preset, fps: int, opts: RenderOptions) -> str:
    """lavfi source behind an audiogram: a still gradient of the brand colours."""
    top, bottom = ffmpeg_colour(shade(opts.primary, 0.55)), ffmpeg_colour(opts.secondary)
    # The gradient is drawn once and repeated: drawing it per frame was two thirds of an
    # audiogram's encode (18 vs 9.5 CPU-s for 30 s of 1920x1080 at 24 fps, same pixels). It is
    # also turned into the encoder's yuv420p once: the overlays blend in yuv420 anyway, and
    # converting every frame was over a quarter of what was left (12.8 vs 9.2 CPU-s for 40 s of
    # 1080x1920 at 24 fps, the same pixels).
    # Both ends must lie inside the frame: ffmpeg draws a random point for one outside it, and
    # an end at y = height turned the gradient a different way in every render.
    return (
        f"gradients=s={frame.width}x{frame.height}:r={fps}:c0={top}:c1={bottom}:n=2:"
        f"x0=0:y0=0:x1={frame.width // 3}:y1={frame.height - 1}:speed=0,"
        "trim=end_frame=1,format=yuv420p,loop=loop=-1:size=1"
    )


def _ffmpeg_args(
    src: Path, audio: Path, job: RenderJob, opts: RenderOptions, out: Path
) -> list[str]:
    """ffmpeg's arguments: the picture drawn from ``src``, the sound copied from ``audio``."""
    start, end, _ = job.span
    duration = end - start
    frame, fps = job.frame, opts.fps
    fonts = opts.font.folder
    if job.audio.info.has_video:
        inputs = input_args(src, start=start, duration=duration)
        logo_input = 1 if job.logo is not None else None
        graph = video_graph(frame, job.framing, fps, opts.letterbox, logo_input, fonts)
    else:
        inputs = [
            "-f",
            "lavfi",
            "-i",
            background_source(frame, fps, opts),
            *input_args(src, start=start, duration=duration),
        ]
        if job.artwork is not None:
            inputs += input_args(job.artwork)
        logo_input = (3 if job.artwork is not None else 2) if job.logo is not None else None
        graph = audiogram_graph(
            frame, fps, job.artwork is not None, opts.primary, logo_input, fonts
        )
    if job.logo is not None:
        inputs += input_args(job.logo)
    audio_input = inputs.count("-i")
    inputs += input_args(audio)
    return [
        *inputs,
        "-filter_complex",
        graph,
        "-map",
        "[v]",
        "-map",
        f"{audio_input}:a:0",
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
        "copy",
        "-movflags",
        "+faststart",
        str(out),
    ]
