"""Every preset rendered for real: size, length, audio, and word captions inside the safe area."""

from __future__ import annotations

from pathlib import Path

import pytest

from podclip.core.presets import PRESETS
from podclip.core.settings import RenderSettings
from podclip.tasks.captions import CAPTION_STYLES, caption_size
from podclip.tasks.ffmpeg import probe
from tests.support.frames import caption_pixels, frame_at
from tests.support.media import plain_video, spoken_words, stored

pytestmark = pytest.mark.slow
START, END = 20.0, 26.0


def _render(source: Path, preset: str, style: str = "yellow-pop") -> tuple[Path, float]:
    from podclip.core.settings import get_settings
    from podclip.tasks.render import render_clip, render_options

    media, audio = stored(source)
    words = spoken_words(START, END)
    look = render_options(get_settings().render, {"caption_style": style}, "The Long Game")
    clip = render_clip(media, audio, START, END, words, preset, look)
    # A frame 0.1 s into a word in the middle of the clip: that word is highlighted.
    word = words[len(words) // 2]
    return Path(clip.path), word.start - START + 0.1


def _check_frame(path: Path, preset_name: str, at: float, audiogram: bool = True) -> None:
    preset = PRESETS[preset_name]
    info = probe(path)
    assert (info.width, info.height) == (preset.width, preset.height)
    assert abs(info.duration_seconds - (END - START)) <= 0.3, info.duration_seconds
    assert info.has_audio and info.has_video
    # Rendered at the product's default frame rate (these tests run with `default_frame_rate`).
    assert round(info.fps) == RenderSettings().fps == 24, info.fps
    rgb = frame_at(path, at)
    h = preset.height
    size = caption_size(preset, CAPTION_STYLES["yellow-pop"])
    safe_end = (h - preset.safe_bottom) / h
    white, yellow = caption_pixels(rgb, safe_end - 3 * size / h, safe_end)
    assert white > 300 and yellow > 150, (white, yellow)
    # Nothing of the caption in the band the platform's UI covers (below the safe area) ...
    assert caption_pixels(rgb, safe_end + 2 / h, 1.0) == (0, 0)
    # ... nor in the right-hand rail (where only an audiogram's full-width waveform may reach).
    rail = rgb[:, preset.width - preset.safe_right + 2 :].copy()
    if not audiogram:
        assert caption_pixels(rail, 0.0, 1.0) == (0, 0)
    else:
        from podclip.tasks.render import wave_box

        wave_y, wave_h = wave_box(preset, False)
        rail[wave_y : wave_y + wave_h] = 0
        assert caption_pixels(rail, 0.0, 1.0) == (0, 0)


# About the render itself: at the product's default frame rate (tests/conftest.py).
@pytest.mark.usefixtures("default_frame_rate")
@pytest.mark.parametrize("preset", list(PRESETS))
def test_audiogram_in_every_preset(
    prefect_results: Path, sample_episode: Path, preset: str
) -> None:
    path, at = _render(sample_episode, preset)
    _check_frame(path, preset, at)


# About the render itself: at the product's default frame rate (tests/conftest.py).
@pytest.mark.usefixtures("default_frame_rate")
def test_video_source_vertical_letterboxed(prefect_results: Path, tmp_path: Path) -> None:
    video = plain_video(tmp_path / "plain.mp4", END + 1)
    path, at = _render(video, "vertical")
    _check_frame(path, "vertical", at, audiogram=False)


FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"><channel>
<title>The Long Game</title><itunes:image href="{art}"/>
<item><title>Excerpt</title><guid>g1</guid><pubDate>Mon, 01 Jul 2024 10:00:00 GMT</pubDate>
<enclosure url="{media}" type="audio/mpeg" length="1"/></item>
</channel></rss>"""


def test_feed_artwork_and_caption_files(
    prefect_results: Path, sample_episode: Path, tmp_path: Path
) -> None:
    """An rss_feed_url job: the channel's artwork is in the audiogram; SRT/VTT per clip."""
    from podclip.core.settings import get_settings
    from podclip.flows.episode import process_episode
    from podclip.store import ops
    from podclip.store.clips import clips_for_job
    from podclip.tasks.ffmpeg import run_ffmpeg
    from podclip.tasks.render import artwork_box
    from tests.support.feedserver import FeedHost
    from tests.support.httpserver import serve

    excerpt, art = tmp_path / "excerpt.mp3", tmp_path / "art.png"
    run_ffmpeg(["-i", str(sample_episode), "-t", "70", "-c", "copy", str(excerpt)], timeout=60)
    run_ffmpeg(
        ["-f", "lavfi", "-i", "color=c=0xFF00FF:s=600x600", "-frames:v", "1", str(art)],
        timeout=60,
    )
    engine = ops.engine_for(get_settings().resolved_database_url)
    with serve(tmp_path) as server:
        host = FeedHost(server)
        feed = FEED.format(
            art=host.serve_media("/art.png", art.read_bytes(), "image/png"),
            media=host.serve_media("/excerpt.mp3", excerpt.read_bytes()),
        )
        job = ops.create_job(
            engine,
            source_type="rss_feed_url",
            source_url=host.publish("/feed.xml", feed.encode()),
            options={"platforms": ["tiktok"]},
        )
        process_episode(job.id)
    done = ops.get_job(engine, job.id)
    assert done.status == "complete", (done.error_code, done.error_message)
    clips = clips_for_job(get_settings(), job.id)
    assert clips
    x, y, side = artwork_box(PRESETS["vertical"])
    for clip in clips:
        assert [r["preset"] for r in clip["renders"]] == ["vertical"]
        rgb = frame_at(Path(clip["renders"][0]["media_path"]), 1.0)
        r, g, b = rgb[y + side // 2, x + side // 2]
        assert r > 200 and g < 60 and b > 200, (r, g, b)
        files = {f["kind"]: Path(f["media_path"]) for f in clip["files"]}
        assert files["srt"].read_text().startswith("1\n00:00:0")
        assert files["vtt"].read_text().startswith("WEBVTT\n\n00:00:0")


def test_artwork_download_is_checked(
    data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a real image, under the byte cap, from an allowed address becomes artwork."""
    from podclip.core.errors import ArtworkUnavailable, PodclipError
    from podclip.core.settings import get_settings
    from podclip.tasks.artwork import store_artwork
    from podclip.tasks.ffmpeg import run_ffmpeg
    from tests.support.feedserver import FeedHost
    from tests.support.httpserver import serve

    art = tmp_path / "art.png"
    run_ffmpeg(["-f", "lavfi", "-i", "color=c=red:s=64x64", "-frames:v", "1", str(art)], timeout=60)
    with serve(tmp_path) as server:
        host = FeedHost(server)
        good = host.serve_media("/a.png", art.read_bytes(), "image/png")
        page = host.serve_media("/page", b"<html>hi</html>", "text/html")
        junk = host.serve_media("/junk.png", b"not an image at all", "image/png")
        key = store_artwork(good)
        assert key.startswith("artwork/") and key.endswith(".png")
        with pytest.raises(ArtworkUnavailable, match="not an image"):
            store_artwork(page)
        with pytest.raises(ArtworkUnavailable):
            store_artwork(junk)
        monkeypatch.setenv("PODCLIP_RENDER__ARTWORK_MAX_BYTES", "100")
        get_settings.cache_clear()
        with pytest.raises(ArtworkUnavailable, match="larger than 100 bytes"):
            store_artwork(good)
        monkeypatch.setenv("PODCLIP_ALLOW_PRIVATE_URLS", "0")
        get_settings.cache_clear()
        with pytest.raises(PodclipError):
            store_artwork(good)
