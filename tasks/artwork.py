"""Show artwork for audiograms: download the feed's image once, store it as a checked PNG.

The URL comes from a feed, so it gets the same care as a source URL: the egress guard on every
connection (resolved once, checked, pinned; each redirect hop again), a byte cap, timeouts
and an overall deadline. The bytes are decoded and re-encoded by ffmpeg (a still,
at most ``ARTWORK_MAX_SIDE`` pixels), so only a real image reaches the renderer, and the PNG is
stored by its sha256. Artwork is decoration: any failure logs and returns None, and the
audiogram falls back to its plain background.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path
from urllib.parse import urljoin

import httpx
from prefect import get_run_logger, task

from podclip.core import egress
from podclip.core.errors import ArtworkUnavailable, PodclipError
from podclip.core.netsafe import EgressPolicy, check_url
from podclip.core.settings import get_settings
from podclip.store.media import CHUNK, MediaStore, sha256_file
from podclip.tasks.fetch import REDIRECT_CODES
from podclip.tasks.ffmpeg import input_args, run_ffmpeg
from podclip.tasks.keys import stage_policy

ARTWORK_MAX_SIDE = 1400


@task(
    name="fetch_artwork",
    # Keyed by the URL and this module's code (the decode and size rules), for 24 hours.
    cache_policy=stage_policy(helpers=("podclip.tasks.artwork",)),
    cache_expiration=timedelta(hours=24),
    retries=1,
    retry_delay_seconds=2,
)
def fetch_artwork(url: str) -> str | None:
    """The media-store key of the image at ``url`` as PNG, or None when it is unusable."""
    try:
        return store_artwork(url)
    except (PodclipError, httpx.HTTPError, OSError) as exc:
        get_run_logger().warning("no artwork from %s: %s", url, exc)
        return None


def store_artwork(url: str) -> str:
    """Download, validate and store the artwork at ``url``; return its media-store key."""
    settings = get_settings()
    store = MediaStore.from_settings(settings)
    raw = store.scratch(f"artwork-{uuid.uuid4().hex}")
    png = raw.with_name(raw.name + ".png")
    try:
        _download(url, raw, settings.render.artwork_max_bytes, EgressPolicy.from_settings(settings))
        run_ffmpeg(
            [
                *input_args(raw),
                "-frames:v",
                "1",
                "-vf",
                f"scale='min({ARTWORK_MAX_SIDE},iw)':'min({ARTWORK_MAX_SIDE},ih)'"
                ":force_original_aspect_ratio=decrease",
                "-f",
                "image2",
                "-c:v",
                "png",
                str(png),
            ],
            timeout=60,
            error=ArtworkUnavailable,
        )
        if not png.exists() or png.stat().st_size == 0:
            raise ArtworkUnavailable(f"{url} did not decode to an image")
        key = f"artwork/{sha256_file(png)}.png"
        store.put(png, key)
        return key
    finally:
        raw.unlink(missing_ok=True)
        png.unlink(missing_ok=True)


def _download(url: str, target: Path, max_bytes: int, policy: EgressPolicy) -> None:
    try:
        _download_checked(url, target, max_bytes, policy)
    except (egress.EgressDenied, httpx.ConnectError, httpx.ConnectTimeout) as exc:
        # Worded exactly like a refused connection (as downloads do): no open/closed port oracle.
        raise ArtworkUnavailable(egress.UNREACHABLE) from exc


def _download_checked(url: str, target: Path, max_bytes: int, policy: EgressPolicy) -> None:
    settings = get_settings()
    fetch = settings.fetch
    timeout = httpx.Timeout(fetch.connect_timeout_seconds, read=fetch.read_timeout_seconds)
    current = url
    with (
        egress.deadline(settings.render.artwork_deadline_seconds),
        egress.guarded_client(policy, timeout=timeout) as client,
    ):
        for _hop in range(fetch.max_redirects + 1):
            check_url(current, allow_private=True, resolve=False)  # the transport checks hosts
            with client.stream("GET", current) as response:
                location = response.headers.get("location")
                if response.status_code in REDIRECT_CODES and location:
                    current = urljoin(current, location)
                    continue
                if response.status_code >= 400:
                    raise ArtworkUnavailable(f"HTTP {response.status_code}")
                kind = response.headers.get("content-type", "").split(";")[0].strip()
                if kind and not kind.startswith("image/") and kind != "application/octet-stream":
                    raise ArtworkUnavailable(f"content-type {kind!r} is not an image")
                if int(response.headers.get("content-length") or 0) > max_bytes:
                    raise ArtworkUnavailable(f"larger than {max_bytes} bytes")
                written = 0
                with target.open("wb") as fh:
                    for chunk in response.iter_bytes(CHUNK):
                        written += len(chunk)
                        if written > max_bytes:
                            raise ArtworkUnavailable(f"larger than {max_bytes} bytes")
                        fh.write(chunk)
                return
    raise ArtworkUnavailable(f"more than {fetch.max_redirects} redirects")
