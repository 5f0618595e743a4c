"""Stage 5b: a 45-75 s trailer of a video episode (title card, best moments, crossfades).

The best-scoring clip plans give 3-6 cuts, each from a moment's start (where its hook is) to a
word end near an even share of the length budget; cuts play in episode order so the story
does not jump back and forth. A 2.5 s title card (show and episode title, DejaVu Sans drawn by
ffmpeg ``drawtext``) opens it, and every join is a short video and audio crossfade. The frame is
landscape 1920x1080 (``trailer.width``/``height``): a trailer is watched on YouTube, a website or
a feed, not as a vertical short. Encoding uses the clip render settings (``render.*``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from prefect import task
from prefect.concurrency.sync import concurrency

from podclip.core.errors import RenderFailed
from podclip.core.identity import NOT_IDENTITY, ContentIdentity
from podclip.core.records import ClipPlan, SourceMedia
from podclip.core.settings import RenderSettings, TrailerSettings, get_settings
from podclip.store.media import MediaStore, sha256_file
from podclip.tasks.ffmpeg import aac_output_args, input_args, probe, run_ffmpeg
from podclip.tasks.keys import stage_key, stage_policy
from podclip.tasks.render import RENDER_LIMIT, FontRef
from podclip.tasks.retry import retry_unless_permanent

FONT_FILE = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf")
BACKGROUND = "0x14161C"
# Seconds: a cut never shorter than this, a cut end may move this far to land on a word end.
MIN_CUT_SECONDS = 4.0
SNAP_BEFORE_SECONDS = 1.5
SNAP_AFTER_SECONDS = 1.0
WORD_TAIL_SECONDS = 0.15
FADE_OUT_SECONDS = 0.6
# Seconds of trailer per cut that the number of cuts aims for (5 cuts in a 60 s trailer).
SECONDS_PER_CUT = 12.0
TITLE_MAX_CHARS = 48
SUBTITLE_MAX_CHARS = 72


@dataclass(frozen=True)
class TrailerOptions(ContentIdentity):
    """Everything that changes the trailer besides the source, the cuts and the titles."""

    width: int
    """Frame width (pixels)."""
    height: int
    """Frame height (pixels)."""
    title_seconds: float
    """Length of the opening title card (seconds)."""
    crossfade_seconds: float
    """Length of each crossfade between cuts (seconds)."""
    fps: int
    """Output frames per second."""
    crf: int
    """x264 constant rate factor."""
    x264_preset: str
    """x264 speed preset."""
    audio_bitrate: str
    """AAC bitrate."""
    font: FontRef
    """The title card's font file, by content."""
    ffmpeg_threads: int = field(default=0, metadata=NOT_IDENTITY)
    """ffmpeg threads (speed only)."""
    timeout_seconds: float = field(default=600.0, metadata=NOT_IDENTITY)
    """Longest the ffmpeg run may take (seconds)."""


def trailer_options(trailer: TrailerSettings, render: RenderSettings) -> TrailerOptions:
    """The job's trailer record: trailer shape plus the clip encoding settings."""
    font = (
        FontRef(FONT_FILE.name, sha256_file(FONT_FILE), str(FONT_FILE))
        if FONT_FILE.is_file()
        else FontRef(FONT_FILE.name, "")
    )
    return TrailerOptions(
        width=trailer.width,
        height=trailer.height,
        title_seconds=trailer.title_seconds,
        crossfade_seconds=trailer.crossfade_seconds,
        fps=render.fps,
        crf=render.crf,
        x264_preset=render.x264_preset,
        audio_bitrate=render.audio_bitrate,
        font=font,
        ffmpeg_threads=render.encoder_threads(),
        timeout_seconds=render.timeout_seconds,
    )


@dataclass(frozen=True)
class TrailerCut:
    """One span of the source (episode seconds) that the trailer plays."""

    start: float
    end: float

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class TrailerRender:
    """The stored trailer file."""

    key: str
    path: str
    sha256: str
    duration_seconds: float
    width: int
    height: int
    size_bytes: int


def trailer_length(cuts: Sequence[TrailerCut], opts: TrailerSettings) -> float:
    """The trailer's length (seconds): title card plus cuts, less one crossfade per join."""
    return opts.title_seconds + sum(c.duration for c in cuts) - len(cuts) * opts.crossfade_seconds


def plan_trailer(plans: Sequence[ClipPlan], opts: TrailerSettings) -> tuple[TrailerCut, ...]:
    """Cuts from the best plans whose trailer length is as near ``target_seconds`` as they allow.

    Fewer than ``min_segments`` plans, or moments too short, give a shorter trailer; a flow
    that needs the 45 s minimum checks :func:`trailer_length`.
    """
    ranked = sorted(plans, key=lambda p: (-p.moment.shareability_score, p.rank))
    if not ranked:
        return ()
    count = round(opts.target_seconds / SECONDS_PER_CUT)
    count = min(len(ranked), max(opts.min_segments, min(opts.max_segments, count)))
    while True:
        chosen = ranked[:count]
        lengths = _allocate(chosen, _content_budget(count, opts))
        cuts = [_snap(p, length) for p, length in zip(chosen, lengths, strict=True)]
        short = trailer_length(cuts, opts) < opts.min_seconds
        if not short or count >= min(len(ranked), opts.max_segments):
            break
        count += 1
    cuts = _fit_max(sorted(cuts, key=lambda c: c.start), opts)
    return tuple(cuts)


