"""What a clip talks about: the common nouns it says again and again, more than its episode does.

A reason names a clip's topic so that a producer can tell two clips of one episode apart
without playing them. Names the clip repeats come first (`explain._about`), but most clips of
ordinary talk name nobody twice ("If you don't go vote, it doesn't work."). The nouns come from
spaCy's small English tagger, the pipeline hooks are parsed with (`parsed_lines.py`); each
sentence is tagged once per process, and only the sentences of the clips that are described,
so scoring an hour does not tag the hour.
"""

from __future__ import annotations

import functools
import math
import re
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .parsed_lines import ParsedLines
from .text import FILLER_WORDS

if TYPE_CHECKING:
    from spacy.tokens import Doc, Token

# A topic is said at least this often in the clip ...
MIN_MENTIONS = 2
# ... and at least this many times more often, per word, than in the episode as a whole: in a
# car show "car" is not what one clip is about, "Lamborghini" or "tires" may be.
MIN_LIFT = 2.0
MAX_TOPICS = 2
# Nouns that say nothing about what a clip is about ("the thing is", "a lot of people").
VAGUE_NOUN_WORDS = (
    "thing things stuff lot lots kind kinds sort sorts type types way ways bit bits piece "
    "time times day days week weeks month months year years hour hours minute minutes second "
    "seconds moment moments today tonight tomorrow yesterday morning night weekend "
    "people person persons guy guys folks man men woman women everybody somebody nobody "
    "anybody everyone someone anyone one ones something anything everything nothing "
    "point points part parts question questions answer idea ideas reason reasons fact facts "
    "sense place places case cases side sides end number numbers word words percent "
    "example examples situation situations matter issue issues problem problems "
    "yeah yes okay ok gon na lot hey oh um uh sir ma'am dude bro girl boy kid kids "
    "world life level levels area areas name names line lines term terms stage rest half "
    "topic topics help experience potential "
    # The nouns of set phrases: take advantage, pay attention, make a deal of, have fun ...
    "advantage attention care deal chance fun mind"
)
# Swear words and slurs are said for force, not as what the talk is about.
_CRUDE_WORDS = (
    "shit bullshit crap fuck fucks fucking ass asses asshole assholes bitch bitches damn hell "
    "dick dicks pussy nigga niggas nigger niggers"
)
VAGUE_NOUNS = frozenset(VAGUE_NOUN_WORDS.split()) | frozenset(_CRUDE_WORDS.split())
# People one speaks of as one's own: "about their mom", not "about the mom".
_RELATIVE_WORDS = (
    "mom mother mama dad father papa parent brother sister son daughter wife husband "
    "family grandma grandmother grandpa grandfather boyfriend girlfriend friend partner "
    "aunt uncle cousin"
)
RELATIVES = frozenset(_RELATIVE_WORDS.split())
_NOUN_TAGS = frozenset({"NN", "NNS"})
# Words of letters only, not `text.words_of` (which counts "1,500" and "2020"): figures are no
# topic and would thin a clip's rate; counting them turned "a line car" into a topic of one
# car-show clip.
_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)*")


@dataclass(frozen=True)
class Noun:
    """One common noun of a sentence.

    Attributes:
        key: the head noun, lower-cased and singular ("tire" for "tires"), what is counted.
        head: the head noun as said ("tires").
        phrase: the head with the nouns compounded onto it ("race tires").
        article: "a", "an" or "the" when the speaker put one before it, "their" for a
            possessive before a relative ("my mom"), "" otherwise.
    """

    key: str
    head: str
    phrase: str
    article: str = ""


def singular(word: str) -> str:
    """A plural noun's singular by spelling ("stories" -> "story", "boxes" -> "box")."""
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def nouns_in(doc: Doc) -> tuple[Noun, ...]:
    """The common nouns of a tagged sentence that could name a topic, in order."""
    out: list[Noun] = []
    for token in doc:
        lower = token.lower_
        if token.tag_ not in _NOUN_TAGS or token.dep_ == "compound" or not token.is_alpha:
            continue
        if len(lower) < 3 or lower in VAGUE_NOUNS or lower in FILLER_WORDS:
            continue
        key = singular(lower) if token.tag_ == "NNS" else lower
        if key in VAGUE_NOUNS:
            continue
        compounds = [
            c.lower_
            for c in token.lefts
            if c.dep_ == "compound" and c.tag_ in _NOUN_TAGS and c.is_alpha
        ]
        out.append(Noun(key, lower, " ".join([*compounds, lower]), _article(token, key)))
    return tuple(out)


