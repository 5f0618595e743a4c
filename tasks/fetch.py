"""Stage 1: bring a source (local file, direct media URL, or page via yt-dlp) into the media store.

Files are stored by the sha256 of their bytes, so the same episode submitted twice, or from two
URLs, is stored once. The cache key is the source itself (a URL, or a local file's path, size
and mtime): a rerun of the same job downloads nothing.
"""

from __future__ import annotations

import hashlib
import mimetypes
import shutil
from datetime import timedelta
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from podclip.tasks.ffmpeg import ffmpeg_exe, probe
from podclip.tasks.retry import retry_unless_permanent
from prefect import task
from prefect.context import TaskRunContext

from podclip.core.errors import (
    DownloadFailed,
    DownloadInterrupted,
    InvalidSourceUrl,
    SourceTooLarge,
    UnsupportedMedia,
)
from podclip.core.netsafe import check_url
from podclip.core.records import SourceMedia
from podclip.core.settings import FetchSettings, get_settings
from podclip.core.sources import MEDIA_EXTENSIONS, YOUTUBE_HOSTS
from podclip.store.media import CHUNK, MediaStore, sha256_file

FETCH_VERSION = "1"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})


def _fetch_cache_key(_ctx: TaskRunContext, params: dict[str, Any]) -> str:
    source = str(params["source"])
    if _is_url(source):
        basis = f"url:{source}"
    else:
        path = Path(source).expanduser().resolve()
        stat = path.stat() if path.exists() else None
        basis = f"file:{path}:{stat.st_size if stat else -1}:{stat.st_mtime_ns if stat else -1}"
    return hashlib.sha256(f"fetch:{FETCH_VERSION}:{basis}".encode()).hexdigest()


@task(
    name="download_media",
    cache_key_fn=_fetch_cache_key,
    cache_expiration=timedelta(hours=24),
    retries=3,
    retry_delay_seconds=[2, 10, 30],
    retry_condition_fn=retry_unless_permanent,
)
def download_media(source: str) -> SourceMedia:
    """Fetch ``source`` into content-addressed storage and check that it holds audio."""
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    scratch = store.scratch(hashlib.sha256(source.encode()).hexdigest()[:16])
    try:
        stored = store.key_of(source)
        if stored is not None:
            # An upload already in object storage: read it from there, not over http(s).
            name, content_type = (
                _copy_local(str(store.local_path(stored)), scratch, settings.fetch),
                None,
            )
        elif _is_url(source):
            name, content_type = _download_url(
                source, scratch, settings.fetch, settings.allow_private_urls
            )
        else:
            name, content_type = _copy_local(source, scratch, settings.fetch), None
        return _store_checked(store, scratch, name, content_type)
    finally:
        shutil.rmtree(scratch.parent / f"{scratch.name}.d", ignore_errors=True)
        scratch.unlink(missing_ok=True)


def _is_url(source: str) -> bool:
    return "://" in source or source.startswith(("http:", "https:"))


def _copy_local(source: str, scratch: Path, limits: FetchSettings) -> str:
    path = Path(source).expanduser()
    if not path.is_file():
        raise InvalidSourceUrl(f"Local source {source!r} is not a readable file.")
    if path.stat().st_size > limits.max_source_bytes:
        raise SourceTooLarge(
            f"Source is {path.stat().st_size} bytes; the limit is {limits.max_source_bytes}."
        )
    shutil.copyfile(path, scratch)
    return path.name


def _store_checked(
    store: MediaStore, scratch: Path, name: str, content_type: str | None
) -> SourceMedia:
    if not scratch.exists() or scratch.stat().st_size == 0:
        raise UnsupportedMedia("The source is empty (0 bytes).")
    probe(scratch)
    sha = sha256_file(scratch)
    ext = PurePosixPath(name).suffix.lower()
    ext = ext if ext in MEDIA_EXTENSIONS else ".bin"
    key = f"sources/{sha}{ext}"
    store.put(scratch, key)
    return SourceMedia(
        sha256=sha,
        key=key,
        size_bytes=scratch.stat().st_size,
        original_name=name,
        content_type=content_type,
    )


