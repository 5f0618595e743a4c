"""Whole-episode clip selection against labelled real passages: `python -m scoring.rank_eval`.

Scores whole real transcripts the way the pipeline does (`score_episode` over speaker-turn
segments) and checks the selected clips against the passages labelled in
`scoring/data/real/<episode>.jsonl`. Transcripts are `*.turns.txt` (`[speaker N] text` turns)
or Rev `*.nlp` token tables. Without timestamps (the rev16 transcripts have none), word times
are estimated from word counts at a stated speaking rate (`--rate`, default 2.6 words/s =
156 words a minute) with a short pause at each change of speaker; the report states it.

Overlap rule: a clip overlaps a labelled passage when the time they share is at least half of
the shorter of the two (a 20 s moment wholly inside a 60 s clip counts; a clip that grazes a
passage's edge does not). Ad overlap is reported in plain seconds per clip, because the bar is
absolute: no selected clip may share more than 5 s with a labelled `ad` passage.

The committed head was trained on the labelled episodes; `--held-out` scores each of them with
a head of the same recipe trained without it, the honest figure for an unseen episode.
"""

from __future__ import annotations

import argparse
import bisect
import json
import logging
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .classifier import Classifier, get_classifier, model_version
from .context_encoder import ContextEncoder
from .dataset import DATA_DIR, REAL_SUBDIR, default_shared_dir
from .embedder import Embedder
from .labels import NONE_LABEL
from .options import ScoringOptions
from .report_output import print_report
from .train import (
    SEED,
    TrainingSet,
    build_training_set,
    cached_embed,
    domain_for,
    head_for,
    load_training_data,
)
from .types import ScoredMoment, Segment, Word

logger = logging.getLogger(__name__)

DEFAULT_RATE = 2.6  # words per second (156 words a minute), a typical conversational pace
TURN_PAUSE_S = 0.3  # silence assumed at each change of speaker (seconds)
OVERLAP_SHARE = 0.5  # of the shorter of clip and passage
AD_OVERLAP_LIMIT_S = 5.0
HOUSEKEEPING_KINDS = frozenset({"ad", "intro", "outro", "housekeeping"})
# Two raters' 1-5 ratings of every labelled real moment as a clip (data/README.md).
STRENGTH_FILE = DATA_DIR / "strength" / "ratings.jsonl"
_SPEAKER_MARK = re.compile(r"\[speaker ([^\]]+)\]")
_TOKEN = re.compile(r"\S+")


@dataclass(frozen=True)
class Token:
    """A transcript word with its character span in the file and its time (seconds)."""

    text: str
    speaker: str | None
    char_start: int
    char_end: int
    start: float = 0.0
    end: float = 0.0


@dataclass(frozen=True)
class Transcript:
    """The words of one episode; `timed` is False when the times were estimated."""

    path: Path
    tokens: tuple[Token, ...]
    timed: bool


@dataclass(frozen=True)
class Passage:
    """A labelled passage placed on the episode's time line (seconds); `strength` is its mean
    rating as a clip (1-5, `STRENGTH_FILE`), None where it was not rated."""

    start: float
    end: float
    label: str
    none_kind: str = ""
    strength: float | None = None


def read_turns_txt(path: Path) -> list[Token]:
    """Words of a `*.turns.txt` file with their character offsets (no times)."""
    text = path.read_text(encoding="utf-8")
    tokens: list[Token] = []
    speaker: str | None = None
    line_start = 0
    for line in text.splitlines(keepends=True):
        if not line.startswith("#"):
            pos = 0
            for mark in [*_SPEAKER_MARK.finditer(line), None]:
                stop = mark.start() if mark else len(line)
                for m in _TOKEN.finditer(line, pos, stop):
                    tokens.append(
                        Token(m.group(0), speaker, line_start + m.start(), line_start + m.end())
                    )
                if mark:
                    speaker, pos = mark.group(1), mark.end()
        line_start += len(line)
    return tokens


def read_nlp(path: Path) -> tuple[list[Token], bool]:
    """Words of a Rev `*.nlp` table (`token|speaker|ts|endTs|punctuation|prepunctuation|...`).

    Character offsets refer to the words joined by single spaces. Returns the tokens and
    whether every word carried a timestamp.
    """
    tokens: list[Token] = []
    timed = True
    pos = 0
    lines = path.read_text(encoding="utf-8").splitlines()
    for line in lines[1:]:
        cols = line.split("|")
        if len(cols) < 6 or not cols[0]:
            continue
        word = f"{cols[5]}{cols[0]}{cols[4]}"
        start = end = 0.0
        try:
            start, end = float(cols[2]), float(cols[3])
        except ValueError:
            timed = False
        tokens.append(Token(word, cols[1] or None, pos, pos + len(word), start, end))
        pos += len(word) + 1
    return tokens, timed and bool(tokens)


