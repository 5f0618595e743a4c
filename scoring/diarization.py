"""Who speaks when: voice-embedding windows clustered into speakers, then words labelled.

Pure numpy/scipy; the voice encoder (resemblyzer) runs in ``tasks/diarize.py`` and hands in one
embedding per window. Windows lie inside speech (runs of transcribed words), so silence and
music never become a "speaker". Clustering is average-linkage on cosine distance, cut at a
threshold (or at a known speaker count), then refined by reassigning every window to its nearest
centroid; voices with only a few seconds of speech fold into their nearest neighbour. Each word
takes the vote of the windows whose central part it overlaps, short flips are smoothed away, and
segments are split where the speaker changes.

The host is the voice that opens the show: the speaker of the first turn of at least
``OPENING_TURN_S`` within the opening minute. "Most speech in the opening minute" picks the guest
in a typical interview (a short introduction, then the guest's long first answer: 19 s against
37 s in the bundled sample), so it is only the fallback and the ``opening`` rule. The other main
voice is the guest, the rest ``speaker_3``, ``speaker_4``... by speech time.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import numpy.typing as npt

from .types import Segment, Word

logger = logging.getLogger(__name__)

Array = npt.NDArray[np.float32]
HOST = "host"
GUEST = "guest"
# Words this far apart (seconds) start a new speech region.
REGION_GAP_S = 0.5
# Regions shorter than this (seconds) are too short to embed on their own and borrow a window.
MIN_REGION_S = 0.4
# Above this many windows, linkage runs on an even subsample (memory grows with its square).
MAX_LINKAGE_WINDOWS = 3000
# Centroid reassignment rounds after the linkage cut.
REFINE_ROUNDS = 3
# The first speaker turn at least this long (seconds) names the host under the "first" rule.
OPENING_TURN_S = 3.0
# Smoothing passes over the word labels (each pass is linear).
SMOOTH_PASSES = 3
HOST_RULES = ("first", "opening", "most")


@dataclass(frozen=True)
class DiarizationOptions:
    """How to cut windows and clusters (seconds unless stated).

    Attributes:
        window_s: Length of each embedded window.
        hop_s: Step between window starts.
        threshold: Cosine-distance cut of the average-linkage tree.
        max_speakers: Never more clusters than this.
        min_speaker_s: Clusters with less speech merge into their nearest neighbour.
        host_window_s: The host speaks most within this opening stretch of speech.
        num_speakers: A known speaker count (job option ``speakers``); ``None`` estimates it.
        host_rule: ``"first"`` (who opens the show), ``"opening"`` (most speech in the opening
            window) or ``"most"`` (most speech overall).
        min_turn_s: Speaker runs shorter than this (and of at most two words) are smoothed away.
    """

    window_s: float = 1.5
    hop_s: float = 0.75
    threshold: float = 0.3
    max_speakers: int = 6
    min_speaker_s: float = 4.0
    host_window_s: float = 60.0
    num_speakers: int | None = None
    host_rule: str = "first"
    min_turn_s: float = 0.8


@dataclass(frozen=True)
class SpeakerStats:
    """One labelled speaker's share of the episode (seconds of words, segment count)."""

    label: str
    seconds: float
    segments: int


def speech_regions(words: Sequence[Word], gap_s: float = REGION_GAP_S) -> list[tuple[float, float]]:
    """Merge word spans closer than ``gap_s`` into speech regions (seconds, time order)."""
    regions: list[tuple[float, float]] = []
    for w in sorted(words, key=lambda w: w.start):
        if regions and w.start - regions[-1][1] <= gap_s:
            regions[-1] = (regions[-1][0], max(regions[-1][1], w.end))
        else:
            regions.append((w.start, max(w.end, w.start)))
    return regions


def window_spans(
    regions: Sequence[tuple[float, float]], window_s: float, hop_s: float, duration_s: float
) -> list[tuple[float, float]]:
    """Windows of ``window_s`` every ``hop_s`` inside each region; a short region gets one.

    A region shorter than a window gets one window centred on it, clipped to the audio, so a
    one-line reply is still heard; the last window of a long region ends at the region's end.
    """
    spans: list[tuple[float, float]] = []
    for start, end in regions:
        length = end - start
        if length < MIN_REGION_S:
            continue
        if length <= window_s:
            centre = (start + end) / 2
            lo = max(0.0, min(centre - window_s / 2, duration_s - window_s))
            spans.append((lo, min(duration_s, lo + window_s)))
            continue
        t = start
        while t + window_s < end:
            spans.append((t, t + window_s))
            t += hop_s
        spans.append((end - window_s, end))
    return spans


