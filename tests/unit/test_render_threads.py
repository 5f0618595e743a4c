"""How many x264 threads one render gets (`RenderSettings.encoder_threads`)."""

from __future__ import annotations

import os

import pytest

from podclip.core.settings import RenderSettings, TrailerSettings
from podclip.tasks.render import render_options
from podclip.tasks.trailer import trailer_options


@pytest.mark.parametrize(
    ("cores", "concurrency", "threads"),
    [(2, 2, 1), (2, 1, 2), (16, 2, 8), (16, 3, 5), (1, 4, 1), (3, 8, 1)],
)
def test_the_cores_are_split_among_the_renders_at_once(
    monkeypatch: pytest.MonkeyPatch, cores: int, concurrency: int, threads: int
) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(cores)))
    assert RenderSettings(concurrency=concurrency).encoder_threads() == threads


def test_a_set_thread_count_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(16)))
    assert RenderSettings(ffmpeg_threads=3, concurrency=2).encoder_threads() == 3


def test_renders_and_trailers_use_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: set(range(8)))
    settings = RenderSettings(concurrency=2)
    assert render_options(settings, {}).ffmpeg_threads == 4
    assert trailer_options(TrailerSettings(), settings).ffmpeg_threads == 4
