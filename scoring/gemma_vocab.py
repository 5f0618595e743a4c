"""Gemma's tokenizer as a SentencePiece model, rebuilt from the vocabulary a GGUF carries.

Transformers' fast tokenizer for Gemma's 262k-token vocabulary holds about 470 MB resident
once loaded (600 MB while loading); SentencePiece holds the same vocabulary in about 45 MB.
The GGUF keeps the SentencePiece pieces, scores and types, so the model can be rebuilt from
it: a BPE model with byte fallback and no normalisation, that merges by piece score. On the
training passages, the 18 rev16 transcripts and 20,000 random strings (accents, CJK, emoji,
tabs, runs of spaces and newlines) it gives the fast tokenizer's ids, except that text which
spells a control token ("<start_of_turn>") stays text.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

# GGUF token types are SentencePiece's: 1 normal, 2 unknown, 3 control, 4 user-defined,
# 5 unused, 6 byte.
UNKNOWN = 2
USER_DEFINED = 4
SPACE_MARK = "\u2581"  # SentencePiece's visible space


@dataclass(frozen=True)
class Vocabulary:
    """The tokenizer fields of a GGUF: pieces, their merge scores and types, special ids."""

    pieces: Sequence[str]
    scores: Sequence[float]
    types: Sequence[int]
    bos_id: int
    eos_id: int
    unk_id: int
    pad_id: int


def read_vocabulary(gguf_path: Path) -> Vocabulary:
    """The `tokenizer.ggml.*` fields of a llama-style (SentencePiece) GGUF."""
    from gguf import GGUFReader

    fields = GGUFReader(str(gguf_path)).fields

    def values(name: str) -> list[object]:
        field = fields[name]
        return [field.parts[i] for i in field.data]

    def scalar(name: str) -> int:
        return int(values(name)[0][0])  # type: ignore[index]

    model = bytes(values("tokenizer.ggml.model")[0]).decode()  # type: ignore[call-overload]
    if model != "llama":
        raise ValueError(f"{gguf_path}: a {model!r} tokenizer is not SentencePiece")
    return Vocabulary(
        pieces=[bytes(p).decode("utf-8") for p in values("tokenizer.ggml.tokens")],  # type: ignore[call-overload]
        scores=[float(p[0]) for p in values("tokenizer.ggml.scores")],  # type: ignore[index]
        types=[int(p[0]) for p in values("tokenizer.ggml.token_type")],  # type: ignore[index]
        bos_id=scalar("tokenizer.ggml.bos_token_id"),
        eos_id=scalar("tokenizer.ggml.eos_token_id"),
        unk_id=scalar("tokenizer.ggml.unknown_token_id"),
        pad_id=scalar("tokenizer.ggml.padding_token_id"),
    )


def sentencepiece_model(vocab: Vocabulary) -> bytes:
    """A serialized SentencePiece BPE model of `vocab` (load with `model_proto=`)."""
    from sentencepiece import sentencepiece_model_pb2

    pb: Any = sentencepiece_model_pb2  # generated protobuf code: no type information
    model = pb.ModelProto()
    spec = model.trainer_spec
    spec.model_type = pb.TrainerSpec.BPE
    spec.vocab_size = len(vocab.pieces)
    spec.byte_fallback = True
    # SentencePiece finds its special ids by piece name ("<s>" unless told otherwise).
    spec.bos_id, spec.bos_piece = vocab.bos_id, vocab.pieces[vocab.bos_id]
    spec.eos_id, spec.eos_piece = vocab.eos_id, vocab.pieces[vocab.eos_id]
    spec.unk_id, spec.unk_piece = vocab.unk_id, vocab.pieces[vocab.unk_id]
    spec.pad_id, spec.pad_piece = vocab.pad_id, vocab.pieces[vocab.pad_id]
    norm = model.normalizer_spec
    norm.name = "identity"
    norm.add_dummy_prefix = False
    norm.remove_extra_whitespaces = False
    norm.escape_whitespaces = True
    for i, (piece, score, kind) in enumerate(
        zip(vocab.pieces, vocab.scores, vocab.types, strict=True)
    ):
        entry = model.pieces.add()
        # The GGUF writes the spaces of user-defined pieces ("  ", a run of two) as plain
        # spaces; matched against escaped text they must use the visible space.
        entry.piece = piece.replace(" ", SPACE_MARK) if kind == USER_DEFINED else piece
        entry.score = score
        # The GGUF types the unknown piece as control; SentencePiece wants it typed unknown.
        entry.type = UNKNOWN if i == vocab.unk_id else kind
    return bytes(model.SerializeToString())
