"""SRT and WebVTT caption files per clip, cut into the same word groups as the burned captions.

Times are clip-relative; words are written as spoken (no censoring, no case change). The files
are stored content-addressed, so the same clip text and timing is written once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence

from prefect import task

from podclip.core.settings import get_settings
from podclip.scoring.types import Word
from podclip.store.clips import ClipFile
from podclip.store.media import MediaStore
from podclip.tasks.captions import LINGER_SECONDS, group_words
from podclip.tasks.keys import stage_policy
from podclip.tasks.retry import retry_unless_permanent


def cues(
    words: Sequence[Word], clip_start: float, clip_end: float
) -> list[tuple[float, float, str]]:
    """(start, end, text) per caption line, clip-relative seconds, clipped to the clip."""
    inside = [w for w in words if w.end > clip_start and w.start < clip_end]
    lines = group_words(inside)
    out: list[tuple[float, float, str]] = []
    duration = clip_end - clip_start
    for index, line in enumerate(lines):
        next_start = lines[index + 1][0].start if index + 1 < len(lines) else clip_end
        start = max(0.0, line[0].start - clip_start)
        end = min(duration, min(line[-1].end + LINGER_SECONDS, next_start) - clip_start)
        text = " ".join(w.text.strip() for w in line if w.text.strip())
        if text and end > start:
            out.append((round(start, 3), round(end, 3), text))
    return out


def to_srt(words: Sequence[Word], clip_start: float, clip_end: float) -> str:
    """SubRip text: numbered cues, ``HH:MM:SS,mmm`` times, blank line between cues."""
    blocks = [
        f"{i}\n{_stamp(a, ',')} --> {_stamp(b, ',')}\n{text}\n"
        for i, (a, b, text) in enumerate(cues(words, clip_start, clip_end), start=1)
    ]
    return "\n".join(blocks)


def to_vtt(words: Sequence[Word], clip_start: float, clip_end: float) -> str:
    """WebVTT text: ``WEBVTT`` header, ``HH:MM:SS.mmm`` times."""
    blocks = [
        f"{_stamp(a, '.')} --> {_stamp(b, '.')}\n{_vtt_text(text)}\n"
        for a, b, text in cues(words, clip_start, clip_end)
    ]
    return "\n".join(["WEBVTT\n", *blocks])


@task(
    name="write_clip_captions",
    # No options: the output is the words cut into lines by captions.py's grouping rules, so
    # that module's code and this one's are the stage's identity besides its inputs.
    cache_policy=stage_policy(helpers=("podclip.tasks.subtitles", "podclip.tasks.captions")),
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def write_clip_captions(
    clip_id: str, start: float, end: float, words: tuple[Word, ...]
) -> tuple[ClipFile, ...]:
    """Store the clip's SRT and VTT files; return one :class:`ClipFile` per kind."""
    store = MediaStore.from_settings(get_settings())
    files: list[ClipFile] = []
    for kind, text in (("srt", to_srt(words, start, end)), ("vtt", to_vtt(words, start, end))):
        data = text.encode("utf-8")
        digest = hashlib.sha256(data).hexdigest()
        key = f"captions/{digest[:2]}/{digest}.{kind}"
        if not store.exists(key):
            scratch = store.scratch(f"captions-{uuid.uuid4().hex}.{kind}")
            scratch.write_bytes(data)
            try:
                store.put(scratch, key)
            finally:
                scratch.unlink(missing_ok=True)
        files.append(ClipFile(clip_id, kind, store.url_for(key), digest, len(data)))
    return tuple(files)


def _stamp(seconds: float, sep: str) -> str:
    millis = max(0, round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    secs, ms = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{sep}{ms:03d}"


def _vtt_text(text: str) -> str:
    # "-->" would end a cue's timing line early; & and < start entities and tags in VTT.
    return text.replace("&", "&amp;").replace("<", "&lt;").replace("-->", "--&gt;")
