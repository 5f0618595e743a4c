"""The context encoder: Gemma 3 270M's lower layers from the packaged GGUF, really run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from podclip.scoring.context_encoder import (
    CACHE_ENV,
    CONTEXT_DIM,
    MAX_TOKENS,
    cache_dir,
    load_context_encoder,
)

LINE = "I quit my job the day my daughter was born, and I never looked back."


def test_states_are_summed_per_sentence_over_its_tokens() -> None:
    enc = load_context_encoder()
    states = enc.encode(["Hello there.", LINE])
    assert states.sums.shape == (2, CONTEXT_DIM)
    assert states.sums.dtype == np.float32
    assert np.isfinite(states.sums).all()
    expected = len(enc.tokenizer(" " + LINE, add_special_tokens=False)["input_ids"])
    assert states.counts[1] == expected


def test_a_sentence_reads_what_was_said_before_it() -> None:
    enc = load_context_encoder()
    after_joke = enc.encode(["That was the funniest thing I ever heard.", LINE])
    after_loss = enc.encode(["My father died that spring.", LINE])
    assert not np.allclose(after_joke.sums[1], after_loss.sums[1], rtol=1e-3)
    # A new document forgets the earlier text: the line reads the same wherever it follows.
    fresh_a = enc.encode(["That was the funniest thing I ever heard.", LINE], [True, True])
    fresh_b = enc.encode(["My father died that spring.", LINE], [True, True])
    np.testing.assert_allclose(fresh_a.sums[1], fresh_b.sums[1], rtol=1e-4, atol=1e-3)


def test_a_long_text_is_encoded_in_passes_of_bounded_length() -> None:
    enc = load_context_encoder()
    sentences = [f"Point number {i} is that we keep going, whatever happens." for i in range(120)]
    states = enc.encode(sentences)
    assert states.counts.sum() > MAX_TOKENS * 2  # several passes
    assert (states.counts > 0).all()
    assert np.isfinite(states.sums).all()


def test_the_cached_copy_goes_where_the_setting_says(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    assert cache_dir().is_relative_to(tmp_path)
    monkeypatch.delenv(CACHE_ENV)
    assert cache_dir().is_relative_to(Path.home() / ".cache" / "podclip")
