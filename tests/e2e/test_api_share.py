"""The guest share page over HTTP and in headless Chromium: the guest's clips only, players
whose media loads, escaped text, HTML 404s for bad tokens, nothing of other jobs."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from html import unescape
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from podclip.api.share import share_token
from podclip.core.settings import Settings
from podclip.store import ops, signing
from tests.e2e.helpers import RELAXED, ApiServer
from tests.support.seed_media import make_source, seed_media_job

pytestmark = pytest.mark.slow
CHROMIUM = Path("/usr/bin/chromium")
GUEST_CLIPS = {"clip_guest1", "clip_guest2"}
MEDIA_TIMEOUT_MS = 60_000
PAINT_TIMEOUT_S = 30.0
VIDEO_PIXELS = 5000


def _video_pixels(image: np.ndarray) -> int:
    """Pixels of the test source's pure yellow bars (the page's own yellow has more blue)."""
    return int(((image[..., 0] > 200) & (image[..., 1] > 200) & (image[..., 2] < 40)).sum())


@pytest.fixture(scope="module")
def served(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ApiServer, str, str]]:
    """A server with two published jobs: the guest's, and another show's."""
    with api_server_factory(**RELAXED) as server:
        source = make_source(tmp_path_factory.mktemp("src") / "episode.mp4")
        settings = Settings(data_root=server.data_root)
        job_id = seed_media_job(settings, source)
        other = seed_media_job(
            settings, source, show_name="Other Show", title="Secret", guest_name="Bob Other"
        )
        yield server, job_id, other


def _share_url(server: ApiServer, job_id: str) -> str:
    job = httpx.get(
        server.url(f"/v1/jobs/{job_id}"), headers=server.headers("live"), timeout=30
    ).json()
    url: str = job["output"]["guest_share_url"]
    assert url.startswith(f"{server.base_url}/share/{job_id}.")
    return url


def test_job_output_links_the_share_page_and_the_trailer(
    served: tuple[ApiServer, str, str],
) -> None:
    server, job_id, other = served
    job = httpx.get(
        server.url(f"/v1/jobs/{job_id}"), headers=server.headers("live"), timeout=30
    ).json()
    trailer = job["output"]["trailer"]
    assert trailer["duration_seconds"] > 0
    assert httpx.get(trailer["url"], timeout=30).content[4:8] == b"ftyp"
    assert _share_url(server, job_id) != _share_url(server, other)


def test_page_shows_only_the_guests_clips_escaped(served: tuple[ApiServer, str, str]) -> None:
    server, job_id, other = served
    page = httpx.get(_share_url(server, job_id), timeout=30)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert "Ada Guest" in html and html.count("<video") == len(GUEST_CLIPS) + 1  # + trailer
    assert "The guest&#x27;s bold call" in html and "Host explains" not in html
    assert "<script" not in html.lower() and "&lt;script&gt;alert" in html
    assert "<b>" not in html and "Evil/../Show &lt;b&gt;" in html
    assert "Bob Other" not in html and "Other Show" not in html and other not in html
    for src in re.findall(r'<video[^>]* src="([^"]+)"', html):
        ranged = httpx.get(unescape(src), headers={"Range": "bytes=0-99"}, timeout=30)
        assert ranged.status_code == 206 and len(ranged.content) == 100
        assert ranged.headers["content-type"] == "video/mp4"
    downloads = re.findall(r'<a href="([^"]+)" download>(SRT|VTT)</a>', html)
    assert len(downloads) == 2 * len(GUEST_CLIPS)
    assert all(httpx.get(unescape(u), timeout=30).status_code == 200 for u, _ in downloads)


def test_bad_tokens_get_an_html_404(served: tuple[ApiServer, str, str]) -> None:
    server, job_id, _ = served
    url = _share_url(server, job_id)
    secret = (server.data_root / signing.SECRET_FILE).read_bytes().strip()
    engine = ops.engine_for(Settings(data_root=server.data_root).resolved_database_url)
    queued = ops.create_job(engine, source_type="file", source_url="/x.mp4")
    for bad, words in (
        (url[:-1] + ("A" if url[-1] != "A" else "B"), "not valid"),
        (server.url(f"/share/{job_id}"), "not valid"),
        (server.url("/share/..%2F..%2Fetc%2Fpasswd"), "not valid"),
        (server.url(f"/share/{share_token(b'wrong', job_id)}"), "not valid"),
        (server.url(f"/share/{share_token(secret, 'job_' + '0' * 24)}"), "not valid"),
        (server.url(f"/share/{share_token(secret, queued.id)}"), "not ready"),
    ):
        response = httpx.get(bad, timeout=30)
        assert response.status_code == 404, bad
        assert response.headers["content-type"].startswith("text/html")
        assert "Page not found" in response.text and words in response.text


@pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium package is not installed")
def test_page_renders_in_headless_chromium(
    served: tuple[ApiServer, str, str], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    server, job_id, _ = served
    url = _share_url(server, job_id)
    shot = tmp_path / "share.png"
    with sync_playwright() as pw:
        browser = pw.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--headless", "--no-sandbox", "--disable-gpu",
                  "--disable-background-networking", "--hide-scrollbars"],
        )  # fmt: skip
        try:
            page = browser.new_page(viewport={"width": 390, "height": 1600})
            page.goto(url)
            # Wait on the players themselves, not on a time budget: every video has fetched
            # and decoded its first frame (HAVE_CURRENT_DATA) before the screenshot.
            page.wait_for_function(
                "[...document.querySelectorAll('video')].every(v => v.readyState >= 2)",
                timeout=MEDIA_TIMEOUT_MS,
            )
            # A decoded frame reaches the compositor a moment later: screenshots until it shows.
            deadline = time.monotonic() + PAINT_TIMEOUT_S
            while True:
                page.screenshot(path=shot)
                painted = _video_pixels(np.asarray(Image.open(shot).convert("RGB")))
                if painted > VIDEO_PIXELS or time.monotonic() > deadline:
                    break
                page.wait_for_timeout(250)
            dom = page.content()
            errors = page.evaluate(
                "[...document.querySelectorAll('video')].filter(v => v.error).length"
            )
        finally:
            browser.close()
    assert dom.count("<video") == len(GUEST_CLIPS) + 1 and "Ada Guest" in dom
    assert "<script" not in dom.lower() and errors == 0
    image = np.asarray(Image.open(shot).convert("RGB"))
    assert image.shape[:2] == (1600, 390)
    # Not blank: the dark page, light heading text and yellow labels are all there.
    colours = len(np.unique(image.reshape(-1, 3), axis=0))
    light = int((image.min(axis=2) > 200).sum())
    assert colours > 20 and light > 500, (colours, light)
    # The trailer's first frame is drawn: Chromium fetched and decoded our media (the test
    # source's pure yellow bars; the page's own yellow has far more blue).
    assert _video_pixels(image) > VIDEO_PIXELS
