from __future__ import annotations

from podclip.scoring.types import Word
from podclip.tasks.subtitles import cues, to_srt, to_vtt

WORDS = [
    Word(10.0, 10.4, "Hello"),
    Word(10.5, 10.9, "damn"),
    Word(11.0, 11.3, "world."),
    Word(12.0, 12.5, "Next"),
    Word(12.6, 13.0, "<line>"),
]


def test_srt_is_exact_clip_relative_and_uncensored() -> None:
    assert to_srt(WORDS, 10.0, 14.0) == (
        "1\n00:00:00,000 --> 00:00:01,700\nHello damn world.\n\n"
        "2\n00:00:02,000 --> 00:00:03,400\nNext <line>\n"
    )


def test_vtt_is_exact_and_escapes_markup() -> None:
    assert to_vtt(WORDS, 10.0, 14.0) == (
        "WEBVTT\n\n"
        "00:00:00.000 --> 00:00:01.700\nHello damn world.\n\n"
        "00:00:02.000 --> 00:00:03.400\nNext &lt;line>\n"
    )


def test_cues_are_cut_to_the_clip() -> None:
    # A clip trimmed at 12.8 s: the last line ends at the clip's end, words after it are gone.
    assert cues([*WORDS, Word(20.0, 20.5, "later")], 10.0, 12.8) == [
        (0.0, 1.7, "Hello damn world."),
        (2.0, 2.8, "Next <line>"),
    ]


def test_hours_and_an_empty_clip() -> None:
    words = [Word(3725.25, 3725.5, "late")]
    assert to_srt(words, 0.0, 3730.0) == "1\n01:02:05,250 --> 01:02:05,900\nlate\n"
    assert to_vtt([], 0.0, 5.0) == "WEBVTT\n"
