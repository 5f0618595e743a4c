"""Head training, weights files, data handling, validation and metrics: numpy only, no MiniLM."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from podclip.scoring.classifier import (
    SIDECAR_PATH,
    load_committed_domain,
    load_committed_head,
    model_version,
    n_cue_features,
    read_sidecar,
)
from podclip.scoring.dataset import (
    DATA_DIR,
    Example,
    asr_bare,
    asr_lower,
    augment,
    data_files,
    data_hash,
    load_examples,
    marked_turns,
    read_jsonl,
    read_real,
    split_turns,
    without_timestamps,
)
from podclip.scoring.embedder import Embedder
from podclip.scoring.head import FitSettings, fit_head, load_head, mean_head, save_head
from podclip.scoring.labels import LABELS
from podclip.scoring.metrics import evaluate_predictions, fit_platt, reliability
from podclip.scoring.rank_eval import HeldOutHeads
from podclip.scoring.train import (
    NONE_RECALL_TARGET,
    TrainingSet,
    argmax_labels,
    cached_embed,
    choose_none_bias,
    fit_on,
    head_for,
    load_embedding_cache,
    save_embedding_cache,
    validate,
    with_none_bias,
)


def toy_data(n: int = 90, d: int = 6, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    centers = rng.normal(0, 3, size=(3, d))
    x = centers[y] + rng.normal(0, 1, size=(n, d))
    return x.astype(np.float32), y.astype(np.int64)


def test_head_learns_and_is_deterministic() -> None:
    x, y = toy_data()
    labels = ("a", "b", "c")
    settings = FitSettings(steps=300, seed=1)
    head = fit_head(x, y, labels, n_cues=2, settings=settings)
    again = fit_head(x, y, labels, n_cues=2, settings=settings)
    assert head.content_hash() == again.content_hash()
    probs = head.predict_proba(x)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
    assert (probs.argmax(axis=1) == y).mean() > 0.9


def test_mean_head_is_the_geometric_mean_of_its_heads() -> None:
    x, y = toy_data()
    labels = ("a", "b", "c")
    heads = [fit_head(x, y, labels, 0, FitSettings(steps=80, seed=seed)) for seed in (1, 2)]
    mean = mean_head(heads)
    np.testing.assert_allclose(
        mean.logits(x), (heads[0].logits(x) + heads[1].logits(x)) / 2, rtol=1e-5, atol=1e-5
    )
    geometric = np.sqrt(heads[0].predict_proba(x) * heads[1].predict_proba(x))
    geometric /= geometric.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(mean.predict_proba(x), geometric, rtol=1e-4, atol=1e-6)
    assert not np.allclose(mean.weights, heads[0].weights)
    other = fit_head(x + 1.0, y, labels, 0, FitSettings(steps=80))  # another standardisation
    with pytest.raises(ValueError, match="standardisation"):
        mean_head([heads[0], other])


def test_head_round_trip(tmp_path: Path) -> None:
    x, y = toy_data()
    head = fit_head(x, y, ("a", "b", "c"), 0, FitSettings(steps=50)).with_calibration(1.5, -0.5)
    path = tmp_path / "head.npz"
    save_head(head, path)
    loaded = load_head(path)
    assert loaded.labels == head.labels
    assert loaded.content_hash() == head.content_hash()
    np.testing.assert_array_equal(loaded.predict_proba(x), head.predict_proba(x))
    assert model_version(loaded).startswith("minilm-gemma7-head-")


def test_metrics() -> None:
    gold = ["a", "a", "b", "b", "c"]
    pred = ["a", "b", "b", "b", "none"]
    report = evaluate_predictions(gold, pred, ("a", "b", "c", "none"))
    assert report.labels == ("a", "b", "c")
    assert report.per_class["a"].precision == 1.0
    assert report.per_class["a"].recall == 0.5
    assert report.per_class["b"].precision == pytest.approx(2 / 3)
    assert report.per_class["c"].f1 == 0.0
    assert report.macro_f1 == pytest.approx((2 / 3 + 0.8 + 0.0) / 3)
    assert report.confusion_labels == ("a", "b", "c", "none")
    assert report.confusion[0] == (1, 1, 0, 0)


def test_read_jsonl_needs_only_text_and_label(tmp_path: Path) -> None:
    path = tmp_path / "x.jsonl"
    rows = [{"text": f"line {i}", "label": "none"} for i in range(10)]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    examples = read_jsonl(path)
    assert [e.split for e in examples].count("validation") == 2  # every 5th line
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "label": "weird"}) + "\n")
    with pytest.raises(ValueError, match="unknown label"):
        read_jsonl(bad)


def test_transcript_like_variants() -> None:
    text = "Look, I'll say it. By 2030, solar wins—no question!"
    assert asr_lower(text) == "look i'll say it. by 2030 solar wins no question!"
    assert asr_bare(text) == "look i'll say it by 2030 solar wins no question"
    rows = augment([Example(text, "bold_prediction", group=0)], 1, ("asr_lower", "asr_bare"))
    assert len(rows) == 3
    assert {r.group for r in rows} == {0}
    assert augment([Example(text, "none", group=0)], 1, ("rechunk",)) == augment(
        [Example(text, "none", group=0)], 1, ("rechunk",)
    )


def test_data_hash_is_order_independent(tmp_path: Path) -> None:
    a, b = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    a.write_text("1\n")
    b.write_text("2\n")
    assert data_hash([a, b]) == data_hash([b, a])


def test_committed_weights_match_data_and_sidecar() -> None:
    head = load_committed_head()
    sidecar = read_sidecar()
    if head is None or not sidecar:
        pytest.skip("no committed weights yet (run python -m scoring.train)")
    assert head.labels == LABELS
    assert sidecar["weights_sha256"] == head.content_hash()
    assert sidecar["model_version"] == model_version(head, load_committed_domain())
    files = data_files()
    if files:
        assert sidecar["data_sha256"] == data_hash(files), (
            f"weights in {SIDECAR_PATH.parent} were trained on other data: retrain"
        )


def test_split_turns_keeps_speakers_and_strips_markers() -> None:
    passage = "end of a turn.\n\n[speaker 1] Hello there. How are you?\n\n[speaker 0] Fine."
    assert split_turns(passage, "0") == (
        ("0", "end of a turn."),
        ("1", "Hello there. How are you?"),
        ("0", "Fine."),
    )
    assert split_turns("[speaker 2] Only one.", None) == (("2", "Only one."),)


def shared_transcript(tmp_path: Path, name: str, text: str) -> None:
    """A transcript at `<tmp>/shared/transcripts/<name>`, where label files cite it."""
    path = tmp_path / "shared" / "transcripts" / name
    path.parent.mkdir(parents=True)
    path.write_text(text, encoding="utf-8")


def test_read_real_resolves_passages_from_the_shared_folder(tmp_path: Path) -> None:
    transcript = "# header\n\n[speaker 0] Intro words here. More intro.\n\n[speaker 1] A reply."
    shared_transcript(tmp_path, "show/7.turns.txt", transcript)
    start = transcript.index("More intro.")
    labels = tmp_path / "data" / "real" / "7.jsonl"
    labels.parent.mkdir(parents=True)
    row = {"file": "show/7.turns.txt", "episode": "7", "offset": start, "label": "none"}
    row["length"] = len(transcript) - start
    labels.write_text(json.dumps(row) + "\n", encoding="utf-8")
    [example] = read_real(labels, tmp_path / "shared")
    assert example.origin == "real" and example.episode == "7" and example.split == "train"
    assert example.turns == (("0", "More intro."), ("1", "A reply."))
    assert example.text == "More intro. A reply."
    assert load_examples([labels], tmp_path / "shared")[0].turns == example.turns
    with pytest.raises(FileNotFoundError, match="PODCLIP_SHARED_DATA"):
        read_real(labels, tmp_path / "elsewhere")


def test_read_jsonl_turns_speaker_markers_into_turns(tmp_path: Path) -> None:
    copied = "[speaker 0] So what happened?\n\n[speaker 1] We lost it all. Every cent."
    path = tmp_path / "x.jsonl"
    rows = [{"text": copied, "label": "emotional_story"}, {"text": "No markers.", "label": "none"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    marked, plain = read_jsonl(path)
    assert marked.turns == (("0", "So what happened?"), ("1", "We lost it all. Every cent."))
    assert marked.text == "So what happened? We lost it all. Every cent."
    assert plain.speaker_turns() == ((None, "No markers."),)
    diarized = "SPEAKER_00: Did it work?\nSPEAKER_01: It did.\n[Speaker 2] Barely."
    assert [s for s, _ in marked_turns(diarized)] == ["SPEAKER_00", "SPEAKER_01", "2"]
    interview = "Host: Welcome back.\nGuest 2: Thanks. It's great.\nHost: So, tell me."
    assert marked_turns(interview) == (
        ("Host", "Welcome back."),
        ("Guest 2", "Thanks. It's great."),
        ("Host", "So, tell me."),
    )
    names = "Joe Rogan: That's crazy, man.\nDr. Lee: It is. Note: the data is clear."
    assert [s for s, _ in marked_turns(names)] == ["Joe Rogan", "Dr. Lee"]
    # Only a line's opening names a speaker: a colon inside a sentence is text, and a lone
    # capitalised word before a colon is a label only where another line has one too.
    assert marked_turns("The speaker 1: no, that's the rule.") == ()
    assert marked_turns("Note: one line only. I said: no way.") == ()


def test_time_stamps_are_taken_out_of_a_pasted_text(tmp_path: Path) -> None:
    stamped = "[00:01:23] Host: Welcome back.\n[00:01:30] Guest (1:02:03.5): We left at 5:30."
    subtitles = "1\n00:00:01,000 --> 00:00:04,000\nWe started in a garage.\n\n2\nIt was cold."
    path = tmp_path / "x.jsonl"
    rows = [{"text": stamped, "label": "none"}, {"text": subtitles, "label": "how_to"}]
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    interview, captions = read_jsonl(path)
    assert interview.turns == (("Host", "Welcome back."), ("Guest", "We left at 5:30."))
    assert captions.text == "We started in a garage. It was cold."
    # Times said in a sentence, ratios and figures stay.
    said = "At 5:30 we left (the ratio was 3:1). In 2019 it was 42."
    assert without_timestamps(said) == said


def test_read_jsonl_resolves_cited_passages(tmp_path: Path) -> None:
    transcript = "[speaker 0] Before. The passage starts.\n\n[speaker 3] And ends here."
    shared_transcript(tmp_path, "other/5.turns.txt", transcript)
    start = transcript.index("The passage")
    row = {"file": "other/5.turns.txt", "offset": start, "length": len(transcript) - start}
    path = tmp_path / "eval.jsonl"
    path.write_text(json.dumps({**row, "label": "none"}) + "\n", encoding="utf-8")
    [example] = read_jsonl(path, tmp_path / "shared")
    assert example.turns == (("0", "The passage starts."), ("3", "And ends here."))
    assert example.source == f"other/5.turns.txt@{start}+{row['length']}"
    path.write_text(json.dumps({"label": "none"}) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="needs `text`, or `file`"):
        read_jsonl(path)


def test_written_data_is_marked_written() -> None:
    for path in data_files():
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        expected = "real" if path.parent.name == "real" else "written"
        assert {row["origin"] for row in rows} == {expected}, path


def test_experiment_files_load_as_written_text_and_are_not_trained_on() -> None:
    """`data/experiments/` holds measured, not trained-on, data: it must stay loadable."""
    experiments = sorted((DATA_DIR / "experiments").glob("*.jsonl"))
    assert experiments
    for path in experiments:
        assert path not in data_files(), path
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        examples = read_jsonl(path)
        assert len(examples) == len(rows), path
        assert {e.origin for e in examples} == {"written"}, path
        assert {e.label for e in examples} <= set(LABELS), path
        assert all(e.text.strip() for e in examples), path
        # Turns written as `[speaker N]` markers come back as turns, their markers gone.
        for row, example in zip(rows, examples, strict=True):
            if "[speaker" in row["text"]:
                assert example.turns and "[speaker" not in example.text, path


def test_written_texts_train_as_written() -> None:
    """What cleans a pasted text (labels, time stamps) leaves every training text as it is: the
    committed head was trained on them verbatim."""
    for path in data_files():
        if path.parent.name == "real":
            continue
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        examples = read_jsonl(path)
        assert [e.text for e in examples] == [row["text"] for row in rows], path
        assert not any(e.turns for e in examples), path


def test_reliability_and_ece() -> None:
    table, ece = reliability([5.0, 15.0, 95.0, 95.0], [False, True, True, False])
    assert [b.n for b in table] == [1, 1, 0, 0, 0, 0, 0, 0, 0, 2]
    assert table[9].share_moments == 0.5
    assert ece == pytest.approx((0.05 + 0.85 + 2 * 0.45) / 4)
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 20000)
    _, calibrated = reliability(100 * p, rng.uniform(0, 1, 20000) < p)
    assert calibrated < 0.02


def test_platt_recovers_a_logistic_relation() -> None:
    rng = np.random.default_rng(1)
    x = rng.normal(0, 2, 20000)
    y = rng.uniform(0, 1, 20000) < 1 / (1 + np.exp(-(0.7 * x - 1.0)))
    slope, intercept = fit_platt(x, y)
    assert slope == pytest.approx(0.7, abs=0.05)
    assert intercept == pytest.approx(-1.0, abs=0.05)


def toy_training_set(flip: str | None = None) -> TrainingSet:
    """Four episodes of separable toy passages; `flip` relabels one episode's gold labels."""
    rng = np.random.default_rng(3)
    d = 8 + n_cue_features() + 1
    centers = rng.normal(0, 2, size=(len(LABELS), d))
    written_y = np.arange(90) % len(LABELS)
    written = centers[written_y] + rng.normal(0, 1, size=(90, d))
    real_y = np.where(np.arange(80) % 4 == 0, np.arange(80) % len(LABELS), len(LABELS) - 1)
    real = centers[real_y] + rng.normal(0, 1.5, size=(80, d))
    episodes = np.asarray([str(i % 4) for i in range(80)])
    targets = real_y.copy()
    if flip is not None:
        targets[episodes == flip] = (targets[episodes == flip] + 1) % len(LABELS)
    examples = tuple(
        Example(f"Passage {i} says something.", LABELS[t], origin="real", episode=e)
        for i, (t, e) in enumerate(zip(targets, episodes, strict=True))
    )
    return TrainingSet(
        written.astype(np.float32),
        written_y.astype(np.int64),
        real.astype(np.float32),
        targets.astype(np.int64),
        real[:, :].astype(np.float32),
        episodes,
        examples,
    )


