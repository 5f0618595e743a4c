"""Turn a submission body (either document's shape) into a validated :class:`Submission`.

Everything here raises :class:`api.errors.ApiError` with the documented codes: ``invalid_body``,
``invalid_source_type``, ``invalid_source_url``, ``trailer_not_supported_for_source``, and
``missing_parameter``/``invalid_parameter`` (with ``param``) for the rest. Source URLs are
checked with :func:`podclip.netsafe.check_url`; for live keys the host is resolved now, so a
name or number that points at a private or loopback address (``localhost``, ``0x7f000001``,
``[::1]``) is refused at submit unless ``allow_private_urls`` is set. Sandbox keys never fetch,
so their URLs are checked for shape only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

from podclip.api.errors import ApiError
from podclip.core.errors import InvalidSourceUrl
from podclip.core.netsafe import check_url
from podclip.core.presets import DEFAULT_PLATFORMS as DEFAULT_PLATFORMS
from podclip.core.presets import PLATFORMS, platform_names
from podclip.core.settings import Settings
from podclip.core.sources import AUDIO_EXTENSIONS, VIDEO_EXTENSIONS, YOUTUBE_HOSTS, source_for

SOURCE_TYPES = ("video_url", "audio_url", "rss_feed_url", "youtube_url")
NO_TRAILER_TYPES = frozenset({"audio_url", "rss_feed_url"})
# Platform → its preferred preset; the full table (presets, length limits) is podclip.presets.
PLATFORM_PRESETS: dict[str, str] = {name: p.presets[0] for name, p in PLATFORMS.items()}
MAX_URL = 2048
MAX_TEXT = {"show_name": 500, "guest_name": 500, "description": 5000}


@dataclass(frozen=True)
class Submission:
    """A validated job request, ready for ``store.ops.insert_job``."""

    source_type: str
    source_url: str
    source: dict[str, Any]
    options: dict[str, Any] = field(default_factory=dict)
    show_name: str | None = None
    guest_name: str | None = None

    def job_fields(self, environment: str) -> dict[str, Any]:
        return {
            "source_type": self.source_type,
            "source_url": self.source_url,
            "source": self.source,
            "options": self.options,
            "environment": environment,
            "show_name": self.show_name,
            "guest_name": self.guest_name,
        }


def _invalid(param: str, message: str, code: str = "invalid_parameter") -> ApiError:
    return ApiError(400, code, message, param=param)


def infer_source_type(url: str) -> str:
    """``source_url`` without a type: YouTube hosts, video file extensions, else audio."""
    kind, _ = source_for(url)
    return kind if kind in SOURCE_TYPES else "audio_url"


def check_source_url(
    raw: Any, source_type: str, *, param: str, settings: Settings, live: bool
) -> str:
    """The URL if it may be submitted for ``source_type``, else ``invalid_source_url``."""
    if not isinstance(raw, str) or not raw.strip():
        raise _invalid(param, f"{param} must be an http(s) URL.", "invalid_source_url")
    url = raw.strip()
    if len(url) > MAX_URL:
        raise _invalid(param, f"{param} is longer than {MAX_URL} characters.", "invalid_source_url")
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise _invalid(
            param, f"{param} must not contain spaces or control characters.", "invalid_source_url"
        )
    try:
        check_url(url, allow_private=settings.allow_private_urls, resolve=live)
    except InvalidSourceUrl as exc:
        raise _invalid(param, exc.message, "invalid_source_url") from exc
    if source_type == "youtube_url":
        host = (urlsplit(url).hostname or "").lower()
        if host not in YOUTUBE_HOSTS and not host.endswith(".youtube.com"):
            raise _invalid(
                param,
                f"{param} must be a YouTube watch, shorts or youtu.be URL.",
                "invalid_source_url",
            )
    return url


def _text(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _invalid(name, f"{name} must be a string.")
    if len(value) > MAX_TEXT[name]:
        raise _invalid(name, f"{name} is longer than {MAX_TEXT[name]} characters.")
    return value


def parse_platforms(value: Any, param: str) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        value = [p for p in (s.strip() for s in value.split(",")) if p]
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise _invalid(param, f"{param} must be a list of platform names.")
    try:
        return platform_names(value)
    except ValueError as exc:
        raise _invalid(param, str(exc)) from None


def parse_options(value: Any, settings: Settings) -> dict[str, Any]:
    """The ``options`` object: include_trailer, caption_style, clip_count, platforms and the
    speaker hints (speakers, host_speaker, host_name)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise _invalid("options", "options must be a JSON object.")
    options: dict[str, Any] = {}
    trailer = value.get("include_trailer")
    if trailer is not None:
        if not isinstance(trailer, bool):
            raise _invalid(
                "options.include_trailer", "options.include_trailer must be true or false."
            )
        options["include_trailer"] = trailer
    style = value.get("caption_style")
    if style is not None:
        if not isinstance(style, str) or not 0 < len(style) <= 64:
            raise _invalid("options.caption_style", "options.caption_style must be a short string.")
        options["caption_style"] = style
    count = value.get("clip_count")
    if count is not None:
        low, high = settings.scoring.min_clips, settings.scoring.max_clips
        if isinstance(count, bool) or not isinstance(count, int) or not low <= count <= high:
            raise _invalid(
                "options.clip_count", f"options.clip_count must be an integer {low}-{high}."
            )
        options["clip_count"] = count
    platforms = parse_platforms(value.get("platforms"), "options.platforms")
    if platforms is not None:
        options["platforms"] = platforms
    language = value.get("language")
    if language is not None:
        if not isinstance(language, str) or not LANGUAGE_CODE.fullmatch(language.lower()):
            raise _invalid(
                "options.language", "options.language must be a language code such as en or es."
            )
        options["language"] = language.lower()
    options.update(_speaker_hints(value, settings))
    return options


