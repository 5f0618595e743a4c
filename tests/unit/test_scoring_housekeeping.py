"""The ad and housekeeping detector on real sponsor reads, real moments and hand-made negatives.

Real passages are read through the label files in `scoring/data/real/` from the shared
transcripts (`../shared/data`, skipped without it); the evaluation transcripts are never read.
"""

from __future__ import annotations

import json
import re
import statistics
from pathlib import Path

import pytest

from podclip.scoring.housekeeping import (
    STRONG_SCORE,
    housekeeping_evidence,
    housekeeping_score,
    housekeeping_spans,
    spoken_plain,
)
from podclip.scoring.text import split_sentences

LABELS = Path(__file__).resolve().parents[2] / "scoring" / "data" / "real"
_SPEAKER = re.compile(r"\[speaker [^\]]+\]")


def passages(shared_data: Path, kinds: set[str]) -> list[tuple[str, str]]:
    """(label or none_kind, text) of every labelled real passage whose kind is in `kinds`."""
    out: list[tuple[str, str]] = []
    for path in sorted(LABELS.glob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            kind = (row.get("none_kind") or "other") if row["label"] == "none" else "moment"
            if kind in kinds:
                text = (shared_data / "transcripts" / row["file"]).read_text(encoding="utf-8")
                passage = text[row["offset"] : row["offset"] + row["length"]]
                out.append((kind, " ".join(_SPEAKER.sub(" ", passage).split())))
    return out


def test_every_labelled_ad_read_scores_high(shared_data: Path) -> None:
    ads = passages(shared_data, {"ad"})
    assert len(ads) >= 30
    weak = [(round(housekeeping_score(t), 2), t[:80]) for _, t in ads]
    assert not [w for w in weak if w[0] < STRONG_SCORE]


def test_ad_reads_are_called_ads(shared_data: Path) -> None:
    kinds = [housekeeping_evidence(t).kind for _, t in passages(shared_data, {"ad"})]
    assert kinds.count("ad") >= 0.85 * len(kinds)


def test_intros_outros_and_housekeeping_mostly_score_high(shared_data: Path) -> None:
    found = passages(shared_data, {"intro", "outro", "housekeeping"})
    strong = [housekeeping_score(t) >= STRONG_SCORE for _, t in found]
    assert len(found) >= 50
    assert sum(strong) >= 0.7 * len(found)


def test_real_moments_score_low(shared_data: Path) -> None:
    scores = [housekeeping_score(t) for _, t in passages(shared_data, {"moment"})]
    assert len(scores) >= 150
    assert statistics.median(scores) < 0.1
    # Two of the episodes are about podcasting itself, so a few real moments talk hashtags
    # and show notes; still, almost none may read as housekeeping.
    assert sum(s >= STRONG_SCORE for s in scores) <= 0.05 * len(scores)


@pytest.mark.parametrize(
    "text",
    [
        "We raised four million dollars and spent half of it on the wrong hires.",
        "When I was twenty I had forty dollars to my name and a bus ticket to Chicago.",
        "Apple made more money from services last year than most companies make at all.",
        "The code was broken, so we shipped late and lost our biggest customer.",
        "My dad said a discount is just a way to make you spend money you never planned to.",
        "Honestly the brand deal paid for my rent, but I hated every second of filming it.",
        "I quit Instagram for a year and it was the best thing I ever did for my head.",
    ],
)
def test_money_and_brand_talk_is_not_an_ad(text: str) -> None:
    assert housekeeping_score(text) < 0.5


def test_evidence_names_the_phrases_and_the_kind() -> None:
    ev = housekeeping_evidence(
        "This episode is brought to you by Acme. Use code LISTEN at checkout for 20% off."
    )
    assert ev.kind == "ad"
    assert ev.strong
    assert "brought to you by" in " ".join(ev.phrases).lower()
    assert {"brought_to_you", "promo_code", "percent_off"} <= set(ev.patterns)


def test_general_phrasing_of_each_kind() -> None:
    assert housekeeping_evidence("Welcome back to another episode of the show.").kind == "intro"
    assert housekeeping_evidence("Thanks for listening, we'll see you next week.").kind == "outro"
    rate = housekeeping_evidence("Please rate and review us on Apple Podcasts and subscribe.")
    assert rate.kind == "housekeeping"
    assert rate.strong


def test_empty_and_plain_text_score_zero() -> None:
    assert housekeeping_score("") == 0.0
    assert housekeeping_evidence("I walked home in the rain.").phrases == ()


def test_spans_cover_a_real_ad_read_in_its_context(shared_data: Path) -> None:
    """Time a real stretch at 2.6 words/s: the ad read is one span, the talk around it none."""
    ad = next(t for _, t in passages(shared_data, {"ad"}) if "brought to you by" in t.lower())
    story = next(
        t
        for _, t in passages(shared_data, {"moment"})
        if len(t) > 600 and not housekeeping_score(t)
    )
    timed: list[tuple[float, float, str]] = []
    clock = 0.0
    for sentence in split_sentences(story) + split_sentences(ad) + split_sentences(story):
        duration = len(sentence.split()) / 2.6
        timed.append((clock, clock + duration, sentence))
        clock += duration + 0.3
    ad_start = next(s for s, _, t in timed if t == split_sentences(ad)[0])
    ad_end = [e for _, e, t in timed if t == split_sentences(ad)[-1]][-1]
    spans = housekeeping_spans(timed)
    assert len(spans) == 1
    assert spans[0].kind == "ad"
    assert spans[0].start <= ad_start + 5.0
    assert spans[0].end >= ad_end - 5.0


# A guest's pitch for her course subscription (rev16-train episode 9), after the sponsor line
# itself: the price and the offer sit two sentences apart, with no sponsor name in between.
PITCH_TAIL = (
    "So if you know that you're somebody that procrastinates and you're like, All right, "
    "I only want to spend $14 on this.",
    "I want to get my money's worth out of $14.",
    "That means you need to hit it hard for that month that you have access to all the programs.",
    "You need to take every program that you can, go through every course that you can, as fast "
    "as you can, and get as much as you can out of it.",
    "Or you can just keep paying the monthly fee and you can procrastinate and drag your feet, "
    "whatever.",
    "It doesn't matter to me, but-",
)


def _timed(lines: tuple[str, ...], start: float = 0.0) -> list[tuple[float, float, str]]:
    out, t = [], start
    for line in lines:
        seconds = len(line.split()) / 2.6
        out.append((t, t + seconds, line))
        t += seconds + 0.3
    return out


def test_a_pitch_spread_over_a_few_lines_is_one_stretch() -> None:
    for line in PITCH_TAIL:
        assert not housekeeping_evidence(line).strong, line  # no line is enough alone
    (span,) = housekeeping_spans(_timed(PITCH_TAIL))
    assert span.kind == "ad"
    pitch = _timed(PITCH_TAIL)
    assert span.start <= pitch[2][0] and span.end >= pitch[4][1]


def test_one_price_in_a_story_is_no_pitch() -> None:
    story = (
        "When I started I was making $500 a month and sleeping on a friend's couch.",
        "I remember counting coins for the bus and wondering if I had made a huge mistake.",
        "Two years later the company had forty people and I still took the bus.",
    )
    assert housekeeping_spans(_timed(story)) == []


# Phrasing from shows unlike the nine labelled episodes (call-in radio, a game stream, a local
# news update): spoken with fillers and restarts, as a transcript keeps them.
@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Hi, everyone, and welcome to, um, to Night Shift.", "intro"),
        ("This is a podcast about, uh, about recovery, and I'm one of your hosts.", "intro"),
        (
            "Let me tell you about my friends over at Hartley Hardware. They've been supporting "
            "the show for years.",
            "ad",
        ),
        ("They've been supporting the show for six years. Tell them Mike sent you.", "ad"),
        (
            "And that's going to be, uh, it for us today. Thanks to all of you for listening.",
            "outro",
        ),
        ("Okay, chat, I'm going to call it there. Thank you all for hanging out.", "outro"),
        (
            "Programming note, real quick: we're not going to be on at our usual time.",
            "housekeeping",
        ),
        ("Sorry, you cut out there. Can you hear me now? We'll edit this out.", "housekeeping"),
        (
            "A content note: it describes a fire. The views expressed are the author's.",
            "housekeeping",
        ),
        ("And now a quick word from our friends at Northway Bank.", "ad"),
        ("Sofas marked down up to forty percent, no interest if paid in full. Terms apply.", "ad"),
        ("From the studios of KQRS, this is Morning Edition, your daily news briefing.", "intro"),
        ("That's our show. Our executive producer is Dana Lee.", "outro"),
        ("That's gonna do it for us tonight. We'll be back tomorrow at six.", "outro"),
        ("Heads up, we're going from weekly to every other week for the summer.", "housekeeping"),
    ],
)
def test_spoken_housekeeping_in_other_shows_words(text: str, kind: str) -> None:
    evidence = housekeeping_evidence(text)
    assert evidence.strong, (text, evidence)
    assert evidence.kind == kind


