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
        ["Three", "four", "five"],
        ["six", "seven"],
    ]


def test_lines_break_at_pauses() -> None:
    words = [Word(0.0, 0.3, "before"), Word(2.0, 2.3, "after")]
    assert len(group_words(words)) == 2


def test_each_word_gets_its_own_highlighted_event_in_clip_time() -> None:
    words = _words(["Ask", "not", "what"])
    ass = build_ass(words, clip_start=10.0, clip_end=12.0, width=1080, height=1920)
    events = [line for line in ass.splitlines() if ",Caption," in line]
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
    from podclip.core.presets import PRESETS
    from podclip.tasks.captions import CHAR_EM, caption_size, line_chars

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


def _caption_lines(ass: str) -> list[list[str]]:
    """The words of each caption line (one per run of events showing the same words)."""
    lines: list[list[str]] = []
    for event in ass.splitlines():
        if ",Caption," not in event:
            continue
        text = re.sub(r"\{[^}]*\}", "", event.split(",,", 2)[-1].split(",,")[-1])
        words = text.split()
        if not lines or lines[-1] != words:
            lines.append(words)
    return lines


def test_phrase_lines_hold_two_to_four_words_and_break_at_punctuation() -> None:
    text = [
        "So",
        "here",
        "is",
        "the",
        "thing,",
        "when",
        "you",
        "start",
        "a",
        "company",
        "you",
        "think",
        "the",
        "product",
        "matters",
        "most,",
        "but",
        "honestly",
        "it",
        "is",
        "the",
        "people.",
        "Right?",
        "And",
        "the",
        "people",
        "you",
        "hire",
        "first",
        "shape",
        "everything",
    ]
    words = _words(text, start=0.0, step=0.35)
    ass = build_ass(words, clip_start=0.0, clip_end=40.0, width=1080, height=1920)
    lines = _caption_lines(ass)
    assert all(2 <= len(line) <= 4 for line in lines), lines
    # A clause mark ends a line; only a lone word ("Right?") joins across a mark.
    assert lines[:2] == [["SO", "HERE", "IS"], ["THE", "THING,"]]
    assert ["PRODUCT", "MATTERS", "MOST,"] in lines
    assert ["IS", "THE", "PEOPLE.", "RIGHT?"] in lines


def test_a_lone_word_joins_its_neighbour() -> None:
    words = [Word(0.0, 0.3, "Yes,"), Word(0.4, 0.7, "that"), Word(0.8, 1.0, "works")]
    assert [[w.text for w in line] for line in group_words(words)] == [["Yes,", "that", "works"]]
    # Five words of one phrase: 3 + 2, not 4 + 1.
    five = _words(["a", "b", "c", "d", "e"])
    assert [len(line) for line in group_words(five)] == [3, 2]
    # A word alone between long pauses stays alone.
    alone = [Word(0.0, 0.3, "x"), Word(2.0, 2.3, "y"), Word(2.4, 2.6, "z")]
    assert [len(line) for line in group_words(alone)] == [1, 2]


def test_headline_wraps_to_two_lines_inside_the_safe_area() -> None:
    from podclip.core.presets import PRESETS
    from podclip.tasks.captions import ClipOverlay, wrap_headline

    hook = "The one hiring mistake that quietly killed three of my companies and what I do now"
    ass = build_ass(
        [],
        clip_start=0.0,
        clip_end=8.0,
        width=1080,
        height=1920,
        preset=PRESETS["vertical"],
        overlay=ClipOverlay(headline=hook),
    )
    event = next(e for e in ass.splitlines() if ",Headline," in e)
    rows = event.split(",,", 1)[1].split(",,")[-1].removeprefix("{\\q2}").split("\\N")
    assert 1 < len(rows) <= 2
    assert rows[-1].endswith("\u2026")
    assert wrap_headline("short hook", 20) == ["short hook"]
    # Wide frames get no headline.
    wide = build_ass(
        [],
        clip_start=0.0,
        clip_end=8.0,
        width=1920,
        height=1080,
        preset=PRESETS["landscape"],
        overlay=ClipOverlay(headline=hook),
    )
    assert ",Headline," not in wide


def test_speaker_label_shows_when_the_speaker_changes() -> None:
    from podclip.tasks.captions import ClipOverlay, SpeakerTurn

    turns = (
        SpeakerTurn(0.0, 3.0, "Host"),
        SpeakerTurn(3.0, 4.0, "Host"),
        SpeakerTurn(4.0, 9.0, "Ada Lovelace"),
    )
    ass = build_ass(
        _words(["one", "two", "three"], start=1.0),
        clip_start=1.0,
        clip_end=9.0,
        width=1080,
        height=1920,
        overlay=ClipOverlay(speakers=turns),
    )
    labels = [e for e in ass.splitlines() if ",Speaker," in e]
    assert [e.rsplit(",", 1)[-1] for e in labels] == ["HOST", "ADA LOVELACE"]
    assert labels[1].startswith("Dialogue: 0,0:00:03.00,0:00:06.00,")


def test_progress_bar_grows_over_the_clip() -> None:
    ass = build_ass(_words(["a", "b"]), clip_start=10.0, clip_end=16.5, width=1080, height=1920)
    bars = [e for e in ass.splitlines() if ",Bar," in e]
    assert len(bars) == 2
    assert "\\t(0,6500,\\clip(" in bars[1]
