"""Cheap text cues that sentence embeddings tend to miss (pure functions, no model).

Each cue fires per sentence (0 or 1, with the matched words kept as evidence for the clip's
`reason`); a window's cue vector is the mean over its sentences, the same averaging used for
its sentence embeddings, so a cue's weight means the same for a 3-sentence training text and a
12-sentence window. One cue is window-level only: the share of sentence pairs where the
speaker changes (0 when speakers are unknown).

The lists are deliberately short and general (no topic words), and they match lower-cased,
unpunctuated ASR text as well as written text.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .text import FILLER_WORDS, ends_question, words_of

SENTENCE_CUES: tuple[str, ...] = (
    "figure",  # numbers, amounts, years
    "future",  # future modals and time horizons
    "personal_past",  # first person + past tense: story telling
    "emotion",  # feeling and life-event words
    "instruction",  # imperatives and step words
    "disagreement",  # pushback markers
    "question",  # the sentence asks something
    "punchy",  # short, complete, filler-free sentence
    "rhythm",  # repetition and antithesis ("ask not ... ask", "not X but Y")
    "money_metric",  # money, growth and business metrics
    "company_we",  # first-person plural talking about a company or team
    "intensity",  # intensifiers and value words
    "consensus_negation",  # "everyone thinks ..., but", "overrated", "myth"
)
CUE_NAMES: tuple[str, ...] = (*SENTENCE_CUES, "speaker_turns")

_I = re.IGNORECASE

_YEAR = re.compile(
    r"\b(?:(?:1[89]|20)\d\d|(?:twenty|nineteen)[\s-](?:ten|eleven|twelve|thirteen|fourteen|"
    r"fifteen|sixteen|seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|"
    r"eighty|ninety)(?:[\s-](?:one|two|three|four|five|six|seven|eight|nine))?|"
    r"two thousand(?: and)? \w+)\b",
    _I,
)
_FIGURE = re.compile(
    r"(?:[$£€]\s?)?\b(?:\d[\d,.]*|half|a third|a quarter|twice|double|triple|tenfold|dozens?|"
    r"hundreds?|thousands?|millions?|billions?|two|three|four|five|six|seven|eight|nine|ten|"
    r"twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety)\b"
    r"(?:\s?(?:%|percent|per cent|million|billion|trillion|thousand|hundred|k)\b)?"
    r"(?:\s+of\s+(?:all\s+|the\s+|our\s+)?[a-z]+|\s+(?!(?:the|a|an|and|or|to|of|in|on|at|is|"
    r"was|are|that|it|i|we|you|he|she|they|but|so|if|for|from|with|by|before|after|since|"
    r"until|than|now|then|more|less|when|where|which|what|because|as|like|about|into|over|"
    r"under|per|each|every|just|or|ago)\b)[a-z]+)?",
    _I,
)
_FUTURE = re.compile(
    r"\b(?:will|won't|\w+'ll|going to|gonna|about to|i bet|bet you|predict\w*|mark my words|"
    r"in (?:the )?(?:next|coming) (?:\w+ )?(?:years?|decades?|months?)|"
    r"by (?:the end of )?(?:the decade|next year|(?:19|20)\d\d)|"
    r"within (?:a |the next )?(?:\w+ )?(?:years?|decades?)|"
    r"in (?:\w+ )?(?:years?|decades?) (?:from now|time)|someday|eventually|the future)\b",
    _I,
)
_PERSONAL_PAST = re.compile(
    r"\b(?:(?:i|we)\s+(?:was|were|had|did|didn't|couldn't|wasn't|got|went|remember|thought|"
    r"felt|lost|found|saw|told|said|called|walked|sat|knew|realized|realised|decided|tried|"
    r"spent|grew up|used to|[a-z]+ed)|when i was|years ago|that (?:day|night|morning|moment)|"
    r"my (?:mom|mother|dad|father|wife|husband|son|daughter|brother|sister|grandmother|"
    r"grandfather|grandma|grandpa|family|friend|kids?|best friend|parents))\b",
    _I,
)
_EMOTION = re.compile(
    r"\b(?:cried|crying|cry|tears|wept|sobbed|heartbroken|broke down|died|passed away|funeral|"
    r"hospital|cancer|diagnos\w+|scared|terrified|afraid|ashamed|proud|grief|grieving|lonely|"
    r"hugged|heart|miss(?:ed)? (?:him|her|them)|devastat\w+|panic\w*|shaking|overwhelm\w*|"
    r"relief|forgive\w*|embarrass\w*|broken)\b",
    _I,
)
_STEP_PHRASE = re.compile(
    r"\b(?:step (?:one|two|three|four|five|\d)|first of all|first,|second,|third,|next,|then,|"
    r"finally,|the trick is|here's how|here is how|how to|the key is|the way to|make sure|"
    r"you want to|you need to|start by|instead of|the first thing|the next thing)\b",
    _I,
)
_IMPERATIVES_WORDS = (
    "take start stop make write open use pick set put try go add find ask turn keep get "
    "check cut build focus spend track grab list block schedule send call read watch avoid "
    "don't never always remember choose create give let look move plan practice record save "
    "share test think break buy sell say tell limit batch drink eat sleep walk run first "
    "then next finally step"
)
_IMPERATIVES = frozenset(_IMPERATIVES_WORDS.split())
_DISAGREEMENT = re.compile(
    r"\b(?:i disagree|i don't agree|i don't think so|i don't buy|disagree|that's not (?:true|"
    r"right|fair|what)|not true|you're wrong|you are wrong|push back|hold on|wait,? wait|"
    r"wait a (?:second|minute)|come on|no,? no|agree to disagree|with respect|i hear you,? but|"
    r"but you|you just said|you're saying|are you saying|really\?|that's ridiculous|"
    r"fair point,? but|sure,? but|okay,? but|but isn't|isn't that|i'm not sure that's)\b",
    _I,
)
_MONEY = re.compile(
    r"(?:[$£€]\s?\d[\d,.]*\s?(?:k|m|million|billion|bn)?|\b\d[\d,.]*\s?(?:%|percent\b)|"
    r"\b(?:revenue|arr|mrr|profit|profitable|margins?|valuation|valued at|raised|funding|"
    r"series [abc]|seed round|investors?|burn rate|runway|customers|users|subscribers|churn|"
    r"grew|doubled|tripled|bootstrapped|salary|(?:million|billion|thousand) dollars|dollars|"
    r"ipo|acquired|acquisition|equity|payroll|cash)\b)",
    _I,
)
_COMPANY_WE = re.compile(
    r"\b(?:we|our|us|we're|we've|we'd)\b[^.?!]{0,50}?\b(?:company|startup|business|team|"
    r"product|founders?|co-?founder|launch(?:ed)?|shipped|hired|fired|laid off|layoffs|board|"
    r"pivot(?:ed)?|investors?|customers?|employees|office|ceo|bankrupt|shut (?:it )?down|"
    r"raised|round|app|platform|revenue|payroll)\b",
    _I,
)
_INTENSITY = re.compile(
    r"\b(?:absolutely|completely|totally|utterly|honestly|frankly|seriously|truly|deeply|"
    r"extremely|incredibly|massively|hundred percent|100 percent|without a doubt|no doubt|"
    r"i (?:firmly |strongly |really |truly )?believe|i'm convinced|i'm (?:sure|certain)|"
    r"should(?:n't)?|must|every single|the (?:best|worst|only|biggest|most important)|hate|"
    r"can't stand|ridiculous|insane|terrible|awful|stupid|nonsense|unacceptable|disgrace|"
    r"obsessed|non-negotiable)\b",
    _I,
)
_CONSENSUS_NEGATION = re.compile(
    r"\b(?:(?:everyone|everybody|most people|people|the industry|conventional wisdom|"
    r"common (?:advice|wisdom|belief)|experts|the experts|we've all been)\s+(?:\w+\s+){0,3}?"
    r"(?:says?|said|thinks?|thought|believes?|tells? you|told|assumes?|will tell you)|"
    r"unpopular opinion|hot take|contrary to|the opposite|(?:is|it's) a myth|overrated|"
    r"underrated|(?:is|are) wrong|got it wrong|get it wrong|not what you think|doesn't work|"
    r"is dead|is a lie|backwards|i'd argue|counterintuitive|counter-intuitive|"
    r"nobody (?:talks about|wants to hear|tells you))\b",
    _I,
)
_ANTITHESIS = re.compile(
    r"\b(?:not\b[^.?!]{1,40}?\bbut\b|the (?:more|less|better|harder)\b[^.?!]{1,40}?"
    r"\bthe (?:more|less|better|harder))",
    _I,
)
_STOPWORDS_WORDS = (
    "the and you that this for are was with have what but not they your can all just its "
    "it's i'm don't one from our out who about there their them then than when will would "
    "could like know really very some more his her she him had has been were into because "
    "so do it"
)
_STOPWORDS = frozenset(_STOPWORDS_WORDS.split())

PUNCHY_MIN_WORDS = 4
PUNCHY_MAX_WORDS = 12
# Evidence phrases kept per cue and sentence.
MAX_EVIDENCE = 2


@dataclass(frozen=True)
class CueMatch:
    """Words of a sentence that fired a cue; `kind` refines it ("year" vs "figure")."""

    cue: str
    phrase: str
    kind: str = ""


@dataclass(frozen=True)
class SentenceCues:
    """The cues one sentence fires, in `SENTENCE_CUES` order, with their evidence."""

    values: tuple[float, ...]
    matches: tuple[CueMatch, ...]
    n_words: int

    def fired(self, cue: str) -> bool:
        """Whether `cue` fired in this sentence."""
        return self.values[SENTENCE_CUES.index(cue)] > 0


def sentence_cues(sentence: str) -> SentenceCues:
    """Evaluate every sentence-level cue on one sentence."""
    tokens = words_of(sentence)
    matches: list[CueMatch] = []

    def search(cue: str, pattern: re.Pattern[str], kind: str = "", skip: str = "") -> None:
        found: list[str] = []
        for m in pattern.finditer(sentence):
            phrase = m.group(0).strip(" ,")
            if phrase and phrase not in found and not (skip and skip in phrase):
                found.append(phrase)
            if len(found) == MAX_EVIDENCE:
                break
        matches.extend(CueMatch(cue, phrase, kind) for phrase in found)

    year = _YEAR.search(sentence)
    if year:
        matches.append(CueMatch("figure", year.group(0), "year"))
    search("figure", _FIGURE, "figure", skip=year.group(0) if year else "")
    search("future", _FUTURE)
    search("personal_past", _PERSONAL_PAST)
    search("emotion", _EMOTION)
    _instruction(sentence, tokens, matches)
    search("disagreement", _DISAGREEMENT)
    if ends_question(sentence):
        matches.append(CueMatch("question", sentence.strip()))
    content = [t for t in tokens if t not in FILLER_WORDS]
    if PUNCHY_MIN_WORDS <= len(tokens) <= PUNCHY_MAX_WORDS and len(content) == len(tokens):
        matches.append(CueMatch("punchy", sentence.strip()))
    _rhythm(sentence, tokens, matches)
    search("money_metric", _MONEY)
    search("company_we", _COMPANY_WE)
    search("intensity", _INTENSITY)
    search("consensus_negation", _CONSENSUS_NEGATION)
    fired = {m.cue for m in matches}
    values = tuple(1.0 if cue in fired else 0.0 for cue in SENTENCE_CUES)
    return SentenceCues(values, tuple(matches), len(tokens))


def _instruction(sentence: str, tokens: Sequence[str], matches: list[CueMatch]) -> None:
    """Imperative opening verb ("Write it down ...") or a step phrase ("the trick is")."""
    content = [t for t in tokens if t not in FILLER_WORDS]
    if content and content[0] in _IMPERATIVES and len(content) >= 3:
        original = sentence.split()
        first = next(
            (i for i, w in enumerate(original) if words_of(w) and words_of(w)[0] == content[0]), 0
        )
        matches.append(CueMatch("instruction", " ".join(original[first : first + 4]).strip(" ,")))
        return
    m = _STEP_PHRASE.search(sentence)
    if m:
        matches.append(CueMatch("instruction", m.group(0).strip(" ,")))


def _rhythm(sentence: str, tokens: Sequence[str], matches: list[CueMatch]) -> None:
    """Antithesis ("not X but Y") or a content word said twice in one sentence."""
    m = _ANTITHESIS.search(sentence)
    if m:
        matches.append(CueMatch("rhythm", m.group(0).strip(" ,"), "antithesis"))
        return
    seen: set[str] = set()
    for token in tokens:
        if len(token) < 3 or token in _STOPWORDS:
            continue
        if token in seen:
            matches.append(CueMatch("rhythm", token, "repeat"))
            return
        seen.add(token)


def cue_rows(sentences: Sequence[SentenceCues]) -> npt.NDArray[np.float32]:
    """Per-sentence cue values as a (sentences x SENTENCE_CUES) matrix."""
    if not sentences:
        return np.zeros((0, len(SENTENCE_CUES)), dtype=np.float32)
    return np.asarray([s.values for s in sentences], dtype=np.float32)


def speaker_turn_share(speakers: Sequence[str | None]) -> float:
    """Share of adjacent sentence pairs where a known speaker changes (0 when unknown)."""
    pairs = [(a, b) for a, b in itertools.pairwise(speakers) if a and b]
    if not pairs:
        return 0.0
    return sum(a != b for a, b in pairs) / len(pairs)


def cue_vector(
    sentences: Sequence[SentenceCues], speakers: Sequence[str | None] = ()
) -> npt.NDArray[np.float32]:
    """A text's cue features (`CUE_NAMES` order): sentence cue means plus speaker turns."""
    rows = cue_rows(sentences)
    mean = rows.mean(axis=0) if len(rows) else np.zeros(len(SENTENCE_CUES), np.float32)
    return np.append(mean, np.float32(speaker_turn_share(speakers))).astype(np.float32)
