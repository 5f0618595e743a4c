"""Reason, hook, pull quote and shareability arithmetic: pure, no model."""

from __future__ import annotations

import numpy as np
import pytest
from podclip.scoring.cues import sentence_cues
from podclip.scoring.explain import HOOK_MAX_CHARS, explain, make_hook
from podclip.scoring.labels import LABELS
from podclip.scoring.options import LengthBounds
from podclip.scoring.shareability import (
    calibrate,
    fit_calibration,
    hook_strength,
    length_fit,
    raw_score,
    self_containedness,
)


def probs_for(moment_type: str, n: int, p: float = 0.8) -> np.ndarray:
    row = np.full(len(LABELS), (1 - p) / (len(LABELS) - 1))
    row[LABELS.index(moment_type)] = p
    return np.tile(row, (n, 1))


def run_explain(sentences: list[str], moment_type: str) -> tuple[str, str, str]:
    cues = [sentence_cues(s) for s in sentences]
    probs = probs_for(moment_type, len(sentences))
    e = explain(moment_type, sentences, cues, probs, probs[0], ["A"] * len(sentences))
    return e.reason, e.hook, e.pull_quote


def test_reason_quotes_the_clip() -> None:
    sentences = [
        "Okay, let me put a stake in the ground.",
        "By 2030, half of all homes will run on solar.",
        "The utilities are not ready for it.",
    ]
    reason, _, _ = run_explain(sentences, "bold_prediction")
    assert reason.startswith("Bold prediction: ")
    assert '"2030"' in reason
    assert '"half of all homes"' in reason
    assert reason.endswith(".")
    text = " ".join(sentences)
    for quoted in reason.split('"')[1::2]:
        assert quoted in text


def test_reasons_differ_between_clips_of_one_type() -> None:
    a, _, _ = run_explain(
        ["Electric planes will fly every short route by 2035."], "bold_prediction"
    )
    b, _, _ = run_explain(["In ten years nobody will own a car in a big city."], "bold_prediction")
    assert a != b


def test_reason_without_cues_quotes_a_line() -> None:
    reason, _, _ = run_explain(["The ocean keeps its own calendar."], "quotable_one_liner")
    assert "ocean keeps its own calendar" in reason


def test_debate_reason_counts_turns() -> None:
    sentences = ["Remote work is dead.", "No, hold on, that's not true.", "Come on."]
    cues = [sentence_cues(s) for s in sentences]
    probs = probs_for("host_guest_debate", 3)
    e = explain("host_guest_debate", sentences, cues, probs, probs[0], ["A", "B", "A"])
    assert "back and forth between speakers (2 times)" in e.reason
    assert "pushback" in e.reason


def test_pull_quote_is_verbatim_and_hook_is_short() -> None:
    sentences = [
        "So, um, we were talking about habits earlier.",
        "Talent gets you invited, habits get you invited back.",
        "And honestly that has been true in every locker room I have been part of over the years.",
    ]
    _, hook, quote = run_explain(sentences, "quotable_one_liner")
    assert quote in " ".join(sentences)
    assert quote == sentences[1]
    assert len(hook) <= HOOK_MAX_CHARS
    assert hook[0].isupper()


@pytest.mark.parametrize(
    "line",
    [
        "and so, um, you know, the thing is we never really had a plan for any of this and the "
        "people who joined us early were betting on us, which is wild when you think about it.",
        "yeah so what do you think happens next?",
        "I think that's the whole game, you know.",
        "well like the best time to start was ten years ago and the second best time is now, "
        "so honestly just start today and stop waiting for the perfect moment to arrive, okay",
    ],
)
def test_hook_rules(line: str) -> None:
    hook = make_hook(line)
    assert len(hook) <= HOOK_MAX_CHARS
    assert hook[:1].isupper() or not hook[:1].isalpha()
    last = hook.rstrip("?!").split()[-1].lower() if hook.split() else ""
    assert last not in {"um", "uh", "know", "and", "the", "of", "to", "which", "like", "okay"}
    assert hook.split()[0].lower() not in {"and", "so", "um", "yeah", "well", "like"}


def test_hook_keeps_question_mark_and_drops_fillers() -> None:
    assert make_hook("yeah so what do you think happens next?") == "What do you think happens next?"
    assert make_hook("I think that's the whole game, you know.") == "I think that's the whole game"


def test_length_fit() -> None:
    bounds = LengthBounds(15.0, 90.0, 25.0, 60.0)
    fit = length_fit([15.0, 20.0, 25.0, 40.0, 60.0, 75.0, 90.0], bounds)
    assert fit[2] == fit[3] == fit[4] == 1.0
    assert fit[0] == pytest.approx(0.3)
    assert fit[6] == pytest.approx(0.3)
    assert fit[0] < fit[1] < fit[2]
    assert fit[6] < fit[5] < fit[4]


def test_self_containedness() -> None:
    assert self_containedness("Here is the rule.", "That's it.") == 1.0
    assert self_containedness("And that's the rule.", "That's it.") == 0.0
    assert self_containedness("Here is the rule.", "Does that make sense?") < 1.0


def test_hook_strength_prefers_lines_that_grab() -> None:
    strong = "By 2030 nobody will drive."
    weak = "Yeah."
    assert hook_strength(strong, sentence_cues(strong), 0.1) > hook_strength(
        weak, sentence_cues(weak), 0.1
    )


def test_raw_score_orders_components() -> None:
    base = raw_score([0.1], [0.8], [1.0], [1.0])[0]
    assert raw_score([0.5], [0.8], [1.0], [1.0])[0] < base
    assert raw_score([0.1], [0.2], [1.0], [1.0])[0] < base
    assert raw_score([0.1], [0.8], [0.0], [1.0])[0] < base
    assert raw_score([0.1], [0.8], [1.0], [0.3])[0] < base


def test_calibration_is_fixed_and_monotonic() -> None:
    rng = np.random.default_rng(0)
    raw = np.concatenate([rng.normal(2, 1, 200), rng.normal(-2, 1, 100)])
    y = np.concatenate([np.ones(200), np.zeros(100)])
    slope, intercept = fit_calibration(raw, y)
    assert slope > 0
    scores = calibrate(np.linspace(-5, 5, 11), [slope, intercept])
    assert np.all(np.diff(scores) > 0)
    assert scores.min() >= 0 and scores.max() <= 100
    # The same raw score maps to the same number whatever else is in the episode.
    assert calibrate([1.0], [slope, intercept])[0] == calibrate([1.0, -3, 4], [slope, intercept])[0]
