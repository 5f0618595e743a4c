"""DNS rebinding: the guard resolves once and connects to the address it checked.

Finding: ``check_url`` resolved the name, then httpx resolved it again, so a TTL-0 name could
answer public first and private second; artwork, feeds and webhooks had the same pattern. The
guard's resolver (:func:`podclip.core.netsafe.resolve`) is replaced by a stub that answers
127.0.0.2 (public here) first and 127.0.0.1 after. The system resolver does not know
``rebind.test``: a connection that reached anything went through the guard's answer.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from prefect.logging import disable_run_logger

from podclip.core import egress, netsafe
from podclip.core.errors import PodclipError
from podclip.core.settings import get_settings
from podclip.store import ops
from podclip.store import webhook_deliveries as deliveries
from podclip.store import webhook_registry as registry
from podclip.tasks.artwork import fetch_artwork, store_artwork
from podclip.tasks.feed_reader import read_feed
from podclip.tasks.fetch import download_media
from podclip.tasks.webhooks import deliver_due
from tests.support.egress import ATTACKER_HOST, Canary, RebindingResolver, attacker, page

pytestmark = [pytest.mark.network, pytest.mark.usefixtures("guarded")]

NAME = "rebind.test"
PUBLIC, PRIVATE = [ATTACKER_HOST], ["127.0.0.1"]


@pytest.fixture
def rebind(monkeypatch: pytest.MonkeyPatch) -> Callable[..., RebindingResolver]:
    def install(*answers: list[str]) -> RebindingResolver:
        resolver = RebindingResolver({NAME: list(answers)})
        monkeypatch.setattr(netsafe, "resolve", resolver)
        return resolver

    return install


def test_control_the_connection_goes_to_the_checked_address(
    canary_service: Canary, rebind: Callable[..., RebindingResolver]
) -> None:
    """Only the guard knows rebind.test, so a download that works connected to its answer."""
    rebind(PUBLIC)
    routes = {"/a.mp3": page("x" * 64, "audio/mpeg")}  # no audio, but the bytes arrive
    with (
        attacker(routes, port=canary_service.port) as host,
        pytest.raises(PodclipError) as caught,
    ):
        download_media.fn(f"http://{NAME}:{host.port}/a.mp3")
    assert caught.value.code == "unsupported_media"
    assert host.count("/a.mp3") == 1
    assert canary_service.connections == 0


def test_download_rebinding_to_private(
    canary_service: Canary, rebind: Callable[..., RebindingResolver]
) -> None:
    resolver = rebind(PUBLIC, PRIVATE)
    with pytest.raises(PodclipError) as caught:
        download_media.fn(f"http://{NAME}:{canary_service.port}/episode.mp3")
    assert resolver.calls.count(NAME) >= 2  # checked, then resolved again by the transport
    assert (caught.value.code, caught.value.message) == ("download_failed", egress.UNREACHABLE)
    assert canary_service.connections == 0


def test_feed_rebinding_to_private(
    canary_service: Canary, rebind: Callable[..., RebindingResolver]
) -> None:
    resolver = rebind(PUBLIC, PRIVATE)
    with pytest.raises(PodclipError) as caught:
        read_feed(f"http://{NAME}:{canary_service.port}/feed.xml")
    assert resolver.calls.count(NAME) >= 2
    assert caught.value.code == "download_failed"
    assert egress.UNREACHABLE in caught.value.message
    assert canary_service.connections == 0


def test_artwork_rebinding_to_private(
    canary_service: Canary, rebind: Callable[..., RebindingResolver]
) -> None:
    resolver = rebind(PUBLIC, PRIVATE)
    url = f"http://{NAME}:{canary_service.port}/art.png"
    netsafe.check_url(url, allow_private=False)  # the check an older caller made: public
    with pytest.raises(PodclipError) as caught:
        store_artwork(url)
    # Refused by the guard, worded like any unreachable host (no open/closed port oracle).
    assert isinstance(caught.value.__cause__, egress.EgressDenied)
    assert caught.value.message == egress.UNREACHABLE
    assert resolver.calls.count(NAME) >= 2
    with disable_run_logger():
        assert fetch_artwork.fn(url) is None  # decoration: the task logs, goes on without it
    assert canary_service.connections == 0


def test_webhook_registered_public_is_refused_once_private(
    canary_service: Canary, rebind: Callable[..., RebindingResolver]
) -> None:
    """Registered (and checked before sending) while public; private when the socket opens."""
    resolver = rebind(PUBLIC, PUBLIC, PRIVATE)
    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    url = f"https://{NAME}:{canary_service.port}/hook"
    hook = registry.create_webhook(engine, url=url, events=["job.created"], environment="live")
    ops.create_job(engine, source_type="audio_url", source_url="https://example.com/a.mp3")
    outcomes = deliver_due(settings)
    assert outcomes == {"retrying": 1}
    (delivery,) = deliveries.list_deliveries(engine, hook.id, environment="live")
    assert delivery.last_error == f"ConnectError: {egress.UNREACHABLE}"
    assert resolver.calls.count(NAME) >= 2
    assert canary_service.connections == 0
