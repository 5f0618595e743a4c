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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
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


def vocabulary(fields: Mapping[str, Any]) -> Vocabulary:
    """The `tokenizer.ggml.*` fields of a llama-style (SentencePiece) GGUF (`GGUFFile.fields`)."""
    model = fields["tokenizer.ggml.model"]
    if model != "llama":
        raise ValueError(f"a {model!r} tokenizer is not SentencePiece")
    return Vocabulary(
        pieces=list(fields["tokenizer.ggml.tokens"]),
        scores=[float(x) for x in fields["tokenizer.ggml.scores"]],
        types=[int(x) for x in fields["tokenizer.ggml.token_type"]],
        bos_id=int(fields["tokenizer.ggml.bos_token_id"]),
        eos_id=int(fields["tokenizer.ggml.eos_token_id"]),
        unk_id=int(fields["tokenizer.ggml.unknown_token_id"]),
        pad_id=int(fields["tokenizer.ggml.padding_token_id"]),
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
