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
from prefect import task
from prefect.context import TaskRunContext

from podclip.core import egress
from podclip.core.egress_proxy import EgressProxy, ProxyReport
from podclip.core.errors import (
    DownloadFailed,
    DownloadInterrupted,
    DownloadTimedOut,
    InvalidSourceUrl,
    PodclipError,
    SourceTooLarge,
    UnsupportedMedia,
)
from podclip.core.netsafe import EgressPolicy, check_url
from podclip.core.records import SourceMedia
from podclip.core.redact import redact_paths
from podclip.core.settings import FetchSettings, get_settings
from podclip.core.sources import MEDIA_EXTENSIONS, YOUTUBE_HOSTS
from podclip.store.media import CHUNK, MediaStore, sha256_file
from podclip.tasks.ffmpeg import ffmpeg_for_ytdlp, probe
from podclip.tasks.retry import retry_unless_permanent

FETCH_VERSION = "1"
REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
# What yt-dlp may download with: its own HTTP and HLS/DASH code, all through the egress proxy.
# rtmp, rtsp, f4m, websockets and the like are refused (they would not use the proxy).
YTDLP_PROTOCOLS = frozenset({"http", "https", "m3u8", "m3u8_native", "http_dash_segments"})


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
                source, scratch, settings.fetch, EgressPolicy.from_settings(settings)
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
    url: str, scratch: Path, limits: FetchSettings, policy: EgressPolicy
) -> tuple[str, str | None]:
    """Download ``url`` (a page goes to yt-dlp) within the overall deadline and byte cap."""
    check_url(url, allow_private=policy.allow_private, policy=policy)  # early, clear refusal
    host = (urlsplit(url).hostname or "").lower()
    with egress.deadline(limits.deadline_seconds):
        try:
            if host in YOUTUBE_HOSTS:
                return _download_with_ytdlp(url, scratch, limits, policy), None
            return _download_direct(url, scratch, limits, policy)
        except egress.DeadlineExceeded as exc:
            raise _timed_out(url, limits) from exc


def _timed_out(url: str, limits: FetchSettings) -> DownloadTimedOut:
    return DownloadTimedOut(
        f"Downloading {url} took longer than the limit of {limits.deadline_seconds:g} s."
    )


def _download_direct(
    url: str, scratch: Path, limits: FetchSettings, policy: EgressPolicy
) -> tuple[str, str | None]:
    timeout = httpx.Timeout(limits.connect_timeout_seconds, read=limits.read_timeout_seconds)
    with egress.guarded_client(policy, timeout=timeout) as client:
        current = url
        for _hop in range(limits.max_redirects + 1):
            # Scheme and shape only: the transport resolves, checks and pins every connection.
            check_url(current, allow_private=True, resolve=False)
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
                        return _download_with_ytdlp(current, scratch, limits, policy), None
                    _stream_to_file(response, scratch, limits.max_source_bytes)
                    if not PurePosixPath(name).suffix:
                        name += mimetypes.guess_extension(content_type) or ""
                    return name, content_type or None
            except egress.EgressDenied as exc:
                # Worded exactly like a refused connection: no open/closed port oracle.
                raise DownloadFailed(egress.UNREACHABLE) from exc
            except egress.DeadlineExceeded:
                raise
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise DownloadInterrupted(egress.UNREACHABLE) from exc
            except httpx.TransportError as exc:
                raise DownloadInterrupted(
                    f"Downloading {url} failed: the connection broke ({type(exc).__name__})."
                ) from exc
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
    url: str, scratch: Path, limits: FetchSettings, policy: EgressPolicy
) -> str:
    """Let yt-dlp find and fetch the media, every request of it through the egress proxy."""
    import yt_dlp

    host = (urlsplit(url).hostname or "").lower()
    code = "youtube_ingestion_failed" if host in YOUTUBE_HOSTS else "download_failed"
    out_dir = scratch.parent / f"{scratch.name}.d"
    out_dir.mkdir(parents=True, exist_ok=True)
    left = egress.time_left()
    proxy = EgressProxy(
        policy,
        deadline_seconds=limits.deadline_seconds if left is None else max(0.0, left),
        max_bytes=limits.max_source_bytes,
        idle_seconds=get_settings().egress.proxy_idle_seconds,
    )
    with proxy:
        options: dict[str, Any] = {
            "outtmpl": str(out_dir / "media.%(ext)s"),
            "format": "bv*[height<=1080]+ba/b[height<=1080]/b/ba",
            "noplaylist": True,
            "playlist_items": "1",
            "quiet": True,
            "no_warnings": True,
            "noprogress": True,
            "no_color": True,
            "max_filesize": limits.max_source_bytes,
            "ffmpeg_location": ffmpeg_for_ytdlp(),
            "socket_timeout": limits.read_timeout_seconds,
            "retries": 2,
            "fragment_retries": 2,
            # Every request goes to the proxy; yt-dlp's own HLS/DASH code, never ffmpeg's.
            "proxy": proxy.url,
            "external_downloader": {"default": "native"},
            "hls_prefer_native": True,
        }
        try:
            with yt_dlp.YoutubeDL(options) as ydl:
                info = ydl.extract_info(url, download=False)
                _check_ytdlp_formats(info, url, code)
                ydl.process_ie_result(info, download=True)
        except PodclipError:
            raise
        except Exception as exc:  # yt-dlp's DownloadError, RequestError, extractor bugs alike
            raise _ytdlp_error(exc, proxy.report, url, code, limits) from exc
    if proxy.report.deadline_hit:
        raise _timed_out(url, limits)
    files = sorted(out_dir.glob("media.*"))
    if not files:
        raise DownloadFailed(f"No media found at {url}.", code=code)
    shutil.move(files[0], scratch)
    return files[0].name


def _check_ytdlp_formats(info: dict[str, Any] | None, url: str, code: str) -> None:
    """Refuse live streams and protocols that yt-dlp would not route through the proxy."""
    if not info:
        raise DownloadFailed(f"No media found at {url}.", code=code)
    for entry in info.get("entries") or [info]:
        if not entry:
            continue
        if entry.get("is_live"):
            raise DownloadFailed(f"{url} is a live stream; podclip needs a recording.", code=code)
        for media in entry.get("requested_formats") or [entry]:
            protocol = str(media.get("protocol") or "")
            if protocol and not set(protocol.split("+")) <= YTDLP_PROTOCOLS:
                raise DownloadFailed(
                    f"The media at {url} uses the {protocol} protocol; only http(s), HLS and "
                    "DASH are supported.",
                    code=code,
                )


def _ytdlp_error(
    exc: Exception, report: ProxyReport, url: str, code: str, limits: FetchSettings
) -> PodclipError:
    """The podclip error for a failed yt-dlp run: what the proxy saw decides first."""
    if report.deadline_hit:
        return _timed_out(url, limits)
    if report.cap_hit:
        return SourceTooLarge(
            f"Source is larger than the limit of {limits.max_source_bytes} bytes."
        )
    if report.denied or report.unreachable:
        # One wording for refused and denied, so a private open port and a closed one match.
        return DownloadFailed(
            f"Could not download media from {url}: {egress.UNREACHABLE}", code=code
        )
    reason = redact_paths(str(exc).removeprefix("ERROR: ").strip())[:500]
    return DownloadFailed(f"Could not download media from {url}: {reason}", code=code)
