"""Submission parsing: both documents' shapes, the documented codes, source safety."""

from __future__ import annotations

from typing import Any

import pytest

from podclip.api.errors import ApiError
from podclip.api.submit import infer_source_type, parse_json, parse_upload_fields
from podclip.core.settings import Settings


def _settings(allow_private: bool = False) -> Settings:
    return Settings(allow_private_urls=allow_private)


def _code(body: Any, *, live: bool = False, allow_private: bool = False) -> tuple[str, str | None]:
    with pytest.raises(ApiError) as caught:
        parse_json(body, _settings(allow_private), live=live)
    return caught.value.code, caught.value.param


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        ("https://www.youtube.com/watch?v=abc", "youtube_url"),
        ("https://youtu.be/abc", "youtube_url"),
        ("https://cdn.example.com/ep.MP4", "video_url"),
        ("https://cdn.example.com/ep.mov?x=1", "video_url"),
        ("https://cdn.example.com/ep.mp3", "audio_url"),
        ("https://feeds.example.com/show", "audio_url"),
    ],
)
def test_source_url_type_is_inferred(url: str, kind: str) -> None:
    assert infer_source_type(url) == kind
    submission = parse_json({"source_url": url}, _settings(), live=False)
    assert submission.source == {"type": kind, "url": url}


def test_clypt_shape_with_options() -> None:
    body = {
        "source": {"type": "video_url", "url": "https://r2.example.com/episode.mp4"},
        "options": {"include_trailer": True, "caption_style": "yellow-pop", "clip_count": 5},
        "show_name": "Show",
        "platforms": ["tiktok", "X"],
        "description": "About things",
    }
    sub = parse_json(body, _settings(), live=False)
    assert sub.source_type == "video_url" and sub.show_name == "Show"
    assert sub.options == {
        "include_trailer": True,
        "caption_style": "yellow-pop",
        "clip_count": 5,
        "platforms": ["tiktok", "x"],
        "description": "About things",
    }


@pytest.mark.parametrize(
    ("body", "code", "param"),
    [
        ([], "invalid_body", None),
        ({}, "missing_parameter", "source"),
        ({"source": {"type": "x", "url": "https://e.com"}}, "invalid_source_type", "source.type"),
        ({"source": {"type": "audio_url", "url": "e.com/a"}}, "invalid_source_url", "source.url"),
        ({"source_url": "file:///etc/passwd"}, "invalid_source_url", "source_url"),
        ({"source_url": "https://e.com/a b.mp3"}, "invalid_source_url", "source_url"),
        ({"source_url": "https://e.com/a.mp3", "source": {}}, "invalid_parameter", "source"),
        (
            {"source": {"type": "rss_feed_url", "url": "https://e.com/f"},
             "options": {"include_trailer": True}},
            "trailer_not_supported_for_source",
            "options.include_trailer",
        ),
        ({"source_url": "https://e.com/a.mp3", "options": {"clip_count": 99}},
         "invalid_parameter", "options.clip_count"),
        ({"source_url": "https://e.com/a.mp3", "options": {"clip_count": True}},
         "invalid_parameter", "options.clip_count"),
    ],
)  # fmt: skip
def test_documented_codes(body: Any, code: str, param: str | None) -> None:
    assert _code(body) == (code, param)


@pytest.mark.parametrize(
    "url",
    ["http://0x7f000001/a.mp3", "http://[::1]/a.mp3", "http://localhost/a.mp3",
     "http://127.0.0.1:8080/a.mp3", "http://169.254.169.254/latest", "http://10.0.0.1/a.mp3"],
)  # fmt: skip
def test_private_hosts_are_refused_for_live_keys(url: str) -> None:
    assert _code({"source_url": url}, live=True) == ("invalid_source_url", "source_url")
    # ... unless the operator allows them, and sandbox keys never fetch anything.
    parse_json({"source_url": url}, _settings(allow_private=True), live=True)
    parse_json({"source_url": url}, _settings(), live=False)


def test_public_address_is_accepted_for_live_keys() -> None:
    sub = parse_json({"source_url": "http://93.184.215.14/ep.mp3"}, _settings(), live=True)
    assert sub.source_url == "http://93.184.215.14/ep.mp3"


def test_upload_fields() -> None:
    sub = parse_upload_fields(
        {"show_name": "S", "platforms": "tiktok, reels", "options": '{"clip_count": 4}'},
        _settings(),
        "ep.mp4",
    )
    assert sub.source_type == "upload" and sub.source["video"] is True
    assert sub.options == {"clip_count": 4, "platforms": ["tiktok", "reels"]}
    with pytest.raises(ApiError) as caught:
        parse_upload_fields({"options": '{"include_trailer": true}'}, _settings(), "ep.mp3")
    assert caught.value.code == "trailer_not_supported_for_source"
    with pytest.raises(ApiError) as caught:
        parse_upload_fields({"options": "{nope"}, _settings(), "ep.mp3")
    assert (caught.value.code, caught.value.param) == ("invalid_json", "options")


def test_speaker_hints_are_kept() -> None:
    body = {
        "source_url": "https://cdn.example.com/ep.mp3",
        "options": {"speakers": 3, "host_speaker": "most", "host_name": " Maya "},
    }
    options = parse_json(body, _settings(), live=False).options
    assert options["speakers"] == 3
    assert options["host_speaker"] == "most"
    assert options["host_name"] == "Maya"


@pytest.mark.parametrize(
    ("options", "param"),
    [
        ({"speakers": 0}, "options.speakers"),
        ({"speakers": 99}, "options.speakers"),
        ({"speakers": True}, "options.speakers"),
        ({"host_speaker": "loudest"}, "options.host_speaker"),
        ({"host_name": ""}, "options.host_name"),
        ({"host_name": 7}, "options.host_name"),
    ],
)
def test_bad_speaker_hints_are_refused(options: dict[str, Any], param: str) -> None:
    body = {"source_url": "https://cdn.example.com/ep.mp3", "options": options}
    assert _code(body)[1] == param


def test_upload_accepts_every_platform_name() -> None:
    from podclip.api.schemas import SubmitUpload

    pattern = SubmitUpload.model_fields["platforms"].metadata
    assert any("youtube_shorts" in str(m) for m in pattern)


def test_options_language_is_a_language_code() -> None:
    from podclip.api.errors import ApiError
    from podclip.api.submit import parse_options
    from podclip.core.settings import Settings

    assert parse_options({"language": "ES"}, Settings())["language"] == "es"
    for bad in ("spanish", "e", 7, "es-MX"):
        with pytest.raises(ApiError) as caught:
            parse_options({"language": bad}, Settings())
        assert caught.value.param == "options.language"