def cluster_windows(embeddings: Array, options: DiarizationOptions) -> npt.NDArray[np.int64]:
    """Cluster unit embeddings into speakers; labels 0..k-1 in order of first appearance.

    The linkage tree is cut at ``threshold``; with a known count, at the first cut that yields
    that many clusters of at least ``min_speaker_s`` (smaller ones are stray windows: laughs,
    crosstalk, noise), whose centroids seed the speakers. Every window then joins its nearest
    centroid, a few rounds over (k-means on the sphere).
    """
    n = len(embeddings)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    from scipy.cluster.hierarchy import fcluster, linkage

    step = max(1, -(-n // MAX_LINKAGE_WINDOWS))
    sample = embeddings[::step].astype(np.float64)
    tree = linkage(sample, method="average", metric="cosine")
    min_size = max(1, int(np.ceil(options.min_speaker_s / options.hop_s / step)))
    cap = max(1, options.max_speakers)
    want = min(options.num_speakers, cap) if options.num_speakers else None
    if want is None:
        cut = fcluster(tree, t=options.threshold, criterion="distance") - 1
        if cut.max() + 1 > cap:
            cut = fcluster(tree, t=cap, criterion="maxclust") - 1
        # Every cluster seeds a centroid here: refinement moves stray windows, and clusters
        # that stay small are folded away afterwards by `merge_small_clusters`.
        seeds = _big_clusters(cut, 1)
    else:
        seeds = []
        for m in range(want, len(sample) + 1):
            cut = fcluster(tree, t=m, criterion="maxclust") - 1
            seeds = _big_clusters(cut, min_size)
            if len(seeds) >= want:
                break
        seeds = seeds[:want]
    if len(seeds) < 2:
        return np.zeros(n, dtype=np.int64)
    centroids = _centroids(sample, cut)[seeds]
    return _refine(embeddings, centroids)


def _big_clusters(labels: npt.NDArray[np.int64], min_size: int) -> list[int]:
    """Cluster ids with at least ``min_size`` members, largest first."""
    sizes = np.bincount(labels)
    big = [c for c in range(len(sizes)) if sizes[c] >= min_size]
    return sorted(big, key=lambda c: (-sizes[c], c))


def _centroids(embeddings: npt.NDArray[np.floating], labels: npt.NDArray[np.int64]) -> Array:
    k = int(labels.max()) + 1
    out = np.zeros((k, embeddings.shape[1]), dtype=np.float32)
    for c in range(k):
        members = embeddings[labels == c]
        if len(members):
            mean = members.mean(axis=0)
            out[c] = mean / max(float(np.linalg.norm(mean)), 1e-9)
    return out


def _refine(embeddings: Array, centroids: Array) -> npt.NDArray[np.int64]:
    """Reassign each window to its nearest centroid a few times (k-means on the sphere)."""
    labels = np.argmax(embeddings @ centroids.T, axis=1).astype(np.int64)
    for _ in range(REFINE_ROUNDS):
        centroids = _centroids(embeddings, labels)
        new = np.argmax(embeddings @ centroids.T, axis=1).astype(np.int64)
        if np.array_equal(new, labels):
            break
        labels = new
    return _compact(labels)


def _compact(labels: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
    """Renumber labels 0..k-1 in order of first appearance."""
    order = {int(v): i for i, v in enumerate(dict.fromkeys(labels.tolist()))}
    return np.asarray([order[int(v)] for v in labels], dtype=np.int64)


def merge_small_clusters(
    embeddings: Array,
    labels: npt.NDArray[np.int64],
    spans: Sequence[tuple[float, float]],
    hop_s: float,
    min_speaker_s: float,
) -> npt.NDArray[np.int64]:
    """Fold clusters with under ``min_speaker_s`` of speech into their nearest big cluster."""
    if len(labels) == 0:
        return labels
    # Each window stands for about one hop of speech (its own central stretch).
    seconds = np.asarray(
        [min(hop_s, b - a) for a, b in spans] if spans else [hop_s] * len(labels), dtype=np.float64
    )
    k = int(labels.max()) + 1
    totals = np.bincount(labels, weights=seconds, minlength=k)
    keep = [c for c in range(k) if totals[c] >= min_speaker_s]
    if not keep:
        keep = [int(np.argmax(totals))]
    if len(keep) == k:
        return labels
    centroids = _centroids(embeddings, labels)[keep]
    nearest = np.argmax(embeddings @ centroids.T, axis=1)
    merged = np.where(np.isin(labels, keep), labels, np.asarray(keep)[nearest])
    return _compact(merged.astype(np.int64))


def word_clusters(
    words: Sequence[Word],
    spans: Sequence[tuple[float, float]],
    labels: npt.NDArray[np.int64],
    hop_s: float,
) -> list[int]:
    """Each word's cluster: the vote of the windows whose central ``hop_s`` it overlaps."""
    if not words:
        return []
    if not spans:
        return [0] * len(words)
    centres = np.asarray([(a + b) / 2 for a, b in spans])
    order = np.argsort(centres, kind="stable")
    centres = centres[order]
    sorted_labels = labels[order]
    k = int(labels.max()) + 1
    half = hop_s / 2
    out: list[int] = []
    for w in words:
        lo = int(np.searchsorted(centres, w.start - half, side="left"))
        hi = int(np.searchsorted(centres, w.end + half, side="right"))
        votes = np.zeros(k)
        for i in range(lo, hi):
            overlap = min(w.end, centres[i] + half) - max(w.start, centres[i] - half)
            if overlap > 0:
                votes[sorted_labels[i]] += overlap
        if votes.any():
            out.append(int(np.argmax(votes)))
        else:
            mid = (w.start + w.end) / 2
            j = int(np.argmin(np.abs(centres - mid)))
            out.append(int(sorted_labels[j]))
    return out


def smooth_runs(words: Sequence[Word], clusters: Sequence[int], min_turn_s: float) -> list[int]:
    """Absorb runs of at most two words shorter than ``min_turn_s`` into a neighbouring run.

    Linear passes (a merge can leave a new short run, so up to ``SMOOTH_PASSES`` of them).
    """
    labels = list(clusters)
    for _ in range(SMOOTH_PASSES):
        runs = _runs(labels)
        if len(runs) < 2:
            break
        changed = False
        for idx, (a, b) in enumerate(runs):
            if b - a > 2 or words[b - 1].end - words[a].start >= min_turn_s:
                continue
            # Join the neighbour the run is closer to in time (no pause means same turn).
            gap_left = words[a].start - words[runs[idx - 1][1] - 1].end if idx > 0 else math.inf
            has_right = idx + 1 < len(runs)
            gap_right = words[runs[idx + 1][0]].start - words[b - 1].end if has_right else math.inf
            source = runs[idx - 1][0] if gap_left <= gap_right else runs[idx + 1][0]
            target = labels[source]
            if target != labels[a]:
                labels[a:b] = [target] * (b - a)
                changed = True
        if not changed:
            break
    return labels


def _runs(labels: Sequence[object]) -> list[tuple[int, int]]:
    runs: list[tuple[int, int]] = []
    start = 0
    for i in range(1, len(labels) + 1):
        if i == len(labels) or labels[i] != labels[start]:
            runs.append((start, i))
            start = i
    return runs


def name_clusters(
    words: Sequence[Word], clusters: Sequence[int], host_window_s: float, host_rule: str
) -> dict[int, str]:
    """Map cluster ids to ``host``, ``guest``, ``speaker_3``... (by speech time)."""
    if not clusters:
        return {}
    total: dict[int, float] = {}
    opening: dict[int, float] = {}
    first = min(w.start for w in words)
    for w, c in zip(words, clusters, strict=True):
        length = max(w.end - w.start, 0.01)
        total[c] = total.get(c, 0.0) + length
        if w.start < first + host_window_s:
            opening[c] = opening.get(c, 0.0) + length
    by_total = sorted(total, key=lambda c: (-total[c], c))
    opener = _opening_turn(words, clusters, first + host_window_s)
    if host_rule == "first" and opener is not None:
        host = opener
    elif host_rule == "most" or not opening:
        host = by_total[0]
    else:
        host = max(opening, key=lambda c: (opening[c], total[c]))
    names = {host: HOST}
    rest = [c for c in by_total if c != host]
    for i, c in enumerate(rest):
        names[c] = GUEST if i == 0 else f"speaker_{i + 2}"
    return names


def _opening_turn(words: Sequence[Word], clusters: Sequence[int], before_s: float) -> int | None:
    """The cluster of the first run of words lasting ``OPENING_TURN_S`` that starts in time."""
    for a, b in _runs(clusters):
        if words[a].start >= before_s:
            break
        if words[b - 1].end - words[a].start >= OPENING_TURN_S:
            return clusters[a]
    return None


def label_segments(
    segments: Sequence[Segment], words: Sequence[Word], names: Sequence[str]
) -> tuple[Segment, ...]:
    """Give each segment its words' speaker, splitting it where the speaker changes.

    ``words``/``names`` run over the segments' words in order. A segment without words takes
    the speaker of the nearest labelled word.
    """
    out: list[Segment] = []
    i = 0
    times = np.asarray([(w.start + w.end) / 2 for w in words]) if words else np.zeros(0)
    for seg in segments:
        n = len(seg.words)
        seg_names = list(names[i : i + n])
        i += n
        if not seg_names:
            speaker = _nearest(times, names, (seg.start + seg.end) / 2)
            out.append(replace(seg, speaker=speaker))
            continue
        runs = _runs(seg_names)
        if len(runs) == 1:
            out.append(replace(seg, speaker=seg_names[0]))
            continue
        for k, (a, b) in enumerate(runs):
            part = seg.words[a:b]
            out.append(
                Segment(
                    start=seg.start if k == 0 else part[0].start,
                    end=seg.end if k == len(runs) - 1 else part[-1].end,
                    text=join_words(part),
                    words=part,
                    speaker=seg_names[a],
                )
            )
    return tuple(out)


def join_words(words: Sequence[Word]) -> str:
    """Words back into text; pieces Whisper splits off ("O" + "'Kaffa", "don" + "'t") rejoin."""
    text = ""
    for w in words:
        piece = w.text.strip()
        if text and piece and (piece[0] in "'\u2019" or not any(ch.isalnum() for ch in piece)):
            text += piece
        else:
            text = f"{text} {piece}" if text else piece
    return text


def _nearest(times: npt.NDArray[np.float64], names: Sequence[str], t: float) -> str | None:
    if not len(times):
        return None
    return names[int(np.argmin(np.abs(times - t)))]


def speaker_stats(segments: Sequence[Segment]) -> list[SpeakerStats]:
    """Seconds of words and segment count per speaker, host first, then by speech time."""
    seconds: dict[str, float] = {}
    counts: dict[str, int] = {}
    for seg in segments:
        if seg.speaker is None:
            continue
        spoken = sum(w.end - w.start for w in seg.words) if seg.words else seg.end - seg.start
        seconds[seg.speaker] = seconds.get(seg.speaker, 0.0) + spoken
        counts[seg.speaker] = counts.get(seg.speaker, 0) + 1
    order = sorted(seconds, key=lambda s: (s != HOST, s != GUEST, -seconds[s], s))
    return [SpeakerStats(s, round(seconds[s], 2), counts[s]) for s in order]


def diarize_segments(
    segments: Sequence[Segment],
    spans: Sequence[tuple[float, float]],
    embeddings: Array,
    options: DiarizationOptions,
) -> tuple[Segment, ...]:
    """Label (and split) segments from window embeddings made over ``spans``."""
    words = [w for s in segments for w in s.words]
    if not words or len(spans) == 0:
        return tuple(replace(s, speaker=HOST) for s in segments)
    labels = cluster_windows(embeddings, options)
    labels = merge_small_clusters(embeddings, labels, spans, options.hop_s, options.min_speaker_s)
    clusters = word_clusters(words, spans, labels, options.hop_s)
    clusters = smooth_runs(words, clusters, options.min_turn_s)
    names = name_clusters(words, clusters, options.host_window_s, options.host_rule)
    logger.info("diarization: %d windows, %d speakers", len(spans), len(set(clusters)))
    return label_segments(segments, words, [names[c] for c in clusters])
