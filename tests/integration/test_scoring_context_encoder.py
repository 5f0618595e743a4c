"""The context encoder: Gemma 3 270M's lower layers from the packaged GGUF, really run."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pytest

from podclip.scoring import context_encoder
from podclip.scoring.context_encoder import (
    CACHE_ENV,
    CONTEXT_DIM,
    LAYER,
    MAX_TOKENS,
    TOKENIZER_FILE,
    WEIGHTS_FILE,
    cache_dir,
    load_context_encoder,
)

# sha256 over the prepared copy's tensors (name, dtype, shape, bytes, in name order) and of its
# tokenizer, as transformers' GGUF loader and gguf-py's reader made them when the committed
# head's states were computed (transformers 5.25, gguf 0.19).
PREPARED_WEIGHTS_SHA256 = "1f06098e57e4bf6c56559aea3a24981c9ea472de5ed73fd107753ab72128b3db"
PREPARED_TOKENIZER_SHA256 = "d4a31f3679d3e45559d1744e73057e392eb6f9b3daa544bb78d257caf0c29a20"
LINE = "I quit my job the day my daughter was born, and I never looked back."


def test_states_are_summed_per_sentence_over_its_tokens() -> None:
    enc = load_context_encoder()
    states = enc.encode(["Hello there.", LINE])
    assert states.sums.shape == (2, CONTEXT_DIM)
    assert states.sums.dtype == np.float32
    assert np.isfinite(states.sums).all()
    assert states.counts[1] == len(enc.tokenizer.encode(" " + LINE))


# Token ids of transformers' fast tokenizer read from the packaged GGUF (what the committed
# head was trained on): words, figures, a run of two spaces, accents, quotes, CJK, an emoji,
# blank lines and a tab.
GEMMA_IDS = {
    " I quit my job the day my daughter was born.": (
        "564 23286 1041 3195 506 1719 1041 8709 691 8132 236761"
    ),
    "We raised $4.5 million in 2019  (at 30%).": (
        "1882 8675 609 236812 236761 236810 3625 528 236743 236778 236771 236770 236819 "
        "138 236769 502 236743 236800 236771 37507"
    ),
    " Café, naïve — “quoted” … 日本語 🎉": (
        "62367 236764 120362 2192 999 148758 236919 7881 33375 238582 204906"
    ),
    "line one\n\nline two\tend": "1257 886 108 1257 1156 255968 643",
}


def test_the_tokenizer_gives_gemmas_token_ids() -> None:
    """The SentencePiece model rebuilt from the GGUF splits text as Gemma's own tokenizer."""
    enc = load_context_encoder()
    expected = [[int(i) for i in ids.split()] for ids in GEMMA_IDS.values()]
    assert enc.tokenizer.encode(list(GEMMA_IDS)) == expected
    assert enc.tokenizer.bos_id() == 2
    assert (cache_dir() / TOKENIZER_FILE).stat().st_size < 10_000_000  # not a 33 MB JSON


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


def _weights_sha256(path: Path) -> str:
    from safetensors.numpy import load_file

    tensors = load_file(str(path))
    digest = hashlib.sha256()
    for name in sorted(tensors):
        array = tensors[name]
        for part in (name, str(array.dtype), str(array.shape)):
            digest.update(part.encode())
        digest.update(array.tobytes())
    return digest.hexdigest()


@pytest.mark.slow
def test_a_fresh_cache_is_prepared_to_the_same_bits(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Preparing from the packaged GGUF (one read of the file, gguf_file.py) gives the copy
    that transformers' GGUF loader gave, to the bit: the committed head was trained on it."""
    monkeypatch.setenv(CACHE_ENV, str(tmp_path))
    target = cache_dir()
    context_encoder._prepare(target)
    assert _weights_sha256(target / WEIGHTS_FILE) == PREPARED_WEIGHTS_SHA256
    tokenizer = hashlib.sha256((target / TOKENIZER_FILE).read_bytes()).hexdigest()
    assert tokenizer == PREPARED_TOKENIZER_SHA256
    config = json.loads((target / "config.json").read_text())
    assert config["num_hidden_layers"] == LAYER
    assert (config["hidden_size"], config["head_dim"], config["sliding_window"]) == (640, 256, 512)
    assert config["rope_parameters"]["full_attention"]["rope_theta"] == 1_000_000.0
    assert (config["bos_token_id"], config["unk_token_id"]) == (2, 3)
    assert not list(target.glob("*.gguf"))  # the assembled file is not kept


def test_loading_leaves_torchs_default_dtype_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    """A MiniLM pass in another thread computes in torch's process-wide default dtype: a load
    that switched it to float16 made two episodes scored at once fail."""
    import torch

    switched: list[torch.dtype] = []
    original = torch.set_default_dtype

    def record(dtype: torch.dtype) -> None:
        switched.append(dtype)
        original(dtype)

    monkeypatch.setattr(torch, "set_default_dtype", record)
    fresh = context_encoder.load_context_encoder.__wrapped__()
    assert [d for d in switched if d != torch.float32] == []
    assert torch.get_default_dtype() == torch.float32
    table = fresh.model.model.embed_tokens.weight
    assert table.dtype == torch.float16 and table.shape[0] > 200_000
    assert {p.dtype for n, p in fresh.model.model.named_parameters() if "embed" not in n} == {
        torch.float32
    }


def test_the_states_are_those_the_head_was_trained_on() -> None:
    """Built without `from_pretrained`, the layers give the states of the float16 checkpoint
    loaded the usual way (what the committed head was trained on), to the last bit here."""
    import torch
    from transformers import Gemma3TextModel

    sentences = ["Hello there.", LINE, "We raised $4.5 million in 2019  (at 30%)."] * 4
    ours = load_context_encoder()
    usual = Gemma3TextModel.from_pretrained(cache_dir(), dtype=torch.float16)
    table, scale = usual.embed_tokens.weight, float(usual.embed_tokens.embed_scale)

    class Rows(torch.nn.Module):  # what the encoder did before: float16 rows, float32 scaling
        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.embedding(ids, table).float() * scale

    for name, child in usual.named_children():
        if name != "embed_tokens":
            child.float()
    usual.embed_tokens = Rows()
    usual.norm = torch.nn.Identity()
    ids = [ours.tokenizer.bos_id()] + [t for s in sentences for t in ours.tokenizer.encode(s)]
    with torch.inference_mode():
        batch = torch.tensor([ids])
        expected = usual(input_ids=batch).last_hidden_state.float().numpy()
        got = ours.model(batch).float().numpy()
    np.testing.assert_array_equal(got, expected)
