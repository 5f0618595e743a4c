"""Word-by-word highlighted captions as an ASS script for ffmpeg's ``subtitles`` filter.

Words are grouped into phrase lines of 2-4 words (broken at pauses, sentence ends and clause
punctuation; a lone word joins its neighbour); while a line is on screen, the word being spoken
is drawn in the style's highlight colour (one event per word, karaoke style). Positions are in
the preset's own pixels: everything sits inside the preset's safe area (clear of the platform's
UI), fonts scale with the safe width. Around the captions the same script draws the clip's
hook as a headline at the top (at most two lines), the speaker's name or role under the
captions when the speaker changes, and a thin progress bar at the bottom of the safe area that
grows over the clip (an animated clip rectangle, so no extra ffmpeg filter). Words are shown as
spoken (no censoring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from podclip.core.brand import DEFAULT_PRIMARY, DEFAULT_SECONDARY, ass_colour
from podclip.core.presets import Preset
from podclip.scoring.types import Segment, Word

MAX_WORDS_PER_LINE = 4
MIN_WORDS_PER_LINE = 2
MAX_CHARS_PER_LINE = 24
PAUSE_BREAK_SECONDS = 0.7
# A clause mark (comma, semicolon, colon, em and en dash) ends a phrase of two words or more.
CLAUSE_MARKS = (",", ";", ":", "\u2014", "\u2013")
SENTENCE_MARKS = (".", "?", "!")
LINGER_SECONDS = 0.4
# Font size: this fraction of the safe width, but at most FONT_MAX_HEIGHT of the frame height.
FONT_WIDTH_FRACTION = 0.095
FONT_MAX_HEIGHT = 0.06
# Mean advance of a (bold, upper-case) DejaVu Sans glyph in em; sets how many characters fit.
CHAR_EM = 0.68
# Mean advance of a bold mixed-case glyph in em (headline wrapping).
HEADLINE_CHAR_EM = 0.6
# Headline and speaker label sizes as fractions of the caption size.
HEADLINE_SCALE = 0.62
LABEL_SCALE = 0.5
HEADLINE_LINES = 2
# Progress bar height as a fraction of the frame height (8 px on a 1920 px frame).
BAR_FRACTION = 8 / 1920
LABEL_SECONDS = 3.0


@dataclass(frozen=True)
class CaptionStyle:
    """Colours are ASS ``&HAABBGGRR``; ``font_scale`` multiplies the preset's caption size."""

    name: str
    primary: str
    highlight: str
    outline: str
    back: str
    border_style: int
    outline_px: int
    font_scale: float = 1.0
    bold: bool = True
    uppercase: bool = False


CAPTION_STYLES: dict[str, CaptionStyle] = {
    "yellow-pop": CaptionStyle(
        "yellow-pop",
        "&H00FFFFFF",
        "&H0000E5FF",
        "&H00000000",
        "&H80000000",
        1,
        6,
        uppercase=True,
    ),
    # Quiet: the line in light grey, the word being spoken in full white.
    "clean-white": CaptionStyle(
        "clean-white",
        "&H00B4B4B4",
        "&H00FFFFFF",
        "&H00202020",
        "&H00000000",
        1,
        3,
        font_scale=0.9,
        bold=False,
    ),
    "boxed": CaptionStyle(
        "boxed",
        "&H00FFFFFF",
        "&H0045D1FF",
        "&H00000000",
        "&H99000000",
        3,
        14,
        font_scale=0.9,
    ),
}
DEFAULT_STYLE = "yellow-pop"


def group_words(words: Sequence[Word], max_chars: int = MAX_CHARS_PER_LINE) -> list[list[Word]]:
    """Split words into phrase lines of 2-4 words at pauses, punctuation and length limits.

    Phrases end at a pause, a sentence end or a clause mark; a long phrase is cut into
    balanced lines (7 words: 4 + 3, not 4 + 2 + 1). A lone word (``Right?``) joins the next
    line, else the previous one, when no long pause separates them, so a line of one word
    only appears when speech has one.
    """
    lines: list[list[Word]] = []
    for phrase in _phrases(words):
        lines.extend(_balanced(phrase, max_chars))
    return _merge_singles(lines, max_chars)


def _phrases(words: Sequence[Word]) -> list[list[Word]]:
    phrases: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current and (
            word.start - current[-1].end > PAUSE_BREAK_SECONDS
            or current[-1].text.endswith(SENTENCE_MARKS + CLAUSE_MARKS)
        ):
            phrases.append(current)
            current = []
        current.append(word)
    if current:
        phrases.append(current)
    return phrases