def test_leave_one_episode_out_never_uses_the_held_out_labels() -> None:
    result, _ = validate(toy_training_set())
    assert {"macro_f1", "none_recall", "ece", "reliability", "per_class"} <= set(result)
    assert len(result["predictions"]) == 80
    assert sum(row["n"] for row in result["reliability"]) == 80
    flipped, _ = validate(toy_training_set(flip="2"))
    held = [i for i in range(80) if i % 4 == 2]
    assert [flipped["predictions"][i] for i in held] == [result["predictions"][i] for i in held]
    assert [flipped["scores"][i] for i in held] == [result["scores"][i] for i in held]
    assert flipped["predictions"] != result["predictions"]


def test_held_out_heads_never_see_their_episode() -> None:
    embedder = Embedder(tokenizer=None, model=None)
    heads = HeldOutHeads(toy_training_set(), embedder)
    flipped = HeldOutHeads(toy_training_set(flip="2"), embedder)
    without_2 = heads.classifier("2")
    assert without_2 is not None and without_2.version.endswith("(without 2)")
    same = flipped.classifier("2")
    assert same is not None
    np.testing.assert_array_equal(same.head.weights, without_2.head.weights)
    np.testing.assert_array_equal(same.head.bias, without_2.head.bias)
    np.testing.assert_array_equal(same.head.calibration, without_2.head.calibration)
    changed = flipped.classifier("1")
    assert changed is not None
    assert not np.array_equal(changed.head.weights, heads.classifier("1").head.weights)  # type: ignore[union-attr]
    # An episode the training never labelled: the committed head already never saw it.
    assert heads.classifier("99") is None and heads.classifier(None) is None