# ISO 639-1 (two letters) or 639-3 (three) as Whisper names languages.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}")


HOST_RULES = ("first", "opening", "most")


def _speaker_hints(value: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """Diarization hints: ``speakers`` (how many voices), ``host_speaker`` rule, ``host_name``."""
    hints: dict[str, Any] = {}
    count = value.get("speakers")
    if count is not None:
        high = settings.speakers.max_speakers
        if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= high:
            raise _invalid("options.speakers", f"options.speakers must be an integer 1-{high}.")
        hints["speakers"] = count
    rule = value.get("host_speaker")
    if rule is not None:
        if rule not in HOST_RULES:
            raise _invalid(
                "options.host_speaker",
                f"options.host_speaker must be one of {', '.join(HOST_RULES)}.",
            )
        hints["host_speaker"] = rule
    name = value.get("host_name")
    if name is not None:
        if not isinstance(name, str) or not 0 < len(name.strip()) <= 200:
            raise _invalid("options.host_name", "options.host_name must be a short string.")
        hints["host_name"] = name.strip()
    return hints


def _check_trailer(source_type: str, options: dict[str, Any], *, video: bool = True) -> None:
    if options.get("include_trailer") and (source_type in NO_TRAILER_TYPES or not video):
        raise ApiError(
            400,
            "trailer_not_supported_for_source",
            f"options.include_trailer is only supported for video sources, not {source_type}.",
            param="options.include_trailer",
        )


def parse_json(body: Any, settings: Settings, *, live: bool) -> Submission:
    """Validate a JSON submission of either shape."""
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_body", "The request body must be a JSON object.")
    has_source, has_url = body.get("source") is not None, body.get("source_url") is not None
    if has_source and has_url:
        raise _invalid("source", "Send either source {type, url} or source_url, not both.")
    if not has_source and not has_url:
        raise ApiError(
            400,
            "missing_parameter",
            "source {type, url} or source_url is required.",
            param="source",
        )
    if has_source:
        source = body["source"]
        if not isinstance(source, dict):
            raise _invalid("source", "source must be an object {type, url}.")
        source_type = source.get("type")
        if source_type not in SOURCE_TYPES:
            raise ApiError(
                400,
                "invalid_source_type",
                f"source.type must be one of {', '.join(SOURCE_TYPES)}.",
                param="source.type",
            )
        url = check_source_url(
            source.get("url"), source_type, param="source.url", settings=settings, live=live
        )
    else:
        raw = body["source_url"]
        if not isinstance(raw, str):
            raise _invalid("source_url", "source_url must be an http(s) URL.", "invalid_source_url")
        source_type = infer_source_type(raw.strip())
        url = check_source_url(raw, source_type, param="source_url", settings=settings, live=live)
    options = parse_options(body.get("options"), settings)
    platforms = parse_platforms(body.get("platforms"), "platforms")
    if platforms is not None:
        options["platforms"] = platforms
    description = _text(body, "description")
    if description is not None:
        options["description"] = description
    # A video_url that names an audio file (episode.mp3) can be told apart now; one without an
    # extension only after download, where the flow skips the trailer with a job event.
    audio_file = PurePosixPath(urlsplit(url).path).suffix.lower() in AUDIO_EXTENSIONS
    _check_trailer(source_type, options, video=not audio_file)
    return Submission(
        source_type=source_type,
        source_url=url,
        source={"type": source_type, "url": url},
        options=options,
        show_name=_text(body, "show_name"),
        guest_name=_text(body, "guest_name"),
    )


def parse_upload_fields(fields: dict[str, str], settings: Settings, filename: str) -> Submission:
    """Validate the text fields of a multipart upload (the file itself is handled by the route)."""
    import json

    options_text = fields.get("options")
    options_value: Any = None
    if options_text:
        try:
            options_value = json.loads(options_text)
        except ValueError as exc:
            raise _invalid("options", "options must be a JSON object.", "invalid_json") from exc
    body: dict[str, Any] = {k: fields.get(k) for k in ("show_name", "guest_name", "description")}
    options = parse_options(options_value, settings)
    platforms = parse_platforms(fields.get("platforms"), "platforms")
    if platforms is not None:
        options["platforms"] = platforms
    description = _text(body, "description")
    if description is not None:
        options["description"] = description
    video = PurePosixPath(filename).suffix.lower() in VIDEO_EXTENSIONS
    _check_trailer("upload", options, video=video)
    return Submission(
        source_type="upload",
        source_url="",
        source={"type": "upload", "url": None, "filename": filename, "video": video},
        options=options,
        show_name=_text(body, "show_name"),
        guest_name=_text(body, "guest_name"),
    )
