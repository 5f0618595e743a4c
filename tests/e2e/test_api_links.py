"""Links behind any port: every URL the API hands out downloads (issue 16, "Links").

The server runs on a random port (never 8000) with no ``PODCLIP_PUBLIC_BASE_URL``, so links
follow each request's scheme, host and port; ``X-Forwarded-Proto``/``X-Forwarded-Host`` count
only from the trusted proxy 127.0.0.2 (the test connects from that address to play the proxy).
A published live job with real media gives clips, captions, a trailer, exports and a share page.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from html import unescape
from typing import Any

import httpx
import pytest

from podclip.core.settings import Settings
from tests.e2e.helpers import RELAXED, ApiServer
from tests.support.seed_media import make_source, seed_media_job

pytestmark = pytest.mark.slow
PROXY = "127.0.0.2"
EXPORT_FORMATS = ("mp4", "zip", "otio", "edl", "fcpxml")
PAGE_LINKS = re.compile(r'(?:src|href)="([^"]+)"')


@pytest.fixture(scope="module")
def served(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ApiServer, str]]:
    with api_server_factory(**RELAXED, PODCLIP_API__TRUSTED_PROXIES=f'["{PROXY}"]') as server:
        source = make_source(tmp_path_factory.mktemp("src") / "episode.mp4")
        yield server, seed_media_job(Settings(data_root=server.data_root), source)


def _urls(value: Any) -> list[str]:
    """Every http(s) URL anywhere in a JSON value."""
    if isinstance(value, dict):
        return [u for v in value.values() for u in _urls(v)]
    if isinstance(value, list):
        return [u for v in value for u in _urls(v)]
    if isinstance(value, str) and value.startswith(("http://", "https://")):
        return [value]
    return []


def _downloads(url: str) -> None:
    response = httpx.get(url, timeout=60)
    assert response.status_code == 200, (url, response.status_code)
    assert response.content, url


def test_every_link_downloads_on_a_port_other_than_8000(served: tuple[ApiServer, str]) -> None:
    server, job_id = served
    assert not server.base_url.endswith(":8000")
    headers = server.headers("live")
    job = httpx.get(server.url(f"/v1/jobs/{job_id}"), headers=headers, timeout=30).json()
    clips = httpx.get(server.url(f"/api/v1/jobs/{job_id}/clips"), headers=headers, timeout=30)
    urls = _urls(job) + _urls(clips.json())
    for fmt in EXPORT_FORMATS:
        export = httpx.post(
            server.url(f"/api/v1/jobs/{job_id}/export"),
            json={"format": fmt},
            headers=headers,
            timeout=120,
        )
        assert export.status_code == 200, export.text
        urls += _urls(export.json())
    share = job["output"]["guest_share_url"]
    page = httpx.get(share, timeout=30)
    assert page.status_code == 200
    page_urls = [unescape(u) for u in PAGE_LINKS.findall(page.text)]
    assert page_urls, "the share page links no media"
    urls += page_urls
    # Clips (each render and caption), the trailer, the share page, every export, every page link.
    assert len(set(urls)) > 10
    for url in sorted(set(urls)):
        assert url.startswith(f"{server.base_url}/"), url
        _downloads(url)


def _first_media_url(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    url: str = response.json()["output"]["clips"][0]["media_url"]
    return url


def test_links_follow_the_host_and_forwarded_headers_only_from_a_trusted_proxy(
    served: tuple[ApiServer, str],
) -> None:
    server, job_id = served
    path = f"/v1/jobs/{job_id}"
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "clips.example.com"}
    headers = {**server.headers("live"), **forwarded}
    # From 127.0.0.1 (not a trusted proxy): the forwarded headers are ignored.
    direct = _first_media_url(httpx.get(server.url(path), headers=headers, timeout=30))
    assert direct.startswith(f"{server.base_url}/v1/media/")
    # The request's own Host (and port) is honoured.
    other_host = {**server.headers("live"), "Host": "media.example.net:8443"}
    hosted = _first_media_url(httpx.get(server.url(path), headers=other_host, timeout=30))
    assert hosted.startswith("http://media.example.net:8443/v1/media/")
    # A Host that is not a plain host[:port] falls back to the configured address.
    odd = {**server.headers("live"), "Host": "evil.example/<x>"}
    fallback = _first_media_url(httpx.get(server.url(path), headers=odd, timeout=30))
    assert fallback.startswith(f"{server.base_url}/v1/media/")
    # From the trusted proxy: the forwarded scheme and host make the links.
    transport = httpx.HTTPTransport(local_address=PROXY)
    with httpx.Client(transport=transport, timeout=30) as proxy:
        proxied = _first_media_url(proxy.get(server.url(path), headers=headers))
    assert proxied.startswith("https://clips.example.com/v1/media/")
    # The same path, fetched directly, serves the file the proxied link names.
    _downloads(server.base_url + proxied.removeprefix("https://clips.example.com"))
