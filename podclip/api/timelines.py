"""Editor timelines of a job's clip decisions over the source media: OTIO, CMX 3600 EDL, FCPXML.

A producer opens one of these in Resolve, Premiere or Final Cut and refines the cuts instead of
starting over: one track of clips, best first, back to back, each one referencing the episode's
source file with the clip's span as its source range and a marker carrying its moment type and
score. Times are snapped to whole frames of the source's rate (25 fps for audio-only sources).
The OTIO file is written with ``opentimelineio`` itself; EDL and FCPXML are plain text written
here, so no adapter plug-in is needed at run time. The source is referenced by a relative name
(``My Episode.mp4``, the name the user knew it by), never by a server path: editors relink a
relative reference to the file beside the timeline, and the server's folders stay private.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit
from xml.sax.saxutils import quoteattr

AUDIO_ONLY_RATE = Fraction(25)
RECORD_START_HOURS = 1  # EDL record timecode starts at 01:00:00:00, as editors expect.
EDL_REEL = "AX"  # Premiere's and Resolve's "auxiliary source" reel: relinked by clip name.
FCPXML_VERSION = "1.9"
NAME_LIMIT = 80
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


@dataclass(frozen=True)
class TimelineClip:
    """One clip decision: its span of the source (seconds) and what the scorer said of it."""

    clip_id: str
    rank: int
    start: float
    end: float
    moment_type: str
    score: float
    hook: str = ""


@dataclass(frozen=True)
class SourceRef:
    """The source media the clips cut from: how to find it, its name, its stream facts."""

    url: str
    """A relative reference (the file's name) or a public URL; never a server path."""
    name: str
    duration_seconds: float
    rate: Fraction = AUDIO_ONLY_RATE
    has_video: bool = True
    width: int = 1920
    height: int = 1080


def safe_name(text: str, *, limit: int = NAME_LIMIT, fallback: str = "untitled") -> str:
    """ASCII letters, digits, ``._ -`` only: no path separators, no ``..``, no control chars."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    cleaned = _UNSAFE.sub("_", ascii_text).strip(" ._-")
    cleaned = re.sub(r"\.{2,}", ".", re.sub(r"_{2,}", "_", cleaned))[:limit].strip(" ._-")
    return cleaned or fallback


def rate_of(fps: float) -> Fraction:
    """A frame rate as an exact fraction (29.97 → 30000/1001); AUDIO_ONLY_RATE for 0."""
    if fps <= 0:
        return AUDIO_ONLY_RATE
    for nominal in (24, 30, 60, 120):
        ntsc = Fraction(nominal * 1000, 1001)
        if abs(fps - float(ntsc)) < 0.01:
            return ntsc
    return Fraction(fps).limit_denominator(1001)


def _frames(seconds: float, rate: Fraction) -> int:
    return round(seconds * rate)


def clip_frames(clip: TimelineClip, rate: Fraction) -> tuple[int, int]:
    """(first frame, frame count) of a clip, at least one frame long."""
    first = _frames(clip.start, rate)
    return first, max(1, _frames(clip.end, rate) - first)


def timecode(frames: int, rate: Fraction) -> str:
    """Non-drop-frame ``HH:MM:SS:FF`` counting at the nominal (rounded-up) rate."""
    base = math.ceil(rate)
    seconds, ff = divmod(frames, base)
    minutes, ss = divmod(seconds, 60)
    hh, mm = divmod(minutes, 60)
    return f"{hh:02d}:{mm:02d}:{ss:02d}:{ff:02d}"


def clip_label(clip: TimelineClip) -> str:
    return safe_name(f"{clip.rank:02d} {clip.moment_type} {clip.clip_id}")


def to_otio_json(title: str, source: SourceRef, clips: Sequence[TimelineClip]) -> str:
    """An OpenTimelineIO timeline (``.otio`` JSON)."""
    import opentimelineio as otio

    rate = float(source.rate)

    def span(first: int, count: int) -> otio.opentime.TimeRange:
        return otio.opentime.TimeRange(
            otio.opentime.RationalTime(first, rate), otio.opentime.RationalTime(count, rate)
        )

    timeline = otio.schema.Timeline(name=title)
    timeline.metadata["podclip"] = {"source_name": source.name, "source_url": source.url}
    kinds = [otio.schema.TrackKind.Audio]
    if source.has_video:
        kinds.insert(0, otio.schema.TrackKind.Video)
    available = span(0, _frames(source.duration_seconds, source.rate))
    for kind in kinds:
        track = otio.schema.Track(name="V1" if kind == otio.schema.TrackKind.Video else "A1")
        track.kind = kind
        for clip in clips:
            first, count = clip_frames(clip, source.rate)
            reference = otio.schema.ExternalReference(
                target_url=source.url, available_range=available
            )
            reference.name = source.name
            item = otio.schema.Clip(
                name=clip_label(clip), media_reference=reference, source_range=span(first, count)
            )
            item.metadata["podclip"] = {
                "clip_id": clip.clip_id,
                "rank": clip.rank,
                "moment_type": clip.moment_type,
                "shareability_score": clip.score,
                "hook": clip.hook,
            }
            item.markers.append(
                otio.schema.Marker(
                    name=f"{clip.moment_type} ({round(clip.score)})",
                    marked_range=span(first, 0),
                    color=otio.schema.MarkerColor.YELLOW,
                    metadata={"podclip": {"clip_id": clip.clip_id}},
                )
            )
            track.append(item)
        timeline.tracks.append(track)
    text: str = otio.adapters.write_to_string(timeline, "otio_json")
    return text


def to_edl(title: str, source: SourceRef, clips: Sequence[TimelineClip]) -> str:
    """A CMX 3600 EDL: one cut event per clip on reel AX, relinked by ``FROM CLIP NAME``."""
    rate = source.rate
    channels = "AA/V" if source.has_video else "AA"
    record = RECORD_START_HOURS * 3600 * math.ceil(rate)
    lines = [f"TITLE: {safe_name(title, limit=70)}", "FCM: NON-DROP FRAME", ""]
    for number, clip in enumerate(clips, start=1):
        first, count = clip_frames(clip, rate)
        lines.append(
            f"{number:03d}  {EDL_REEL:<8} {channels:<5} C        "
            f"{timecode(first, rate)} {timecode(first + count, rate)} "
            f"{timecode(record, rate)} {timecode(record + count, rate)}"
        )
        lines.append(f"* FROM CLIP NAME: {safe_name(source.name, limit=120)}")
        # FROM FILE is what OTIO and Avid read; SOURCE FILE what Resolve writes and reads.
        lines.append(f"* FROM FILE: {_edl_path(source.url)}")
        lines.append(f"* SOURCE FILE: {_edl_path(source.url)}")
        lines.append(
            f"* LOC: {timecode(record, rate)} YELLOW  "
            f"{safe_name(f'{clip.moment_type} {round(clip.score)}', limit=60)}"
        )
        lines.append(f"* COMMENT: {clip_label(clip)}")
        lines.append("")
        record += count
    return "\n".join(lines)


def _edl_path(url: str) -> str:
    """The local path of a ``file://`` URL (what Resolve relinks by), else the URL; one line."""
    parts = urlsplit(url)
    text = unquote(parts.path) if parts.scheme == "file" else url
    return "".join(ch for ch in text if ch.isprintable())


def _t(frames: int, rate: Fraction) -> str:
    """An FCPXML time: a rational number of seconds that is a whole number of frames."""
    value = Fraction(frames) / rate
    return (
        f"{value.numerator}s"
        if value.denominator == 1
        else f"{value.numerator}/{value.denominator}s"
    )


def to_fcpxml(title: str, source: SourceRef, clips: Sequence[TimelineClip]) -> str:
    """An FCPXML 1.9 project: one sequence whose spine holds an asset-clip per clip."""
    rate = source.rate
    frame = 1 / rate
    frame_duration = f"{frame.numerator}/{frame.denominator}s"
    total = sum(clip_frames(c, rate)[1] for c in clips)
    source_frames = _frames(source.duration_seconds, rate)
    has_video = "1" if source.has_video else "0"
    project = quoteattr(title or "podclip")
    spine: list[str] = []
    offset = 0
    for clip in clips:
        first, count = clip_frames(clip, rate)
        spine.append(
            f'            <asset-clip ref="r2" name={quoteattr(clip_label(clip))} '
            f'offset="{_t(offset, rate)}" start="{_t(first, rate)}" '
            f'duration="{_t(count, rate)}" tcFormat="NDF">'
        )
        spine.append(
            f'              <marker start="{_t(first, rate)}" duration="{frame_duration}" '
            f"value={quoteattr(f'{clip.moment_type} ({round(clip.score)})')}/>"
        )
        spine.append("            </asset-clip>")
        offset += count
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!DOCTYPE fcpxml>",
        f'<fcpxml version="{FCPXML_VERSION}">',
        "  <resources>",
        f'    <format id="r1" frameDuration="{frame_duration}" width="{source.width}" '
        f'height="{source.height}"/>',
        f'    <asset id="r2" name={quoteattr(source.name)} start="0s" '
        f'duration="{_t(source_frames, rate)}" hasVideo="{has_video}" hasAudio="1" '
        'format="r1" audioSources="1" audioChannels="2">',
        f'      <media-rep kind="original-media" src={quoteattr(source.url)}/>',
        "    </asset>",
        "  </resources>",
        "  <library>",
        '    <event name="podclip">',
        f"      <project name={project}>",
        f'        <sequence format="r1" duration="{_t(total, rate)}" tcStart="0s" '
        'tcFormat="NDF" audioLayout="stereo" audioRate="48k">',
        "          <spine>",
        *spine,
        "          </spine>",
        "        </sequence>",
        "      </project>",
        "    </event>",
        "  </library>",
        "</fcpxml>",
    ]
    return "\n".join(lines) + "\n"


def file_url(path: str) -> str:
    """A ``file://`` URL for a local absolute path; other URLs (``s3://``) unchanged."""
    if "://" in path:
        return path
    return Path(path).resolve().as_uri()


def name_from_url(url: str) -> str:
    """The last path segment of a URL or path (``episode.mp4``), '' when there is none."""
    path = urlsplit(url).path if "://" in url else url
    return unquote(PurePosixPath(path).name)
