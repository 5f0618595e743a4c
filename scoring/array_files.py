"""Named numpy arrays on disk (the head's and the guard's weights) and their content hash."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import numpy.typing as npt

Arrays = Mapping[str, npt.NDArray[np.generic]]


def content_hash(arrays: Arrays) -> str:
    """sha256 over the arrays' names, dtypes, shapes and bytes (stable, unlike zip bytes)."""
    digest = hashlib.sha256()
    for name, arr in sorted(arrays.items()):
        contiguous = np.ascontiguousarray(arr)
        header = json.dumps([name, contiguous.dtype.str, list(contiguous.shape)])
        digest.update(header.encode())
        digest.update(contiguous.tobytes())
    return digest.hexdigest()


def save_arrays(arrays: Arrays, path: Path) -> None:
    """Write the arrays to an .npz file, creating its folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fh:
        np.savez(fh, **arrays)  # type: ignore[arg-type]
