"""Private files by default: what podclip writes under the data root is 0600, folders 0700.

The database, the lake's catalog and Parquet files, media, exports and the secrets key are
created by many libraries (SQLite, DuckDB, ffmpeg, fsspec), so the guard is the process umask
(``settings.files.umask``, 0o077 by default), set by :func:`restrict_files` at every start
(``podclip`` commands through :func:`podclip.core.runtime.prepare_environment`, the API's
startup); processes those start (Prefect flow runs, ffmpeg) inherit it. The data root itself,
which may predate the setting, is narrowed to match.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from podclip.core.settings import Settings


def dir_mode(umask: int) -> int:
    return 0o777 & ~umask


def restrict_files(settings: Settings) -> None:
    """Set the process umask from settings and create (or narrow) the data root."""
    umask = settings.files.umask
    os.umask(umask)
    root: Path = settings.root
    root.mkdir(parents=True, exist_ok=True)
    # A root owned by someone else (a mounted volume): its owner decides.
    with contextlib.suppress(PermissionError):
        os.chmod(root, dir_mode(umask))
