"""Sponsor reads, plugs, intros, outros and housekeeping: the stretches no clip should hold.

A producer never posts a clip of an ad read or of "rate and review us on Apple Podcasts", yet
such stretches look like fluent, confident speech to a moment classifier. This detector is a
pure function of the text: general phrasing that every show uses ("brought to you by", "use
code X at checkout", "go to X dot com slash Y", "thanks for listening", "follow us on
Instagram"), never a show's or a brand's name.

Every pattern has a kind (`ad`, `intro`, `outro`, `housekeeping`) and a weight in logit-like
units: a strong pattern (a sponsor phrase, a promo code) marks a passage on its own, a weak
one (a platform name, "website") only when several add up. The score of a text is
`1 - exp(-evidence)`, where evidence sums the weights of the distinct patterns that match
(a repeat of a pattern adds a quarter of its weight), so it lies in [0, 1). Fillers and a word
or two said again after them come out first, so "welcome to, um, to X" reads as "welcome to X".

`housekeeping_spans` finds the stretches inside a run of timed sentences: anchors are
sentences with strong evidence, anchors of a kind close in time are joined (an ad read opens
with its sponsor and closes with its call to action, with product talk in between), and a
stretch grows over neighbouring sentences that carry evidence of their own.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from .text import HESITATIONS

KINDS: tuple[str, ...] = ("ad", "intro", "outro", "housekeeping")

# Evidence above which a text or a sentence counts as housekeeping on its own (score ~0.70).
STRONG_SCORE = 0.70
# Anchors of one stretch may be this far apart (seconds); what lies between joins them.
BRIDGE_S = 30.0
# Two sponsor-read anchors may be further apart: a read opens with its sponsor and closes with
# its code, one to two minutes later.
AD_BRIDGE_S = 120.0
# A neighbour joins a stretch when it is this close (seconds) and carries some evidence.
GROW_S = 12.0
# Sentence score a neighbour needs to grow a stretch.
GROW_SCORE = 0.4
# A sentence with some evidence anchors a stretch when it is strong read together with this
# many sentences on each side: a pitch often spreads its price and its offer over a few lines.
NEIGHBOURS = 2
# An ad stretch also grows over sentences that name its sponsor again, up to this gap (s).
NAME_GAP_S = 35.0
# A sponsor name must be local: this share of its mentions lie within NAME_RANGE_S of the read.
NAME_LOCAL_SHARE = 0.6
NAME_RANGE_S = 150.0

_I = re.IGNORECASE
_DOTCOM = r"(?:\.|\s?dot\s)\s?(?:com|org|net|co|io|fm|tv|me|ly)\b"
# "Thanks", "thank you so much to all of you", "thanks guys" ... before "for ...".
_THANKS_ALL = (
    r"\bthank(?:s| you)(?: (?:so|very) much)?(?: to)?(?: all(?: of)?)?(?: you)?(?: all| guys)? "
)
_URL = rf"\b[a-z0-9][a-z0-9&-]*(?:\s?&\s?[a-z0-9]+)?{_DOTCOM}"


@dataclass(frozen=True)
class _Pattern:
    name: str
    kind: str
    weight: float
    regex: re.Pattern[str]


def _p(name: str, kind: str, weight: float, pattern: str) -> _Pattern:
    return _Pattern(name, kind, weight, re.compile(pattern, _I))


# Weights: 2.0+ marks a text alone (1 - e^-2 = 0.86); 1.0 needs a second cue; 0.4-0.6 are
# hints that only count in company. Kept general: no show, host or brand names.
PATTERNS: tuple[_Pattern, ...] = (
    # --- sponsor reads and plugs
    _p(
        "brought_to_you",
        "ad",
        2.5,
        r"\b(?:is|are|was|being|been|comes?)\s+(?:also\s+)?(?:brought|presented|powered|"
        r"sponsored|supported|made possible)\s+(?:to you\s+)?by\b|\bbrought to you by\b|"
        r"\bpowered by\b",
    ),
    _p(
        "sponsor",
        "ad",
        2.2,
        r"\b(?:our|today's|this week's|this episode's|the show's)\s+sponsors?\b|"
        r"\bsponsor(?:ing|ed|s)?\s+(?:this|today's|the|our)\s+(?:episode|show|podcast)\b|"
        r"\bsupport for (?:this|today's|the)\s+(?:episode|show|podcast)\b|"
        r"\bfor (?:their|its)\s+support of\b|\bfor (?:sponsoring|supporting)\s+"
        r"(?:this|today's|the|our)\b",
    ),
    _p(
        "promo_code",
        "ad",
        2.2,
        r"\b(?:promo|discount|offer|coupon|checkout)\s+code\b|\buse (?:the )?code\b|"
        r"\b(?:enter|with) (?:the )?code\b|\bcode\s+[A-Z0-9-]{2,}\s+(?:at|for)\b|"
        r"\bat checkout\b",
    ),
    _p(
        "percent_off",
        "ad",
        1.6,
        r"\b\d+\s?(?:%|percent)\s+off\b|\b(?:\$\s?\d+|\d+ dollars)\s+off\b|"
        r"\b(?:is|are|get|gets|save|for) (?:\w+[- ])?\w+ (?:dollars|bucks|percent) off\b|"
        r"\bmarked down\b|"
        r"\boff (?:your|the) first (?:month|order|purchase|box|year)\b|"
        r"\bfree (?:trial|month|shipping|returns)\b|\bmoney[- ]back\b",
    ),
    _p(
        "go_to_url_slash",
        "ad",
        1.8,
        rf"{_URL}\s?(?:/|slash\s)\s?[a-z0-9]+|\b(?:go|head|visit|going)\s+(?:on\s+)?(?:over\s+)?"
        rf"(?:to\s+)?{_URL}",
    ),
    _p(
        "support_show",
        "ad",
        1.0,
        r"\bsupport (?:the|our|this|my) (?:\w+ ){0,3}(?:podcast|show|channel)\b|"
        r"\bshow (?:your|some) support\b|\byou (?:might|may) know (?:us|me) from\b",
    ),
    _p(
        "send_you",
        "ad",
        1.2,
        r"\b(?:let (?:them|him|her) know|tell (?:them|him|her|'em)) .{0,30}\bsent you\b",
    ),
    _p(
        "word_from",
        "ad",
        2.2,
        r"\b(?:a|one more) (?:quick )?word from (?:our|my|this week's|today's) (?:\w+ )?"
        r"(?:friends|sponsors?|partners?)\b",
    ),
    _p(
        "fine_print",
        "ad",
        1.4,
        r"\b(?:terms|restrictions|conditions) (?:and conditions )?(?:may )?apply\b|"
        r"\bsubject to (?:credit )?approval\b|\bno interest if paid\b|\bwhile supplies last\b|"
        r"\bfor qualified buyers\b|\bapply today\b",
    ),
    _p(
        "partnered_app",
        "ad",
        0.8,
        r"\b(?:we're|we are|we've) (?:\w+ )?partnered (?:\w+ ){0,2}with\b|"
        r"\bdownload (?:the )?\w+(?: \w+)? app\b",
    ),
    # "My friends over at the firehouse ..." is talk too: these two need a second cue.
    _p(
        "friends_over_at",
        "ad",
        1.2,
        r"\b(?:my|our) (?:good )?friends over at\b|"
        r"\blet me tell you about (?:my|our) (?:good )?friends\b",
    ),
    _p(
        "supporting_show",
        "ad",
        1.2,
        r"\b(?:have|has|'ve) been (?:supporting|sponsoring) (?:the|this|our) "
        r"(?:show|podcast|program)\b",
    ),
    _p(
        "limited_time",
        "ad",
        0.8,
        r"\bfor a limited time\b|\bspecial offer\b|\bexclusive (?:offer|deal)\b|"
        r"\bsign up (?:today|now|at)\b|\bright now at\b|\btext \w+ to \d+",
    ),
    _p(
        "merch",
        "ad",
        1.1,
        r"\bmerch(?:andise)?\b|\b(?:shirts?|hoodies?|hats|tees|mugs)\b.{0,60}"
        r"\b(?:store|shop|website|link|cart)\b",
    ),
    _p("patreon", "ad", 1.4, r"\bpatreon\b|\bbecome a (?:patron|member|supporter)\b"),
    _p(
        "tickets",
        "ad",
        1.2,
        r"\btickets?\s+(?:are\s+|is\s+)?(?:still\s+)?(?:available|on sale)\b|\btickets? (?:at|on) "
        rf"{_URL}|\b(?:get|buy|grab)\s+(?:your\s+)?tickets?\b|\btickets to (?:that|the show|our)\b|"
        r"\b(?:live|upcoming)\s+shows?\b",
    ),
    _p(
        "course_consulting",
        "ad",
        1.0,
        r"\b(?:my|our|online)\s+(?:online\s+)?(?:course|program|masterclass|workshop)\b|"
        r"\bconsulting\b",
    ),
    _p(
        "check_out_podcast",
        "ad",
        1.0,
        r"\b(?:listen|subscribe)\s+to\s+\w+(?:\s+\w+){0,3}\s+(?:now|today)\s+(?:on|wherever)\b|"
        r"\bnew (?:show|podcast) called\b",
    ),
    _p(
        "break",
        "ad",
        1.2,
        r"\blet's take a (?:quick |short )?break\b|\bafter the break\b|\bwe'll be right back\b|"
        r"\bstay (?:tuned|with us)\b",
    ),
    _p("sign_up", "ad", 0.5, r"\bsign up\b|\bjoin (?:my|our|the) (?:\w+ )?(?:course|program)\b"),
    # --- intros
    _p(
        "welcome",
        "intro",
        2.2,
        r"\bwelcome (?:back )?to (?:another episode|episode|the show|the podcast|this episode|"
        r"the program|the broadcast|the stream|the channel)\b|\bfrom the studios of\b|"
        r"\bwelcome (?:back )?to (?:the )?\w+(?:\s+\w+){0,4}\s+(?:podcast|show)\b|"
        r"\bwelcome (?:back )?to (?:the )?(?-i:[A-Z])",
    ),
    _p(
        "listening_to",
        "intro",
        2.0,
        r"\byou(?:'re| are) listening to (?:the )?(?-i:[A-Z])|\b(?:this is|i'm|i am) "
        r"(?:one of )?your (?:other )?(?:co-?)?hosts?\b",
    ),
    _p(
        "this_is_show",
        "intro",
        1.0,
        r"^\W*(?:hey,?\s+)?this is (?:the\s+)?(?!from\b)\w+(?:\s+\w+){0,4}\s+(?:podcast|show)\b|"
        r"\bepisode (?:number )?\d+ of\b|\bon (?:this|today's) episode\b|"
        r"\bthis is an?(?: \w+){0,2} (?:podcast|show) about\b|"
        r"\bthis is (?:the|your) (?:\w+ ){0,2}(?:update|edition|briefing|roundup|rundown)\b|"
        r"\byour (?:daily|weekly|nightly|morning|evening) (?:\w+ ){0,2}(?:rundown|briefing|update|"
        r"news|dose|roundup)\b|\b(?:we're|we are|are we) live\b|\bwelcome in(?:to)?\b|"
        r"\b(?:my|our) guests? (?:today|this week|tonight)\b|"
        r"\bhere's what we(?:'ve| have)? got (?:for you )?"
        r"(?:today|tonight|this (?:morning|week|hour))\b",
    ),
    _p(
        "today_guest",
        "intro",
        1.2,
        r"\b(?:today's|my|our) (?:guest|interview) (?:today )?(?:is|was)\b|"
        r"\btoday,? (?:i'm|we're|i am|we are) (?:talking|joined) (?:with|by)\b|"
        r"\bwithout (?:any )?further ado\b|\blet's (?:start|get into|begin) (?:the|our) show\b|"
        r"\bthank(?:s| you)(?: so much)? for (?:joining|having) (?:me|us)\b|"
        r"\bi hope you (?:enjoy|enjoyed|like|liked) (?:this|the|today's) (?:episode|interview|"
        r"conversation|show)\b|\bif you(?:'re| are) new to (?:the|our|this) (?:show|podcast)\b|"
        r"\b(?:have|joining us|welcome) .{0,40} on the (?:show|podcast) today\b",
    ),
    # --- outros
    _p(
        "thanks_listening",
        "outro",
        2.2,
        rf"{_THANKS_ALL}for (?:listening|tuning in)\b(?! to (?:me|him|her|them|us)\b)",
    ),
    _p(
        "wrap",
        "outro",
        1.6,
        r"\bthat(?:'s| is| will| is going to)\s+(?:a\s+)?wrap\b|\bwrap(?:s)? (?:up )?"
        r"(?:this|the|our) (?:week's )?(?:show|episode)\b|\bthat's (?:all|it) for "
        r"(?:today|this week|this episode|now)\b|\bwe(?:'ll| will) see (?:y'all|you)(?: guys)? "
        r"(?:next|in)\b|\b(?:see|catch|talk to) you (?:next|in two) (?:time|week|episode)\b|"
        r"\buntil next time\b|\bsee you (?:guys )?(?:in|next)\b",
    ),
    _p(
        "credits",
        "outro",
        1.6,
        r"\btheme (?:music|song)\b|\bour (?:producer|editor|music) (?:is|was)\b|"
        r"\bour executive producer\b|\bthe music you heard\b|\bthat(?:'s| is) our show\b|"
        r"\bthat(?:'s| is) the show for\b|"
        r"\b(?:show|podcast|episode) (?:is|was) (?:produced|edited|engineered|mixed)\b",
    ),
    # A sign-off said in a story ("that's it for me", "thanks to our engineer, we shipped")
    # reads the same: these need a second cue.
    _p(
        "sign_off",
        "outro",
        1.0,
        r"\bthat(?:'s| is| will be| is going to be|'s going to be) (?:about |all )?it for "
        r"(?:us|me|today|tonight|this week|this episode|now)\b|\b(?:i'm going to|i'm gonna|"
        r"let's|we're going to|we're gonna) call it (?:there|here|a night|a day)\b|"
        rf"{_THANKS_ALL}for (?:watching|hanging out)\b|"
        r"\bthanks? (?:you )?to our (?:\w+ )?(?:producer|editor|"
        r"engineer|call screener|production team)\b|"
        r"\bthat(?:'s|'ll| is| will)? (?:gonna |going to )?(?:have to )?do it for (?:us|me|today|"
        r"tonight|this (?:week|morning|evening|episode|hour)|the show|(?-i:[A-Z]))|"
        r"\b(?:is|are) produced by\b|\bwith editing by\b|"
        r"\bwe(?:'ll| will) be back (?:tomorrow|next week|on \w+day)\b|\bin (?:the|our) next "
        r"episode\b|\bthanks? (?:to )?(?:everybody|everyone|all of you) who (?:called|wrote|"
        r"tuned|listened)\b",
    ),
    _p(
        "goodbye",
        "outro",
        0.6,
        r"\b(?:bye-bye|goodbye|bye,? (?:folks|guys|everyone|y'all))\b|\bsee you tomorrow\b|"
        r"\bhave a good one\b|\bgood night,? (?:everybody|everyone|folks|guys)\b",
    ),
    # --- housekeeping: calls to action, where to find the show, listener mail
    _p(
        "rate_review",
        "housekeeping",
        2.2,
        r"\brat(?:e|ing) and review\w*\b|\b(?:leave|give|write) (?:us )?(?:a )?(?:nice |quick )?"
        r"(?:rating|review)s?\b|\bfive[- ]star reviews?\b|\b5[- ]star reviews?\b",
    ),
    _p(
        "subscribe",
        "housekeeping",
        1.4,
        r"\b(?:please |and |to |you can |go |now )subscribe\b|^subscribe\b|"
        r"\bhit (?:the )?(?:follow|like|bell)\b|\bshare (?:this|the) (?:episode|"
        r"show|podcast)\b|\btell (?:one|a) friend\b",
    ),
    _p(
        "follow_us",
        "housekeeping",
        1.4,
        r"\bfollow (?:us|me|the show|along|them|him|her)\b.{0,40}\b(?:on|at)\b|"
        r"\b(?:find|follow|check) (?:us|me) out\b|\bwhere can (?:people|listeners|we|folks) "
        r"find you\b|\b(?:find|reach) (?:us|me) (?:on|at)\b",
    ),
    _p(
        "platforms",
        "housekeeping",
        0.35,
        r"\b(?:instagram|twitter|facebook|tiktok|youtube|snapchat|social media|apple podcasts|"
        r"itunes|spotify|stitcher|google play|podcast app|discord|twitch)\b",
    ),
    _p("handle", "housekeeping", 0.8, r"(?:^|\s)[@#]\w{3,}"),
    _p("hashtag", "housekeeping", 0.3, r"\bhashtags?\b"),
    _p(
        "show_notes",
        "housekeeping",
        1.1,
        r"\b(?:in|on|to) (?:the|my|our|this|today's) (?:show|episode) notes\b|"
        r"\blink (?:to )?(?:it|that|them|those|this|all)?\s*(?:in|below)\b|"
        r"\blinks? in the (?:description|bio)\b|\blink(?:'s| is) in the (?:description|bio|show "
        r"notes)\b",
    ),
    _p("notes", "housekeeping", 0.3, r"\b(?:show|episode)\s+notes\b"),
    _p(
        "programming_note",
        "housekeeping",
        1.6,
        r"\bprogramming note\b|\bfrom weekly to\b|\b(?:back to|going) (?:weekly|biweekly|"
        r"every other week)\b|\b(?:release|posting|upload|episode) schedule\b",
    ),
    _p(
        "recording_talk",
        "housekeeping",
        1.0,
        r"\bcan you hear (?:me|that|us)\b|\byou cut out\b|\byou(?:'re| are) breaking up\b|"
        r"\bedit (?:this|that|it) out\b|\bin the edit\b|\bon the recording\b|"
        r"\bleave (?:this|that) in\b|\brecording locally\b",
    ),
    _p(
        "disclaimer",
        "housekeeping",
        1.2,
        r"\bcontent (?:note|warning)\b|\btrigger warning\b|\bdisclaimer\b|\bnot (?:intended|meant) "
        r"as\b.{0,40}\badvice\b|\bshould not be (?:taken|used) as\b.{0,30}\badvice\b|"
        r"\bviews expressed\b",
    ),
    _p(
        "email_us",
        "housekeeping",
        1.4,
        r"\b[\w.]+@[\w.]+\b|\b(?:at\s+)?(?:gmail|hotmail|yahoo|outlook)\s?(?:\.|dot)\s?com\b|"
        r"\b(?:email|e-mail|write to) (?:me|us)\b|\bsend (?:me|us) (?:an? )?(?:email|message|dm|"
        r"note)\b|\bsend (?:in )?your (?:questions?|reads?|letters?|stories)\b",
    ),
    _p(
        "listener_question",
        "housekeeping",
        1.2,
        r"\blistener (?:question|mail|letter)s?\b|\bmailbag\b|"
        r"\btime for (?:some )?(?:letters|questions|mail)\b|\bsubmit (?:your|a) question\b",
    ),
    _p(
        "listener_mail",
        "housekeeping",
        1.2,
        r"\b(?:a )?listener named\b|\bwho writes,|\b(?:writes|wrote) in\b|"
        r"\bthis week's (?:question|letter)\b",
    ),
    _p(
        "submissions",
        "housekeeping",
        0.8,
        r"\b(?:google )?forms?\b.{0,40}\b(?:link|submit|fill)\w*|\bsubmissions?\b|"
        r"\b(?:submit|send in) (?:your|a)\b",
    ),
    _p(
        "price_plan",
        "ad",
        1.2,
        r"\$\s?\d+(?:\.\d\d)? (?:a|per) month\b|"
        r"\bmonthly (?:access|fee|subscription|membership)\b|"
        r"\baccess to (?:all|every)(?: of)? (?:the |my |our )?"
        r"(?:programs|courses|classes|content)\b",
    ),
    _p(
        "guest_plug",
        "housekeeping",
        1.0,
        r"\bwhere can (?:people|listeners|we|folks|they) (?:find|follow|reach) you\b|"
        r"\bwhat do you (?:like to )?go by\b|"
        r"\bwhat(?:'s| is) your (?:social media|handle|website)\b",
    ),
    _p("url", "housekeeping", 0.6, _URL),
    _p("website", "housekeeping", 0.4, r"\bwebsite\b|\bnewsletter\b|\bevents page\b"),
    _p("meetup", "housekeeping", 0.8, r"\bmeet-?ups?\b|\bi'll be in \w+ (?:for|on|at|this|next)\b"),
)


@dataclass(frozen=True)
class Evidence:
    """What the detector found in a text.

    Attributes:
        score: 0-1; at or above `STRONG_SCORE` the text is housekeeping on its own.
        kind: the kind with the most evidence (`ad`, `intro`, `outro`, `housekeeping`), or ""
            when nothing matched.
        phrases: the matched phrases, as written, strongest pattern first.
        patterns: names of the patterns that matched, strongest first.
    """

    score: float
    kind: str
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]

    @property
    def strong(self) -> bool:
        """Whether the text counts as housekeeping on its own."""
        return self.score >= STRONG_SCORE


NO_EVIDENCE = Evidence(0.0, "", (), ())


# Spoken fillers, and a word or two said again after them ("welcome to, um, to One Day Today",
# "that's going to be, uh, it for us"), come out before matching.
_FILLER = re.compile(rf",?\s*\b(?:{'|'.join(sorted(HESITATIONS))})\b[,.]?", re.IGNORECASE)
_RESTART = re.compile(r"\b(\w+(?:'\w+)?(?: \w+(?:'\w+)?)?),? \1\b", re.IGNORECASE)


def spoken_plain(text: str) -> str:
    """The text without fillers and without a word or two said twice in a row."""
    return _RESTART.sub(r"\1", _FILLER.sub("", text))


@functools.lru_cache(maxsize=16384)
def housekeeping_evidence(text: str) -> Evidence:
    """Score a text and say which phrases of which kind made the score."""
    text = spoken_plain(text)
    evidence = 0.0
    per_kind: dict[str, float] = dict.fromkeys(KINDS, 0.0)
    found: list[tuple[float, str, str]] = []
    for pattern in PATTERNS:
        matches = [m.group(0).strip() for m in pattern.regex.finditer(text)]
        if not matches:
            continue
        # Repeats add a quarter each, at most one more full weight: a read says its URL twice.
        gained = pattern.weight * (1.0 + min(0.25 * (len(matches) - 1), 1.0))
        evidence += gained
        per_kind[pattern.kind] = per_kind.get(pattern.kind, 0.0) + gained
        found.append((pattern.weight, pattern.name, matches[0]))
    if not found:
        return NO_EVIDENCE
    found.sort(key=lambda f: -f[0])
    kind = max(KINDS, key=lambda k: per_kind[k])
    return Evidence(
        score=1.0 - math.exp(-evidence),
        kind=kind,
        phrases=tuple(dict.fromkeys(phrase for _, _, phrase in found)),
        patterns=tuple(name for _, name, _ in found),
    )


def housekeeping_score(text: str) -> float:
    """0-1: how much a text reads as an ad, intro, outro or housekeeping."""
    return housekeeping_evidence(text).score


@dataclass(frozen=True)
class Span:
    """A housekeeping stretch of an episode (seconds), with its kind and strongest score."""

    start: float
    end: float
    kind: str
    score: float

    def overlap(self, start: float, end: float) -> float:
        """Seconds shared with [start, end]."""
        return max(0.0, min(self.end, end) - max(self.start, start))


def housekeeping_spans(
    sentences: Sequence[tuple[float, float, str]],
    bridge_s: float = BRIDGE_S,
    grow_s: float = GROW_S,
) -> list[Span]:
    """Stretches of timed sentences `(start, end, text)` that read as housekeeping.

    A sentence scoring at least `STRONG_SCORE` alone, or together with its neighbours (the
    evidence of a read is often split over two sentences), is an anchor. Anchors of one kind
    family within `bridge_s` seconds of each other form one stretch (an ad read is joined
    from its sponsor line to its call to action); a stretch then grows over adjacent
    sentences within `grow_s` seconds that carry evidence (score >= `GROW_SCORE`).
    """
    items = sorted(sentences, key=lambda s: (s[0], s[1]))
    if not items:
        return []
    evidence = [housekeeping_evidence(text) for _, _, text in items]
    anchors: list[int] = []
    for i, ev in enumerate(evidence):
        if ev.strong:
            anchors.append(i)
            continue
        if ev.score >= GROW_SCORE:
            # Adjacent sentences read together (a code said over two sentences, a price and
            # what it buys two lines apart).
            lo, hi = max(0, i - NEIGHBOURS), min(len(items), i + NEIGHBOURS + 1)
            if housekeeping_evidence(" ".join(t for _, _, t in items[lo:hi])).strong:
                anchors.append(i)
    spans: list[tuple[int, int, str, float]] = []
    for i in anchors:
        kind, score = evidence[i].kind or "housekeeping", evidence[i].score
        if spans:
            a, b, k, s = spans[-1]
            reach = max(bridge_s, AD_BRIDGE_S) if k == kind == "ad" else bridge_s
            if _family(k) == _family(kind) and items[i][0] - items[b][1] <= reach:
                spans[-1] = (a, i, k if s >= score else kind, max(s, score))
                continue
        spans.append((i, i, kind, score))
    words = [frozenset(_NAME_WORD.findall(text.lower())) for _, _, text in items]
    grown: list[Span] = []
    for a, b, kind, score in spans:
        if kind == "ad":
            a, b = _follow_names(items, words, a, b)
        while a > 0 and _joins(items[a - 1], items[a], evidence[a - 1], grow_s):
            a -= 1
        while b + 1 < len(items) and _joins(items[b + 1], items[b], evidence[b + 1], grow_s):
            b += 1
        start, end = items[a][0], max(s[1] for s in items[a : b + 1])
        if grown and start <= grown[-1].end:
            last = grown.pop()
            best = last if last.score >= score else Span(start, end, kind, score)
            grown.append(Span(last.start, max(last.end, end), best.kind, best.score))
        else:
            grown.append(Span(start, end, kind, score))
    return grown


_NAME_WORD = re.compile(r"[a-z][a-z0-9&'-]{2,}")
_NAME = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][A-Za-z0-9&'-]{2,}")
_NOT_NAMES = frozenset(
    [
        "the",
        "this",
        "that",
        "these",
        "those",
        "there",
        "they",
        "then",
        "than",
        "and",
        "but",
        "you",
        "your",
        "our",
        "their",
        "his",
        "her",
        "its",
        "for",
        "with",
        "from",
        "into",
        "about",
        "just",
        "also",
        "hey",
        "guys",
        "episode",
        "show",
        "podcast",
        "today",
        "week",
        "read",
    ]
)


def sponsor_names(text: str) -> set[str]:
    """Lower-cased candidate sponsor names in a read: capitalised words not opening a sentence,
    and the stems of web addresses ("acme" from "acme.com/show")."""
    names = {m.group(0).lower() for m in _NAME.finditer(text)}
    names |= {m.group(0).split(".")[0].split()[0].lower() for m in re.finditer(_URL, text, _I)}
    return {n for n in names if n not in _NOT_NAMES and "'" not in n}


def _follow_names(
    items: Sequence[tuple[float, float, str]], words: Sequence[frozenset[str]], a: int, b: int
) -> tuple[int, int]:
    """Grow an ad stretch over nearby sentences that name its sponsor again.

    Product talk inside a read carries no ad phrasing, but it keeps naming the sponsor. A name
    counts only when most of its mentions in the episode lie near the read, so the show's own
    name (said all through the episode) never drags a stretch along.
    """
    names: set[str] = set()
    for i in range(a, b + 1):
        names |= sponsor_names(items[i][2])
    centre = (items[a][0] + items[b][1]) / 2
    local: set[str] = set()
    for name in names:
        times = [s for (s, _, _), w in zip(items, words, strict=True) if name in w]
        near = [t for t in times if abs(t - centre) <= NAME_RANGE_S]
        if times and len(near) >= NAME_LOCAL_SHARE * len(times):
            local.add(name)
    if not local:
        return a, b
    last = b
    for j in range(b + 1, len(items)):
        if items[j][0] - items[last][1] > NAME_GAP_S:
            break
        if local & words[j]:
            last = j
    first = a
    for j in range(a - 1, -1, -1):
        if items[first][0] - items[j][1] > NAME_GAP_S:
            break
        if local & words[j]:
            first = j
    return first, last


def _family(kind: str) -> str:
    # Ads and housekeeping plugs interleave in one break; intros and outros stay apart.
    return "plug" if kind in ("ad", "housekeeping") else kind


def _joins(
    candidate: tuple[float, float, str],
    edge: tuple[float, float, str],
    ev: Evidence,
    grow_s: float,
) -> bool:
    gap = max(candidate[0] - edge[1], edge[0] - candidate[1])
    return gap <= grow_s and ev.score >= GROW_SCORE
