"""Fixtures for the threat tests: the e2e API server factory (a real uvicorn on loopback)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import api_server_factory
from tests.support.egress import ATTACKER_HOST, Canary, canary

__all__ = ["api_server_factory"]


# --- egress guard (engineer H1): the canary on 127.0.0.1, 127.0.0.2 as the public attacker ---


@pytest.fixture
def guarded(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Settings with the egress guard on: private refused, 127.0.0.2 treated as public."""
    from podclip.core.settings import get_settings

    monkeypatch.setenv("PODCLIP_ALLOW_PRIVATE_URLS", "0")
    monkeypatch.setenv("PODCLIP_EGRESS__TREAT_AS_PUBLIC", f"{ATTACKER_HOST}/32")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture
def canary_service() -> Iterator[Canary]:
    """A private service on 127.0.0.1; every egress test asserts it saw zero connections."""
    with canary() as service:
        yield service
