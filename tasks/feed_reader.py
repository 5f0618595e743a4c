"""Read podcast feeds safely: download one with a conditional GET, parse it, list its episodes.

Prefect-free so that the API (an ``rss_feed_url`` job takes the feed's newest episode, see
:func:`newest_episode`) and the ``poll-feeds`` flow share one implementation. Feed XML is
hostile until proven otherwise:

- podclip downloads the bytes itself through the egress guard (:mod:`podclip.core.egress`:
  every connection resolved once, checked and pinned, redirects followed by hand), streamed,
  capped at ``FeedSettings.max_feed_bytes`` after decompression, with a timeout and an overall
  deadline, and hands feedparser only bytes, never a URL or a string it could treat as a path
  or URL.
- At most ``FeedSettings.max_items_parsed`` items reach the parser (half from the start of
  the document, half from its end; the rest is cut out first), so a 10 MB feed of tiny items
  neither takes seconds to parse nor writes tens of thousands of rows per poll.
- Documents that declare a DOCTYPE or ENTITY are refused before any parser sees them.
  feedparser 6 disables external entities and strips most entity declarations, but it keeps
  "safe" literal ones and expands them in its fallback (sgmllib) parser: a 2 MB document that
  references one 100 KB entity 20,000 times exhausted 2 GB of memory in 20 s when tried. Feeds
  have no need for a DTD.
- Images, audio and video answered in place of a feed are refused by content type before the
  body is read; anything else that does not parse as RSS or Atom is refused after parsing.

Every refusal is a :class:`FeedRejected` (permanent: the same feed gives the same answer) with a
message fit for ``feeds.last_error``; network failures are
:class:`~podclip.errors.DownloadInterrupted` (retryable).
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
import time
from calendar import timegm
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from podclip.core import egress
from podclip.core.errors import (
    DownloadFailed,
    DownloadInterrupted,
    FeedRejected,
    PermanentError,
)
from podclip.core.netsafe import EgressPolicy, check_url
from podclip.core.settings import FeedSettings, Settings, feed_settings, get_settings
from podclip.core.sources import VIDEO_EXTENSIONS

logger = logging.getLogger(__name__)

AUDIO_EXTENSIONS = frozenset({".mp3", ".m4a", ".aac", ".wav", ".flac", ".ogg", ".oga", ".opus"})
# httpx's is_redirect is true for every 3xx, 304 Not Modified included.
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
NOT_FEED_CONTENT_TYPES = ("image/", "audio/", "video/", "font/", "model/")
USER_AGENT = "podclip-feed-poller/0.1 (+https://github.com/podclip)"
ACCEPT = (
    "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
)
# Brotli and zstd can expand far more per chunk than gzip; feeds do not need them.
ACCEPT_ENCODING = "gzip, deflate"
MAX_TEXT_CHARS = 1000
"""Longest title, guid or validator kept from a feed; longer guids are hashed."""
_DTD_DECLARATION = re.compile(rb"<!\s*(?:DOCTYPE|ENTITY)", re.IGNORECASE)
_ENTITY_DECLARATION = re.compile(rb"<!\s*ENTITY", re.IGNORECASE)
_NAME_START = re.compile(rb"[A-Za-z_:]")
_ITEM_END = re.compile(rb"</\s*(?:[A-Za-z_][\w.-]*:)?(?:item|entry)\s*>", re.IGNORECASE)


@dataclass(frozen=True)
class FeedResponse:
    """One answer from a feed URL: 200 with a body, or 304 Not Modified without one."""

    url: str
    final_url: str
    status: int
    content_type: str | None
    etag: str | None
    last_modified: str | None
    body: bytes | None


@dataclass(frozen=True)
class Episode:
    """One feed item with a media enclosure, as a job needs it (seconds, UTC)."""

    guid: str
    enclosure_url: str
    source_type: str
    title: str | None
    published_at: datetime | None
    artwork_url: str | None
    duration_seconds: int | None
    channel_title: str | None = None


@dataclass(frozen=True)
class ParsedFeed:
    """A parsed feed: channel facts and its episodes, newest first, one per guid."""

    title: str | None
    image_url: str | None
    episodes: tuple[Episode, ...]
    warning: str | None = None


# --- download -------------------------------------------------------------------------------


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    limits: FeedSettings,
    policy: EgressPolicy,
) -> FeedResponse:
    """GET ``url`` conditionally; follow up to ``limits.max_redirects`` redirects by hand.

    Raises:
        FeedRejected: an HTTP error status, a redirect loop or too many redirects, a
            non-feed content type, a body over the size cap or past the deadline.
        InvalidSourceUrl: a hop that is not http(s), or a first URL that is not public.
        DownloadFailed: the egress guard refused an address (worded as a refused connection).
        DownloadInterrupted: the connection failed or timed out (worth retrying).
    """
    headers = {"Accept": ACCEPT, "Accept-Encoding": ACCEPT_ENCODING, "User-Agent": USER_AGENT}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    deadline = time.monotonic() + limits.timeout_seconds
    visited: list[str] = []
    current = url
    timeout = httpx.Timeout(limits.timeout_seconds)
    # An early, friendly refusal of the feed's own URL; the transport checks every connection.
    check_url(url, allow_private=policy.allow_private, policy=policy)
    with (
        egress.deadline(limits.timeout_seconds),
        egress.guarded_client(policy, timeout=timeout, headers=headers) as client,
    ):
        while True:
            check_url(current, allow_private=True, resolve=False)
            if current in visited:
                chain = " -> ".join([*visited, current])
                raise FeedRejected(f"Feed {url} redirects in a loop: {chain}.")
            if len(visited) > limits.max_redirects:
                raise FeedRejected(f"Feed {url} redirects more than {limits.max_redirects} times.")
            visited.append(current)
            try:
                with client.stream("GET", current) as response:
                    if response.status_code in REDIRECT_STATUSES:
                        current = _redirect_target(url, current, response)
                        continue
                    return _read_response(url, current, response, limits, deadline)
            except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
                raise FeedRejected(f"Feed {url} has an unusable URL ({current}): {exc}.") from exc
            except httpx.DecodingError as exc:
                raise FeedRejected(f"Feed {url} sent a body that does not decode: {exc}.") from exc
            except egress.DeadlineExceeded as exc:
                raise FeedRejected(
                    f"Feed {url} took longer than {limits.timeout_seconds:g} s to download."
                ) from exc
            except egress.EgressDenied as exc:
                # Worded exactly like a refused connection: no open/closed port oracle.
                raise DownloadFailed(_unreachable(url)) from exc
            except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
                raise DownloadInterrupted(_unreachable(url)) from exc
            except httpx.TransportError as exc:
                reason = str(exc) or type(exc).__name__
                raise DownloadInterrupted(f"Could not reach feed {url}: {reason}.") from exc


def _unreachable(url: str) -> str:
    return f"Could not reach feed {url}: {egress.UNREACHABLE}"


def _redirect_target(url: str, current: str, response: httpx.Response) -> str:
    location = str(response.headers.get("location", "")).strip()
    if not location:
        raise FeedRejected(
            f"Feed {url} answered HTTP {response.status_code} without a Location header.",
            http_status=response.status_code,
        )
    return urljoin(current, location)


def _read_response(
    url: str, final_url: str, response: httpx.Response, limits: FeedSettings, deadline: float
) -> FeedResponse:
    status = response.status_code
    content_type = _header(response, "content-type")
    mime = _media_type(content_type)
    etag = _header(response, "etag")
    last_modified = _header(response, "last-modified")
    if status == 304:
        return FeedResponse(url, final_url, 304, content_type, etag, last_modified, None)
    if not 200 <= status < 300:
        raise FeedRejected(f"Feed {url} answered HTTP {status}.", http_status=status)
    if mime.startswith(NOT_FEED_CONTENT_TYPES):
        raise FeedRejected(
            f"Feed {url} answered with content type {mime}, not an RSS or Atom feed.",
            http_status=status,
        )
    body = _read_capped(url, response, limits, deadline)
    return FeedResponse(url, final_url, status, content_type, etag, last_modified, body)


def _media_type(content_type: str | None) -> str:
    return (content_type or "").split(";")[0].strip().lower()


def _header(response: httpx.Response, name: str) -> str | None:
    value = response.headers.get(name, "").strip()
    return value if value and len(value) <= MAX_TEXT_CHARS else None


def _read_capped(
    url: str, response: httpx.Response, limits: FeedSettings, deadline: float
) -> bytes:
    cap = limits.max_feed_bytes
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise FeedRejected(
            f"Feed {url} is {int(declared)} bytes; the limit is {cap} bytes.",
            http_status=response.status_code,
        )
    body = bytearray()
    # iter_bytes decompresses, so the cap also stops a gzip bomb.
    for chunk in response.iter_bytes():
        body += chunk
        if len(body) > cap:
            raise FeedRejected(
                f"Feed {url} is larger than the limit of {cap} bytes.",
                http_status=response.status_code,
            )
        if time.monotonic() > deadline:
            raise FeedRejected(
                f"Feed {url} took longer than {limits.timeout_seconds:g} s to download.",
                http_status=response.status_code,
            )
    return bytes(body)


# --- parse ----------------------------------------------------------------------------------


def parse_feed(
    body: bytes, *, content_type: str | None, url: str, max_items: int | None = None
) -> ParsedFeed:
    """Parse feed bytes into episodes, newest first; at most ``max_items`` items are read.

    Raises:
        FeedRejected: the document declares a DOCTYPE or ENTITY, or is not RSS or Atom.
    """
    import feedparser
    from feedparser.encodings import convert_to_utf8

    mime = _media_type(content_type) or "application/xml"
    # Decode exactly as feedparser will, so the DTD check sees what its parsers would see
    # (a document in UTF-16 or UTF-7 spells "<!ENTITY" in other bytes); then hand feedparser
    # the checked UTF-8. No Content-Location: feedparser would resolve a relative <guid>
    # against it, and a guid must not change when the feed moves. Enclosure and image URLs
    # are resolved here instead.
    data = convert_to_utf8({"content-type": content_type or mime}, body, {})
    reject_dtd(data, url=url)
    dropped = 0
    if max_items is not None:
        data, dropped = cap_items(data, max_items)
    headers = {"content-type": f"{mime}; charset=utf-8"}
    parsed = feedparser.parse(io.BytesIO(data), response_headers=headers)
    if not parsed.get("version"):
        reason = parsed.get("bozo_exception") or "no RSS or Atom elements found"
        shown = _media_type(content_type) or "none"
        raise FeedRejected(
            f"Feed {url} is not an RSS or Atom feed (content type {shown}; parser said: {reason})."
        )
    channel = parsed.get("feed", {})
    title = _text(channel.get("title"))
    image_url = _http_url(_image_href(channel.get("image")), url)
    episodes = []
    for entry in parsed.get("entries", []):
        episode = _episode(entry, url=url, channel_title=title, channel_image=image_url)
        if episode is not None:
            episodes.append(episode)
    warnings = []
    if dropped:
        warnings.append(f"feed has {dropped + (max_items or 0)} items; read the first and last")
    if parsed.get("bozo"):
        warnings.append(f"feed parsed with problems: {parsed.get('bozo_exception')}")
    warning = "; ".join(warnings) or None
    if warning:
        logger.info("feed %s: %s", url, warning)
    return ParsedFeed(title, image_url, tuple(unique_by_guid(newest_first(episodes))), warning)


def cap_items(data: bytes, max_items: int) -> tuple[bytes, int]:
    """``data`` with all but ``max_items`` items cut out, and how many were cut.

    Keeps the first half and the last half of the ``<item>``/``<entry>`` elements (feeds list
    newest first, a few oldest first) and everything before the first and after the last, so
    the document stays well formed: it is cut between two closing tags.
    """
    ends = [match.end() for match in _ITEM_END.finditer(data)]
    if len(ends) <= max_items:
        return data, 0
    tail = max_items // 2
    head = max_items - tail
    cut_from = ends[head - 1]
    resume_at = ends[len(ends) - tail - 1]
    return data[:cut_from] + data[resume_at:], len(ends) - max_items


def reject_dtd(data: bytes, *, url: str = "feed") -> None:
    """Raise :class:`FeedRejected` if ``data`` declares a DOCTYPE or any ENTITY.

    A DOCTYPE is only legal before the root element, so that part (comments included, since
    feedparser's own prolog handling reads inside them) is searched for ``<!DOCTYPE`` and
    ``<!ENTITY``; the whole document is searched for ``<!ENTITY``. An HTML page quoted in show
    notes may contain ``<!DOCTYPE html>`` and stays accepted.
    """
    root = _root_start(data)
    if _DTD_DECLARATION.search(data, 0, root) or _ENTITY_DECLARATION.search(data):
        raise FeedRejected(
            f"Feed {url} declares a DOCTYPE or ENTITY; podclip refuses DTDs in feeds "
            "(entity-expansion attacks)."
        )


def _root_start(data: bytes) -> int:
    """Offset of the first start tag outside comments and processing instructions."""
    pos = 0
    while True:
        lt = data.find(b"<", pos)
        if lt < 0:
            return len(data)
        if data.startswith(b"<?", lt):
            end = data.find(b"?>", lt + 2)
            if end < 0:
                return len(data)
            pos = end + 2
        elif data.startswith(b"<!--", lt):
            end = data.find(b"-->", lt + 4)
            if end < 0:
                return len(data)
            pos = end + 3
        elif _NAME_START.match(data, lt + 1):
            return lt
        else:
            pos = lt + 1


def _episode(
    entry: Mapping[str, Any], *, url: str, channel_title: str | None, channel_image: str | None
) -> Episode | None:
    enclosure = media_enclosure(entry.get("enclosures") or [], base_url=url)
    if enclosure is None:
        return None
    enclosure_url, source_type = enclosure
    guid = item_guid(entry.get("id"), enclosure_url)
    return Episode(
        guid=guid,
        enclosure_url=enclosure_url,
        source_type=source_type,
        title=_text(entry.get("title")),
        published_at=_published(entry),
        artwork_url=_http_url(_image_href(entry.get("image")), url) or channel_image,
        duration_seconds=parse_duration(entry.get("itunes_duration")),
        channel_title=channel_title,
    )


def media_enclosure(
    enclosures: Iterable[Mapping[str, Any]], *, base_url: str = ""
) -> tuple[str, str] | None:
    """The first audio or video enclosure as ``(absolute http(s) URL, source_type)``."""
    for enclosure in enclosures:
        href = _http_url(enclosure.get("href") or enclosure.get("url"), base_url)
        if href is None:
            continue
        mime = str(enclosure.get("type") or "").split(";")[0].strip().lower()
        suffix = PurePosixPath(urlsplit(href).path).suffix.lower()
        # The MIME type decides; the extension only when the type says neither.
        if mime.startswith("video/"):
            return href, "video_url"
        if mime.startswith("audio/"):
            return href, "audio_url"
        if suffix in VIDEO_EXTENSIONS:
            return href, "video_url"
        if suffix in AUDIO_EXTENSIONS:
            return href, "audio_url"
    return None


def source_type_for(url: str, mime: str | None = None) -> str:
    """``video_url`` for a video MIME type or extension, else ``audio_url``."""
    found = media_enclosure([{"href": url, "type": mime or ""}])
    return found[1] if found else "audio_url"


def item_guid(guid: object, enclosure_url: str) -> str:
    """The item's ``<guid>`` (or Atom id); without one, its enclosure URL. Long ones hashed."""
    text = str(guid).strip() if guid is not None else ""
    text = text or enclosure_url
    if len(text) > MAX_TEXT_CHARS:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


def parse_duration(value: object) -> int | None:
    """``itunes:duration`` in seconds: ``"1:02:03"``, ``"62:03"`` and ``"3723"`` are all 3723.

    Returns None for anything else (empty, negative, more than three parts, not numbers).
    """
    if value is None:
        return None
    parts = str(value).strip().split(":")
    if len(parts) > 3 or not all(p.strip() for p in parts):
        return None
    try:
        whole = [int(p) for p in parts[:-1]]
        last = float(parts[-1])
    except ValueError:
        return None
    if not math.isfinite(last) or last < 0 or any(n < 0 for n in whole):
        return None
    seconds = 0.0
    for number in whole:
        seconds = seconds * 60 + number
    return round(seconds * 60 + last if whole else last)


def newest_first(episodes: Iterable[Episode]) -> list[Episode]:
    """Newest published first; undated episodes last, in document order."""

    def key(episode: Episode) -> tuple[bool, float]:
        published = episode.published_at
        return (published is None, -published.timestamp() if published else 0.0)

    return sorted(episodes, key=key)


def plan_new_episodes(
    episodes: Sequence[Episode],
    seen: Collection[str],
    *,
    first_poll: bool,
    backfill: int,
    max_items: int,
) -> tuple[list[Episode], list[Episode]]:
    """Split unseen ``episodes`` (newest first) into ``(make jobs, record as seen only)``.

    The first poll of a feed takes the ``backfill`` newest; later polls take every new one.
    Either way at most ``max_items`` per poll: a feed that suddenly shows hundreds of "new"
    items (a changed guid scheme) must not flood the queue.
    """
    new = [e for e in episodes if e.guid not in seen]
    limit = min(backfill if first_poll else max_items, max_items)
    return new[:limit], new[limit:]


def unique_by_guid(episodes: Iterable[Episode]) -> list[Episode]:
    """Keep the first episode of each guid (feeds do repeat items)."""
    seen: set[str] = set()
    kept = []
    for episode in episodes:
        if episode.guid not in seen:
            seen.add(episode.guid)
            kept.append(episode)
    return kept


def _published(entry: Mapping[str, Any]) -> datetime | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    try:
        return datetime.fromtimestamp(timegm(parsed), tz=UTC)
    except (OverflowError, ValueError, OSError):
        return None


def _image_href(image: object) -> str | None:
    if isinstance(image, Mapping):
        value = image.get("href") or image.get("url")
        return str(value) if value else None
    return None


def _http_url(value: object, base_url: str) -> str | None:
    if not value:
        return None
    href = urljoin(base_url, str(value).strip())
    if len(href) > 4 * MAX_TEXT_CHARS:
        return None
    try:
        return check_url(href, allow_private=True, resolve=False)
    except PermanentError:
        return None


def _text(value: object) -> str | None:
    if value is None:
        return None
    text = " ".join(str(value).split())
    return text[:MAX_TEXT_CHARS] or None


# --- jobs -----------------------------------------------------------------------------------


def episode_job_fields(
    episode: Episode, *, show_name: str | None = None, feed_id: str | None = None
) -> dict[str, Any]:
    """Keyword arguments for :func:`store.ops.create_job` (environment and job id aside)."""
    options: dict[str, Any] = {
        "guid": episode.guid,
        "artwork_url": episode.artwork_url,
        "episode_duration_seconds": episode.duration_seconds,
        "published_at": episode.published_at.isoformat() if episode.published_at else None,
    }
    if feed_id is not None:
        options["feed_id"] = feed_id
    return {
        "source_type": episode.source_type,
        "source_url": episode.enclosure_url,
        "source": {"type": episode.source_type, "url": episode.enclosure_url},
        "options": options,
        "show_name": show_name or episode.channel_title,
        "title": episode.title,
    }


def read_feed(url: str, *, settings: Settings | None = None) -> ParsedFeed:
    """Download (unconditionally) and parse the feed at ``url`` with the configured limits."""
    settings = settings or get_settings()
    limits = feed_settings(settings)
    response = fetch_feed(url, limits=limits, policy=EgressPolicy.from_settings(settings))
    if response.body is None:  # no validators were sent, so a 304 is the server's mistake
        raise FeedRejected(f"Feed {url} answered 304 to an unconditional request.")
    return parse_feed(
        response.body,
        content_type=response.content_type,
        url=response.final_url,
        max_items=limits.max_items_parsed,
    )


def newest_episode(url: str, *, settings: Settings | None = None) -> Episode:
    """The newest episode with audio or video in the feed at ``url`` (for ``rss_feed_url`` jobs).

    Raises:
        FeedRejected: the feed is unusable or has no episode with an audio or video enclosure.
    """
    feed = read_feed(url, settings=settings)
    if not feed.episodes:
        raise FeedRejected(f"Feed {url} has no episodes with an audio or video enclosure.")
    return feed.episodes[0]