def estimate_times(
    tokens: Sequence[Token], rate: float = DEFAULT_RATE, pause_s: float = TURN_PAUSE_S
) -> list[Token]:
    """Give each word 1/rate seconds, with `pause_s` of silence at each change of speaker."""
    out: list[Token] = []
    clock = 0.0
    step = 1.0 / rate
    for i, t in enumerate(tokens):
        if i and t.speaker != tokens[i - 1].speaker:
            clock += pause_s
        out.append(Token(t.text, t.speaker, t.char_start, t.char_end, clock, clock + step))
        clock += step
    return out


def load_transcript(path: Path, rate: float = DEFAULT_RATE) -> Transcript:
    """Read a `.turns.txt` or `.nlp` transcript, estimating times when it has none."""
    if path.suffix == ".nlp":
        tokens, timed = read_nlp(path)
    else:
        tokens, timed = read_turns_txt(path), False
    if not timed:
        tokens = estimate_times(tokens, rate)
    return Transcript(path, tuple(tokens), timed)


def to_segments(transcript: Transcript) -> list[Segment]:
    """One segment per speaker turn, with timed words (what diarized ASR would give)."""
    segments: list[Segment] = []
    run: list[Token] = []

    def flush() -> None:
        if run:
            words = tuple(Word(t.start, t.end, t.text) for t in run)
            text = " ".join(t.text for t in run)
            segments.append(Segment(run[0].start, run[-1].end, text, words, run[0].speaker))
            run.clear()

    for t in transcript.tokens:
        if run and t.speaker != run[-1].speaker:
            flush()
        run.append(t)
    flush()
    return segments


def place_labels(transcript: Transcript, rows: Sequence[dict[str, Any]]) -> list[Passage]:
    """Time spans of labelled passages (character offsets mapped through the words)."""
    passages: list[Passage] = []
    tokens = transcript.tokens
    ends = [t.char_end for t in tokens]
    for row in rows:
        lo, hi = int(row["offset"]), int(row["offset"]) + int(row["length"])
        first = bisect.bisect_right(ends, lo)  # first word ending after the passage starts
        last = first
        while last < len(tokens) and tokens[last].char_start < hi:
            last += 1
        if last > first:
            passages.append(
                Passage(
                    tokens[first].start,
                    tokens[last - 1].end,
                    row["label"],
                    row.get("none_kind") or "",
                    row.get("strength"),
                )
            )
    return passages


