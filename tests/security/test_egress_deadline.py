"""A slow-loris source fails at the overall deadline with ``download_timeout``.

Finding: downloads had no overall deadline; a source sending one byte every two seconds held a
worker forever (each read finished well inside the read timeout). The attacker below sends at
most 30 bytes, one every 2 s: without the deadline each download would end after a minute with
another error, so the code assertion would fail.
"""

from __future__ import annotations

import time
from http.server import BaseHTTPRequestHandler

import pytest

from podclip.core.errors import PodclipError
from podclip.core.settings import get_settings
from podclip.tasks.feed_reader import read_feed
from podclip.tasks.fetch import download_media
from tests.support.egress import Canary, Route, attacker, page

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("guarded")]

TRICKLE_BYTES = 30


def _trickle(content_type: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(TRICKLE_BYTES))
        handler.end_headers()
        for _ in range(TRICKLE_BYTES):
            try:
                handler.wfile.write(b"x")
                handler.wfile.flush()
            except OSError:
                return
            time.sleep(2)

    return route


@pytest.fixture
def short_deadlines(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODCLIP_FETCH__DEADLINE_SECONDS", "3")
    monkeypatch.setenv("PODCLIP_FEEDS__TIMEOUT_SECONDS", "3")
    monkeypatch.setenv("PODCLIP_EGRESS__PROXY_IDLE_SECONDS", "30")
    get_settings.cache_clear()


@pytest.mark.usefixtures("short_deadlines")
def test_direct_download_slow_loris(canary_service: Canary) -> None:
    routes = {"/ep.mp3": _trickle("audio/mpeg")}
    with attacker(routes) as host, pytest.raises(PodclipError) as caught:
        download_media.fn(host.url("ep.mp3"))
    assert caught.value.code == "download_timeout"
    assert canary_service.connections == 0


@pytest.mark.usefixtures("short_deadlines")
def test_ytdlp_download_slow_loris(canary_service: Canary, monkeypatch: pytest.MonkeyPatch) -> None:
    # yt-dlp asks for the video about 0.9 s after the start on an idle machine, and after more
    # than 3 s on a loaded one (CI: the deadline ran out before it did). 10 s leaves room for
    # that, and the trickle (60 s) still outlasts it.
    monkeypatch.setenv("PODCLIP_FETCH__DEADLINE_SECONDS", "10")
    get_settings.cache_clear()
    routes = {
        "/watch": page('<html><body><video src="/talk.mp4"></video></body></html>'),
        "/talk.mp4": _trickle("video/mp4"),
    }
    with attacker(routes) as host, pytest.raises(PodclipError) as caught:
        download_media.fn(host.url("watch"))
    assert host.count("/talk.mp4") >= 1
    assert caught.value.code == "download_timeout"
    assert canary_service.connections == 0


@pytest.mark.usefixtures("short_deadlines")
def test_feed_slow_loris(canary_service: Canary) -> None:
    routes = {"/feed.xml": _trickle("application/rss+xml")}
    with attacker(routes) as host, pytest.raises(PodclipError) as caught:
        read_feed(host.url("feed.xml"))
    assert caught.value.code == "invalid_feed"
    assert "took longer than 3 s" in caught.value.message
    assert canary_service.connections == 0
