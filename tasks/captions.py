"""Word-by-word highlighted captions as an ASS script for ffmpeg's ``subtitles`` filter.

Words are grouped into short lines (a few words, broken at pauses and sentence ends); while a
line is on screen, the word being spoken is drawn in the style's highlight colour (one event per
word, karaoke style). Positions are in the preset's own pixels: the caption block sits inside
the preset's safe area (clear of the platform's UI), its font scales with the safe width and a
line holds only as many characters as fit in it. Words are shown as spoken (no censoring).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from podclip.scoring.types import Word

from podclip.core.presets import Preset

MAX_WORDS_PER_LINE = 4
MAX_CHARS_PER_LINE = 24
PAUSE_BREAK_SECONDS = 0.7
LINGER_SECONDS = 0.4
# Font size: this fraction of the safe width, but at most FONT_MAX_HEIGHT of the frame height.
FONT_WIDTH_FRACTION = 0.095
FONT_MAX_HEIGHT = 0.06
# Mean advance of a (bold, upper-case) DejaVu Sans glyph in em; sets how many characters fit.
CHAR_EM = 0.68


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
    """Split words into caption lines at pauses, sentence ends and length limits."""
    lines: list[list[Word]] = []
    current: list[Word] = []
    for word in words:
        if current:
            chars = sum(len(w.text) + 1 for w in current) + len(word.text)
            pause = word.start - current[-1].end
            ends_sentence = current[-1].text.endswith((".", "?", "!"))
            if (
                len(current) >= MAX_WORDS_PER_LINE
                or chars > max_chars
                or pause > PAUSE_BREAK_SECONDS
                or ends_sentence
            ):
                lines.append(current)
                current = []
        current.append(word)
    if current:
        lines.append(current)
    return lines


def caption_size(preset: Preset, style: CaptionStyle) -> int:
    """Caption font size (pixels) for ``preset``: scaled to the safe width, capped by height."""
    base = min(preset.safe_width * FONT_WIDTH_FRACTION, preset.height * FONT_MAX_HEIGHT)
    return max(12, round(base * style.font_scale))


def line_chars(preset: Preset, size: int, style: CaptionStyle) -> int:
    """How many characters of caption fit on one line inside the safe width."""
    outline = 2 * style.outline_px
    return max(8, min(32, int((preset.safe_width - outline) / (size * CHAR_EM))))


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
) -> str:
    """Return an ASS script; times in ``words`` are episode seconds, output is clip-relative.

    ``preset`` gives the safe area (default: the whole ``width`` x ``height`` frame less a
    small margin); ``width``/``height`` are the frame size either way.
    """
    style = CAPTION_STYLES.get(style_name, CAPTION_STYLES[DEFAULT_STYLE])
    frame = preset or _plain(width, height)
    size = caption_size(frame, style)
    pad = round(size * 0.3)
    margin_v = frame.safe_bottom + pad
    margin_l = frame.safe_left + pad
    margin_r = frame.safe_right + pad
    title_size = round(size * 0.75)
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
        "",
        "[Events]",
        "Format: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text",
    ]
    events: list[str] = []
    duration = clip_end - clip_start
    if title:
        events.append(_dialogue(0.0, duration, "Title", _escape(title)))
    inside = [w for w in words if w.end > clip_start and w.start < clip_end]
    lines = group_words(inside, line_chars(frame, size, style))
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


def _plain(width: int, height: int) -> Preset:
    margin = round(min(width, height) * 0.05)
    return Preset("frame", width, height, margin, margin, margin, margin)


def _case(text: str, style: CaptionStyle) -> str:
    return text.upper() if style.uppercase else text


def _highlight(text: str, style: CaptionStyle) -> str:
    return f"{{\\c{style.highlight}&}}{_escape(_case(text, style))}{{\\c{style.primary}&}}"


def _escape(text: str) -> str:
    return text.replace("\\", "").replace("{", "(").replace("}", ")").replace("\n", " ")


def _dialogue(start: float, end: float, style: str, text: str) -> str:
    return f"Dialogue: 0,{_ts(start)},{_ts(end)},{style},,0,0,0,,{text}"


def _ts(seconds: float) -> str:
    centis = max(0, round(seconds * 100))
    hours, rest = divmod(centis, 360_000)
    minutes, rest = divmod(rest, 6000)
    secs, cs = divmod(rest, 100)
    return f"{hours}:{minutes:02d}:{secs:02d}.{cs:02d}"
