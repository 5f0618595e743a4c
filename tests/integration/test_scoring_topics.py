"""What a clip is about, on real talk: spaCy's small English tagger (its PyPI package) and the
committed model on a stretch of a rev16-train episode."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from podclip.scoring import build_windows, score_episode, score_windows
from podclip.scoring.options import ScoringOptions
from podclip.scoring.parsed_lines import load_parser
from podclip.scoring.rank_eval import load_transcript, to_segments
from podclip.scoring.topics import nouns_in, singular

ABOUT = re.compile(r" about (.+?)(?:, (?:leaning towards|most like) [^:]+)?(?::|\.$)")


def test_the_tagger_keeps_topic_nouns_and_drops_vague_ones() -> None:
    doc = load_parser()("My mom lit all the tea light candles, and a lot of things happened.")
    found = [(n.key, n.head, n.phrase, n.article) for n in nouns_in(doc)]
    assert found == [
        ("mom", "mom", "mom", "their"),  # a possessive before a relative
        ("candle", "candles", "tea light candles", ""),  # compounds kept, plural counted as one
    ], found  # "lot" and "things" say nothing


@pytest.mark.slow
def test_an_episodes_clips_say_what_they_are_about(shared_data: Path, tmp_path: Path) -> None:
    """About eight minutes of episode 29 (a host's rants on voting and friends; few names).

    Each clip's topics are nouns the clip says at least twice, and the selected clips carry
    exactly the text that scoring every window gives the same windows: the scorer writes it
    only for the clips it selects."""
    source = (shared_data / "transcripts" / "rev16-train" / "29.turns.txt").read_text("utf-8")
    at = source.index("If you don't go vote")
    stretch = source[source.rfind("[speaker", 0, at - 3000) : source.find("[speaker", at + 3000)]
    path = tmp_path / "stretch.turns.txt"
    path.write_text(stretch, encoding="utf-8")
    segments = to_segments(load_transcript(path))
    options = ScoringOptions()
    clips = score_episode(segments, options, count=4)
    assert len(clips) == 4
    named = 0
    for clip in clips:
        words = [w.lower() for w in re.findall(r"[A-Za-z']+", clip.text)]
        about = ABOUT.search(clip.reason.split(': "')[0] + ":")
        if about is None:
            continue
        named += 1
        for topic in about.group(1).split(" and "):
            head = topic.split()[-1]
            if head[0].isupper():
                continue  # a name (explain._about), counted by its own rules
            said = sum(singular(w) == singular(head.lower()) for w in words)
            assert said >= 2, (topic, clip.reason)
    assert named >= 3, [c.reason for c in clips]
    every = {(m.start, m.end): m for m in score_windows(build_windows(segments, options), options)}
    for clip in clips:
        assert every[(clip.start, clip.end)] == clip