def _download_url(
    url: str, scratch: Path, limits: FetchSettings, allow_private: bool
) -> tuple[str, str | None]:
    check_url(url, allow_private=allow_private)
    host = (urlsplit(url).hostname or "").lower()
    if host in YOUTUBE_HOSTS:
        return _download_with_ytdlp(url, scratch, limits, allow_private), None
    timeout = httpx.Timeout(limits.connect_timeout_seconds, read=limits.read_timeout_seconds)
    with httpx.Client(timeout=timeout, follow_redirects=False) as client:
        current = url
        for _hop in range(limits.max_redirects + 1):
            check_url(current, allow_private=allow_private)
            try:
                with client.stream("GET", current) as response:
                    location = response.headers.get("location")
                    if response.status_code in REDIRECT_CODES and location:
                        current = urljoin(current, location)
                        continue
                    if response.status_code >= 400:
                        raise DownloadFailed(
                            f"Downloading {url} failed: HTTP {response.status_code}."
                        )
                    content_type = response.headers.get("content-type", "").split(";")[0].strip()
                    name = PurePosixPath(urlsplit(current).path).name or "source"
                    if _looks_like_page(content_type, name):
                        return _download_with_ytdlp(current, scratch, limits, allow_private), None
                    _stream_to_file(response, scratch, limits.max_source_bytes)
                    if not PurePosixPath(name).suffix:
                        name += mimetypes.guess_extension(content_type) or ""
                    return name, content_type or None
            except httpx.TransportError as exc:
                raise DownloadInterrupted(f"Downloading {url} failed: {exc}.") from exc
    raise DownloadFailed(f"Downloading {url} failed: more than {limits.max_redirects} redirects.")


def _looks_like_page(content_type: str, name: str) -> bool:
    if PurePosixPath(name).suffix.lower() in MEDIA_EXTENSIONS:
        return False
    return content_type in ("text/html", "application/xhtml+xml")


def _stream_to_file(response: httpx.Response, scratch: Path, max_bytes: int) -> None:
    declared = int(response.headers.get("content-length") or 0)
    if declared > max_bytes:
        raise SourceTooLarge(f"Source is {declared} bytes; the limit is {max_bytes}.")
    written = 0
    with scratch.open("wb") as fh:
        for chunk in response.iter_bytes(CHUNK):
            written += len(chunk)
            if written > max_bytes:
                raise SourceTooLarge(f"Source is larger than the limit of {max_bytes} bytes.")
            fh.write(chunk)


def _download_with_ytdlp(
    url: str, scratch: Path, limits: FetchSettings, allow_private: bool
) -> str:
    import yt_dlp

    host = (urlsplit(url).hostname or "").lower()
    code = "youtube_ingestion_failed" if host in YOUTUBE_HOSTS else "download_failed"
    out_dir = scratch.parent / f"{scratch.name}.d"
    out_dir.mkdir(parents=True, exist_ok=True)
    options: dict[str, Any] = {
        "outtmpl": str(out_dir / "media.%(ext)s"),
        "format": "bv*[height<=1080]+ba/b[height<=1080]/b/ba",
        "noplaylist": True,
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "max_filesize": limits.max_source_bytes,
        "ffmpeg_location": ffmpeg_exe(),
        "socket_timeout": limits.read_timeout_seconds,
        "retries": 2,
    }
    try:
        with yt_dlp.YoutubeDL(options) as ydl:
            info = ydl.extract_info(url, download=False)
            # yt-dlp opens its own connections: vet every media URL it chose before it does.
            for media in info.get("requested_formats") or [info]:
                if media.get("url"):
                    check_url(str(media["url"]), allow_private=allow_private)
            ydl.process_ie_result(info, download=True)
    except yt_dlp.utils.DownloadError as exc:
        raise DownloadFailed(f"Could not download media from {url}: {exc}", code=code) from exc
    files = sorted(out_dir.glob("media.*"))
    if not files:
        raise DownloadFailed(f"No media found at {url}.", code=code)
    shutil.move(files[0], scratch)
    return files[0].name