def _article(token: Token, key: str) -> str:
    """How the reason should introduce the noun, from how the speaker did."""
    det = next((c for c in token.lefts if c.dep_ in ("det", "poss")), None)
    if det is None or token.tag_ == "NNS":
        return ""
    if det.lower_ in ("a", "an", "the"):
        return det.lower_
    if det.tag_ == "PRP$":  # "my body": "the body"; "my mom": "their mom"
        return "their" if key in RELATIVES else "the"
    return ""


# Each sentence's topic nouns, tagged once per process.
_nouns: ParsedLines[tuple[Noun, ...]] = ParsedLines(nouns_in)


def warm(sentences: Iterable[str]) -> dict[str, tuple[Noun, ...]]:
    """The topic nouns of each sentence, tagging in one batch those not tagged yet."""
    return _nouns.warm(sentences)


def sentence_nouns(sentence: str) -> tuple[Noun, ...]:
    """The topic nouns of one sentence (tagged now unless `warm` saw it)."""
    return _nouns.get(sentence)


def forget() -> None:
    """Drop the tagged sentences kept so far (benchmarks time each run's tagging)."""
    _nouns.forget()


def word_counts(sentences: Iterable[str]) -> Counter[str]:
    """How often each lower-cased word is said (an episode's baseline for `clip_topics`)."""
    return Counter(w.lower() for s in sentences for w in _WORD.findall(s))


def clip_topics(
    sentences: Sequence[str],
    episode_words: Mapping[str, int],
    limit: int = MAX_TOPICS,
    nouns: Callable[[str], Sequence[Noun]] | None = None,
) -> list[str]:
    """Up to `limit` noun phrases the clip is about, the most telling first (`nouns` gives a
    sentence's nouns: `sentence_nouns` unless a test passes its own).

    A noun counts when the clip says it at least `MIN_MENTIONS` times (singular and plural
    together) and at least `MIN_LIFT` times as often per word as its episode; among those, more
    mentions and a higher lift rank first. Each is shown as the clip says it most ("panic
    attacks", not "attack").
    """
    clip_words = sum(_word_count(s) for s in sentences)
    episode_total = sum(episode_words.values())
    if not clip_words or not episode_total:
        return []
    mentions: Counter[str] = Counter()
    phrases: dict[str, Counter[tuple[str, str, bool]]] = {}
    heads: dict[str, set[str]] = {}
    first: dict[str, int] = {}
    for i, sentence in enumerate(sentences):
        for noun in (nouns or sentence_nouns)(sentence):
            mentions[noun.key] += 1
            said_as = (noun.phrase, noun.article, noun.head != noun.key)
            phrases.setdefault(noun.key, Counter())[said_as] += 1
            heads.setdefault(noun.key, set()).add(noun.head)
            first.setdefault(noun.key, i)
    ranked: list[tuple[float, int, str]] = []
    for key, said in mentions.items():
        if said < MIN_MENTIONS:
            continue
        in_episode = max(sum(episode_words.get(h, 0) for h in heads[key]), said)
        lift = (said / clip_words) / (in_episode / episode_total)
        if lift >= MIN_LIFT:
            ranked.append((-said * math.log(lift), first[key], key))
    ranked.sort()
    return [_shown(phrases[key]) for _, _, key in ranked[:limit]]


@functools.lru_cache(maxsize=65536)
def _word_count(sentence: str) -> int:
    return len(_WORD.findall(sentence))


def _shown(said: Counter[tuple[str, str, bool]]) -> str:
    """The form a topic is shown in: the phrase said most (the shorter one on a tie), with the
    article said most with it ("a heart attack", "the internet", "their mom", "food"); a noun
    said without one is shown in the plural when it was ever said so ("candles")."""
    forms: Counter[str] = Counter()
    plurals: Counter[str] = Counter()
    articles: Counter[str] = Counter()
    for (phrase, article, plural), n in said.items():
        forms[phrase] += n
        articles[article] += n
        if plural:
            plurals[phrase] += n
    # A noun said "a puppy" once and "puppy" twice is still "a puppy"; food said once as
    # "the food" in five mentions is "food".
    said_with = Counter({a: n for a, n in articles.items() if a})
    article = min(said_with, key=lambda a: (-said_with[a], a)) if said_with else ""
    if 3 * said_with[article] < sum(articles.values()):
        article = ""
    singulars = forms - plurals
    # "a candles" is no phrase: an article goes with a singular form when there is one.
    shown = (singulars or forms) if article else (plurals or forms)
    phrase = min(shown, key=lambda p: (-shown[p], len(p), p))
    if article in ("a", "an"):
        article = "an" if phrase[0] in "aeiou" else "a"
    return f"{article} {phrase}" if article else phrase
