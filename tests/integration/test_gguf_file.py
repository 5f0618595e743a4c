"""`gguf_file.GGUFFile` reads what gguf-py's own writer wrote, as gguf-py's reader reads it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from gguf import GGMLQuantizationType, GGUFReader, GGUFValueType, GGUFWriter
from gguf.quants import dequantize, quantize

from podclip.scoring.gguf_file import GGUFFile

PIECES = ["<pad>", "<eos>", "\u2581the", "  ", "日本語", "🎉", ""]


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, np.ndarray]]:
    path = tmp_path_factory.mktemp("gguf") / "small.gguf"
    rng = np.random.default_rng(7)
    tensors = {
        "token_embd.weight": rng.normal(size=(8, 64)).astype(np.float32),
        "blk.0.attn_norm.weight": rng.normal(size=64).astype(np.float32),
        "blk.0.ffn_up.weight": rng.normal(size=(4, 64)).astype(np.float16),
        "blk.0.attn_q.weight": rng.normal(size=(3, 64)).astype(np.float32),
    }
    writer = GGUFWriter(str(path), "gemma3")
    writer.add_name("small test model")
    writer.add_uint32("gemma3.block_count", 1)
    writer.add_uint64("gemma3.context_length", 2**40)
    writer.add_float32("gemma3.attention.layer_norm_rms_epsilon", 1e-6)
    writer.add_float64("test.ratio", 0.1)
    writer.add_bool("tokenizer.ggml.add_bos_token", True)
    writer.add_int32("test.negative", -5)
    writer.add_array("tokenizer.ggml.tokens", PIECES)
    writer.add_array("tokenizer.ggml.scores", [-1000.0, -1.5, 0.25, 2.0, 3.0, 4.0, 5.0])
    writer.add_array("tokenizer.ggml.token_type", [3, 3, 1, 4, 1, 1, 2])
    writer.add_key_value("test.nested", [[1, 2], [3]], GGUFValueType.ARRAY)
    for name, data in tensors.items():
        if name == "blk.0.attn_q.weight":  # a quantized tensor: bytes per row of blocks
            packed = quantize(data, GGMLQuantizationType.Q8_0)
            writer.add_tensor(name, packed, raw_dtype=GGMLQuantizationType.Q8_0)
        else:
            writer.add_tensor(name, data)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path, tensors


def test_fields_match_gguf_pys_reader(written: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, _ = written
    with GGUFFile(path) as ours:
        fields = ours.fields
    assert fields["general.name"] == "small test model"
    assert fields["general.architecture"] == "gemma3"
    assert fields["gemma3.context_length"] == 2**40
    assert fields["gemma3.attention.layer_norm_rms_epsilon"] == pytest.approx(1e-6)
    assert fields["test.ratio"] == 0.1
    assert fields["tokenizer.ggml.add_bos_token"] is True
    assert fields["test.negative"] == -5
    assert fields["tokenizer.ggml.tokens"] == PIECES
    assert fields["tokenizer.ggml.token_type"] == [3, 3, 1, 4, 1, 1, 2]
    assert fields["test.nested"] == [[1, 2], [3]]
    theirs = GGUFReader(str(path)).fields
    assert fields["tokenizer.ggml.scores"] == [
        float(theirs["tokenizer.ggml.scores"].parts[i][0])
        for i in theirs["tokenizer.ggml.scores"].data
    ]
    assert set(fields) == {k for k in theirs if not k.startswith("GGUF.")}


def test_tensors_dequantize_as_gguf_pys_reader_gives_them(
    written: tuple[Path, dict[str, np.ndarray]],
) -> None:
    path, originals = written
    reader = GGUFReader(str(path))
    with GGUFFile(path) as ours:
        assert list(ours.tensors) == [t.name for t in reader.tensors]
        for tensor in reader.tensors:
            expected = dequantize(tensor.data, tensor.tensor_type).astype(np.float32)
            got = ours.tensor(tensor.name)
            assert got.dtype == np.float32
            assert got.shape == originals[tensor.name].shape
            np.testing.assert_array_equal(got, expected.reshape(got.shape))
            assert ours.tensors[tensor.name].start == tensor.data_offset
    # The quantized tensor is close to what was written, the plain ones exact.
    with GGUFFile(path) as ours:
        q = ours.tensor("blk.0.attn_q.weight")
        np.testing.assert_allclose(q, originals["blk.0.attn_q.weight"], atol=0.05)
        np.testing.assert_array_equal(
            ours.tensor("token_embd.weight"), originals["token_embd.weight"]
        )


def test_a_tensor_outlives_its_file(written: tuple[Path, dict[str, np.ndarray]]) -> None:
    path, originals = written
    ours = GGUFFile(path)
    plain = ours.tensor("token_embd.weight")  # float32 in the file: no dequantizing to do
    ours.close()  # a view of the file still handed out would make this raise BufferError
    np.testing.assert_array_equal(plain, originals["token_embd.weight"])


def test_a_file_that_is_not_gguf_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "not.gguf"
    path.write_bytes(b"PK\x03\x04" + bytes(64))
    with pytest.raises(ValueError, match="not a GGUF file"):
        GGUFFile(path)
