"""Clustering, word labelling, host/guest naming and segment splitting on small synthetic inputs."""

from __future__ import annotations

import json

import numpy as np

from podclip.core.records import Transcript
from podclip.core.settings import SpeakerSettings
from podclip.scoring.diarization import (
    DiarizationOptions,
    cluster_windows,
    diarize_segments,
    join_words,
    label_segments,
    merge_small_clusters,
    name_clusters,
    smooth_runs,
    speaker_stats,
    speech_regions,
    window_spans,
    word_clusters,
)
from podclip.scoring.shownotes import guest_name_from_opening, host_name_from_opening
from podclip.scoring.types import Segment, Word
from podclip.tasks.diarize import diarization_options, speaker_names, speakers_output


def _voices(pattern: list[int], dim: int = 32, noise: float = 0.15, seed: int = 0) -> np.ndarray:
    """Unit vectors around one random centre per voice id in ``pattern``."""
    rng = np.random.default_rng(seed)
    # Voice k lives mostly in its own block of dimensions: cosine distance about 0.6 apart.
    centres = np.full((max(pattern) + 1, dim), 0.3)
    for k in range(len(centres)):
        centres[k, k * 4 : k * 4 + 4] = 1.0
    out = centres[pattern] + noise * rng.normal(size=(len(pattern), dim))
    out = np.abs(out)
    return (out / np.linalg.norm(out, axis=1, keepdims=True)).astype(np.float32)


def _words(spec: list[tuple[float, float, str]]) -> list[Word]:
    return [Word(a, b, t) for a, b, t in spec]


def test_speech_regions_merge_close_words_and_windows_stay_inside() -> None:
    words = _words([(0.0, 0.5, "a"), (0.6, 1.0, "b"), (3.0, 3.2, "c"), (10.0, 14.0, "d")])
    regions = speech_regions(words, gap_s=0.5)
    assert regions == [(0.0, 1.0), (3.0, 3.2), (10.0, 14.0)]
    spans = window_spans(regions, window_s=1.5, hop_s=0.75, duration_s=20.0)
    # The 1 s region gets one centred window; the 0.2 s one is too short to embed.
    assert spans[0] == (0.0, 1.5)
    long = [s for s in spans if s[0] >= 9.0]
    assert long[0] == (10.0, 11.5) and long[-1] == (12.5, 14.0)
    assert all(a >= 10.0 and b <= 14.0 for a, b in long)
    assert all(abs((b - a) - 1.5) < 1e-9 for a, b in spans)


def test_two_voices_cluster_apart_and_one_voice_stays_one() -> None:
    pattern = [0] * 30 + [1] * 20 + [0] * 10
    labels = cluster_windows(_voices(pattern), DiarizationOptions(threshold=0.3))
    assert len(set(labels.tolist())) == 2
    assert all(labels[i] == labels[0] for i in range(30)) and labels[30] != labels[0]
    one = cluster_windows(_voices([0] * 40, noise=0.05), DiarizationOptions(threshold=0.3))
    assert set(one.tolist()) == {0}


def test_speaker_count_hint_ignores_stray_windows() -> None:
    # Two voices plus two outlier windows: asking for two speakers must not spend one on noise.
    pattern = [0] * 20 + [2] + [1] * 20 + [3]
    emb = _voices(pattern, noise=0.1)
    labels = cluster_windows(emb, DiarizationOptions(num_speakers=2, min_speaker_s=3.0))
    assert len(set(labels.tolist())) == 2
    assert len(set(labels[:20].tolist())) == 1 and len(set(labels[21:41].tolist())) == 1
    assert labels[0] != labels[25]


def test_small_clusters_fold_into_nearest() -> None:
    emb = _voices([0] * 20 + [1] * 2)
    labels = np.asarray([0] * 20 + [1] * 2, dtype=np.int64)
    spans = [(i * 0.75, i * 0.75 + 1.5) for i in range(22)]
    merged = merge_small_clusters(emb, labels, spans, hop_s=0.75, min_speaker_s=4.0)
    assert set(merged.tolist()) == {0}


def test_words_vote_by_central_window_and_short_flips_are_smoothed() -> None:
    words = _words([(0.0, 0.4, "one"), (0.5, 0.9, "two"), (1.0, 1.3, "three"), (3.0, 3.4, "x")])
    spans = [(0.0, 1.5), (0.75, 2.25), (2.5, 4.0)]
    labels = np.asarray([0, 0, 1], dtype=np.int64)
    assert word_clusters(words, spans, labels, hop_s=0.75) == [0, 0, 0, 1]
    seq = _words([(i * 0.5, i * 0.5 + 0.4, f"w{i}") for i in range(8)])
    flips = [0, 0, 0, 1, 0, 0, 0, 0]
    assert smooth_runs(seq, flips, min_turn_s=0.8) == [0] * 8
    long_turn = [0, 0, 0, 1, 1, 1, 0, 0]
    assert smooth_runs(seq, long_turn, min_turn_s=0.8) == long_turn