def _content_budget(count: int, opts: TrailerSettings) -> float:
    """Seconds of source that ``count`` cuts share to make a ``target_seconds`` trailer."""
    return opts.target_seconds - opts.title_seconds + count * opts.crossfade_seconds


def _allocate(chosen: Sequence[ClipPlan], budget: float) -> list[float]:
    """Share ``budget`` evenly, a moment shorter than its share giving the rest to the others."""
    lengths = [0.0] * len(chosen)
    open_ = list(range(len(chosen)))
    left = budget
    while open_ and left > 1e-6:
        share = left / len(open_)
        still = []
        for i in open_:
            room = (chosen[i].moment.end - chosen[i].moment.start) - lengths[i]
            take = min(room, share)
            lengths[i] += take
            left -= take
            if room - take > 1e-6:
                still.append(i)
        if len(still) == len(open_):
            break
        open_ = still
    return lengths


def _snap(plan: ClipPlan, length: float) -> TrailerCut:
    """The cut from the moment's start ending on the word end nearest ``length`` seconds in.

    Sentence ends win over other word ends within the window, so a cut ends on a full thought.
    """
    start, end = plan.moment.start, plan.moment.end
    length = max(min(length, end - start), min(MIN_CUT_SECONDS, end - start))
    target = start + length
    low, high = target - SNAP_BEFORE_SECONDS, min(end, target + SNAP_AFTER_SECONDS)
    ends = [w for w in plan.words if low <= w.end <= high and w.end > start + 1.0]
    if not ends:
        return TrailerCut(start, target)
    full_stops = [w for w in ends if w.text.rstrip().endswith((".", "?", "!"))]
    best = min(full_stops or ends, key=lambda w: abs(w.end - target))
    return TrailerCut(start, min(end, best.end + WORD_TAIL_SECONDS))


def _fit_max(cuts: list[TrailerCut], opts: TrailerSettings) -> list[TrailerCut]:
    """Shorten every cut in proportion (none below MIN_CUT_SECONDS) to fit ``max_seconds``."""
    for _ in range(3):  # a cut held at the minimum leaves the rest to the others
        over = trailer_length(cuts, opts) - opts.max_seconds
        room = sum(max(0.0, c.duration - MIN_CUT_SECONDS) for c in cuts)
        if over <= 1e-6 or room <= 1e-6:
            break
        share = min(1.0, over / room)
        cuts = [
            TrailerCut(c.start, c.end - share * max(0.0, c.duration - MIN_CUT_SECONDS))
            for c in cuts
        ]
    return cuts


