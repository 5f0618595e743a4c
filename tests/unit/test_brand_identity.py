"""A show's brand kit is part of the render record: changing any of it changes the cache key."""

from __future__ import annotations

import dataclasses

import pytest

from podclip.core.brand import Brand, ass_colour, shade
from podclip.core.fonts import available_fonts, font_folder
from podclip.core.identity import identity_of
from podclip.core.records import AudioTrack, MediaInfo, SourceMedia
from podclip.core.settings import RenderSettings
from podclip.scoring.types import Segment, Word
from podclip.tasks.captions import ClipOverlay, SpeakerTurn, speaker_turns
from podclip.tasks.keys import stage_key
from podclip.tasks.render import render_clip, render_options

INFO = MediaInfo(62.5, False, True)
SOURCE = SourceMedia("ab" * 32, "sources/ab.mp3", 1000, "ep.mp3")
AUDIO = AudioTrack("ab" * 32, "audio/12.wav", 16_000, INFO)
WORDS = (Word(1.0, 1.4, "Hi"),)
BRAND = Brand("#FF2828", "#102040", "DejaVu Serif", "boxed", "brand/" + "cd" * 32 + ".png")


def _key(brand: Brand | None, overlay: ClipOverlay | None = None) -> str:
    look = render_options(RenderSettings(), {}, "Show", None, brand)
    return stage_key(
        render_clip,
        source=SOURCE,
        audio=AUDIO,
        start=0.0,
        end=8.0,
        words=WORDS,
        preset="vertical",
        options=look,
        overlay=overlay,
    )


@pytest.mark.parametrize("field", [f.name for f in dataclasses.fields(Brand)])
def test_each_brand_field_changes_the_render_key(field: str) -> None:
    other = {
        "primary": "#00FF00",
        "secondary": "#FFFFFF",
        "font": "DejaVu Sans Mono",
        "caption_style": "clean-white",
        "logo": "brand/" + "ef" * 32 + ".png",
    }[field]
    assert _key(BRAND) != _key(dataclasses.replace(BRAND, **{field: other}))


def test_no_brand_is_the_default_brand_and_the_job_style_wins() -> None:
    assert _key(None) == _key(Brand())
    look = render_options(RenderSettings(), {"caption_style": "yellow-pop"}, None, None, BRAND)
    assert look.caption_style == "yellow-pop" and look.font.name == "DejaVu Serif"
    assert render_options(RenderSettings(), {}, None, None, BRAND).caption_style == "boxed"


def test_overlay_is_part_of_the_render_key() -> None:
    plain = _key(None)
    headline = _key(None, ClipOverlay("A hook"))
    speakers = _key(None, ClipOverlay("A hook", (SpeakerTurn(0.0, 8.0, "Host"),)))
    assert len({plain, headline, speakers}) == 3
    assert identity_of(ClipOverlay("A")) != identity_of(ClipOverlay("B"))


def test_speaker_turns_use_names_when_known() -> None:
    segments = (
        Segment(0.0, 2.0, "Hi.", (), "host"),
        Segment(2.0, 4.0, "Hello.", (), "guest"),
        Segment(4.0, 6.0, "Yes.", (), "speaker_3"),
        Segment(9.0, 12.0, "Later.", (), "host"),
    )
    turns = speaker_turns(segments, 1.0, 7.0, None, "Ada Lovelace")
    assert [t.label for t in turns] == ["Host", "Ada Lovelace", "Speaker 3"]


def test_brand_colour_helpers_and_font_catalogue() -> None:
    assert ass_colour("#FF2828") == "&H002828FF"
    assert shade("#FF8000", 0.5) == "#804000"
    fonts = available_fonts()
    assert "DejaVu Sans" in fonts
    assert all(font_folder(f).is_dir() for f in fonts)
