"""Feed parsing without a network: durations, guids, ordering, enclosures, hostile documents."""

from __future__ import annotations

import pickle
from datetime import UTC, datetime
from pathlib import Path

import pytest

from podclip.core.errors import FeedRejected
from podclip.core.settings import FeedSettings, feed_settings
from podclip.tasks.feed_reader import (
    Episode,
    item_guid,
    media_enclosure,
    newest_first,
    parse_duration,
    parse_feed,
    plan_new_episodes,
    reject_dtd,
    unique_by_guid,
)

URL = "https://example.com/feed.xml"


def _rss(items: str, channel: str = "<title>Show</title>") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">'
        f"<channel>{channel}{items}</channel></rss>"
    ).encode()


def _item(guid: str | None, enclosure: str, pub: str | None = None, extra: str = "") -> str:
    parts = [f"<title>t-{guid or enclosure}</title>", extra]
    if guid is not None:
        parts.append(f"<guid>{guid}</guid>")
    if pub is not None:
        parts.append(f"<pubDate>{pub}</pubDate>")
    parts.append(f'<enclosure url="{enclosure}" length="1" type="audio/mpeg"/>')
    return f"<item>{''.join(parts)}</item>"


def _episode(guid: str, published: datetime | None) -> Episode:
    return Episode(guid, f"https://e.com/{guid}.mp3", "audio_url", guid, published, None, None)


@pytest.mark.parametrize(
    ("raw", "seconds"),
    [
        ("1:02:03", 3723),
        ("62:03", 3723),
        ("3723", 3723),
        ("01:35:02", 5702),
        ("0:59", 59),
        (" 54:12 ", 3252),
        ("3723.6", 3724),
        ("00:20:00", 1200),
        ("0", 0),
    ],
)
def test_duration_forms(raw: str, seconds: int) -> None:
    assert parse_duration(raw) == seconds


@pytest.mark.parametrize(
    "raw", [None, "", "  ", "abc", "1:2:3:4", "-5", "1::2", "nan", "inf", "1:-2", "1.5:00", "PT1H"]
)
def test_duration_rejects_junk(raw: str | None) -> None:
    assert parse_duration(raw) is None


def test_guid_falls_back_to_the_enclosure_url() -> None:
    assert item_guid(None, "https://e.com/a.mp3") == "https://e.com/a.mp3"
    assert item_guid("   ", "https://e.com/a.mp3") == "https://e.com/a.mp3"
    assert item_guid("  abc  ", "https://e.com/a.mp3") == "abc"
    long = item_guid("x" * 5000, "https://e.com/a.mp3")
    assert long.startswith("sha256:") and len(long) == 7 + 64


def test_parse_uses_guid_else_enclosure_and_keeps_one_per_guid() -> None:
    items = (
        _item("g-1", "https://e.com/1.mp3", "Tue, 02 Jan 2024 00:00:00 GMT")
        + _item(None, "https://e.com/2.mp3", "Mon, 01 Jan 2024 00:00:00 GMT")
        + _item("g-1", "https://e.com/1-again.mp3", "Tue, 02 Jan 2024 00:00:00 GMT")
    )
    feed = parse_feed(_rss(items), content_type="application/rss+xml", url=URL)
    assert [e.guid for e in feed.episodes] == ["g-1", "https://e.com/2.mp3"]
    assert feed.episodes[0].enclosure_url == "https://e.com/1.mp3"


def test_parse_orders_newest_first_with_undated_last() -> None:
    items = (
        _item("old", "https://e.com/old.mp3", "Mon, 01 Jan 2018 00:00:00 GMT")
        + _item("undated-a", "https://e.com/ua.mp3")
        + _item("new", "https://e.com/new.mp3", "Mon, 01 Jan 2024 00:00:00 +0200")
        + _item("mid", "https://e.com/mid.mp3", "Mon, 01 Jan 2020 00:00:00 GMT")
        + _item("undated-b", "https://e.com/ub.mp3")
    )
    feed = parse_feed(_rss(items), content_type="application/rss+xml", url=URL)
    assert [e.guid for e in feed.episodes] == ["new", "mid", "old", "undated-a", "undated-b"]
    assert feed.episodes[0].published_at == datetime(2023, 12, 31, 22, 0, tzinfo=UTC)


def test_newest_first_is_stable_for_equal_dates() -> None:
    day = datetime(2024, 1, 1, tzinfo=UTC)
    episodes = [_episode("a", day), _episode("b", None), _episode("c", day)]
    assert [e.guid for e in newest_first(episodes)] == ["a", "c", "b"]
    assert [e.guid for e in unique_by_guid(episodes + episodes)] == ["a", "b", "c"]


