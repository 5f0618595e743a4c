from __future__ import annotations

import pytest

from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import check_url, is_public_address
from podclip.core.sources import source_for


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.1.1",
        "169.254.169.254",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "::ffff:127.0.0.1",
        "0.0.0.0",
        "224.0.0.1",
    ],
)
def test_non_public_addresses(address: str) -> None:
    assert not is_public_address(address)


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111"])
def test_public_addresses(address: str) -> None:
    assert is_public_address(address)


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/a.mp3",
        "gopher://x",
        "javascript:alert(1)",
        "http://",
        "http://[::1",
    ],
)
def test_rejected_urls(url: str) -> None:
    with pytest.raises(InvalidSourceUrl):
        check_url(url, allow_private=True)


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/a.mp3",
        "http://0x7f000001/a.mp3",
        "http://[::1]/a.mp3",
        "http://localhost/a.mp3",
    ],
)
def test_loopback_refused_unless_allowed(url: str) -> None:
    with pytest.raises(InvalidSourceUrl):
        check_url(url, allow_private=False)
    assert check_url(url, allow_private=True) == url


def test_source_classification(tmp_path: object) -> None:
    assert source_for("https://youtu.be/abc")[0] == "youtube_url"
    assert source_for("https://cdn.example.com/ep.MP4")[0] == "video_url"
    assert source_for("https://cdn.example.com/ep.mp3?x=1")[0] == "audio_url"
    kind, path = source_for("relative/episode.mp3")
    assert kind == "file" and path.startswith("/")


def test_error_text_loses_server_paths() -> None:
    from podclip.core.redact import redact_paths

    text = (
        "ffmpeg failed: /srv/podclip/data/media/scratch/ab12: Invalid data; "
        "'/tmp/podclip-ffmpeg-x/ffmpeg' see http://cdn.example.com/a/b.mp3"
    )
    out = redact_paths(text, roots=("/srv/podclip/data",))
    assert "/srv/" not in out and "/tmp/" not in out
    assert "http://cdn.example.com/a/b.mp3" in out
