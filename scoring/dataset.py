"""Labelled example texts: loading, the fixed split, the data hash and transcript-like variants.

Files are `scoring/data/*.jsonl`, one JSON object a line with `text`, `label`, `source` and
`split` ("train" or "validation"; every 5th line of each file is validation). Evaluation files
passed on the command line need only `text` and `label`.
"""

from __future__ import annotations

import hashlib
import json
import logging
import random
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .labels import LABELS
from .text import split_sentences

logger = logging.getLogger(__name__)

DATA_DIR = Path(__file__).resolve().parent / "data"
VALIDATION_EVERY = 5


@dataclass(frozen=True)
class Example:
    """One labelled text; `group` ties transcript-like variants to their original."""

    text: str
    label: str
    split: str = "train"
    source: str = ""
    group: int = -1


def data_files(data_dir: Path = DATA_DIR) -> list[Path]:
    """The training data files, sorted by name."""
    return sorted(data_dir.glob("*.jsonl"))


def data_hash(files: Sequence[Path]) -> str:
    """sha256 over the files' bytes, in sorted-name order."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: p.name):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def read_jsonl(path: Path) -> list[Example]:
    """Read one file; lines need `text` and `label`, `split` defaults to the every-5th rule."""
    examples: list[Example] = []
    with path.open(encoding="utf-8") as fh:
        for lineno, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            row = json.loads(line)
            label = str(row["label"])
            if label not in LABELS:
                raise ValueError(f"{path}:{lineno}: unknown label {label!r}")
            default_split = "validation" if lineno % VALIDATION_EVERY == 0 else "train"
            split = str(row.get("split", default_split))
            if split not in ("train", "validation"):
                raise ValueError(f"{path}:{lineno}: split must be train or validation")
            examples.append(Example(str(row["text"]), label, split, str(row.get("source", ""))))
    return examples


def load_examples(files: Iterable[Path]) -> list[Example]:
    """All examples of the given files, numbered into groups in file order."""
    out: list[Example] = []
    for path in files:
        for ex in read_jsonl(path):
            out.append(Example(ex.text, ex.label, ex.split, ex.source, group=len(out)))
    return out


_INNER_PUNCT = re.compile(r"[,;:\"\u201c\u201d()\[\]\u2014\u2013]|(?<!\w)-|-(?!\w)|\.\.\.")
_ALL_PUNCT = re.compile(r"[^\w\s']")


def asr_lower(text: str) -> str:
    """Lower-case and drop inner punctuation, keeping sentence ends (like punctuated ASR)."""
    return re.sub(r"\s+", " ", _INNER_PUNCT.sub(" ", text.lower())).strip()


def asr_bare(text: str) -> str:
    """Lower-case with no punctuation at all: one run-on "sentence" (like raw ASR)."""
    return re.sub(r"\s+", " ", _ALL_PUNCT.sub(" ", text.lower())).strip()


def rechunk(text: str, rng: random.Random) -> str:
    """Join some adjacent sentences and split long ones at a comma, as ASR segmenting does."""
    sentences = split_sentences(text)
    out: list[str] = []
    for sentence in sentences:
        words = sentence.split()
        commas = [i for i, w in enumerate(words[:-3]) if w.endswith(",") and i >= 3]
        if commas and rng.random() < 0.5:
            cut = rng.choice(commas)
            first = " ".join(words[: cut + 1]).rstrip(",") + "."
            rest = " ".join(words[cut + 1 :])
            out.extend([first, rest[:1].upper() + rest[1:]])
        elif out and rng.random() < 0.4:
            joined = out.pop().rstrip(".!?")
            out.append(f"{joined}, {sentence[:1].lower()}{sentence[1:]}")
        else:
            out.append(sentence)
    return " ".join(out)


def augment(examples: Sequence[Example], seed: int, variants: Sequence[str]) -> list[Example]:
    """The examples followed by transcript-like variants of each (same label and group)."""
    rng = random.Random(seed)
    out = list(examples)
    for ex in examples:
        for name in variants:
            if name == "asr_lower":
                text = asr_lower(ex.text)
            elif name == "asr_bare":
                text = asr_bare(ex.text)
            elif name == "rechunk":
                text = rechunk(ex.text, rng)
            else:
                raise ValueError(f"unknown augmentation {name!r}")
            if text and text != ex.text:
                out.append(Example(text, ex.label, ex.split, f"{ex.source} [{name}]", ex.group))
    return out
