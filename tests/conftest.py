"""Shared fixtures: data paths, an isolated data root per test, and Prefect's test harness."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ["PREFECT_RESULTS_PERSIST_BY_DEFAULT"] = "true"
# Clips render at 8 frames a second across the suite (a real setting, inherited by every server
# and CLI a test starts): no test reads motion between frames, and a third of the frames is about
# a third of the encode. Tests about the render itself use ``default_frame_rate``.
TEST_FRAME_RATE = "8"
os.environ.setdefault("PODCLIP_RENDER__FPS", TEST_FRAME_RATE)

REPO = Path(__file__).resolve().parents[1]


# The heaviest modules (seconds on one worker, `--durations=0`), started first: `make test` hands
# whole files to three workers in collection order (`--no-loadscope-reorder`: xdist's own order,
# most tests first, put these one-test files last), and the run ends when the busiest one does.
HEAVIEST_FIRST = (
    "tests/e2e/test_stack_recovery.py",
    "tests/integration/test_workers.py",
    "tests/integration/test_pipeline.py",
    "tests/integration/test_run_real_episode.py",
    "tests/integration/test_cache_rerun.py",
    "tests/integration/test_wheel_install.py",
    "tests/integration/test_analytics.py",
    "tests/integration/test_show_ranking.py",
    "tests/e2e/test_studio.py",
    "tests/integration/test_s3_storage.py",
    "tests/e2e/test_api_live.py",
    "tests/integration/test_non_ascii_render.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Move the heaviest modules to the front, in that order; the rest keep theirs."""
    rank = {path: i for i, path in enumerate(HEAVIEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::", 1)[0], len(rank)))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return REPO


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """``../shared/data`` beside the checkout (CI has it); tests that need it skip without it."""
    path = REPO.parent / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared data not found at {path}")
    return path


@pytest.fixture(scope="session")
def sample_episode() -> Path:
    return REPO / "podclip" / "sample" / "episode.mp3"


@pytest.fixture
def data_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh data root for podclip settings; the settings cache is reset around the test."""
    from podclip.core.settings import get_settings

    root = tmp_path / "podclip-data"
    monkeypatch.setenv("PODCLIP_DATA_ROOT", str(root))
    monkeypatch.setenv("PODCLIP_ALLOW_PRIVATE_URLS", "1")
    get_settings.cache_clear()
    yield root
    get_settings.cache_clear()


@pytest.fixture
def default_frame_rate(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Render at the product's default frame rate (tests of the render and of the defaults)."""
    from podclip.core.settings import get_settings

    monkeypatch.delenv("PODCLIP_RENDER__FPS", raising=False)
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(autouse=True)
def migrated_database(request: pytest.FixtureRequest) -> None:
    """Migrate the operational database of a test that has a data root or a PostgreSQL
    database, as the stack's start (``podclip migrate``) would: an engine never migrates."""
    names = request.fixturenames
    if "data_root" not in names and "database_url" not in names:
        return
    from podclip.core.settings import get_settings
    from podclip.store.migrate import migrate

    if "data_root" in names:
        request.getfixturevalue("data_root")
    url = request.getfixturevalue("database_url") if "database_url" in names else None
    if url is None:
        if "data_root" not in names:
            return  # SQLite at a path of the test's own choosing: the test migrates it
        settings = get_settings()
        settings.root.mkdir(parents=True, exist_ok=True)
        url = settings.resolved_database_url
        # Autouse fixtures run first: forget these settings, so the environment that the test's
        # own fixtures set next (an S3 store, say) is what the test's get_settings() reads.
        get_settings.cache_clear()
    migrate(url)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Run tests that ask for ``database_url`` or ``api_database`` on SQLite, and also on
    PostgreSQL where the database matters: modules marked ``both_databases`` (the store tests
    and one e2e smoke per route family)."""
    from tests.support import postgres

    both = metafunc.definition.get_closest_marker("both_databases") is not None
    for name, scope in (("database_url", "function"), ("api_database", "session")):
        if name not in metafunc.fixturenames:
            continue
        params: list[Any] = ["sqlite"]
        if both:
            reason = None if postgres.required() else postgres.unavailable_reason()
            pg_marks = [pytest.mark.skip(reason=reason)] if reason else []
            params.append(pytest.param("postgres", marks=pg_marks))
        metafunc.parametrize(name, params, indirect=True, scope=scope)  # type: ignore[arg-type]


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[str | None]:
    """The operational database under test: None (SQLite under the data root) or a fresh
    PostgreSQL database, whose URL is also set as ``PODCLIP_DATABASE_URL``."""
    from podclip.core.settings import get_settings
    from tests.support import postgres

    if getattr(request, "param", "sqlite") == "sqlite":
        yield None
        return
    url = postgres.create_database()
    monkeypatch.setenv("PODCLIP_DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        get_settings.cache_clear()
        _close_pools(url)
        postgres.drop_database(url)


def _close_pools(url: str) -> None:
    """Close this process's pooled connections to ``url`` before its database is dropped: an
    engine later evicted from the per-URL cache would otherwise take them to the garbage
    collector still open (psycopg's ResourceWarning)."""
    from podclip.store import ops

    ops.write_engine_for(url).dispose()
    ops.engine_for(url).dispose()


@pytest.fixture(scope="session")
def api_database(request: pytest.FixtureRequest) -> Iterator[dict[str, str]]:
    """Environment for a session's API servers: empty (SQLite) or a PostgreSQL database."""
    from tests.support import postgres

    if getattr(request, "param", "sqlite") == "sqlite":
        yield {}
        return
    url = postgres.create_database()
    try:
        yield {"PODCLIP_DATABASE_URL": url}
    finally:
        postgres.drop_database(url)


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the session (starting one costs several seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=60):
        yield


@pytest.fixture
def prefect_results(data_root: Path, prefect_harness: None) -> Iterator[Path]:
    """Result storage under this test's data root, as the CLI configures it."""
    from prefect.settings import (
        PREFECT_LOCAL_STORAGE_PATH,
        PREFECT_RESULTS_PERSIST_BY_DEFAULT,
        temporary_settings,
    )

    path = data_root / "prefect-results"
    with temporary_settings(
        {PREFECT_LOCAL_STORAGE_PATH: path, PREFECT_RESULTS_PERSIST_BY_DEFAULT: True}
    ):
        yield path
