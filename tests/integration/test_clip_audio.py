"""A clip's audio is encoded once and copied into every preset, in sync with the source."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np
import pytest

from podclip.core.settings import get_settings
from podclip.store.media import MediaStore
from tests.support.media import spoken_words, stored

pytestmark = pytest.mark.slow
START, END = 61.0, 69.0
RATE = 44_100


def _render_both(source: Path) -> tuple[Path, Path]:
    from podclip.tasks.render import render_clip, render_options

    media, audio = stored(source)
    look = render_options(get_settings().render, {}, "The Long Game")
    words = spoken_words(START, END)
    vertical = render_clip(media, audio, START, END, words, "vertical", look)
    landscape = render_clip(media, audio, START, END, words, "landscape", look)
    return Path(vertical.path), Path(landscape.path)


def _audio_packets(path: Path) -> list[bytes]:
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        assert (stream.codec_context.name, stream.rate, stream.channels) == ("aac", RATE, 2)
        return [bytes(p) for p in container.demux(stream) if p.size]


def _mono(path: Path, start: float = 0.0, seconds: float | None = None) -> np.ndarray:
    """Decoded audio of ``path`` from ``start``, mono float at 44.1 kHz."""
    chunks = []
    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=RATE)
        for frame in container.decode(stream):
            for out in resampler.resample(frame):
                chunks.append(out.to_ndarray().reshape(-1))
    pcm = np.concatenate(chunks)
    first = round(start * RATE)
    return pcm[first : None if seconds is None else first + round(seconds * RATE)]


def _lag_ms(rendered: np.ndarray, reference: np.ndarray) -> float:
    """Where ``reference`` best lines up in ``rendered`` (ms; positive: the render is late)."""
    core = reference[RATE // 2 : RATE // 2 + 3 * RATE]
    search = rendered[: RATE // 2 + 3 * RATE + RATE // 10]
    scores = np.correlate(search, core, mode="valid")
    return (int(np.argmax(scores)) - RATE // 2) / RATE * 1000


def test_presets_share_one_audio_encode_in_sync_with_the_source(
    prefect_results: Path, sample_episode: Path
) -> None:
    vertical, landscape = _render_both(sample_episode)
    store = MediaStore.from_settings(get_settings())
    encoded = store.fs.glob(store.full_path("clip-audio") + "/**/*.m4a")
    assert len(encoded) == 1, encoded
    # Both presets carry the very same AAC packets: one encode, copied.
    packets = _audio_packets(vertical)
    assert packets and packets == _audio_packets(landscape)
    # The sound is the source's span, not shifted: the best alignment is within 1 ms.
    source = _mono(sample_episode, START, END - START)
    for path in (vertical, landscape):
        assert abs(_lag_ms(_mono(path), source)) <= 1.0
        with av.open(str(path)) as container:
            video = container.streams.video[0]
            audio = container.streams.audio[0]
            video_s = float(video.duration * video.time_base)
            audio_s = float(audio.duration * audio.time_base)
        assert abs(audio_s - (END - START)) <= 0.05, audio_s
        assert abs(video_s - audio_s) <= 0.15, (video_s, audio_s)


def test_a_video_source_keeps_its_sound_in_sync(
    prefect_results: Path, sample_episode: Path, tmp_path: Path
) -> None:
    from podclip.tasks.ffmpeg import run_ffmpeg

    video = tmp_path / "talk.mp4"
    run_ffmpeg(
        [
            "-f", "lavfi", "-i", f"color=c=0x203040:s=640x360:r=24:d={END + 2}",
            "-i", str(sample_episode), "-map", "0:v", "-map", "1:a", "-t", str(END + 2),
            "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
            "-c:a", "aac", str(video),
        ],
        timeout=120,
    )  # fmt: skip
    vertical, landscape = _render_both(video)
    source = _mono(video, START, END - START)
    for path in (vertical, landscape):
        assert abs(_lag_ms(_mono(path), source)) <= 1.0