def test_plan_first_poll_takes_backfill_later_polls_take_all_new_up_to_cap() -> None:
    eps = [_episode(str(n), datetime(2024, 1, 10 - n, tzinfo=UTC)) for n in range(6)]
    take, skip = plan_new_episodes(eps, set(), first_poll=True, backfill=2, max_items=50)
    assert ([e.guid for e in take], [e.guid for e in skip]) == (["0", "1"], ["2", "3", "4", "5"])
    take, skip = plan_new_episodes(eps, {"2", "3"}, first_poll=False, backfill=2, max_items=50)
    assert [e.guid for e in take] == ["0", "1", "4", "5"] and skip == []
    take, skip = plan_new_episodes(eps, set(), first_poll=False, backfill=1, max_items=3)
    assert [e.guid for e in take] == ["0", "1", "2"] and len(skip) == 3
    take, skip = plan_new_episodes(eps, set(), first_poll=True, backfill=0, max_items=3)
    assert take == [] and len(skip) == 6


@pytest.mark.parametrize(
    ("enclosures", "expected"),
    [
        (
            [{"href": "https://e.com/a.mp3", "type": "audio/mpeg"}],
            ("https://e.com/a.mp3", "audio_url"),
        ),
        (
            [{"href": "https://e.com/a.mp4", "type": "video/mp4"}],
            ("https://e.com/a.mp4", "video_url"),
        ),
        (
            [{"href": "https://e.com/a.m4a", "type": "audio/mp4"}],
            ("https://e.com/a.m4a", "audio_url"),
        ),
        ([{"href": "https://e.com/v.mov", "type": ""}], ("https://e.com/v.mov", "video_url")),
        (
            [{"href": "https://e.com/a.ogg?x=1", "type": "application/octet-stream"}],
            ("https://e.com/a.ogg?x=1", "audio_url"),
        ),
        (
            [
                {"href": "https://e.com/notes.pdf", "type": "application/pdf"},
                {"href": "ftp://e.com/a.mp3", "type": "audio/mpeg"},
                {"href": "https://e.com/b.mp3", "type": "audio/mpeg"},
            ],
            ("https://e.com/b.mp3", "audio_url"),
        ),
        (
            [{"href": "/rel/a.mp3", "type": "audio/mpeg"}],
            ("https://example.com/rel/a.mp3", "audio_url"),
        ),
        ([{"href": "https://e.com/page.html", "type": "text/html"}], None),
        ([], None),
    ],
)
def test_media_enclosure(
    enclosures: list[dict[str, str]], expected: tuple[str, str] | None
) -> None:
    assert media_enclosure(enclosures, base_url=URL) == expected


def test_items_without_media_are_not_episodes() -> None:
    items = "<item><title>text post</title><guid>p</guid></item>" + _item(
        "e", "https://e.com/e.mp3"
    )
    feed = parse_feed(_rss(items), content_type="application/rss+xml", url=URL)
    assert [e.guid for e in feed.episodes] == ["e"]


def test_artwork_item_image_else_channel_image() -> None:
    channel = '<title>Show</title><itunes:image href="https://e.com/show.jpg"/>'
    items = _item("a", "https://e.com/a.mp3", extra='<itunes:image href="https://e.com/a.jpg"/>')
    items += _item("b", "https://e.com/b.mp3")
    feed = parse_feed(_rss(items, channel), content_type="application/rss+xml", url=URL)
    art = {e.guid: e.artwork_url for e in feed.episodes}
    assert art == {"a": "https://e.com/a.jpg", "b": "https://e.com/show.jpg"}
    assert feed.title == "Show" and feed.episodes[0].channel_title == "Show"


def test_real_feeds_parse(shared_data: Path) -> None:
    root = shared_data / "feeds"
    libsyn = parse_feed(
        (root / "node-podcast-parser/libsyn-example-podcast.xml").read_bytes(),
        content_type="application/rss+xml",
        url="http://frankanderik.libsyn.com/rss",
    )
    assert libsyn.title == "Frank and Erik Internet Famous"
    assert [e.title for e in libsyn.episodes][:3] == ["Episode 128", "Episode 127", "Episode 126"]
    assert [e.duration_seconds for e in libsyn.episodes] == [5702, 8200, 4917, 5446, 6902, 3252]
    assert libsyn.episodes[-1].guid == "http://frankanderik.libsyn.com/index.php?post_id=514338#"
    # A real feed served as octet-stream or text/plain still parses.
    big = (root / "rss-parser/giantbomb-podcast.rss").read_bytes()
    assert len(parse_feed(big, content_type="application/octet-stream", url=URL).episodes) == 730
    apple = (root / "node-podcast-parser/apple-example.xml").read_bytes()
    assert [
        e.duration_seconds for e in parse_feed(apple, content_type="text/plain", url=URL).episodes
    ] == [424, 274, 239]