def _balanced(phrase: list[Word], max_chars: int) -> list[list[Word]]:
    """``phrase`` in the fewest lines of at most 4 words and ``max_chars``, evenly filled."""
    count = -(-len(phrase) // MAX_WORDS_PER_LINE)
    while True:
        size = -(-len(phrase) // count)
        lines = [phrase[i : i + size] for i in range(0, len(phrase), size)]
        if all(_chars(line) <= max_chars for line in lines) or size == 1:
            return lines
        count += 1


def _chars(line: Sequence[Word]) -> int:
    return sum(len(w.text) + 1 for w in line) - 1


def _merge_singles(lines: list[list[Word]], max_chars: int) -> list[list[Word]]:
    """Join each one-word line to the following line, else the previous, where it fits."""
    out: list[list[Word]] = []
    index = 0
    while index < len(lines):
        line = list(lines[index])
        following = lines[index + 1] if index + 1 < len(lines) else None
        if len(line) == 1 and following is not None and _joinable(line, following, max_chars):
            out.append(line + following)
            index += 2
            continue
        if len(line) == 1 and out and _joinable(out[-1], line, max_chars):
            out[-1] = out[-1] + line
        else:
            out.append(line)
        index += 1
    return out


def _joinable(first: list[Word], second: list[Word], max_chars: int) -> bool:
    return (
        len(first) + len(second) <= MAX_WORDS_PER_LINE
        and _chars(first + second) <= max_chars
        and second[0].start - first[-1].end <= PAUSE_BREAK_SECONDS
    )


def caption_size(preset: Preset, style: CaptionStyle) -> int:
    """Caption font size (pixels) for ``preset``: scaled to the safe width, capped by height."""
    base = min(preset.safe_width * FONT_WIDTH_FRACTION, preset.height * FONT_MAX_HEIGHT)
    return max(12, round(base * style.font_scale))


def line_chars(preset: Preset, size: int, style: CaptionStyle) -> int:
    """How many characters of caption fit on one line inside the safe width."""
    outline = 2 * style.outline_px
    return max(8, min(32, int((preset.safe_width - outline) / (size * CHAR_EM))))


@dataclass(frozen=True)
class SpeakerTurn:
    """Who speaks from ``start`` to ``end`` (episode seconds): a name, ``Host`` or ``Guest``."""

    start: float
    end: float
    label: str


@dataclass(frozen=True)
class ClipOverlay:
    """The per-clip text drawn around the captions (part of the render's cache key)."""

    headline: str | None = None
    """The clip's hook, drawn at the top of vertical, portrait and square frames."""
    speakers: tuple[SpeakerTurn, ...] = ()
    """Speaker turns over the clip; a label shows under the captions at each change."""


def speaker_turns(
    segments: Sequence[Segment],
    start: float,
    end: float,
    host_name: str | None = None,
    guest_name: str | None = None,
) -> tuple[SpeakerTurn, ...]:
    """The diarized turns over ``start``..``end``, labelled with names when they are known."""
    names = {"host": host_name or "Host", "guest": guest_name or "Guest"}
    return tuple(
        SpeakerTurn(
            seg.start,
            seg.end,
            names.get(seg.speaker) or seg.speaker.replace("_", " ").title(),
        )
        for seg in segments
        if seg.speaker and seg.end > start and seg.start < end
    )


@dataclass(frozen=True)
class Layout:
    """Where the drawn layers go, in the frame's pixels (computed from the preset)."""

    size: int
    pad: int
    bar_px: int
    bar_y: int
    label_size: int
    headline_size: int


def layout(preset: Preset, style: CaptionStyle) -> Layout:
    """Sizes and the bar's row for ``preset`` with caption ``style``."""
    size = caption_size(preset, style)
    base = caption_size(preset, CAPTION_STYLES[DEFAULT_STYLE])
    bar_px = max(4, round(preset.height * BAR_FRACTION))
    return Layout(
        size=size,
        pad=round(size * 0.3),
        bar_px=bar_px,
        bar_y=preset.height - preset.safe_bottom - bar_px,
        label_size=max(12, round(base * LABEL_SCALE)),
        headline_size=max(14, round(base * HEADLINE_SCALE)),
    )


def has_headline(preset: Preset) -> bool:
    """Headlines go on frames at least as tall as wide (vertical, portrait, square)."""
    return preset.height >= preset.width


def headline_band(preset: Preset) -> int:
    """Pixels below the safe top that a two-line headline may take (0 on wide frames)."""
    if not has_headline(preset):
        return 0
    lay = layout(preset, CAPTION_STYLES[DEFAULT_STYLE])
    return 2 * lay.pad + round(HEADLINE_LINES * lay.headline_size * 1.25)


def wrap_headline(text: str, max_chars: int, lines: int = HEADLINE_LINES) -> list[str]:
    """``text`` wrapped at spaces into at most ``lines`` rows; a cut row ends with an ellipsis."""
    rows: list[str] = []
    words = text.split()
    while words and len(rows) < lines:
        row = words.pop(0)
        while words and len(row) + 1 + len(words[0]) <= max_chars:
            row += " " + words.pop(0)
        rows.append(row[: max_chars - 1] + "\u2026" if len(row) > max_chars else row)
    if words and rows:
        last = rows[-1]
        rows[-1] = (last if len(last) < max_chars else last[: max_chars - 1]).rstrip(" ,.;:") + (
            "\u2026"
        )
    return rows


def build_ass(
    words: Sequence[Word],
    *,
    clip_start: float,
    clip_end: float,
    width: int,
    height: int,
    style_name: str = DEFAULT_STYLE,
    title: str | None = None,
    font_name: str = "DejaVu Sans",
    preset: Preset | None = None,
    overlay: ClipOverlay | None = None,
    accent: str = DEFAULT_PRIMARY,
    backdrop: str = DEFAULT_SECONDARY,
    logo_px: int = 0,
    progress: bool = True,
) -> str:
    """Return an ASS script; times in ``words`` are episode seconds, output is clip-relative.

    ``preset`` gives the safe area (default: the whole ``width`` x ``height`` frame less a
    small margin); ``width``/``height`` are the frame size either way. ``accent`` and
    ``backdrop`` are ``#RRGGBB`` brand colours; ``logo_px`` is the logo's side at the safe
    area's top-left, which the headline keeps clear of.
    """
    style = CAPTION_STYLES.get(style_name, CAPTION_STYLES[DEFAULT_STYLE])
    frame = preset or _plain(width, height)
    lay = layout(frame, style)
    size, pad = lay.size, lay.pad
    overlay = overlay or ClipOverlay()
    turns = _label_turns(overlay.speakers, clip_start, clip_end)
    label_room = lay.label_size + pad if turns else 0
    bar_room = lay.bar_px + pad if progress else 0
    margin_v = frame.safe_bottom + pad + bar_room + label_room
    margin_l = frame.safe_left + pad
    margin_r = frame.safe_right + pad
    title_size = round(size * 0.75)
    side = logo_px + pad if logo_px else 0
    head_l, head_r = margin_l + side, margin_r + side
    header = [
        "[Script Info]",
        "ScriptType: v4.00+",
        f"PlayResX: {width}",
        f"PlayResY: {height}",
        "WrapStyle: 0",
        "ScaledBorderAndShadow: yes",
        "",
        "[V4+ Styles]",
        "Format: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, "
        "BorderStyle, Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding",
        f"Style: Caption,{font_name},{size},{style.primary},{style.highlight},{style.outline},"
        f"{style.back},{-1 if style.bold else 0},0,0,0,100,100,0,0,{style.border_style},"
        f"{style.outline_px},0,2,{margin_l},{margin_r},{margin_v},1",
        f"Style: Title,{font_name},{title_size},&H00FFFFFF,&H00FFFFFF,&H00000000,&H80000000,"
        f"-1,0,0,0,100,100,0,0,1,3,0,8,{margin_l},{margin_r},{frame.safe_top + pad},1",
        # Headline: white on a box of the brand's backdrop colour (BorderStyle 3 boxes a line).
        f"Style: Headline,{font_name},{lay.headline_size},&H00FFFFFF,&H00FFFFFF,"
        f"{ass_colour(backdrop, 0x30)},&H00000000,-1,0,0,0,100,100,0,0,3,"
        f"{max(4, pad // 2)},0,8,{head_l},{head_r},{frame.safe_top + pad},1",
        f"Style: Speaker,{font_name},{lay.label_size},{ass_colour(accent)},&H00FFFFFF,"
        f"&H00000000,&H80000000,-1,0,0,0,100,100,0,0,1,3,0,2,{margin_l},{margin_r},"
        f"{frame.safe_bottom + pad + bar_room},1",
        "Style: Bar,"
        f"{font_name},10,&H00FFFFFF,&H00FFFFFF,&H00000000,&H00000000,0,0,0,0,100,100,0,0,1,0,0,"
        "7,0,0,0,1",
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events: list[str] = []
    duration = clip_end - clip_start
    headline = overlay.headline if has_headline(frame) else None
    if headline and headline.strip():
        room = frame.safe_width - 2 * (pad + side)
        chars = max(8, int(room / (lay.headline_size * HEADLINE_CHAR_EM)))
        rows = wrap_headline(_escape(headline.strip()), chars)
        events.append(_dialogue(0.0, duration, "Headline", "{\\q2}" + "\\N".join(rows)))
    elif title:
        events.append(_dialogue(0.0, duration, "Title", _escape(title)))
    if progress:
        events.extend(_progress_bar(frame, lay, duration, accent))
    for start, end, label in turns:
        events.append(
            _dialogue(start - clip_start, end - clip_start, "Speaker", _escape(label.upper()))
        )
    inside = [w for w in words if w.end > clip_start and w.start < clip_end]
    lines = group_words(inside, 2 * line_chars(frame, size, style))
    for index, line in enumerate(lines):
        next_start = lines[index + 1][0].start if index + 1 < len(lines) else clip_end
        line_end = min(line[-1].end + LINGER_SECONDS, next_start)
        for position, word in enumerate(line):
            start = word.start if position else max(word.start, clip_start)
            end = line[position + 1].start if position + 1 < len(line) else line_end
            text = " ".join(
                _highlight(w.text, style) if i == position else _escape(_case(w.text, style))
                for i, w in enumerate(line)
            )
            events.append(
                _dialogue(max(0.0, start - clip_start), max(0.0, end - clip_start), "Caption", text)
            )
    return "\n".join(header + events) + "\n"


def _label_turns(
    turns: Sequence[SpeakerTurn], clip_start: float, clip_end: float
) -> list[tuple[float, float, str]]:
    """(start, end, label) for each change of speaker inside the clip (the first included)."""
    out: list[tuple[float, float, str]] = []
    previous: str | None = None
    for turn in sorted(turns, key=lambda t: t.start):
        if turn.end <= clip_start or turn.start >= clip_end or not turn.label.strip():
            continue
        if turn.label != previous:
            start = max(turn.start, clip_start)
            out.append((start, min(clip_end, start + LABEL_SECONDS), turn.label.strip()))
        previous = turn.label
    return out


def _progress_bar(frame: Preset, lay: Layout, duration: float, accent: str) -> list[str]:
    """A dim track across the safe width and the accent fill growing over ``duration``."""
    x0, x1 = frame.safe_left, frame.width - frame.safe_right
    y0, y1 = lay.bar_y, lay.bar_y + lay.bar_px
    shape = f"m 0 0 l {x1 - x0} 0 {x1 - x0} {lay.bar_px} 0 {lay.bar_px}"
    track = f"{{\\pos({x0},{y0})\\c&HFFFFFF&\\alpha&HA0&\\p1}}{shape}{{\\p0}}"
    grow = (
        f"{{\\pos({x0},{y0})\\c{ass_colour(accent)}&\\p1\\clip({x0},{y0},{x0},{y1})"
        f"\\t(0,{round(duration * 1000)},\\clip({x0},{y0},{x1},{y1}))}}{shape}{{\\p0}}"
    )
    return [_dialogue(0.0, duration, "Bar", track), _dialogue(0.0, duration, "Bar", grow, 1)]


def _plain(width: int, height: int) -> Preset:
    margin = round(min(width, height) * 0.05)
    return Preset("frame", width, height, margin, margin, margin, margin)


def _case(text: str, style: CaptionStyle) -> str:
    return text.upper() if style.uppercase else text


def _highlight(text: str, style: CaptionStyle) -> str:
    return f"{{\\c{style.highlight}&}}{_escape(_case(text, style))}{{\\c{style.primary}&}}"


def _escape(text: str) -> str:
    return text.replace("\\", "").replace("{", "(").replace("}", ")").replace("\n", " ")


def _dialogue(start: float, end: float, style: str, text: str, layer: int = 0) -> str:
    return f"Dialogue: {layer},{_ts(start)},{_ts(end)},{style},,0,0,0,,{text}"


def _ts(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cs:02d}"
