"""SSRF through yt-dlp: every URL it opens goes through the filtering proxy, not only formats.

Finding: a public page answering ``text/html`` went to yt-dlp, and the URL check ran only on
the formats it returned. A page whose RSS ``<link>`` pointed at 127.0.0.1, a redirect served
only to yt-dlp's second request, HLS segment URLs and a ``twitter:player`` tag all reached a
private service. Each case below is served by the "public" attacker on 127.0.0.2 and must end
``download_failed`` with the canary on 127.0.0.1 untouched.
"""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from podclip.core.errors import DownloadFailed, PodclipError
from podclip.tasks.fetch import download_media
from tests.support.egress import Canary, attacker, file_route, page, redirect

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("guarded")]


@pytest.fixture(scope="module")
def talk(shared_data: Path) -> bytes:
    return (shared_data / "auto-editor" / "example.mp4").read_bytes()


def _fails(url: str) -> PodclipError:
    with pytest.raises(PodclipError) as caught:
        download_media.fn(url)
    return caught.value


def test_control_public_page_downloads_through_the_proxy(
    canary_service: Canary, talk: bytes
) -> None:
    """The proxy is not a wall: a public page's media still arrives through it."""
    html = '<html><head><title>t</title></head><body><video src="/talk.mp4"></video></body></html>'
    routes = {"/watch": page(html), "/talk.mp4": file_route(talk, "video/mp4")}
    with attacker(routes) as host:
        media = download_media.fn(host.url("watch"))
    assert media.size_bytes == len(talk)
    assert host.count("/talk.mp4") >= 1
    assert canary_service.connections == 0


def test_rss_link_to_private_address(canary_service: Canary) -> None:
    rss = (
        '<?xml version="1.0"?><rss version="2.0"><channel><title>Show</title>'
        f"<item><title>Ep</title><link>{canary_service.url('internal.mp3')}</link></item>"
        "</channel></rss>"
    )
    with attacker({"/feed": page(rss)}) as host:
        error = _fails(host.url("feed"))
    assert host.count("/feed") >= 2  # our probe, then yt-dlp: the attack path was taken
    assert error.code == "download_failed"
    assert canary_service.connections == 0


def test_redirect_only_on_the_second_request(canary_service: Canary, talk: bytes) -> None:
    seen: list[int] = []
    html = '<html><body><video src="/talk.mp4"></video></body></html>'

    def watch(handler: BaseHTTPRequestHandler) -> None:
        seen.append(1)
        if len(seen) == 1:
            page(html)(handler)  # what the URL check sees
        else:
            redirect(canary_service.url("internal.mp3"))(handler)  # what yt-dlp gets

    with attacker({"/watch": watch, "/talk.mp4": file_route(talk, "video/mp4")}) as host:
        error = _fails(host.url("watch"))
    assert len(seen) >= 2
    assert error.code == "download_failed"
    assert canary_service.connections == 0


def test_hls_segments_pointing_private(canary_service: Canary) -> None:
    playlist = (
        "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:10\n#EXT-X-MEDIA-SEQUENCE:0\n"
        f"#EXTINF:10.0,\n{canary_service.url('seg0.ts')}\n"
        f"#EXTINF:10.0,\n{canary_service.url('seg1.ts')}\n#EXT-X-ENDLIST\n"
    )
    html = '<html><body><video src="/live/index.m3u8"></video></body></html>'
    routes = {
        "/watch": page(html),
        "/live/index.m3u8": page(playlist, "application/vnd.apple.mpegurl"),
    }
    with attacker(routes) as host:
        error = _fails(host.url("watch"))
    assert host.count("/live/index.m3u8") >= 1
    assert error.code == "download_failed"
    assert canary_service.connections == 0


def test_twitter_player_pointing_private(canary_service: Canary) -> None:
    html = (
        "<html><head><title>t</title>"
        f'<meta name="twitter:player" content="{canary_service.url("embed")}">'
        "</head><body>nothing else</body></html>"
    )
    with attacker({"/watch": page(html)}) as host:
        error = _fails(host.url("watch"))
    assert host.count("/watch") >= 2
    assert isinstance(error, DownloadFailed)
    assert error.code == "download_failed"
    assert canary_service.connections == 0
