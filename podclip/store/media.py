"""Content-addressed media storage (sources, audio, renders) under an fsspec URL.

Keys are relative paths such as ``sources/<sha256>.mp3``; a key that exists is never
rewritten, so two runs of the same episode share every file. ffmpeg needs local files, so
:meth:`MediaStore.local_path` returns the file itself on a local store and a cached copy
otherwise.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import threading
from pathlib import Path
from typing import Any

import fsspec

from podclip.core.settings import Settings
from podclip.store import backends

CHUNK = 1024 * 1024


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class MediaStore:
    """One media root: local folder or any fsspec URL (``s3://bucket/prefix``)."""

    def __init__(
        self, url: str, work_dir: Path, storage_options: dict[str, Any] | None = None
    ) -> None:
        self.url = url.rstrip("/")
        self.fs: Any
        self.fs, self.root = fsspec.core.url_to_fs(self.url, **(storage_options or {}))
        self.is_local = self.fs.protocol in ("file", "local") or "file" in self.fs.protocol
        self.work_dir = work_dir
        self.work_dir.mkdir(parents=True, exist_ok=True)
        if self.is_local:
            Path(self.root).mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings: Settings) -> MediaStore:
        url = settings.resolved_media_url
        options = backends.s3_storage_options(settings) if backends.is_s3(url) else None
        return cls(url, settings.root / "work", options)

    def full_path(self, key: str) -> str:
        return f"{self.root}/{key}"

    def url_for(self, key: str) -> str:
        return self.full_path(key) if self.is_local else f"{self.url}/{key}"

    def key_of(self, url: str) -> str | None:
        """The key of a URL inside this store (``s3://bucket/prefix/uploads/x``), else None."""
        prefix = f"{self.url}/"
        return url[len(prefix) :] if not self.is_local and url.startswith(prefix) else None

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self.full_path(key)))

    def put(self, local: Path, key: str) -> str:
        """Store a local file under ``key`` (atomically on a local store); return its URL."""
        if self.exists(key):
            return self.url_for(key)
        if self.is_local:
            target = Path(self.full_path(key))
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
            shutil.copyfile(local, tmp)
            os.replace(tmp, target)
        else:
            # Conditional write (If-None-Match: *): of two writers of one key, one object lands;
            # the key names the content, so the loser has nothing to add.
            with contextlib.suppress(FileExistsError):
                self.fs.put_file(str(local), self.full_path(key), mode="create")
        return self.url_for(key)

    def local_path(self, key: str) -> Path:
        """A local file with the key's bytes, for tools that cannot read URLs."""
        if self.is_local:
            return Path(self.full_path(key))
        cached = self.work_dir / "cache" / key
        if not cached.exists():
            cached.parent.mkdir(parents=True, exist_ok=True)
            # Download beside it and rename, so a concurrent reader never sees half a file.
            tmp = cached.with_name(f".{cached.name}.{os.getpid()}.{threading.get_ident()}.tmp")
            self.fs.get_file(self.full_path(key), str(tmp))
            os.replace(tmp, cached)
        return cached

    def scratch(self, name: str) -> Path:
        """A private path under the work folder for a file about to be stored."""
        path = self.work_dir / "tmp" / f"{os.getpid()}-{name}"
        path.parent.mkdir(parents=True, exist_ok=True)
        return path
