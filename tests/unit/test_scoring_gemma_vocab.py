"""Gemma's tokenizer rebuilt as a SentencePiece model from GGUF vocabulary fields."""

from __future__ import annotations

import sentencepiece

from podclip.scoring.gemma_vocab import Vocabulary, sentencepiece_model

# A toy vocabulary in the GGUF's shape: special pieces, a user-defined run of two spaces
# written with plain spaces (as the GGUF writes it), the 256 byte pieces, then merges whose
# scores order them (higher merges first).
SPECIAL = ["<pad>", "<eos>", "<bos>", "<unk>", "  "]
BYTES = [f"<0x{b:02X}>" for b in range(256)]
MERGED = ["▁", "a", "b", "c", "ab", "▁ab", "abc", "▁abc"]


def toy() -> Vocabulary:
    pieces = [*SPECIAL, *BYTES, *MERGED]
    types = [3, 3, 3, 3, 4, *([6] * 256), *([1] * len(MERGED))]
    scores = [0.0] * (len(SPECIAL) + 256) + [-float(i) for i in range(len(MERGED))]
    return Vocabulary(pieces, scores, types, bos_id=2, eos_id=1, unk_id=3, pad_id=0)


def processor() -> sentencepiece.SentencePieceProcessor:
    return sentencepiece.SentencePieceProcessor(model_proto=sentencepiece_model(toy()))


def test_special_ids_are_the_ggufs() -> None:
    sp = processor()
    assert (sp.bos_id(), sp.eos_id(), sp.unk_id(), sp.pad_id()) == (2, 1, 3, 0)
    assert sp.get_piece_size() == len(SPECIAL) + 256 + len(MERGED)


def test_pieces_merge_and_spaces_are_escaped() -> None:
    sp = processor()
    base = len(SPECIAL) + 256
    assert sp.encode(" abc") == [base + MERGED.index("▁abc")]
    assert sp.encode("ab") == [base + MERGED.index("ab")]


def test_a_user_defined_run_of_spaces_is_one_piece() -> None:
    """The GGUF spells it with plain spaces; the rebuilt model must still match it."""
    sp = processor()
    base = len(SPECIAL) + 256
    assert sp.encode("  abc") == [SPECIAL.index("  "), base + MERGED.index("abc")]


def test_text_outside_the_vocabulary_falls_back_to_bytes() -> None:
    sp = processor()
    ids = sp.encode("é")  # UTF-8 0xC3 0xA9
    assert ids == [len(SPECIAL) + 0xC3, len(SPECIAL) + 0xA9]
    assert sp.decode(ids) == "é"
