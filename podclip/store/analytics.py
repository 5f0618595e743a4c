"""Analytics over the lake's views: episode facts for publish, example queries, report data.

The views ``clip_scores`` and ``episode_summary`` (migration lake_0081) are the analysts'
interface. The example queries below are the ones README shows; tests and the benchmark run
these very strings, so README cannot drift from what works.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import duckdb

from podclip.core.settings import Settings
from podclip.store import lake
from podclip.store.clips import EpisodeInfo
from podclip.store.ops import Job, as_utc


@dataclass(frozen=True)
class ExampleQuery:
    """One README example: a short name, what it answers, and the exact SQL."""

    name: str
    question: str
    sql: str


EXAMPLE_QUERIES: tuple[ExampleQuery, ...] = (
    ExampleQuery(
        "scores_by_moment_type",
        "Which moment types score best, and how often do they reach 80?",
        """SELECT moment_type,
       count(*) AS clips,
       round(avg(shareability_score), 1) AS mean_score,
       round(avg(CASE WHEN shareability_score >= 80 THEN 1 ELSE 0 END), 3) AS share_80_plus
FROM clip_scores
GROUP BY moment_type
ORDER BY mean_score DESC""",
    ),
    # One ORDER BY key in the window: DuckDB then ranks only the top rows (a second key, even
    # clip_id for ties, made it rank all 10 M rows: 20-30 s instead of about 1 s).
    ExampleQuery(
        "best_clips_per_show",
        "The three best clips of every show.",
        """SELECT show_name, episode_title, clip_id, moment_type, shareability_score
FROM clip_scores
WHERE show_name IS NOT NULL
QUALIFY row_number() OVER (PARTITION BY show_name ORDER BY shareability_score DESC) <= 3
ORDER BY show_name, shareability_score DESC, clip_id""",
    ),
    ExampleQuery(
        "monthly_trend",
        "How do scores move month by month?",
        """SELECT CAST(date_trunc('month', episode_date) AS DATE) AS month,
       count(*) AS clips,
       round(avg(shareability_score), 1) AS mean_score,
       round(max(shareability_score), 1) AS best_score
FROM clip_scores
GROUP BY month
ORDER BY month""",
    ),
    ExampleQuery(
        "top_guests",
        "Which guests bring the best moments (at least two episodes)?",
        """SELECT guest_name,
       count(*) AS episodes,
       round(avg(max_score), 1) AS mean_best_score,
       round(avg(clip_count), 1) AS clips_per_episode
FROM episode_summary
WHERE guest_name IS NOT NULL
GROUP BY guest_name
HAVING count(*) >= 2
ORDER BY mean_best_score DESC, guest_name
LIMIT 10""",
    ),
    ExampleQuery(
        "latest_episodes_of_show",
        "The latest episodes of one show, with their best moment.",
        """SELECT episode_date, episode_title, clip_count,
       round(max_score, 1) AS best_score, top_moment_type, best_clip_id
FROM episode_summary
WHERE show_name = 'The Long Game'
ORDER BY episode_date DESC, job_id
LIMIT 10""",
    ),
)


def episode_info(job: Job, *, language: str | None, duration_seconds: float | None) -> EpisodeInfo:
    """The ``episodes`` row for ``job``: its show facts and the episode's date (UTC)."""
    return EpisodeInfo(
        show_name=job.show_name,
        episode_title=job.title,
        guest_name=job.guest_name or _text_option(job, "guest_name"),
        published_at=_feed_date(job) or as_utc(job.created_at),
        source_url=job.source_url,
        source_type=job.source_type,
        duration_seconds=job.duration_seconds or duration_seconds,
        language=language,
    )


def _text_option(job: Job, key: str) -> str | None:
    value = job.options.get(key)
    return value.strip() or None if isinstance(value, str) else None


def _feed_date(job: Job) -> datetime | None:
    """The feed item's publication date that feed polling stores in the job's options."""
    value = job.options.get("published_at")
    if not isinstance(value, str):
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed.astimezone(UTC) if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ScoreSpread:
    """Five-number summary of one moment type's shareability scores (0-100)."""

    moment_type: str
    clips: int
    mean: float
    minimum: float
    q1: float
    median: float
    q3: float
    maximum: float


@dataclass(frozen=True)
class BestClip:
    """One of a show's best clips."""

    show_name: str
    episode_title: str | None
    episode_date: date | None
    moment_type: str
    score: float
    hook: str
    clip_id: str


@dataclass(frozen=True)
class EpisodePoint:
    """One episode on the scores-over-time chart."""

    episode_date: date
    show_name: str
    episode_title: str | None
    clip_count: int
    mean_score: float
    max_score: float


