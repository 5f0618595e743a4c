"""The second labelling of the real passages (`scoring/data/second/`) and its checks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from podclip.scoring.agreement import (
    agreement,
    labeller_report,
    load_label_sets,
    main,
    model_against_labellers,
)
from podclip.scoring.dataset import DATA_DIR, real_files
from podclip.scoring.labels import LABELS


def test_every_real_passage_has_a_second_label_and_every_disagreement_a_verdict() -> None:
    sets = load_label_sets()
    first = [
        json.loads(line)["label"]
        for path in real_files()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip()
    ]
    assert list(sets.first) == first
    assert len(sets.second) == len(first) >= 500
    assert set(sets.second) <= set(LABELS) and set(sets.adjudicated) <= set(LABELS)
    for a, b, c in zip(sets.first, sets.second, sets.adjudicated, strict=True):
        assert c == a if a == b else c in LABELS


def test_the_labellers_agree_well_above_chance() -> None:
    report = labeller_report()
    pair = report["second_vs_first"]
    assert pair["n"] == len(load_label_sets().first)
    assert 0.4 < pair["kappa"] < 1.0  # real disagreement, far from chance
    adj = report["adjudication"]
    assert adj["first"] + adj["second"] + adj["neither"] == adj["disagreements"] > 0


def test_predictions_are_scored_against_every_labelling() -> None:
    sets = load_label_sets()
    as_first = model_against_labellers(sets.first, sets)
    assert as_first["first"]["macro_f1"] == 1.0 and as_first["first"]["kappa"] == 1.0
    assert as_first["second"] == agreement(sets.second, sets.first)
    assert as_first["adjudicated"] == agreement(sets.adjudicated, sets.first)
    with pytest.raises(ValueError, match="predictions for"):
        model_against_labellers(sets.first[:-1], sets)


def _copy_data(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA_DIR / "real", data / "real")
    shutil.copytree(DATA_DIR / "second", data / "second")
    return data


def test_a_passage_without_a_second_label_is_named(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "second" / "20.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines()
    dropped = json.loads(lines[3])
    lines[3] = json.dumps({**dropped, "offset": dropped["offset"] + 1})
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=f"no second label for .*{dropped['offset']}"):
        load_label_sets(data)


def test_an_unsettled_disagreement_is_refused(tmp_path: Path) -> None:
    data = _copy_data(tmp_path)
    path = data / "second" / "23.jsonl"
    rows = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
    row = next(r for r in rows if "adjudicated" in r)
    del row["adjudicated"]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    with pytest.raises(ValueError, match="not adjudicated"):
        load_label_sets(data)


def test_cli_prints_the_table_and_fails_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    main([])
    out = capsys.readouterr().out
    assert "second vs first" in out and "disagreements" in out
    data = _copy_data(tmp_path)
    (data / "second" / "9.jsonl").unlink()
    with pytest.raises(SystemExit, match=r"9\.jsonl has no second labelling"):
        main(["--data-dir", str(data)])
