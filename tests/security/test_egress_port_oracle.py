"""No port scanner: an open private port, a closed one and a closed public one fail alike.

Finding: an open private port and a closed one ended jobs with different error codes. Now the
guard refuses private addresses before connecting, and a refusal is worded exactly like a
refused connection: same code, same message.
"""

from __future__ import annotations

import pytest

from podclip.core import egress
from podclip.core.errors import PodclipError
from podclip.tasks.fetch import download_media
from tests.support.egress import ATTACKER_HOST, Canary, attacker, closed_port, page, redirect

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("guarded")]


def _error(url: str) -> tuple[str, str]:
    with pytest.raises(PodclipError) as caught:
        download_media.fn(url)
    return caught.value.code, caught.value.message


def test_direct_download_open_closed_and_denied_look_the_same(canary_service: Canary) -> None:
    closed = f"http://127.0.0.1:{closed_port()}/x.mp3"
    routes = {"/open": redirect(canary_service.url("x.mp3")), "/closed": redirect(closed)}
    with attacker(routes) as host:
        errors = {_error(host.url("open")), _error(host.url("closed"))}
    errors.add(_error(f"http://{ATTACKER_HOST}:{closed_port(ATTACKER_HOST)}/x.mp3"))
    assert errors == {("download_failed", egress.UNREACHABLE)}
    assert canary_service.connections == 0


def test_ytdlp_open_and_closed_private_ports_look_the_same(canary_service: Canary) -> None:
    def embed(url: str) -> str:
        return f'<html><body><video src="{url}"></video></body></html>'

    closed = f"http://127.0.0.1:{closed_port()}/x.mp4"
    routes = {"/open": page(embed(canary_service.url("x.mp4"))), "/closed": page(embed(closed))}
    with attacker(routes) as host:
        errors = {
            (code, message.replace(host.url(path), "<page>"))
            for path in ("open", "closed")
            for code, message in [_error(host.url(path))]
        }
    assert errors == {
        ("download_failed", f"Could not download media from <page>: {egress.UNREACHABLE}")
    }
    assert canary_service.connections == 0