def fit_text(text: str, limit: int) -> str:
    """One line of at most ``limit`` characters, control characters dropped."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in text).split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


@task(
    name="render_trailer",
    cache_policy=stage_policy(helpers=("podclip.tasks.trailer", "podclip.tasks.ffmpeg")),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def render_trailer(
    source: SourceMedia,
    cuts: tuple[TrailerCut, ...],
    title: str,
    subtitle: str | None,
    options: TrailerOptions,
) -> TrailerRender:
    """Render the title card and ``cuts`` of ``source`` into a content-addressed MP4."""
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    digest = stage_key(
        render_trailer, source=source, cuts=cuts, title=title, subtitle=subtitle, options=options
    )
    key = f"trailers/{digest[:2]}/{digest}/trailer.mp4"
    lease = settings.queue.lock_lease_seconds
    # One of the cluster-wide render slots, like a clip render: it is the same ffmpeg load.
    with concurrency(RENDER_LIMIT, occupy=1, lease_duration=max(60.0, lease)):
        if not store.exists(key):
            text = (fit_text(title, TITLE_MAX_CHARS), fit_text(subtitle or "", SUBTITLE_MAX_CHARS))
            _render_to_store(store, key, source, cuts, text, digest, options)
    local = store.local_path(key)
    info = probe(local)
    return TrailerRender(
        key=key,
        path=store.url_for(key),
        sha256=sha256_file(local),
        duration_seconds=info.duration_seconds,
        width=info.width,
        height=info.height,
        size_bytes=local.stat().st_size,
    )


def _render_to_store(
    store: MediaStore,
    key: str,
    source: SourceMedia,
    cuts: Sequence[TrailerCut],
    text: tuple[str, str],
    digest: str,
    options: TrailerOptions,
) -> None:
    workdir = store.scratch(f"trailer-{digest[:16]}")
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        (workdir / "title.txt").write_text(text[0], encoding="utf-8")
        (workdir / "subtitle.txt").write_text(text[1], encoding="utf-8")
        out = workdir / "trailer.mp4"
        src = store.local_path(source.key)
        args = ffmpeg_args(src, cuts, text, options, out)
        run_ffmpeg(args, timeout=options.timeout_seconds, error=RenderFailed, cwd=workdir)
        store.put(out, key)
    finally:
        for path in workdir.glob("*"):
            path.unlink(missing_ok=True)
        workdir.rmdir()


def _title_card(size: tuple[int, int], title_chars: int, subtitle_chars: int) -> str:
    """The drawtext chain of the title card; text comes from files (no escaping, no %{})."""
    w, h = size
    # DejaVu Sans Bold averages ~0.62 em per character: size each line to fit 90 % of the width.
    title_px = min(round(h * 0.075), round(0.9 * w / (0.62 * max(1, title_chars))))
    sub_px = min(round(h * 0.042), round(0.9 * w / (0.62 * max(1, subtitle_chars))))
    font = f"fontfile={FONT_FILE}:" if FONT_FILE.is_file() else ""
    common = f"{font}expansion=none:fontcolor=white:x=(w-text_w)/2"
    chain = f"drawtext={common}:textfile=title.txt:fontsize={title_px}:y=(h-text_h)/2-{h // 14}"
    if subtitle_chars:
        chain += (
            f",drawtext={common}:textfile=subtitle.txt:fontsize={sub_px}:fontcolor=0xC8CCD4:"
            f"y=(h/2)+{h // 20}"
        )
    return chain


def ffmpeg_args(
    src: Path,
    cuts: Sequence[TrailerCut],
    text: tuple[str, str],
    opts: TrailerOptions,
    out: Path,
) -> list[str]:
    """One ffmpeg run: title card, each cut cropped to the frame, chained crossfades."""
    size = (opts.width, opts.height)
    w, h = size
    fps, xf, card = opts.fps, opts.crossfade_seconds, opts.title_seconds
    inputs = [
        "-f", "lavfi", "-t", f"{card:.3f}", "-i", f"color=c={BACKGROUND}:s={w}x{h}:r={fps}",
        "-f", "lavfi", "-t", f"{card:.3f}", "-i", "anullsrc=r=44100:cl=stereo",
    ]  # fmt: skip
    norm_v = f"fps={fps},format=yuv420p,setsar=1,settb=AVTB"
    norm_a = "aformat=sample_rates=44100:channel_layouts=stereo"
    graph = [
        f"[0:v]{_title_card(size, len(text[0]), len(text[1]))},{norm_v}[v0]",
        f"[1:a]{norm_a},asetpts=PTS-STARTPTS[a0]",
    ]
    for i, cut in enumerate(cuts, start=1):
        inputs += input_args(src, start=cut.start, duration=cut.duration + 0.5)
        d = f"{cut.duration:.3f}"
        # Pad then trim: every cut is exactly its planned length, so crossfade offsets hold.
        graph.append(
            f"[{i + 1}:v:0]crop='min(iw,ih*{w}/{h})':'min(ih,iw*{h}/{w})',scale={w}:{h},"
            f"{norm_v},tpad=stop_mode=clone:stop_duration=1,trim=duration={d},"
            f"setpts=PTS-STARTPTS[v{i}]"
        )
        graph.append(
            f"[{i + 1}:a:0]{norm_a},apad=pad_dur=1,atrim=duration={d},asetpts=PTS-STARTPTS[a{i}]"
        )
    offset, v, a = card, "v0", "a0"
    for i, cut in enumerate(cuts, start=1):
        offset -= xf
        graph.append(f"[{v}][v{i}]xfade=transition=fade:duration={xf}:offset={offset:.3f}[x{i}]")
        graph.append(f"[{a}][a{i}]acrossfade=d={xf}:c1=tri:c2=tri[y{i}]")
        offset += cut.duration
        v, a = f"x{i}", f"y{i}"
    total = opts.title_seconds + sum(c.duration for c in cuts) - len(cuts) * xf
    fade_at = max(0.0, total - FADE_OUT_SECONDS)
    graph.append(f"[{v}]fade=t=out:st={fade_at:.3f}:d={FADE_OUT_SECONDS}[vout]")
    graph.append(f"[{a}]afade=t=out:st={fade_at:.3f}:d={FADE_OUT_SECONDS}[aout]")
    return [
        *inputs,
        "-filter_complex", ";".join(graph),
        "-map", "[vout]", "-map", "[aout]",
        "-t", f"{total:.3f}",
        "-c:v", "libx264", "-preset", opts.x264_preset, "-crf", str(opts.crf),
        "-pix_fmt", "yuv420p", "-r", str(fps), "-threads", str(opts.ffmpeg_threads),
        *aac_output_args(opts.audio_bitrate),
        "-movflags", "+faststart",
        str(out),
    ]  # fmt: skip