BOMB = (
    '<?xml version="1.0"?>\n<!DOCTYPE rss [\n<!ENTITY a "AAAAAAAAAA">\n'
    '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">\n]>\n'
    '<rss version="2.0"><channel><title>&b;</title></channel></rss>'
)


@pytest.mark.parametrize(
    "document",
    [
        BOMB.encode(),
        BOMB.replace("\n", "").encode(),  # everything on one line
        BOMB.encode("utf-16"),  # "<!ENTITY" spelled in other bytes (charset from HTTP)
        BOMB.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="utf-7"?>')
        .replace("<!", "+ADw-!")
        .encode(),
        # a DOCTYPE hidden after a comment that itself contains a start tag
        b'<?xml version="1.0"?><!-- <a> --><!DOCTYPE rss [<!ENTITY a "x">]><rss/>',
        # a bare external DOCTYPE: never fetched, but no feed needs one
        b'<!DOCTYPE rss PUBLIC "-//Netscape Communications//DTD RSS 0.91//EN" "x.dtd"><rss/>',
        b'<rss version="2.0"><channel><title>x</title></channel></rss><!ENTITY a "b">',
    ],
)
def test_dtd_and_entities_are_refused_before_parsing(document: bytes) -> None:
    content_type = "application/rss+xml"
    if document.startswith(b"\xff\xfe"):
        content_type += "; charset=utf-16"
    with pytest.raises(FeedRejected, match="DOCTYPE or ENTITY"):
        parse_feed(document, content_type=content_type, url=URL)


def test_utf16_bomb_without_charset_never_reaches_a_parser_as_a_dtd() -> None:
    # Read as UTF-8 (RFC 3023 default), the NUL-riddled text is no feed, and no DTD either.
    with pytest.raises(FeedRejected, match="not an RSS or Atom feed"):
        parse_feed(BOMB.encode("utf-16"), content_type="application/rss+xml", url=URL)


def test_html_doctype_quoted_in_show_notes_is_fine() -> None:
    notes = "<description><![CDATA[<!DOCTYPE html><html><body>notes</body></html>]]></description>"
    items = _item("a", "https://e.com/a.mp3", extra=notes)
    reject_dtd(_rss(items))
    assert len(parse_feed(_rss(items), content_type="application/rss+xml", url=URL).episodes) == 1


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"just some text, not XML at all\n", "application/rss+xml"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "application/octet-stream"),
        (b"<html><head><title>Not a feed</title></head><body>hi</body></html>", "text/html"),
        (b'{"items": []}', "application/json"),
        (b"", "application/rss+xml"),
    ],
)
def test_non_feeds_are_refused(body: bytes, content_type: str) -> None:
    with pytest.raises(FeedRejected, match="not an RSS or Atom feed") as caught:
        parse_feed(body, content_type=content_type, url=URL)
    assert caught.value.code == "invalid_feed"


def test_feed_rejected_survives_pickling() -> None:
    error = pickle.loads(pickle.dumps(FeedRejected("nope", http_status=503)))
    assert (error.message, error.code, error.http_status) == ("nope", "invalid_feed", 503)


def test_feed_settings_defaults_and_env(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = FeedSettings()
    assert defaults.max_feed_bytes == 10 * 1024**2 and defaults.timeout_seconds == 20
    assert (defaults.max_redirects, defaults.default_backfill, defaults.max_items_per_poll) == (
        5,
        1,
        50,
    )
    assert defaults.poll_interval_minutes == 15
    monkeypatch.setenv("PODCLIP_FEEDS__MAX_FEED_BYTES", "1234")
    from podclip.core.settings import get_settings

    get_settings.cache_clear()
    try:
        assert feed_settings().max_feed_bytes == 1234
    finally:
        get_settings.cache_clear()


def test_feeds_group_on_settings_reads_nested_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """What ``feeds: FeedSettings = Field(default_factory=FeedSettings)`` on Settings gives."""
    from pydantic import Field

    from podclip.core.settings import Settings

    class WithFeeds(Settings):
        feeds: FeedSettings = Field(default_factory=FeedSettings)

    monkeypatch.setenv("PODCLIP_FEEDS__MAX_ITEMS_PER_POLL", "7")
    settings = WithFeeds()
    assert feed_settings(settings) is settings.feeds
    assert feed_settings(settings).max_items_per_poll == 7