def read_label_rows(path: Path, label_dir: Path) -> list[dict[str, Any]]:
    """The label rows citing this transcript file (matched by its last two path parts)."""
    key = "/".join(path.parts[-2:])
    rows: list[dict[str, Any]] = []
    for file in sorted(label_dir.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                if row.get("file") == key:
                    rows.append(row)
    return rows


def read_strengths(path: Path = STRENGTH_FILE) -> dict[tuple[str, int, int], float]:
    """Mean clip-strength rating of each rated moment, keyed by `file`, `offset`, `length`."""
    if not path.is_file():
        return {}
    rated: dict[tuple[str, int, int], float] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            key = (str(row["file"]), int(row["offset"]), int(row["length"]))
            rated[key] = statistics.fmean(float(r) for r in row["strength"])
    return rated


def with_strengths(
    rows: Sequence[dict[str, Any]], rated: dict[tuple[str, int, int], float]
) -> list[dict[str, Any]]:
    """The label rows, each moment with its rating as `strength` where it has one."""
    return [
        {**row, "strength": rated.get((str(row["file"]), int(row["offset"]), int(row["length"])))}
        for row in rows
    ]


def shared_seconds(a_start: float, a_end: float, b_start: float, b_end: float) -> float:
    """Seconds two spans share."""
    return max(0.0, min(a_end, b_end) - max(a_start, b_start))


def overlaps(clip: ScoredMoment, passage: Passage) -> bool:
    """The overlap rule: shared time >= OVERLAP_SHARE of the shorter of clip and passage."""
    shared = shared_seconds(clip.start, clip.end, passage.start, passage.end)
    shorter = min(clip.duration, passage.end - passage.start)
    return shared > 0 and shared >= OVERLAP_SHARE * shorter


def judge_clips(clips: Sequence[ScoredMoment], passages: Sequence[Passage]) -> dict[str, Any]:
    """Per-episode figures for selected clips against labelled passages."""
    moments = [p for p in passages if p.label != NONE_LABEL]
    nones = [p for p in passages if p.label == NONE_LABEL]
    ads = [p for p in nones if p.none_kind == "ad"]
    rows: list[dict[str, Any]] = []
    for c in clips:
        hit = [p for p in moments if overlaps(c, p)]
        miss = [p for p in nones if overlaps(c, p)]
        ratings = [p.strength for p in hit if p.strength is not None]
        rows.append(
            {
                "start": round(c.start, 1),
                "end": round(c.end, 1),
                "score": c.shareability_score,
                "moment_type": c.moment_type,
                "labelled_moments": sorted({p.label for p in hit}),
                "labelled_none": sorted({p.none_kind or "none" for p in miss}),
                # The best rated moment the clip covers: a clip is as good as its best part.
                "rated_strength": max(ratings) if ratings else None,
                "ad_overlap_s": round(
                    sum(shared_seconds(c.start, c.end, p.start, p.end) for p in ads), 1
                ),
                "housekeeping_overlap_s": round(
                    sum(
                        shared_seconds(c.start, c.end, p.start, p.end)
                        for p in nones
                        if p.none_kind in HOUSEKEEPING_KINDS
                    ),
                    1,
                ),
                "hook": c.hook,
                "reason": c.reason,
            }
        )
    n = len(rows)
    scores = [c.shareability_score for c in clips]
    top = sorted(scores, reverse=True)[:6]
    hits = [{i for i, p in enumerate(moments) if overlaps(c, p)} for c in clips]
    return {
        "clips": n,
        "moment_share": _share(sum(bool(r["labelled_moments"]) for r in rows), n),
        # Six clips of one labelled moment are one moment: how many distinct ones they cover.
        "moments_covered": len(set().union(*hits)),
        "clip_pairs_on_one_moment": sum(bool(a & b) for i, a in enumerate(hits) for b in hits[:i]),
        "none_share": _share(sum(bool(r["labelled_none"]) for r in rows), n),
        "types_selected": len({c.moment_type for c in clips}),
        "types_hit": len({t for r in rows for t in r["labelled_moments"]}),
        "types_labelled": len({p.label for p in moments}),
        "ad_overlap_max_s": max((r["ad_overlap_s"] for r in rows), default=0.0),
        "ad_overlap_total_s": round(sum(r["ad_overlap_s"] for r in rows), 1),
        "housekeeping_overlap_max_s": max((r["housekeeping_overlap_s"] for r in rows), default=0.0),
        "score_max": max(scores, default=0.0),
        "score_min": min(scores, default=0.0),
        "top6_std": round(statistics.pstdev(top), 2) if len(top) > 1 else 0.0,
        **_strengths(rows, moments),
        "labelled_moments": len(moments),
        "labelled_none": len(nones),
        "labelled_ads": len(ads),
        "detail": rows,
    }


def _strengths(rows: Sequence[dict[str, Any]], moments: Sequence[Passage]) -> dict[str, Any]:
    """Mean rating of the moments the clips cover, beside that of every rated moment."""
    covered = [r["rated_strength"] for r in rows if r["rated_strength"] is not None]
    every = [p.strength for p in moments if p.strength is not None]
    return {
        "covered_strength": round(statistics.fmean(covered), 2) if covered else None,
        "rated_clips": len(covered),
        "labelled_strength": round(statistics.fmean(every), 2) if every else None,
        "rated_moments": len(every),
    }


def _share(k: int, n: int) -> float:
    return round(k / n, 3) if n else 0.0


def evaluate_episode(
    path: Path,
    label_dir: Path,
    options: ScoringOptions = ScoringOptions(),
    rate: float = DEFAULT_RATE,
    count: int | None = None,
    classifier: Classifier | None = None,
    strengths: dict[tuple[str, int, int], float] | None = None,
) -> dict[str, Any]:
    """Score one whole transcript and judge its selected clips (committed model by default;
    the moments' ratings from `STRENGTH_FILE` unless given)."""
    from .scorer import score_episode  # the model loads only when an episode is scored

    transcript = load_transcript(path, rate)
    clips = score_episode(to_segments(transcript), options, count, classifier)
    rated = read_strengths() if strengths is None else strengths
    rows = with_strengths(read_label_rows(path, label_dir), rated)
    passages = place_labels(transcript, rows)
    duration = transcript.tokens[-1].end if transcript.tokens else 0.0
    return {
        "file": "/".join(path.parts[-2:]),
        "scored_by": clips[0].model_version if clips else None,
        "timed": transcript.timed,
        "duration_s": round(duration, 1),
        "words": len(transcript.tokens),
        **judge_clips(clips, passages),
    }


@dataclass(frozen=True)
class HeldOutHeads:
    """Heads of the committed recipe that never saw a given episode (`scoring.train`)."""

    data: TrainingSet
    embedder: Embedder
    context: ContextEncoder | None = None

    def classifier(self, episode: str | None) -> Classifier | None:
        """A classifier trained without `episode`; None when the committed one never saw it."""
        pool = self.data.episodes != episode
        if episode is None or pool.all():
            return None
        head, _ = head_for(self.data, pool)
        domain = domain_for(self.data, pool)
        version = f"{model_version(head, domain)} (without {episode})"
        return Classifier(self.embedder, head, version, self.context, domain)


def load_held_out_heads(shared_dir: Path | None, threads: int | None) -> HeldOutHeads:
    """Embed the training set once (the written texts and every labelled real passage)."""
    _, rows, _, real = load_training_data(DATA_DIR, shared_dir, SEED)
    committed = get_classifier(threads)
    data = build_training_set(rows, real, cached_embed(committed.embed), committed.encode_context)
    return HeldOutHeads(data, committed.embedder, committed.context)


def training_episode(path: Path) -> str | None:
    """The episode id the training labels give this transcript (None if it is not labelled)."""
    rows = read_label_rows(path, DATA_DIR / REAL_SUBDIR)
    return str(rows[0].get("episode", path.name.split(".")[0])) if rows else None


def total(episodes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """Pooled figures over episodes (shares over all selected clips)."""
    rows = [r for e in episodes for r in e["detail"]]
    n = len(rows)
    return {
        "episodes": len(episodes),
        "clips": n,
        "moment_share": _share(sum(bool(r["labelled_moments"]) for r in rows), n),
        "none_share": _share(sum(bool(r["labelled_none"]) for r in rows), n),
        "moments_covered": sum(e["moments_covered"] for e in episodes),
        "clip_pairs_on_one_moment": sum(e["clip_pairs_on_one_moment"] for e in episodes),
        "types_selected": len({r["moment_type"] for r in rows}),
        "types_hit": len({t for r in rows for t in r["labelled_moments"]}),
        "ad_overlap_max_s": max((r["ad_overlap_s"] for r in rows), default=0.0),
        "clips_over_ad_limit": sum(r["ad_overlap_s"] > AD_OVERLAP_LIMIT_S for r in rows),
        "housekeeping_overlap_max_s": max((r["housekeeping_overlap_s"] for r in rows), default=0.0),
        **_pooled_strengths(episodes),
        "mean_top6_std": round(statistics.fmean(e["top6_std"] for e in episodes), 2)
        if episodes
        else 0.0,
        "min_top6_std": min((e["top6_std"] for e in episodes), default=0.0),
    }


def _pooled_strengths(episodes: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """`_strengths` over every episode (the labelled mean weighted by rated moments)."""
    covered = [r["rated_strength"] for e in episodes for r in e["detail"]]
    rated = [c for c in covered if c is not None]
    n = sum(e["rated_moments"] for e in episodes)
    every = sum(e["labelled_strength"] * e["rated_moments"] for e in episodes if e["rated_moments"])
    return {
        "covered_strength": round(statistics.fmean(rated), 2) if rated else None,
        "rated_clips": len(rated),
        "labelled_strength": round(every / n, 2) if n else None,
        "rated_moments": n,
    }


def default_transcripts(label_dir: Path, shared_dir: Path) -> list[Path]:
    """The transcripts that the label files cite (rev16-train episodes with labels)."""
    files: set[str] = set()
    for file in sorted(label_dir.glob("*.jsonl")):
        for line in file.read_text(encoding="utf-8").splitlines():
            if line.strip():
                files.add(json.loads(line)["file"])
    found = [shared_dir / "transcripts" / f for f in files]
    return sorted(found, key=lambda p: (len(p.name), p.name))


def format_report(report: dict[str, Any]) -> str:
    """A plain-text table of the per-episode and pooled figures."""
    model = f"model {report['model_version']}"
    if report.get("held_out"):
        model += ": each labelled episode scored by a head of its recipe trained without it"
    lines = [report["timing"], "", model, ""]
    head = (
        f"{'episode':<28}{'min':>5}{'clips':>6}{'moment':>8}{'none':>6}{'types':>6}"
        f"{'hit':>4}{'ad s':>6}{'hk s':>6}{'max':>6}{'min':>6}{'std6':>6}{'rated':>9}"
    )
    lines.append(head)
    for e in report["episodes"]:
        lines.append(
            f"{e['file']:<28}{e['duration_s'] / 60:>5.0f}{e['clips']:>6}{e['moment_share']:>8.2f}"
            f"{e['none_share']:>6.2f}{e['types_selected']:>6}{e['types_hit']:>4}"
            f"{e['ad_overlap_max_s']:>6.1f}{e['housekeeping_overlap_max_s']:>6.1f}"
            f"{e['score_max']:>6.0f}{e['score_min']:>6.0f}{e['top6_std']:>6.1f}"
            f"{_rated(e):>9}"
        )
    t = report["total"]
    lines += [
        "",
        f"total: {t['clips']} clips over {t['episodes']} episodes; overlap a labelled moment "
        f"{t['moment_share']:.2f}, a labelled none {t['none_share']:.2f}; "
        f"{t['moments_covered']} distinct labelled moments covered "
        f"({t['clip_pairs_on_one_moment']} pairs of clips on one); "
        f"{t['types_selected']} types selected, {t['types_hit']} labelled types hit; "
        f"max ad overlap {t['ad_overlap_max_s']:.1f} s ({t['clips_over_ad_limit']} clips over "
        f"{AD_OVERLAP_LIMIT_S:.0f} s); top-6 score std mean {t['mean_top6_std']:.1f}, "
        f"min {t['min_top6_std']:.1f}; covered moments rated {_rated(t)} as clips (1-5)",
        f"overlap rule: shared time >= {OVERLAP_SHARE:.0%} of the shorter of clip and passage",
    ]
    return "\n".join(lines)


def _rated(figures: dict[str, Any]) -> str:
    """Covered moments' mean rating against every rated moment's ("3.3/3.0"), or "-"."""
    if figures["covered_strength"] is None:
        return "-"
    return f"{figures['covered_strength']:.1f}/{figures['labelled_strength']:.1f}"


def main(argv: Sequence[str] | None = None) -> None:
    """Command line entry: score whole transcripts and judge the selection."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("transcripts", nargs="*", type=Path, help=".turns.txt or .nlp files")
    parser.add_argument("--labels", type=Path, default=DATA_DIR / REAL_SUBDIR)
    parser.add_argument("--shared", type=Path, default=None, help="shared data folder")
    parser.add_argument("--rate", type=float, default=DEFAULT_RATE, help="words per second")
    parser.add_argument("--count", type=int, default=None, help="clips per episode")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument(
        "--min-gap",
        type=float,
        default=ScoringOptions.min_gap_s,
        help="a window this close to a picked clip (seconds) ranks 5 points lower (0: none)",
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument(
        "--held-out",
        action="store_true",
        help="score each training episode with a head trained without it (the committed "
        "recipe; embeds the training set first)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    from .classifier import MODEL_VERSION

    shared = args.shared or default_shared_dir()
    paths = args.transcripts or default_transcripts(args.labels, shared)
    options = ScoringOptions(torch_threads=args.threads, min_gap_s=args.min_gap)
    heads = load_held_out_heads(args.shared, args.threads) if args.held_out else None
    strengths = read_strengths()
    episodes = [
        evaluate_episode(
            p,
            args.labels,
            options,
            args.rate,
            args.count,
            heads.classifier(training_episode(p)) if heads is not None else None,
            strengths,
        )
        for p in paths
    ]
    timing = (
        f"times: estimated from word counts at {args.rate:g} words/s "
        f"({args.rate * 60:.0f} words a minute) with {TURN_PAUSE_S:g} s between speakers, "
        "for transcripts without timestamps"
    )
    report = {
        "model_version": MODEL_VERSION,
        "held_out": heads is not None,
        "rate_words_per_s": args.rate,
        "timing": timing,
        "overlap_rule": f"shared >= {OVERLAP_SHARE} x shorter of clip and passage",
        "episodes": episodes,
        "total": total(episodes),
    }
    print_report(report, args.json, format_report)


if __name__ == "__main__":
    main()