@pytest.mark.parametrize(
    "text",
    [
        "My friends at school used to call me the professor, and I hated it.",
        "I read a question from the mailbag and then I answer it the way my dad would have.",
        "We didn't have a recording of the call, so I wrote down everything she said.",
        "He said see you tomorrow, and I never saw him again.",
        "My friends over at the firehouse threw me a party when I got out of the hospital.",
        "Honestly, if he lies to me once, that's it for me. I'm out.",
        "Thanks to our engineer, we shipped two weeks early and nobody believed it.",
        "I told her thanks for hanging out, and she just started crying in the car.",
        "When I stopped, I said thank you for listening to me, and she hugged me.",
        "That's the show I was telling you about, the one with the cooking contest.",
        "Her second book is produced by a tiny press in Vermont, and it sold out twice.",
    ],
)
def test_the_same_words_in_ordinary_talk_are_no_housekeeping(text: str) -> None:
    assert not housekeeping_evidence(text).strong, housekeeping_evidence(text)


def test_fillers_and_restarts_come_out_before_matching() -> None:
    assert spoken_plain("welcome to, um, to One Day Today") == "welcome to One Day Today"
    assert spoken_plain("We went, uh, we went right up") == "We went right up"
    assert spoken_plain("I walked home in the rain.") == "I walked home in the rain."
