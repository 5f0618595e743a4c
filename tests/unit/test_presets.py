from __future__ import annotations

import pytest

from podclip.api.submit import DEFAULT_PLATFORMS, PLATFORM_PRESETS
from podclip.core.presets import (
    PLATFORMS,
    PRESETS,
    max_seconds_for,
    platform_names,
    platforms_by_preset,
    preset_for_platform,
    presets_for,
    render_lengths,
)
from podclip.tasks.render import render_spans


def test_preset_sizes_and_safe_areas() -> None:
    sizes = {name: (p.width, p.height) for name, p in PRESETS.items()}
    assert sizes == {
        "vertical": (1080, 1920),
        "portrait": (1080, 1350),
        "square": (1080, 1080),
        "landscape": (1920, 1080),
    }
    vertical = PRESETS["vertical"]
    # TikTok/Reels/Shorts UI: caption and buttons over the bottom ~20-25 %, a rail on the right.
    assert 0.2 <= vertical.safe_bottom / vertical.height <= 0.3
    assert vertical.safe_right > vertical.safe_left
    for preset in PRESETS.values():
        assert 0 < preset.safe_width < preset.width and 0 < preset.safe_height < preset.height


def test_platform_limits_and_presets() -> None:
    assert {
        n: (p.presets, p.max_seconds) for n, p in PLATFORMS.items() if n in DEFAULT_PLATFORMS
    } == {
        "tiktok": (("vertical",), 600.0),
        "reels": (("vertical",), 90.0),
        "shorts": (("vertical",), 180.0),
        "linkedin": (("portrait", "vertical"), 600.0),
        "twitter": (("landscape",), 140.0),
        "x": (("landscape",), 140.0),
    }
    assert set(PLATFORM_PRESETS) == set(PLATFORMS)
    assert max_seconds_for(["tiktok", "reels", "X"]) == 90.0
    assert max_seconds_for([]) is None


def test_fewest_presets_cover_every_platform() -> None:
    assert presets_for(DEFAULT_PLATFORMS) == ["vertical", "landscape"]
    assert presets_for(["linkedin"]) == ["portrait"]
    assert presets_for(["linkedin", "tiktok"]) == ["vertical"]
    assert presets_for(["x", "twitter"]) == ["landscape"]
    assert platforms_by_preset(["tiktok", "linkedin", "x"]) == {
        "vertical": ["tiktok", "linkedin"],
        "landscape": ["x"],
    }
    assert preset_for_platform("linkedin", ["landscape", "vertical"]) == "vertical"
    with pytest.raises(KeyError):
        presets_for(["myspace"])


def test_a_long_clip_gets_a_trimmed_copy_per_stricter_limit() -> None:
    assert render_lengths(45.0, [600.0, 90.0, 180.0]) == [45.0]
    assert render_lengths(120.0, [600.0, 90.0, 180.0]) == [90.0, 120.0]
    # Default platforms, a 50 s clip: one vertical and one landscape file.
    assert render_spans(100.0, 150.0, None) == [("vertical", 150.0), ("landscape", 150.0)]
    # A 150 s clip: Reels gets 90 s, Shorts and TikTok the full clip, X/Twitter 140 s.
    assert render_spans(0.0, 150.0, ["tiktok", "reels", "shorts", "x"]) == [
        ("vertical", 90.0),
        ("vertical", 150.0),
        ("landscape", 140.0),
    ]


def test_clip_view_serves_each_platform_a_render_within_its_limit(data_root: object) -> None:
    from podclip.core.settings import get_settings
    from podclip.store.job_view import clip_view
    from podclip.store.links import MediaLinks

    links = MediaLinks(get_settings())
    root = links.store.root
    expires = links.expiry()

    def render(preset: str, seconds: float) -> dict[str, object]:
        w, h = PRESETS[preset].width, PRESETS[preset].height
        path = f"{root}/renders/{preset}-{seconds}.mp4"
        return {"preset": preset, "width": w, "height": h, "duration_seconds": seconds,
                "size_bytes": 1, "media_path": path}  # fmt: skip

    renders = [render("vertical", 150.0), render("vertical", 90.0), render("landscape", 140.0)]
    row = {
        "clip_id": "c1", "job_id": "j1", "rank": 1, "moment_type": "story", "category": "story",
        "shareability_score": 80.0, "reason": "r", "hook": "h", "pull_quote": "p",
        "start_seconds": 0.0, "end_seconds": 150.0, "duration_seconds": 150.0,
        "transcript_text": "t", "renders": renders,
        "files": [{"kind": k, "media_path": f"{root}/captions/c.{k}"} for k in ("srt", "vtt")],
    }  # fmt: skip
    view = clip_view(row, links, ["tiktok", "reels", "x", "linkedin"], expires)

    def url(render: dict[str, object]) -> str | None:
        return links.url(
            str(render["media_path"]), expires_at=expires, filename=f"c1-{render['preset']}.mp4"
        )

    assert view["rendered_urls"] == {
        "tiktok": url(renders[0]),
        "reels": url(renders[1]),  # Reels takes 90 s at most: the trimmed copy
        "x": url(renders[2]),
        "linkedin": url(renders[0]),  # no portrait render: LinkedIn also takes vertical
    }
    assert set(view["captions"]) == {"srt", "vtt"}
    assert view["captions"]["vtt"] == links.url(
        f"{root}/captions/c.vtt", expires_at=expires, filename="c1.vtt"
    )
    # A clip too long for a platform, with no trimmed copy, gets no URL for it.
    view = clip_view({**row, "renders": renders[:1]}, links, ["tiktok", "reels"], expires)
    assert set(view["rendered_urls"]) == {"tiktok"}


def test_platform_names_lower_cases_dedupes_and_names_the_unknown() -> None:
    assert platform_names(["TikTok", "x", "tiktok", "YouTube"]) == ["tiktok", "x", "youtube"]
    assert platform_names([]) == []
    with pytest.raises(ValueError, match="Unknown platform 'myspace'; known: tiktok, "):
        platform_names(["reels", "MySpace"])
