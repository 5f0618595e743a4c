"""Plain records shared by the scoring package and the pipeline that calls it.

Times are seconds from the start of the episode audio. The records are frozen so a task can
return them (and Prefect can persist them) without anyone mutating a cached value.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Word:
    """One recognised word with its timing (seconds)."""

    start: float
    end: float
    text: str
    probability: float = 1.0


@dataclass(frozen=True)
class Segment:
    """A transcript segment: a sentence-ish run of words, optionally attributed to a speaker."""

    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()
    speaker: str | None = None


@dataclass(frozen=True)
class Window:
    """A candidate clip span built from whole sentences (seconds, inclusive of its words)."""

    start: float
    end: float
    sentences: tuple[str, ...]
    speakers: tuple[str | None, ...] = ()
    words: tuple[Word, ...] = ()
    # Start time of each sentence (seconds); lets scoring embed a sentence shared by many
    # overlapping windows once. Empty for windows made by hand.
    sentence_starts: tuple[float, ...] = ()

    @property
    def text(self) -> str:
        return " ".join(self.sentences)

    @property
    def duration(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class ScoredMoment:
    """A window after classification and scoring; what the pipeline turns into a clip."""

    start: float
    end: float
    text: str
    moment_type: str
    category: str
    shareability_score: float
    reason: str
    hook: str
    pull_quote: str
    type_probabilities: dict[str, float] = field(default_factory=dict)
    model_version: str = ""

    @property
    def duration(self) -> float:
        return self.end - self.start
