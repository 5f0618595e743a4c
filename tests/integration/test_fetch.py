"""Fetching real media over loopback: direct URLs, pages through yt-dlp, redirects, caps."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from podclip.core.errors import DownloadFailed, SourceTooLarge
from podclip.core.settings import get_settings
from podclip.store.media import MediaStore, sha256_file
from podclip.tasks.fetch import download_media
from tests.support.httpserver import Route, serve

PAGE = (
    b"<!doctype html><html><head><title>A talk</title>"
    b'<meta property="og:video" content="/talk.mp4"></head>'
    b'<body><video src="/talk.mp4" controls></video></body></html>'
)


def _page(handler: BaseHTTPRequestHandler) -> None:
    handler.send_response(200)
    handler.send_header("Content-Type", "text/html; charset=utf-8")
    handler.send_header("Content-Length", str(len(PAGE)))
    handler.end_headers()
    handler.wfile.write(PAGE)


def _redirect_to(location: str) -> Route:
    def route(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", location)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return route


@pytest.fixture
def media_dir(tmp_path: Path, shared_data: Path) -> Path:
    folder = tmp_path / "www"
    folder.mkdir()
    (folder / "talk.mp4").write_bytes((shared_data / "auto-editor" / "example.mp4").read_bytes())
    return folder


def test_page_url_goes_through_ytdlp(data_root: Path, media_dir: Path) -> None:
    with serve(media_dir, {"/watch": _page}) as server:
        media = download_media.fn(server.url("watch"))
    assert "/talk.mp4" in server.requests
    stored = MediaStore.from_settings(get_settings()).local_path(media.key)
    assert sha256_file(stored) == sha256_file(media_dir / "talk.mp4") == media.sha256


def test_direct_url_with_redirect_is_content_addressed(data_root: Path, media_dir: Path) -> None:
    with serve(media_dir, {"/go": _redirect_to("/talk.mp4")}) as server:
        first = download_media.fn(server.url("go"))
        second = download_media.fn(server.url("talk.mp4"))
    assert first.sha256 == second.sha256 and first.key == second.key
    assert first.key.endswith(".mp4")


def test_redirect_to_metadata_address_is_refused(
    data_root: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loopback server counts as public here; the hop to the metadata address does not.
    monkeypatch.setenv("PODCLIP_ALLOW_PRIVATE_URLS", "0")
    monkeypatch.setenv("PODCLIP_EGRESS__TREAT_AS_PUBLIC", "127.0.0.1/32")
    get_settings.cache_clear()
    metadata = _redirect_to("http://169.254.169.254/latest/meta-data")
    with serve(media_dir, {"/go": metadata}) as s, pytest.raises(DownloadFailed) as caught:
        download_media.fn(s.url("go"))
    assert caught.value.code == "download_failed"
    assert s.requests == ["/go"]


def test_size_cap(data_root: Path, media_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PODCLIP_FETCH__MAX_SOURCE_BYTES", "1000")
    get_settings.cache_clear()
    with serve(media_dir) as server, pytest.raises(SourceTooLarge):
        download_media.fn(server.url("talk.mp4"))
