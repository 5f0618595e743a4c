"""A second small CTranslate2 Whisper model for tests: the bundled tiny.en with other weights.

CTranslate2's ``model.bin`` is a flat list of named tensors (``ctranslate2/specs/model_spec.py``
writes it). This copies the bundled model (float16 weights) and multiplies its decoder weight
matrices by seeded noise around 1, which keeps the model speaking English but changes what it
writes: a real second model, made offline in a second.
"""

from __future__ import annotations

import shutil
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

_DTYPES = ("float32", "int8", "int16", "int32", "float16", "bfloat16")


@dataclass
class _Variable:
    name: str
    shape: tuple[int, ...]
    dtype_id: int
    data: bytes


def _read_string(fh: BinaryIO) -> str:
    (length,) = struct.unpack("H", fh.read(2))
    return fh.read(length)[:-1].decode("utf-8")


def _write_string(fh: BinaryIO, text: str) -> None:
    raw = text.encode("utf-8")
    fh.write(struct.pack("H", len(raw) + 1) + raw + b"\0")


def perturbed_copy(source: Path, target: Path, *, noise: float = 0.2, seed: int = 7) -> Path:
    """Copy the model in ``source`` to ``target`` with its decoder weight matrices scaled by
    ``1 + noise * N(0, 1)`` per value (seeded); return ``target``."""
    shutil.copytree(source, target)
    with (source / "model.bin").open("rb") as fh:
        version, name = struct.unpack("I", fh.read(4))[0], _read_string(fh)
        revision, count = struct.unpack("<II", fh.read(8))
        variables = []
        for _ in range(count):
            var_name = _read_string(fh)
            (rank,) = struct.unpack("B", fh.read(1))
            shape = struct.unpack(f"<{rank}I", fh.read(4 * rank)) if rank else ()
            dtype_id, size = struct.unpack("<BI", fh.read(5))
            variables.append(_Variable(var_name, shape, dtype_id, fh.read(size)))
        tail = fh.read()  # aliases, copied as they are
    rng = np.random.default_rng(seed)
    for var in variables:
        dtype = _DTYPES[var.dtype_id]
        if (
            var.name.startswith("decoder/layer")
            and var.name.endswith("weight")
            and dtype
            in (
                "float16",
                "float32",
            )
        ):
            values = np.frombuffer(var.data, dtype=dtype).astype(np.float32)
            scaled = values * (1.0 + noise * rng.standard_normal(values.shape))
            var.data = scaled.astype(dtype).tobytes()
    with (target / "model.bin").open("wb") as out:
        out.write(struct.pack("I", version))
        _write_string(out, name)
        out.write(struct.pack("<II", revision, len(variables)))
        for var in variables:
            _write_string(out, var.name)
            out.write(struct.pack("B", len(var.shape)))
            for dim in var.shape:
                out.write(struct.pack("I", dim))
            out.write(struct.pack("<BI", var.dtype_id, len(var.data)))
            out.write(var.data)
        out.write(tail)
    return target
