from __future__ import annotations

import re

from podclip.scoring.types import Word
from podclip.tasks.captions import CAPTION_STYLES, build_ass, group_words


def _words(texts: list[str], start: float = 10.0, step: float = 0.4) -> list[Word]:
    return [Word(start + i * step, start + i * step + 0.3, t) for i, t in enumerate(texts)]


def test_lines_break_at_sentence_end_and_length() -> None:
    words = _words(["One", "two.", "Three", "four", "five", "six", "seven"])
    lines = group_words(words)
    assert [[w.text for w in line] for line in lines] == [
        ["One", "two."],
        ["Three", "four", "five", "six"],
        ["seven"],
    ]


def test_lines_break_at_pauses() -> None:
    words = [Word(0.0, 0.3, "before"), Word(2.0, 2.3, "after")]
    assert len(group_words(words)) == 2


def test_each_word_gets_its_own_highlighted_event_in_clip_time() -> None:
    words = _words(["Ask", "not", "what"])
    ass = build_ass(words, clip_start=10.0, clip_end=12.0, width=1080, height=1920)
    events = [line for line in ass.splitlines() if line.startswith("Dialogue:")]
    assert len(events) == 3
    assert events[0].startswith("Dialogue: 0,0:00:00.00,0:00:00.40,Caption")
    highlight = CAPTION_STYLES["yellow-pop"].highlight
    for index, event in enumerate(events):
        highlighted = re.findall(r"\{\\c" + re.escape(highlight) + r"&\}(\w+)", event)
        assert highlighted == [["ASK", "NOT", "WHAT"][index]]


def test_title_event_spans_the_clip_and_braces_are_escaped() -> None:
    ass = build_ass(
        _words(["{bad}"]),
        clip_start=10.0,
        clip_end=40.0,
        width=1080,
        height=1920,
        title="Show {x}",
    )
    assert "Dialogue: 0,0:00:00.00,0:00:30.00,Title,,0,0,0,,Show (x)" in ass
    assert "{bad}" not in ass and "{BAD}" not in ass


def test_words_outside_the_clip_are_dropped() -> None:
    words = [Word(1.0, 1.2, "early"), Word(10.1, 10.3, "inside"), Word(50.0, 50.2, "late")]
    ass = build_ass(words, clip_start=10.0, clip_end=20.0, width=1080, height=1920)
    assert "INSIDE" in ass and "EARLY" not in ass and "LATE" not in ass


def test_unknown_style_falls_back_to_default() -> None:
    ass = build_ass(
        _words(["hi"]), clip_start=10.0, clip_end=11.0, width=1080, height=1920, style_name="nope"
    )
    assert CAPTION_STYLES["yellow-pop"].highlight in ass


def test_captions_sit_inside_each_presets_safe_area() -> None:
    from podclip.tasks.captions import CHAR_EM, caption_size, line_chars

    from podclip.core.presets import PRESETS

    for preset in PRESETS.values():
        ass = build_ass(
            _words(["One", "two"]),
            clip_start=10.0,
            clip_end=12.0,
            width=preset.width,
            height=preset.height,
            preset=preset,
        )
        style = next(line for line in ass.splitlines() if line.startswith("Style: Caption,"))
        fields = style.split(",")
        size, margin_l, margin_r, margin_v = (int(fields[i]) for i in (2, 19, 20, 21))
        assert margin_l >= preset.safe_left and margin_r >= preset.safe_right
        assert margin_v >= preset.safe_bottom
        caption = CAPTION_STYLES["yellow-pop"]
        assert size == caption_size(preset, caption)
        # A full line at the mean glyph width fits between the safe edges (libass wraps the rest).
        assert line_chars(preset, size, caption) * size * CHAR_EM <= preset.safe_width
    vertical = PRESETS["vertical"]
    assert caption_size(vertical, CAPTION_STYLES["yellow-pop"]) > caption_size(
        PRESETS["landscape"], CAPTION_STYLES["yellow-pop"]
    )