@dataclass(frozen=True)
class ReportData:
    """Everything the HTML report shows, aggregated in DuckDB so it scales with the lake."""

    totals: dict[str, Any]
    spreads: list[ScoreSpread]
    best_clips: list[BestClip]
    timeline: list[EpisodePoint]
    generated_at: datetime


UNNAMED_SHOW = "(no show name)"

# Distinct counts come from the one-row-per-episode view: over 10 M clips they cost seconds.
_TOTALS_SQL = """
SELECT (SELECT count(*) FROM clip_scores) AS clips,
       count(*) AS episodes,
       count(DISTINCT show_name) AS shows,
       sum(mean_score * clip_count) / nullif(sum(clip_count), 0) AS mean_score,
       min(episode_date) AS first_date,
       max(episode_date) AS last_date
FROM episode_summary
WHERE clip_count > 0
"""

# Quartiles by t-digest (approx_quantile): exact ones take seconds over millions of clips
# and a box plot 760 px wide cannot show the difference.
_SPREAD_SQL = """
SELECT moment_type, count(*), avg(shareability_score), min(shareability_score),
       approx_quantile(shareability_score, [0.25, 0.5, 0.75]) AS q, max(shareability_score)
FROM clip_scores
GROUP BY moment_type
ORDER BY q[2] DESC, moment_type
"""

# A show's k best clips all come from its k episodes with the best clip (any other episode
# has k better clips above its own best), so only those episodes' clips are ranked. Their ids
# go into the second query as constants: the scan then skips the row groups without them.
_BEST_EPISODES_SQL = """
WITH shows AS (
    SELECT COALESCE(show_name, $unnamed) AS show_label, max(max_score) AS best
    FROM episode_summary
    WHERE clip_count > 0
    GROUP BY show_label
    ORDER BY best DESC, show_label
    LIMIT $shows
)
SELECT e.job_id
FROM episode_summary AS e
JOIN shows AS s ON s.show_label = COALESCE(e.show_name, $unnamed)
QUALIFY row_number() OVER (PARTITION BY s.show_label ORDER BY e.max_score DESC, e.job_id) <= $k
"""

_BEST_CLIPS_SQL = """
WITH ranked AS (
    SELECT COALESCE(show_name, ?) AS show_label, episode_title, episode_date, moment_type,
           shareability_score, hook, clip_id,
           row_number() OVER (PARTITION BY COALESCE(show_name, ?)
                              ORDER BY shareability_score DESC, clip_id) AS n
    FROM clip_scores
    WHERE job_id IN ({ids})
    QUALIFY n <= ?
)
SELECT show_label, episode_title, episode_date, moment_type, shareability_score, hook, clip_id
FROM ranked
ORDER BY max(shareability_score) OVER (PARTITION BY show_label) DESC, show_label, n
"""

_TIMELINE_SQL = """
SELECT episode_date, COALESCE(show_name, ?), episode_title, clip_count, mean_score, max_score
FROM episode_summary
WHERE clip_count > 0 AND episode_date IS NOT NULL
ORDER BY episode_date DESC, job_id
LIMIT ?
"""


def report_data(
    settings: Settings,
    *,
    clips_per_show: int = 3,
    max_shows: int = 12,
    max_episodes: int = 2000,
) -> ReportData:
    """Query the views for the report: totals, score spread, best clips, scores over time."""
    with lake.reader(settings) as conn:
        row = conn.execute(_TOTALS_SQL).fetchone()
        names = [d[0] for d in conn.description or ()]
        totals = dict(zip(names, row or (), strict=True))
        spreads = [
            ScoreSpread(r[0], int(r[1]), r[2], r[3], r[4][0], r[4][1], r[4][2], r[5])
            for r in conn.execute(_SPREAD_SQL).fetchall()
        ]
        best = _best_clips(conn, clips_per_show, max_shows)
        timeline = [
            EpisodePoint(r[0], r[1], r[2], int(r[3]), r[4], r[5])
            for r in conn.execute(_TIMELINE_SQL, [UNNAMED_SHOW, max_episodes]).fetchall()
        ]
    timeline.reverse()
    return ReportData(totals, spreads, best, timeline, datetime.now(UTC))


def _best_clips(conn: duckdb.DuckDBPyConnection, per_show: int, shows: int) -> list[BestClip]:
    params = {"unnamed": UNNAMED_SHOW, "k": per_show, "shows": shows}
    job_ids = [r[0] for r in conn.execute(_BEST_EPISODES_SQL, params).fetchall()]
    if not job_ids:
        return []
    sql = _BEST_CLIPS_SQL.format(ids=", ".join("?" * len(job_ids)))
    rows = conn.execute(sql, [UNNAMED_SHOW, UNNAMED_SHOW, *job_ids, per_show]).fetchall()
    return [BestClip(*r) for r in rows]
