"""Chapters (TextTiling on embeddings), key phrases, and the Markdown notes on synthetic text.

The embedder here is a bag-of-words hash: deterministic and topic-sensitive, which is all the
segmentation logic needs; tests/integration/test_diarization.py runs the real MiniLM.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from podclip.scoring.chapters import (
    choose_boundaries,
    depth_scores,
    gap_similarity,
    key_phrases,
    make_chapters,
    passages_from,
    title_from,
)
from podclip.scoring.shownotes import (
    ShowNotesOptions,
    build_show_notes_markdown,
    display_name,
    format_timestamp,
)
from podclip.scoring.types import ScoredMoment, Segment
from tests.support.text_doubles import bag_embed, timed_segments

BATTERY = "The battery stores solar power for the house and the battery price keeps falling."
MONEY = "Investors want growth but revenue and payroll decide whether the startup survives."


def _segments(topics: Sequence[str], seconds_each: float = 5.0) -> list[Segment]:
    """One sentence per segment, every ``seconds_each`` s, speakers alternating in pairs."""
    return timed_segments(topics, seconds_each, lambda i: "host" if i % 4 < 2 else "guest")


def test_timestamps() -> None:
    assert format_timestamp(0) == "00:00"
    assert format_timestamp(75.9) == "01:15"
    assert format_timestamp(3725) == "1:02:05"
    assert format_timestamp(65, with_hours=True) == "0:01:05"


def test_passages_group_sentences_and_fold_a_short_tail() -> None:
    sentences = [(i * 5.0, i * 5.0 + 4.5, f"s{i}") for i in range(9)]
    passages = passages_from(sentences, passage_s=12.0)
    assert [p.text for p in passages] == ["s0 s1 s2", "s3 s4 s5", "s6 s7 s8"]
    tail = passages_from(sentences[:7], passage_s=12.0)
    assert tail[-1].text == "s3 s4 s5 s6" and tail[-1].end == 34.5


def test_depth_finds_the_valley_between_two_topics() -> None:
    vectors = bag_embed([BATTERY] * 6 + [MONEY] * 6)
    sim = gap_similarity(vectors, block=3)
    depth = depth_scores(sim)
    assert int(np.argmax(depth)) == 5  # the gap between passage 5 and 6
    assert sim[5] < sim[0]


def test_boundaries_respect_minimum_length_and_count() -> None:
    passages = passages_from([(i * 20.0, i * 20.0 + 19.0, "x") for i in range(12)], 15.0)
    depth = np.zeros(11)
    depth[[2, 3, 7]] = [0.9, 1.0, 0.8]
    assert choose_boundaries(passages, depth, min_chapter_s=50.0, max_chapters=10) == [4, 8]
    assert choose_boundaries(passages, depth, min_chapter_s=50.0, max_chapters=2) == [4]
    assert choose_boundaries(passages, np.zeros(11), 50.0, 10) == []


def test_key_phrases_prefer_distinctive_words_and_skip_names() -> None:
    texts = [
        "Maya asks about the home battery. A home battery stores solar power. "
        "Home battery prices fall.",
        "Maya asks about payroll. Payroll was due and the bank balance was low. Payroll again.",
    ]
    phrases = key_phrases(texts, exclude=["Maya"])
    assert phrases[0][0] == "home battery"
    assert phrases[1][0] == "payroll"
    assert all("Maya" not in p for ph in phrases for p in ph)
    assert title_from(["home battery", "solar"]) == "Home battery and solar"
    assert title_from([]) == "Conversation"


def test_make_chapters_titles_each_topic() -> None:
    texts = [BATTERY] * 6 + [MONEY] * 6
    passages = passages_from([(i * 20.0, i * 20.0 + 19.0, t) for i, t in enumerate(texts)], 15.0)
    chapters = make_chapters(passages, bag_embed(texts), 60.0, 10)
    assert [c.start for c in chapters] == [0.0, 120.0]
    assert "battery" in chapters[0].title.lower()
    assert any(w in chapters[1].title.lower() for w in ("payroll", "revenue", "investors"))


def test_display_names() -> None:
    assert display_name("host", "Maya", None) == "Maya"
    assert display_name("guest", None, None) == "Guest"
    assert display_name("speaker_3", "Maya", "Dan") == "Speaker 3"
    assert display_name(None, "Maya", "Dan") is None


def test_markdown_has_summary_chapters_quotes_and_guest() -> None:
    segments = _segments([BATTERY] * 12 + [MONEY] * 12)
    quote = "Investors want growth but revenue and payroll decide whether the startup survives."
    moment = ScoredMoment(
        start=90.0,
        end=110.0,
        text=quote,
        moment_type="hot_take",
        category="opinion",
        shareability_score=80.0,
        reason="",
        hook="",
        pull_quote=quote,
    )
    md = build_show_notes_markdown(
        segments,
        [moment],
        bag_embed,
        "Episode 7",
        host_name="Maya",
        guest_name="Daniel Okafor",
        options=ShowNotesOptions(min_chapter_s=30.0, passage_s=10.0),
    )
    assert md.startswith("# Episode 7\n")
    assert "Maya talks with Daniel Okafor about" in md
    assert "**Guest:** Daniel Okafor" in md
    chapters = re.findall(r"^- (\d\d:\d\d) (.+)$", md.split("## Chapters")[1].split("##")[0], re.M)
    assert [c[0] for c in chapters] == ["00:00", "01:00"]
    quotes = md.split("## Key quotes")[1]
    # The quote's words first appear at 90 s inside the moment, said by the guest (segment 18).
    assert "- 01:30 “Investors want growth" in quotes and "— Daniel Okafor" in quotes
