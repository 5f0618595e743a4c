"""The HTML report builder, the CSV writer and the episode facts publish writes (pure)."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime
from html.parser import HTMLParser

from podclip.cli.analytics import write_csv
from podclip.cli.report import (
    best_clips_svg,
    render_report,
    score_distribution_svg,
    timeline_svg,
)
from podclip.store.analytics import (
    EXAMPLE_QUERIES,
    BestClip,
    EpisodePoint,
    ReportData,
    ScoreSpread,
    episode_info,
)
from podclip.store.ops import Job

SVG = "{http://www.w3.org/2000/svg}"
HOSTILE = '<script>alert("x")</script> & "quotes"'


def _data(**overrides: object) -> ReportData:
    spreads = [
        ScoreSpread("emotional_story", 4, 61.0, 20.0, 40.0, 50.0, 60.0, 90.0),
        ScoreSpread("how_to", 2, 30.0, 25.0, 27.5, 30.0, 32.5, 35.0),
    ]
    best = [
        BestClip("Show A", "Ep 1", date(2024, 1, 2), "emotional_story", 90.0, HOSTILE, "c1"),
        BestClip("Show A", "Ep 2", date(2024, 2, 2), "how_to", 35.0, "second", "c2"),
        BestClip("Show B", None, None, "how_to", 30.0, "third", "c3"),
    ]
    timeline = [
        EpisodePoint(date(2024, 1, 2), "Show A", "Ep 1", 3, 55.0, 90.0),
        EpisodePoint(date(2024, 2, 2), "Show A", "Ep 2", 2, 30.0, 35.0),
        EpisodePoint(date(2024, 3, 1), "Show B", None, 1, 30.0, 30.0),
    ]
    fields: dict[str, object] = {
        "totals": {"clips": 6, "episodes": 3, "shows": 2, "mean_score": 47.5},
        "spreads": spreads,
        "best_clips": best,
        "timeline": timeline,
        "generated_at": datetime(2024, 3, 2, 12, 0, tzinfo=UTC),
    }
    fields.update(overrides)
    return ReportData(**fields)  # type: ignore[arg-type]


def _svg(markup: str) -> ET.Element:
    """Parse one chart (the SVG element alone) as XML: it must be well formed."""
    start = markup.index("<svg")
    end = markup.index("</svg>") + len("</svg>")
    return ET.fromstring(markup[start:end])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.attrs: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.attrs.extend(name for name, _ in attrs)


def test_report_has_three_charts_and_loads_nothing() -> None:
    html = render_report(_data())
    parser = _Tags()
    parser.feed(html)
    assert parser.tags.count("svg") == 3
    assert "script" not in parser.tags and "link" not in parser.tags and "img" not in parser.tags
    assert "src" not in parser.attrs and "href" not in parser.attrs
    for anchor in ("score-distribution", "best-clips", "scores-over-time"):
        assert f'<section id="{anchor}">' in html


def test_text_from_the_lake_is_escaped() -> None:
    html = render_report(_data())
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &quot;quotes&quot;" in html


def test_box_plot_geometry_follows_the_quartiles() -> None:
    root = _svg(score_distribution_svg(_data().spreads))
    boxes = root.findall(f"{SVG}g")
    assert len(boxes) == 2
    first = boxes[0].find(f"{SVG}rect")
    assert first is not None
    x, width = float(first.get("x", "0")), float(first.get("width", "0"))
    # Score axis runs 0-100 over [240, 930] px: q1=40 -> 516, q3=60 -> 654.
    assert abs(x - 516) < 0.2 and abs(width - 138) < 0.2
    whisker = boxes[1].find(f"{SVG}line")
    assert whisker is not None
    assert abs(float(whisker.get("x1", "0")) - 412.5) < 0.2  # min 25
    assert abs(float(whisker.get("x2", "0")) - 481.5) < 0.2  # max 35


def test_best_clips_bars_are_grouped_by_show_and_scaled_by_score() -> None:
    root = _svg(best_clips_svg(_data().best_clips))
    bars = [g.find(f"{SVG}rect") for g in root.findall(f"{SVG}g")]
    widths = [float(b.get("width", "0")) for b in bars if b is not None]
    assert len(widths) == 3
    assert widths[0] > widths[1] > widths[2] > 0
    assert abs(widths[0] / widths[1] - 90 / 35) < 0.01
    labels = [t.text for t in root.findall(f"{SVG}text")]
    assert labels.index("Show A") < labels.index("Show B")


def test_timeline_places_episodes_by_date_and_score() -> None:
    root = _svg(timeline_svg(_data().timeline))
    marks = [c for c in root.findall(f"{SVG}circle") if c.get("class") == "episode"]
    xs = [float(c.get("cx", "0")) for c in marks]
    ys = [float(c.get("cy", "0")) for c in marks]
    # 2 Jan - 1 Mar (59 days) padded by a day each side: 61 days over [60, 930] px.
    assert xs == sorted(xs) and 60 < xs[0] < xs[1] < xs[-1] < 930
    assert abs(xs[0] - (60 + 870 / 61)) < 0.2 and abs(xs[-1] - (930 - 870 / 61)) < 0.2
    assert ys[0] < ys[1]  # 90 is drawn higher than 35
    single = _svg(timeline_svg(_data().timeline[:1]))
    mark = next(c for c in single.findall(f"{SVG}circle") if c.get("class") == "episode")
    assert abs(float(mark.get("cx", "0")) - 495) < 0.2  # one day: centred


def test_empty_lake_gives_a_page_without_charts() -> None:
    html = render_report(_data(totals={"clips": 0}, spreads=[], best_clips=[], timeline=[]))
    assert html.count("No clips in the lake yet.") == 3
    assert "<svg" not in html


def test_csv_quotes_and_nulls() -> None:
    out = io.StringIO()
    rows = [("a,b", None, 1.5), ('say "hi"\nthere', date(2024, 1, 2), 0)]
    write_csv(["text", "day", "n"], rows, out)
    parsed = list(csv.reader(io.StringIO(out.getvalue())))
    assert parsed == [
        ["text", "day", "n"],
        ["a,b", "", "1.5"],
        ['say "hi"\nthere', "2024-01-02", "0"],
    ]


def _job(**fields: object) -> Job:
    base: dict[str, object] = {
        "id": "job_1",
        "status": "rendering",
        "source_type": "audio_url",
        "source_url": "https://example.com/e.mp3",
        "source": {},
        "options": {},
        "environment": "live",
        "created_at": datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        "updated_at": datetime(2024, 5, 1, 9, 0, tzinfo=UTC),
        "show_name": "Show",
        "title": "Title",
    }
    base.update(fields)
    return Job(**base)  # type: ignore[arg-type]


def test_episode_date_is_the_feed_items_else_the_jobs() -> None:
    fed = episode_info(
        _job(options={"published_at": "2024-04-09T22:30:00-04:00"}),
        language="en",
        duration_seconds=60.0,
    )
    assert fed.published_at == datetime(2024, 4, 10, 2, 30, tzinfo=UTC)
    assert (fed.show_name, fed.episode_title, fed.duration_seconds) == ("Show", "Title", 60.0)
    plain = episode_info(
        _job(options={"published_at": "garbage"}), language=None, duration_seconds=None
    )
    assert plain.published_at == datetime(2024, 5, 1, 9, 0, tzinfo=UTC)
    guest = episode_info(_job(guest_name="Ada"), language="en", duration_seconds=None)
    assert guest.guest_name == "Ada"


def test_example_queries_are_five_named_read_queries() -> None:
    names = [q.name for q in EXAMPLE_QUERIES]
    assert len(names) == 5 == len(set(names))
    for query in EXAMPLE_QUERIES:
        assert query.sql.lstrip().upper().startswith("SELECT")
        assert "clip_scores" in query.sql or "episode_summary" in query.sql
