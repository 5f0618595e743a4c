"""Hostile or broken sources end the job ``failed`` with a clear code and leave the lake alone."""

from __future__ import annotations

from pathlib import Path

import pytest

from podclip.core.settings import get_settings
from podclip.store import ops
from podclip.store.clips import row_counts
from tests.support.httpserver import serve
from tests.support.seed import seed_published_job


def _run_job(source_type: str, url: str) -> ops.Job:
    from podclip.flows.episode import process_episode

    settings = get_settings()
    engine = ops.engine_for(settings.resolved_database_url)
    job = ops.create_job(engine, source_type=source_type, source_url=url)
    state = process_episode(job.id, return_state=True)
    assert state.is_failed()
    return ops.get_job(engine, job.id)


@pytest.fixture
def seeded(prefect_results: Path) -> dict[str, int]:
    seed_published_job(get_settings())
    return row_counts(get_settings())


def _assert_failed(job: ops.Job, code: str, seeded: dict[str, int]) -> None:
    assert job.status == "failed"
    assert job.error_code == code
    assert job.error_message
    assert row_counts(get_settings()) == seeded


def test_text_file_renamed_mp3(tmp_path: Path, seeded: dict[str, int]) -> None:
    fake = tmp_path / "episode.mp3"
    fake.write_text("this is not audio, just words in a file\n" * 50)
    job = _run_job("file", str(fake))
    _assert_failed(job, "unsupported_media", seeded)


def test_zero_byte_file(tmp_path: Path, seeded: dict[str, int]) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    _assert_failed(_run_job("file", str(empty)), "unsupported_media", seeded)


def test_url_returning_404(tmp_path: Path, seeded: dict[str, int]) -> None:
    with serve(tmp_path) as server:
        job = _run_job("audio_url", server.url("missing.mp3"))
    _assert_failed(job, "download_failed", seeded)
    assert "404" in (job.error_message or "")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.com/episode.mp3"])
def test_unsupported_scheme(url: str, seeded: dict[str, int]) -> None:
    _assert_failed(_run_job("audio_url", url), "invalid_source_url", seeded)


def test_private_address_refused_when_switch_off(
    tmp_path: Path,
    seeded: dict[str, int],
    monkeypatch: pytest.MonkeyPatch,
    sample_episode: Path,
) -> None:
    monkeypatch.setenv("PODCLIP_ALLOW_PRIVATE_URLS", "0")
    get_settings.cache_clear()
    (tmp_path / "episode.mp3").write_bytes(sample_episode.read_bytes())
    with serve(tmp_path) as server:
        job = _run_job("audio_url", server.url("episode.mp3"))
        assert server.requests == []
    _assert_failed(job, "invalid_source_url", seeded)
