"""Fixtures: a shared API server (2 uvicorn workers on loopback) and a factory for more."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest

from tests.e2e.helpers import RELAXED, ApiServer, run_api_server


@pytest.fixture(scope="session")
def api_server(
    tmp_path_factory: pytest.TempPathFactory, api_database: dict[str, str]
) -> Iterator[ApiServer]:
    """The shared server (relaxed limits, 0.5 s sandbox steps, 4 MiB uploads), once on SQLite
    and once on PostgreSQL (``api_database``, tests/conftest.py)."""
    root = tmp_path_factory.mktemp("api") / "data"
    with run_api_server(root, **RELAXED, **api_database) as server:
        yield server


@pytest.fixture(scope="session")
def api_server_factory(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[..., AbstractContextManager[ApiServer]]:
    """Start an extra server with its own settings: ``with api_server_factory(**env) as s``."""

    def start(**overrides: str) -> AbstractContextManager[ApiServer]:
        return run_api_server(tmp_path_factory.mktemp("api") / "data", **overrides)

    return start


@pytest.fixture
def client(api_server: ApiServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_server.base_url, timeout=30) as http:
        yield http