def test_head_for_folds_the_chosen_none_bias_into_the_head() -> None:
    data = toy_training_set()
    pool = data.episodes != "3"
    head, choice = head_for(data, pool)
    plain = fit_on(data, pool, choice.l2)
    none = LABELS.index("none")
    assert head.bias[none] == pytest.approx(plain.bias[none] + choice.none_bias)
    others = [i for i in range(len(LABELS)) if i != none]
    np.testing.assert_array_equal(head.bias[others], plain.bias[others])
    assert tuple(head.calibration) == pytest.approx(choice.calibration)


def test_none_bias_reaches_the_recall_target() -> None:
    rng = np.random.default_rng(5)
    gold = ["none"] * 60 + ["how_to"] * 40
    probs = rng.dirichlet(np.ones(len(LABELS)), size=100)
    bias = choose_none_bias(probs, gold)
    predicted = argmax_labels(with_none_bias(probs, bias))
    recall = sum(p == "none" for p, g in zip(predicted, gold, strict=True) if g == "none") / 60
    assert recall >= NONE_RECALL_TARGET


def test_embedding_cache_is_reused_only_for_the_same_embedder(tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def embed(sentences: Sequence[str]) -> np.ndarray:
        calls.append(list(sentences))
        return np.asarray([[len(s), 1.0] for s in sentences], dtype=np.float32)

    path = tmp_path / "vectors.npz"
    first: dict[str, np.ndarray] = {}
    cached_embed(embed, first)(["One sentence.", "Two."])
    save_embedding_cache(path, first)
    again = load_embedding_cache(path)
    out = cached_embed(embed, again)(["Two.", "A new one."])
    assert calls == [["One sentence.", "Two."], ["A new one."]]  # "Two." came from the file
    np.testing.assert_array_equal(out[0], [4.0, 1.0])
    with np.load(path) as saved:
        other = {k: saved[k] for k in saved.files} | {"embedder": np.asarray("another-model")}
    np.savez(path, **other)
    assert load_embedding_cache(path) == {}
    assert load_embedding_cache(tmp_path / "missing.npz") == {}
