"""An ``rss_feed_url`` job takes the feed's newest episode."""

from __future__ import annotations

from http.server import BaseHTTPRequestHandler
from pathlib import Path

from podclip.core.settings import get_settings
from podclip.store import ops
from tests.support.httpserver import serve

FEED = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Tiny Show</title>
<item><title>Old one</title><guid>g1</guid><pubDate>Mon, 01 Jan 2024 10:00:00 GMT</pubDate>
<enclosure url="{base}/old.mp3" type="audio/mpeg" length="1"/></item>
<item><title>New one</title><guid>g2</guid><pubDate>Mon, 01 Jul 2024 10:00:00 GMT</pubDate>
<enclosure url="{base}/new.mp3" type="audio/mpeg" length="1"/></item>
</channel></rss>"""


def test_rss_job_fetches_the_newest_enclosure(prefect_results: Path, tmp_path: Path) -> None:
    from podclip.flows.episode import process_episode

    (tmp_path / "new.mp3").write_bytes(b"")  # fetched, then refused: proves which one was taken
    base: dict[str, str] = {}

    def feed(handler: BaseHTTPRequestHandler) -> None:
        body = FEED.format(base=base["url"]).encode()
        handler.send_response(200)
        handler.send_header("Content-Type", "application/rss+xml")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    engine = ops.engine_for(get_settings().resolved_database_url)
    with serve(tmp_path, {"/feed.xml": feed}) as server:
        base["url"] = server.url("").rstrip("/")
        job = ops.create_job(engine, source_type="rss_feed_url", source_url=server.url("feed.xml"))
        state = process_episode(job.id, return_state=True)
    assert state.is_failed()
    assert "/new.mp3" in server.requests and "/old.mp3" not in server.requests
    done = ops.get_job(engine, job.id)
    assert done.title == "New one"
    assert done.error_code == "unsupported_media"
