"""Feed routes for :mod:`tests.support.httpserver`: conditional GET, media, hostile answers.

A :class:`FeedHost` publishes feed documents on a running :class:`LoopbackServer` with an ETag
and a Last-Modified date, answers 304 when a request's validators match, records every
request's headers, and serves media files for enclosure URLs. The module-level route makers
build the hostile answers (redirects, error statuses, endless bodies) the poller must survive.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import re
import socket
from collections import defaultdict
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from urllib.parse import urlsplit

from tests.support.httpserver import LoopbackServer, Route

RSS = "application/rss+xml; charset=utf-8"
_ENCLOSURE_URL = re.compile(rb'(<enclosure\b[^>]*?\burl=")([^"]+)(")')


class FeedHost:
    """Feeds and media on one loopback server.

    ``headers[path]`` lists the headers of each request for a published feed, names in
    lower case.
    """

    def __init__(self, server: LoopbackServer) -> None:
        self.server = server
        self.headers: dict[str, list[dict[str, str]]] = defaultdict(list)
        self._version = 0

    def publish(self, path: str, body: bytes, content_type: str = RSS) -> str:
        """Serve ``body`` at ``path`` with fresh validators; return its URL."""
        self._version += 1
        etag = f'"{hashlib.sha256(body).hexdigest()[:16]}"'
        # One second apart per version, so If-Modified-Since can tell versions apart.
        last_modified = formatdate(1_700_000_000 + self._version, usegmt=True)

        def route(handler: BaseHTTPRequestHandler) -> None:
            self.headers[path].append({k.lower(): v for k, v in handler.headers.items()})
            if (
                handler.headers.get("If-None-Match") == etag
                or handler.headers.get("If-Modified-Since") == last_modified
            ):
                handler.send_response(304)
                handler.send_header("ETag", etag)
                handler.end_headers()
                return
            _send(handler, 200, body, content_type, ETag=etag, **{"Last-Modified": last_modified})

        self.server.routes[path] = route
        return self.server.url(path)

    def serve_media(self, url_path: str, data: bytes, content_type: str = "audio/mpeg") -> str:
        """Serve ``data`` at ``url_path`` (query string included); return its URL."""
        self.server.routes[url_path] = body_route(data, content_type)
        return self.server.url(url_path)

    def localize_enclosures(self, feed: bytes, media: Path) -> tuple[bytes, dict[str, str]]:
        """Point every enclosure of ``feed`` at this server (serving ``media``).

        Returns the rewritten feed and a map from each original enclosure URL to its new one.
        """
        data = media.read_bytes()
        mapping: dict[str, str] = {}

        def rewrite(match: re.Match[bytes]) -> bytes:
            original = match.group(2).decode()
            parts = urlsplit(original.replace("&amp;", "&"))
            path = f"/media/{parts.netloc}{parts.path}" + (f"?{parts.query}" if parts.query else "")
            mapping[original] = self.serve_media(path, data)
            new = mapping[original].replace("&", "&amp;").encode()
            return match.group(1) + new + match.group(3)

        return _ENCLOSURE_URL.sub(rewrite, feed), mapping


def body_route(body: bytes, content_type: str, *, status: int = 200) -> Route:
    """Answer ``status`` with ``body`` and a Content-Length."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, status, body, content_type)

    return route


def gzip_route(body: bytes, content_type: str = RSS) -> Route:
    """Answer 200 with ``body`` gzip-compressed (Content-Length is the compressed size)."""
    packed = gzip.compress(body)

    def route(handler: BaseHTTPRequestHandler) -> None:
        _send(handler, 200, packed, content_type, **{"Content-Encoding": "gzip"})

    return route


def redirect_route(location: str, status: int = 302) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(status)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


def hang_up_route(then: Route, *, failures: int = 1) -> Route:
    """Drop the connection without an answer ``failures`` times, then answer like ``then``."""
    dropped = [0]

    def route(handler: BaseHTTPRequestHandler) -> None:
        if dropped[0] >= failures:
            then(handler)
            return
        dropped[0] += 1
        handler.close_connection = True
        with contextlib.suppress(OSError):
            handler.connection.shutdown(socket.SHUT_RDWR)

    return route


def endless_route(content_type: str = RSS, *, total: int, chunk: int = 1 << 16) -> Route:
    """Stream ``total`` bytes with no Content-Length (until the client hangs up)."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.end_headers()
        head = b'<?xml version="1.0"?><rss version="2.0"><channel><title>'
        sent = 0
        try:
            handler.wfile.write(head)
            while sent < total:
                handler.wfile.write(b"A" * chunk)
                sent += chunk
        except (BrokenPipeError, ConnectionResetError):
            pass  # the poller stopped reading at its cap, as it should

    return route


def declared_length_route(length: int, content_type: str = RSS) -> Route:
    """Promise ``length`` bytes in Content-Length, then send only a few."""

    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(length))
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(b"<rss>")

    return route


def closed_port_url(path: str = "/feed.xml") -> str:
    """A loopback URL on a port nobody listens on (connection refused)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


def billion_laughs(levels: int = 9) -> bytes:
    """The classic entity-expansion bomb, dressed as an RSS feed."""
    entities = ['<!ENTITY lol "lol">']
    for level in range(1, levels + 1):
        ref = f"&lol{level - 1};" if level > 1 else "&lol;"
        entities.append(f'<!ENTITY lol{level} "{ref * 10}">')
    dtd = "\n".join(entities)
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE rss [\n{dtd}\n]>\n'
        f'<rss version="2.0"><channel><title>&lol{levels};</title></channel></rss>'
    ).encode()


def item_xml(guid: str, title: str, enclosure_url: str, pub_date: str, duration: str) -> bytes:
    """One RSS ``<item>`` with an audio enclosure."""
    return (
        f'<item><title>{title}</title><guid isPermaLink="false">{guid}</guid>'
        f"<pubDate>{pub_date}</pubDate>"
        f'<enclosure url="{enclosure_url}" length="1000" type="audio/mpeg"/>'
        f"<itunes:duration>{duration}</itunes:duration></item>"
    ).encode()


def insert_item(feed: bytes, item: bytes) -> bytes:
    """``feed`` with ``item`` placed before its first ``<item>`` (newest first, as feeds do)."""
    at = feed.index(b"<item")
    return feed[:at] + item + b"\n" + feed[at:]


def _send(
    handler: BaseHTTPRequestHandler, status: int, body: bytes, content_type: str, **headers: str
) -> None:
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        handler.wfile.write(body)
