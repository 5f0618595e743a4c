"""A GGUF file's metadata and tensor table, read in one pass.

`gguf.GGUFReader` makes a numpy view for every part of every field: for Gemma's 262k-token
vocabulary that is millions of views and about 14 s per read, and preparing the context
encoder through transformers read the file three times (config, weights, tokenizer: 40 s of
its 45). This reader walks the header with `struct` and numpy, so a read takes a fraction of a
second; tensors are handed out as byte views for `gguf.quants.dequantize`. Little-endian
GGUF version 2 and 3 only (what llama.cpp writes).
"""

from __future__ import annotations

import functools
import mmap
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

MAGIC = b"GGUF"
DEFAULT_ALIGNMENT = 32


@dataclass(frozen=True)
class TensorInfo:
    """One tensor of the file.

    Attributes:
        name: the GGUF name ("blk.3.attn_q.weight").
        shape: numpy order, slowest dimension first (GGUF lists them the other way round).
        ggml_type: the GGML quantization type number.
        start: absolute byte offset of its data in the file.
        n_bytes: length of its data.
    """

    name: str
    shape: tuple[int, ...]
    ggml_type: int
    start: int
    n_bytes: int


class GGUFFile:
    """Metadata (`fields`, plain Python values and lists) and tensors of a GGUF file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        with path.open("rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        self.fields: dict[str, Any] = {}
        self.tensors: dict[str, TensorInfo] = {}
        try:
            self._read_header()
        except Exception:
            self._map.close()
            raise

    def close(self) -> None:
        self._map.close()

    def __enter__(self) -> GGUFFile:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def tensor(self, name: str) -> npt.NDArray[np.float32]:
        """The tensor dequantized to float32, in its numpy shape."""
        from gguf.constants import GGMLQuantizationType
        from gguf.quants import dequantize

        info = self.tensors[name]
        kind = GGMLQuantizationType(info.ggml_type)
        raw = np.frombuffer(self._map, dtype=np.uint8, count=info.n_bytes, offset=info.start)
        rows = raw.reshape(*info.shape[:-1], -1)  # bytes per row, as dequantize expects them
        out = np.asarray(dequantize(rows, kind), dtype=np.float32).reshape(info.shape)
        # A float32 tensor comes back as a view of the file: copied, so that it outlives the
        # file and the file can be closed.
        return out.copy() if np.may_share_memory(out, raw) else out

    def _read_header(self) -> None:
        buf = self._map
        if buf[:4] != MAGIC:
            raise ValueError(f"{self.path}: not a GGUF file")
        version, n_tensors, n_fields = struct.unpack_from("<IQQ", buf, 4)
        if version not in (2, 3):
            raise ValueError(f"{self.path}: GGUF version {version} is not supported")
        at = 24
        for _ in range(n_fields):
            key, at = _string(buf, at)
            (kind,) = struct.unpack_from("<I", buf, at)
            self.fields[key], at = _value(buf, at + 4, kind)
        infos = []
        for _ in range(n_tensors):
            name, at = _string(buf, at)
            (n_dims,) = struct.unpack_from("<I", buf, at)
            dims = struct.unpack_from(f"<{n_dims}Q", buf, at + 4)
            ggml_type, offset = struct.unpack_from("<IQ", buf, at + 4 + 8 * n_dims)
            at += 4 + 8 * n_dims + 12
            infos.append((name, tuple(reversed(dims)), ggml_type, offset))
        alignment = int(self.fields.get("general.alignment", DEFAULT_ALIGNMENT))
        data_start = -(-at // alignment) * alignment
        for name, shape, ggml_type, offset in infos:
            self.tensors[name] = TensorInfo(
                name, shape, ggml_type, data_start + offset, _byte_count(shape, ggml_type)
            )


def _string(buf: Any, at: int) -> tuple[str, int]:
    (n,) = struct.unpack_from("<Q", buf, at)
    return bytes(buf[at + 8 : at + 8 + n]).decode("utf-8"), at + 8 + n


def _value(buf: Any, at: int, kind: int) -> tuple[Any, int]:
    from gguf import GGUFValueType

    if kind == GGUFValueType.STRING:
        return _string(buf, at)
    if kind == GGUFValueType.ARRAY:
        item_kind, count = struct.unpack_from("<IQ", buf, at)
        at += 12
        dtype = _scalar_types().get(item_kind)
        if dtype is not None:
            items = np.frombuffer(buf, dtype=dtype, count=count, offset=at)
            return items.tolist(), at + count * dtype.itemsize
        out = []
        for _ in range(count):
            item, at = _value(buf, at, item_kind)
            out.append(item)
        return out, at
    dtype = _scalar_types().get(kind)
    if dtype is None:
        raise ValueError(f"unknown GGUF value type {kind}")
    return np.frombuffer(buf, dtype=dtype, count=1, offset=at)[0].item(), at + dtype.itemsize


@functools.cache
def _scalar_types() -> dict[int, np.dtype[Any]]:
    """GGUF value type -> little-endian numpy dtype, from gguf-py's own table."""
    from gguf import GGUFReader

    return {
        int(kind): np.dtype(scalar).newbyteorder("<")
        for kind, scalar in GGUFReader.gguf_scalar_to_np.items()
    }


def _byte_count(shape: tuple[int, ...], ggml_type: int) -> int:
    from gguf.constants import GGML_QUANT_SIZES, GGMLQuantizationType

    block_size, type_size = GGML_QUANT_SIZES[GGMLQuantizationType(ggml_type)]
    return int(np.prod(shape, dtype=np.int64)) * type_size // block_size
