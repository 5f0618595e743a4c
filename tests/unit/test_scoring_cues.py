"""Cue features and text helpers: pure functions, no model."""

from __future__ import annotations

import numpy as np
import pytest

from podclip.scoring.cues import (
    CUE_NAMES,
    SENTENCE_CUES,
    cue_vector,
    sentence_cues,
    speaker_turn_share,
)
from podclip.scoring.features import make_table, span_features
from podclip.scoring.text import ends_sentence, is_filler_sentence, opener_penalty, split_sentences


def fired(sentence: str) -> set[str]:
    return {m.cue for m in sentence_cues(sentence).matches}


def evidence(sentence: str, cue: str) -> list[str]:
    return [m.phrase for m in sentence_cues(sentence).matches if m.cue == cue]


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("By 2030 half of all homes will run on solar.", "figure"),
        ("by twenty thirty it's over", "figure"),
        ("We doubled to 40 percent margins.", "figure"),
        ("This will be everywhere in five years.", "future"),
        ("mark my words it's gonna happen", "future"),
        ("I remember the night my dad called.", "personal_past"),
        ("when i was nineteen we moved away", "personal_past"),
        ("She was in the hospital and I cried.", "emotion"),
        ("Write down every expense for one week.", "instruction"),
        ("First, open the settings page.", "instruction"),
        ("Here's how you fix it.", "instruction"),
        ("No, no, I disagree with that completely.", "disagreement"),
        ("hold on that's not true", "disagreement"),
        ("What would you do differently?", "question"),
        ("Talent gets you invited.", "punchy"),
        ("Ask not what your country can do for you, ask what you can do.", "rhythm"),
        ("It's not about talent but about habits.", "rhythm"),
        ("We hit two million in revenue last year.", "money_metric"),
        ("Our team shipped the product in six weeks.", "company_we"),
        ("I absolutely hate this advice.", "intensity"),
        ("Everyone says you should follow your passion.", "consensus_negation"),
        ("Breakfast is overrated.", "consensus_negation"),
    ],
)
def test_cue_fires(sentence: str, cue: str) -> None:
    assert cue in fired(sentence)
    if cue not in ("question", "punchy"):
        assert evidence(sentence, cue), "evidence is kept for the reason"


@pytest.mark.parametrize(
    ("sentence", "cue"),
    [
        ("Thanks for having me on the show.", "figure"),
        ("Thanks for having me on the show.", "future"),
        ("You need a good attitude.", "personal_past"),
        ("The weather is nice today.", "emotion"),
        ("The meeting ran long again.", "instruction"),
        ("I agree with you completely.", "disagreement"),
        ("That was a great point.", "question"),
        ("Yeah, um, okay.", "punchy"),
        (
            "This is a sentence with many many words that goes on for a long while "
            "without stopping at all.",
            "punchy",
        ),
        ("The team is here.", "company_we"),
        ("We had lunch together.", "money_metric"),
        ("The report came out on Tuesday.", "consensus_negation"),
    ],
)
def test_cue_does_not_fire(sentence: str, cue: str) -> None:
    assert cue not in fired(sentence)


def test_evidence_is_verbatim() -> None:
    sentence = "By 2030, half of all homes will run on solar."
    for m in sentence_cues(sentence).matches:
        assert m.phrase in sentence
    kinds = {(m.cue, m.kind) for m in sentence_cues(sentence).matches}
    assert ("figure", "year") in kinds
    assert ("figure", "figure") in kinds
    assert "half of all homes" in evidence(sentence, "figure")


def test_cue_vector_is_mean_plus_turns() -> None:
    cues = [sentence_cues(s) for s in ("Will it rain?", "I think so.", "Prices will rise.")]
    vec = cue_vector(cues, ["A", "B", "B"])
    assert vec.shape == (len(CUE_NAMES),)
    assert vec[SENTENCE_CUES.index("future")] == pytest.approx(2 / 3)
    assert vec[SENTENCE_CUES.index("question")] == pytest.approx(1 / 3)
    assert vec[-1] == pytest.approx(0.5)
    assert cue_vector(cues)[-1] == 0.0


def test_speaker_turn_share_ignores_unknown() -> None:
    assert speaker_turn_share(["A", "B", "A", "B"]) == 1.0
    assert speaker_turn_share(["A", "A", "A"]) == 0.0
    assert speaker_turn_share([None, None, "A"]) == 0.0
    assert speaker_turn_share([]) == 0.0


def test_span_features_match_cue_vector_and_mean_embedding() -> None:
    rng = np.random.default_rng(0)
    emb = rng.normal(size=(5, 8)).astype(np.float32)
    emb /= np.linalg.norm(emb, axis=1, keepdims=True)
    texts = ["We will win.", "No way!", "Yes way, 2030.", "Hmm.", "Do it now, step one."]
    cues = [sentence_cues(t) for t in texts]
    speakers = ["A", "B", "A", None, "B"]
    table = make_table(emb, cues, speakers)
    feats = span_features(table, [(0, 3), (1, 5), (4, 5)])
    for row, (a, b) in zip(feats, [(0, 3), (1, 5), (4, 5)], strict=True):
        mean = emb[a:b].mean(axis=0)
        np.testing.assert_allclose(row[:8], mean / np.linalg.norm(mean), atol=1e-5)
        np.testing.assert_allclose(row[8:], cue_vector(cues[a:b], speakers[a:b]), atol=1e-6)


def test_sentence_splitting() -> None:
    assert split_sentences("Hi Mr. Smith. Is it 5.5? Yes! The U.S. team won") == [
        "Hi Mr. Smith.",
        "Is it 5.5?",
        "Yes!",
        "The U.S. team won",
    ]
    assert ends_sentence(' done."')
    assert not ends_sentence(" Dr.")


@pytest.mark.parametrize(
    ("sentence", "low", "high"),
    [
        ("Here is what nobody tells you.", 0.0, 0.0),
        ("And then it broke.", 1.0, 1.0),
        ("Yeah, so that's why we left.", 1.0, 1.0),
        ("He never called back.", 0.5, 0.7),
        ("This is the part that matters.", 0.1, 0.4),
        ("So here's the plan.", 0.2, 0.5),
    ],
)
def test_opener_penalty(sentence: str, low: float, high: float) -> None:
    assert low <= opener_penalty(sentence) <= high


def test_filler_sentences() -> None:
    assert is_filler_sentence("Yeah.")
    assert is_filler_sentence("Mm-hmm, right.")
    assert not is_filler_sentence("Start now.")
