"""Hooks are whole clauses: spaCy's parser (a real model from its PyPI package) on real lines.

Every line is from the rev16-train transcripts (checked below), as a hook would take it:
fillers before it off ("But definitely not that day ..." is "Definitely not that day ...").
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podclip.scoring import build_windows, score_windows
from podclip.scoring.clauses import fragment_reason, is_whole_clause
from podclip.scoring.explain import pick_hook
from podclip.scoring.options import ScoringOptions
from podclip.scoring.parsed_lines import load_parser
from podclip.scoring.rank_eval import load_transcript, to_segments

FRAGMENTS = {
    # Only the because-clause of a sentence whose main clause was said before it (episode 29).
    "Definitely not that day because it would just trigger another immediate panic attack.": (
        "subordinate clause only"
    ),
    # A noun phrase with a clause hung on it (episode 21, a car show).
    "Street machine, anything that qualifies between the age all the way to 87.": "no main verb",
    # "do" with nothing done: the thing hoped for was said before (episode 10).
    "I hope we do because it was really amazing.": "verb left open",
    # An embedded question with nothing to embed it (episode 4, a guest cut off mid-list).
    "If you make literally no effort to listen to actual people in that community, why "
    "certain things trigger us.": "question word without a question",
    # A subject and a participle with no finite verb (episode 20, a fiction reading).
    "You living there, still a boy, unable to leave or die or do anything but burn in a lake "
    "of fire.": "no finite verb",
}
WHOLE = (
    "If you don't go vote, it doesn't work.",
    "Why would you not exercise that right?",
    "When's the last time you shouted out another podcast?",
    "Read a newspaper one goddamn time.",
    "Anybody that's mean to you isn't really your friend.",
    "I didn't know that was only done in a couple of months.",
    "What I have to do is go to parties and walk around with a beer.",
    "If you have a hot rod, you're at least going to go away with first, second, or third.",
    "I think for me, it's, again, not a question of is this good or bad, it's just more of a "
    "question of when.",
)


@pytest.fixture(scope="module")
def training_text(shared_data: Path) -> str:
    folder = shared_data / "transcripts" / "rev16-train"
    return " ".join(p.read_text(encoding="utf-8") for p in sorted(folder.glob("*.turns.txt")))


def test_the_lines_are_real(training_text: str) -> None:
    said = " ".join(training_text.lower().split())
    for line in [*FRAGMENTS, *WHOLE]:
        assert line.lower().rstrip(".?") in said, line


def test_fragments_are_named_and_whole_clauses_pass() -> None:
    parser = load_parser()
    for line, why in FRAGMENTS.items():
        assert fragment_reason(parser(line)) == why, line
        assert not is_whole_clause(line)
    for line in WHOLE:
        assert fragment_reason(parser(line)) is None, line
        assert is_whole_clause(line)
    # The issue's own example of a hook that stops mid-sentence.
    assert fragment_reason(parser("For example, marijuana was.")) == "verb left open"
    # Talk's own whole forms: an adverb completes "do", a question word "be", a quotative
    # "like" what follows it; a question may be transcribed with a full stop; an interjection
    # is not the line's sentence.
    for line in (
        "Everybody's doing really well right now.",
        "That's where the money is.",
        "My trainer was like, I can tell your core's really strong.",
        "Why would anyone do that.",
        "Right. So we drove all night to get there.",
    ):
        assert fragment_reason(parser(line)) is None, line


def test_the_hook_is_the_strongest_whole_clause() -> None:
    # Episode 21: the strongest line of the clip is a fragment, the next one stands alone.
    sentences = [
        "Street machine, anything that qualifies between the age all the way to 87.",
        "And if you have a hot rod, you're at least going to go away with first, second, or third.",
    ]
    strength = [1.0, 0.9]
    assert pick_hook(sentences, strength) == sentences[0]
    assert pick_hook(sentences, strength, is_whole_clause) == (
        "If you have a hot rod, you're at least going to go away with first, second, or third."
    )
    # A clip whose every candidate is a fragment keeps the strongest: a hook is always given.
    assert pick_hook(sentences[:1], [1.0], is_whole_clause) == sentences[0]
    # A transcript without case or sentence marks says nothing a parser could rely on.
    bare = [s.lower().rstrip(".") for s in sentences]
    assert pick_hook(bare, strength, is_whole_clause) == pick_hook(bare, strength)


@pytest.mark.slow
def test_scored_windows_take_the_whole_clause_for_their_hook(
    shared_data: Path, tmp_path: Path
) -> None:
    """The scorer wires the parser in: about six minutes of episode 21 around the car-show
    fragment, every window scored by the committed model. Without the parse every window that
    holds both lines opened its post on the fragment (measured on 2026-12-07)."""
    source = (shared_data / "transcripts" / "rev16-train" / "21.turns.txt").read_text("utf-8")
    at = source.index("Street machine, anything that qualifies")
    stretch = source[source.rfind("[speaker", 0, at - 2500) : source.find("[speaker", at + 3000)]
    path = tmp_path / "stretch.turns.txt"
    path.write_text(stretch, encoding="utf-8")
    windows = build_windows(to_segments(load_transcript(path)), ScoringOptions())
    both = [
        m
        for m in score_windows(windows)
        if "Street machine" in m.text and "you have a hot rod" in m.text
    ]
    assert both
    # Any whole line of the window may win; the fragment may not while one is there.
    assert not [m.hook for m in both if m.hook.startswith("Street machine")]