def test_host_is_who_opens_even_when_the_guest_talks_more_in_the_first_minute() -> None:
    # Host: a 10 s introduction; guest: 40 s of answers in the first minute.
    words = _words([(0.0, 10.0, "intro"), (10.5, 50.0, "answer"), (51.0, 53.0, "q")])
    clusters = [1, 0, 1]
    assert name_clusters(words, clusters, 60.0, "first") == {1: "host", 0: "guest"}
    assert name_clusters(words, clusters, 60.0, "opening") == {0: "host", 1: "guest"}
    three = name_clusters(words, [1, 0, 2], 60.0, "first")
    assert three == {1: "host", 0: "guest", 2: "speaker_3"}


def test_segments_split_where_the_speaker_changes() -> None:
    words = (Word(0.0, 0.4, "Hello"), Word(0.5, 0.9, "there."), Word(1.5, 1.9, "Hi!"))
    seg = Segment(0.0, 2.0, "Hello there. Hi!", words)
    out = label_segments([seg], list(words), ["host", "host", "guest"])
    assert [(s.speaker, s.text, s.start, s.end) for s in out] == [
        ("host", "Hello there.", 0.0, 0.9),
        ("guest", "Hi!", 1.5, 2.0),
    ]
    whole = label_segments([seg], list(words), ["guest"] * 3)
    assert whole == (Segment(0.0, 2.0, "Hello there. Hi!", words, "guest"),)


def test_diarize_segments_end_to_end_on_synthetic_embeddings() -> None:
    # Host speaks 0-12 s, guest 12-30 s; one window per 0.75 s.
    words = [Word(t, t + 0.6, f"w{i}") for i, t in enumerate(np.arange(0.0, 30.0, 0.75))]
    segments = [Segment(0.0, 30.0, " ".join(w.text for w in words), tuple(words))]
    spans = window_spans(speech_regions(words), 1.5, 0.75, 30.0)
    centres = [(a + b) / 2 for a, b in spans]
    emb = _voices([0 if c < 12.0 else 1 for c in centres])
    out = diarize_segments(segments, spans, emb, DiarizationOptions())
    assert [s.speaker for s in out] == ["host", "guest"]
    assert abs(out[1].words[0].start - 12.0) <= 0.75
    stats = speaker_stats(out)
    assert [s.label for s in stats] == ["host", "guest"]
    assert stats[1].seconds > stats[0].seconds


def test_join_words_rejoins_split_pieces() -> None:
    words = [Word(0, 1, "Daniel"), Word(1, 2, "O"), Word(2, 3, "'Kaffa"), Word(3, 4, ",")]
    assert join_words(words) == "Daniel O'Kaffa,"


def test_names_from_the_opening() -> None:
    def seg(text: str) -> Segment:
        return Segment(0.0, 10.0, text)

    opening = [
        seg(
            "Hello and welcome to The Long Game. I am Maya. "
            "Today I am talking with Daniel Okafor, who runs a company."
        )
    ]
    assert guest_name_from_opening(opening) == "Daniel Okafor"
    assert host_name_from_opening(opening) == "Maya"
    assert guest_name_from_opening([seg("My guest today is Ada Lovelace.")]) == "Ada Lovelace"
    assert (
        guest_name_from_opening([seg("Joining me is Grace Hopper, an admiral.")]) == "Grace Hopper"
    )
    assert (
        host_name_from_opening([seg("I'm your host, Sam Harris, and this is the show.")])
        == "Sam Harris"
    )
    assert guest_name_from_opening([seg("Welcome back to the show. Let's talk money.")]) is None
    assert host_name_from_opening([seg("I am excited to be here.")]) is None


def test_job_names_win_and_speakers_output_shape() -> None:
    words = (Word(0.0, 1.0, "Hi."),)
    transcript = Transcript(
        segments=(
            Segment(0.0, 1.0, "I'm Maya. My guest is Ada Lovelace.", words, "host"),
            Segment(1.0, 3.0, "Hello.", (Word(1.0, 3.0, "Hello."),), "guest"),
        ),
        language="en",
        duration_seconds=3.0,
        model_id="tiny.en",
    )
    assert speaker_names(transcript, None, {}) == ("Maya", "Ada Lovelace")
    assert speaker_names(transcript, "Grace", {"host_name": "Sam"}) == ("Sam", "Grace")
    out = speakers_output(transcript, "Ada Lovelace")
    assert out.kind == "speakers"
    body = json.loads(out.body or "")
    assert body["host"] == "host" and body["guest_name"] == "Ada Lovelace"
    assert body["speakers"] == [
        {"label": "host", "seconds": 1.0, "segments": 1},
        {"label": "guest", "seconds": 2.0, "segments": 1},
    ]


def test_job_options_reach_the_diarizer() -> None:
    opts = diarization_options(SpeakerSettings(), {"speakers": 3, "host_speaker": "most"})
    assert opts.num_speakers == 3 and opts.host_rule == "most"
    default = diarization_options(SpeakerSettings(), {"host_speaker": "bogus"})
    assert default.num_speakers is None and default.host_rule == "first"
