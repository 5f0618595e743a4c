"""What a clip is about: choosing the nouns it repeats more than its episode (pure; the
sentences' nouns are given, as the tagger would give them)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from podclip.scoring.cues import sentence_cues
from podclip.scoring.explain import build_reason, explain
from podclip.scoring.labels import LABELS
from podclip.scoring.topics import MIN_LIFT, Noun, clip_topics, singular, word_counts
from tests.unit.test_scoring_explain import probs_for, run_explain

CLIP = [
    "I couldn't eat food, which was so weird for me.",
    "My body just shut down and food sat there.",
    "I was just falling apart in a lot of ways, and my body knew it.",
    "My mom noticed before anyone else, and my mom called the doctor.",
]
# What the tagger finds in CLIP (common nouns, vague ones such as "lot" and "ways" left out).
NOUNS = {
    CLIP[0]: (Noun("food", "food", "food"),),
    CLIP[1]: (Noun("body", "body", "body", "the"), Noun("food", "food", "food")),
    CLIP[2]: (Noun("body", "body", "body", "the"),),
    CLIP[3]: (
        Noun("mom", "mom", "mom", "their"),
        Noun("mom", "mom", "mom", "their"),
        Noun("doctor", "doctor", "doctor", "the"),
    ),
}


def nouns(sentence: str) -> tuple[Noun, ...]:
    return NOUNS.get(sentence, ())


def episode(extra: dict[str, int]) -> Counter[str]:
    """A 5,000-word episode that says each word of `extra` that often (and the clip's words)."""
    counts = word_counts(CLIP)
    counts.update(extra)
    counts["filler"] = 5000 - sum(counts.values())
    return counts


def test_topics_are_nouns_said_twice_and_more_than_in_the_episode() -> None:
    topics = clip_topics(CLIP, episode({}), limit=3, nouns=nouns)
    # "doctor" is said once: no topic. Mentions and lift rank; shown with their articles.
    assert topics == ["food", "the body", "their mom"], topics
    assert clip_topics(CLIP, episode({}), nouns=nouns) == ["food", "the body"]


def test_a_noun_the_whole_episode_says_is_not_what_one_clip_is_about() -> None:
    # The episode says "food" 200 times in 5,000 words: the clip's 2 in 50 is under MIN_LIFT.
    clip_share = 2 / sum(word_counts(CLIP).values())
    assert clip_share / (200 / 5000) < MIN_LIFT
    topics = clip_topics(CLIP, episode({"food": 200}), limit=3, nouns=nouns)
    assert "food" not in topics and topics[0] == "the body", topics


def test_shown_form_follows_how_the_clip_said_it() -> None:
    said = ["We lit the candles.", "Candles everywhere, and one more candle."]
    tagged = {
        said[0]: (Noun("candle", "candles", "candles", ""),),
        said[1]: (Noun("candle", "candles", "candles", ""), Noun("candle", "candle", "candle")),
    }
    assert clip_topics(said, Counter({"x": 5000}), nouns=lambda s: tagged[s]) == ["candles"]
    puppy = ["A puppy barked.", "That puppy again.", "The puppy, the puppy!"]
    tagged_puppy = {
        puppy[0]: (Noun("puppy", "puppy", "puppy", "a"),),
        puppy[1]: (Noun("puppy", "puppy", "puppy", ""),),
        puppy[2]: (Noun("puppy", "puppy", "puppy", "the"), Noun("puppy", "puppy", "puppy", "the")),
    }
    topics = clip_topics(puppy, Counter({"x": 5000}), nouns=lambda s: tagged_puppy[s])
    assert topics == ["the puppy"], topics
    attack = ["An attack.", "Another attack came."]
    tagged_attack = {
        attack[0]: (Noun("attack", "attack", "panic attack", "a"),),
        attack[1]: (Noun("attack", "attack", "attack", "a"),),
    }
    # "a" before a vowel is "an"; on a tie the shorter phrase is shown.
    assert clip_topics(attack, Counter({"x": 5000}), nouns=lambda s: tagged_attack[s]) == [
        "an attack"
    ]


def test_singular_by_spelling() -> None:
    pairs = {
        "stories": "story",
        "boxes": "box",
        "tires": "tire",
        "glasses": "glass",
        "business": "business",
        "status": "status",
        "analysis": "analysis",
        "bus": "bus",
    }
    assert {w: singular(w) for w in pairs} == pairs


def reason_with(moment_type: str, sentences: list[str], topics: list[str]) -> str:
    """The reason of a one-speaker clip given its topics (first sentence the strongest)."""
    cues = [sentence_cues(s) for s in sentences]
    probs = probs_for(moment_type, len(sentences))
    strength = [1.0 - 0.1 * i for i in range(len(sentences))]
    return build_reason(
        moment_type, sentences, cues, strength, probs[0], ["A"] * len(sentences), "", topics
    )


def test_reason_names_a_topic_when_the_clip_names_nobody() -> None:
    cues = [sentence_cues(s) for s in CLIP]
    probs = probs_for("emotional_story", len(CLIP))
    plain = explain("emotional_story", CLIP, cues, probs, probs[0], ["A"] * 4).reason
    assert " about " not in plain.split(":")[0], plain
    reason = reason_with("emotional_story", CLIP, ["food", "the body"])
    assert reason.split(":")[0].endswith("about food and the body"), reason


def test_names_come_before_topics_and_a_topic_inside_a_name_is_dropped() -> None:
    sentences = [
        "We started Latinos Who Lunch as two friends talking over lunch.",
        "Now Latinos Who Lunch pays for the lunch and the studio.",
    ]
    reason = reason_with("founder_reveal", sentences, ["lunch", "the studio"])
    assert "about Latinos Who Lunch and the studio" in reason, reason


def test_a_topic_the_evidence_already_quotes_is_not_said_again() -> None:
    sentences = [
        "We raised two million dollars in the first year.",
        "Those dollars went straight to the product, and the product paid us back.",
    ]
    reason = reason_with("founder_reveal", sentences, ["dollars", "the product"])
    lead = reason.split(': "')[0]
    assert '("two million dollars")' in lead and lead.endswith("about the product"), reason


def test_a_contrarian_take_quotes_the_view_it_argues_against_once() -> None:
    sentences = [
        "Everyone tells you to raise a big round early.",
        "Most startups do not die from too little money.",
    ]
    reason = run_explain(sentences, "contrarian_take")[0]
    assert reason.startswith('One speaker argues against the usual view ("Everyone'), reason
    assert "against what most people say" not in reason, reason


def test_a_type_in_doubt_is_named_as_a_guess() -> None:
    sentences = ["We sold the first car before we built it.", "Nobody believed the price."]
    cues = [sentence_cues(s) for s in sentences]
    window = np.zeros(len(LABELS))
    # A moment (p(none) 0.1) whose kind is split: founder reveal 0.35 of the 0.9.
    for label, p in (("founder_reveal", 0.35), ("strong_opinion", 0.3), ("how_to", 0.25)):
        window[LABELS.index(label)] = p
    window[LABELS.index("none")] = 0.1
    reason = build_reason(
        "founder_reveal", sentences, cues, [1.0, 0.9], window, ["A", "A"], "", ["a car"]
    )
    assert reason.startswith("One speaker talks about a car, most like a founder reveal:"), reason
    sure = probs_for("founder_reveal", 1)[0]  # 0.8 of the probability, nearly all moment types
    assert "most like" not in build_reason(
        "founder_reveal", sentences, cues, [1.0, 0.9], sure, ["A", "A"], "", ["a car"]
    )
