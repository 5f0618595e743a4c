"""The analytics report: one self-contained HTML file with inline SVG charts.

Nothing is loaded from the network (no CDN, no script): the charts are SVG drawn here, so the
file opens offline in any browser and can be mailed as is. Every text from the lake (show names,
hooks) is escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from html import escape
from itertools import groupby

from podclip.store.analytics import BestClip, EpisodePoint, ReportData, ScoreSpread

WIDTH = 960
PALETTE = (
    "#4269d0",
    "#efb118",
    "#ff725c",
    "#6cc5b0",
    "#3ca951",
    "#ff8ab7",
    "#a463f2",
    "#97bbf5",
    "#9c6b4e",
    "#9498a0",
)
SCORE_MAX = 100.0

_CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 2rem auto;
       max-width: 1000px; color: #1d1d1f; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } .muted { color: #6e6e73; }
.cards { display: flex; gap: 1rem; flex-wrap: wrap; margin: 1rem 0 2rem; }
.card { border: 1px solid #d2d2d7; border-radius: 8px; padding: .6rem 1rem; min-width: 8rem; }
.card b { display: block; font-size: 1.5rem; }
svg.chart { width: 100%; height: auto; background: #fff; }
svg text { font: 12px system-ui, sans-serif; fill: #1d1d1f; }
svg .axis { stroke: #86868b; stroke-width: 1; } svg .grid { stroke: #e8e8ed; stroke-width: 1; }
table { border-collapse: collapse; width: 100%; margin-top: .5rem; font-size: 14px; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid #e8e8ed; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
section { margin-bottom: 2.5rem; }
"""


def render_report(data: ReportData) -> str:
    """The whole report page for ``data``."""
    totals = data.totals
    clips = int(totals.get("clips") or 0)
    cards = [
        ("clips", f"{clips:,}"),
        ("episodes", f"{int(totals.get('episodes') or 0):,}"),
        ("shows", f"{int(totals.get('shows') or 0):,}"),
        ("mean score", _num(totals.get("mean_score"))),
        ("episode dates", _span(totals.get("first_date"), totals.get("last_date"))),
    ]
    sections = [
        _section(
            "score-distribution",
            "Score distribution per moment type",
            "Boxes span the middle half of the shareability scores (0-100), the bar inside is "
            "the median, whiskers reach the lowest and highest score, the dot is the mean.",
            score_distribution_svg(data.spreads) if data.spreads else "",
        ),
        _section(
            "best-clips",
            "Best clips per show",
            "Each show's highest-scoring clips, shows ordered by their best clip.",
            best_clips_svg(data.best_clips) + best_clips_table(data.best_clips)
            if data.best_clips
            else "",
        ),
        _section(
            "scores-over-time",
            "Scores over time",
            "One mark per episode at its date: the best clip's score and the mean of its clips.",
            timeline_svg(data.timeline) if data.timeline else "",
        ),
    ]
    card_html = "".join(f'<div class="card"><b>{escape(v)}</b>{escape(k)}</div>' for k, v in cards)
    generated = data.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>podclip report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<h1>podclip report</h1>"
        f'<p class="muted">Generated {generated} from the lake views clip_scores and '
        "episode_summary.</p>"
        f'<div class="cards">{card_html}</div>'
        f"{''.join(sections)}"
        "</body></html>\n"
    )


def _section(anchor: str, title: str, note: str, body: str) -> str:
    content = body or '<p class="empty">No clips in the lake yet.</p>'
    return (
        f'<section id="{anchor}"><h2>{escape(title)}</h2>'
        f'<p class="muted">{escape(note)}</p>{content}</section>'
    )


def score_distribution_svg(spreads: Sequence[ScoreSpread]) -> str:
    """Horizontal box plots of shareability score, one row per moment type."""
    row_h, top, left, right = 34, 10, 240, 30
    height = top + row_h * len(spreads) + 40
    x = _linear(0.0, SCORE_MAX, left, WIDTH - right)
    parts = _x_axis(x, top, top + row_h * len(spreads), [0, 20, 40, 60, 80, 100], "score")
    for i, s in enumerate(spreads):
        mid = top + row_h * i + row_h / 2
        color = PALETTE[i % len(PALETTE)]
        parts.append(
            f'<g class="box"><title>{escape(s.moment_type)}: {s.clips} clips, median '
            f"{s.median:.1f}, mean {s.mean:.1f}</title>"
            f'<text x="{left - 8}" y="{mid + 4:.1f}" text-anchor="end">'
            f"{escape(s.moment_type)} ({s.clips:,})</text>"
            f'<line x1="{x(s.minimum):.1f}" x2="{x(s.maximum):.1f}" y1="{mid:.1f}" '
            f'y2="{mid:.1f}" stroke="{color}" stroke-width="1.5"/>'
            f'<rect x="{x(s.q1):.1f}" y="{mid - 10:.1f}" '
            f'width="{max(x(s.q3) - x(s.q1), 1.5):.1f}" height="20" fill="{color}" '
            f'fill-opacity="0.35" stroke="{color}"/>'
            f'<line x1="{x(s.median):.1f}" x2="{x(s.median):.1f}" y1="{mid - 10:.1f}" '
            f'y2="{mid + 10:.1f}" stroke="{color}" stroke-width="3"/>'
            f'<circle cx="{x(s.mean):.1f}" cy="{mid:.1f}" r="3.5" fill="#1d1d1f"/></g>'
        )
    return _svg("Score distribution per moment type", height, parts)


def best_clips_svg(best: Sequence[BestClip]) -> str:
    """Bars of each show's best clips' scores, grouped by show."""
    row_h, show_h, top, left, right = 22, 26, 10, 330, 60
    groups = [(show, list(rows)) for show, rows in groupby(best, key=lambda b: b.show_name)]
    height = top + sum(show_h + row_h * len(rows) for _, rows in groups) + 40
    x = _linear(0.0, SCORE_MAX, left, WIDTH - right)
    y = top
    parts = _x_axis(x, top, height - 40, [0, 25, 50, 75, 100], "score")
    types = sorted({b.moment_type for b in best})
    colors = {t: PALETTE[i % len(PALETTE)] for i, t in enumerate(types)}
    for show, rows in groups:
        parts.append(
            f'<text x="8" y="{y + 18}" font-weight="bold">{escape(_clip(show, 44))}</text>'
        )
        y += show_h
        for clip in rows:
            mid = y + row_h / 2
            parts.append(
                f'<g class="bar"><title>{escape(clip.hook)} ({escape(clip.moment_type)}, '
                f"{clip.score:.1f})</title>"
                f'<text x="20" y="{mid + 4:.1f}">{escape(_clip(clip.hook, 44))}</text>'
                f'<rect x="{left}" y="{mid - 7:.1f}" width="{max(x(clip.score) - left, 1):.1f}" '
                f'height="14" fill="{colors[clip.moment_type]}"/>'
                f'<text x="{x(clip.score) + 5:.1f}" y="{mid + 4:.1f}">{clip.score:.1f}</text></g>'
            )
            y += row_h
    legend = [
        f'<span style="color:{colors[t]}">&#9632;</span> {escape(t)}&nbsp;&nbsp;' for t in types
    ]
    return _svg("Best clips per show", height, parts) + f"<p>{''.join(legend)}</p>"


def best_clips_table(best: Sequence[BestClip]) -> str:
    """The same clips as a table: show, episode, date, type, score, hook, clip id."""
    head = "".join(
        f"<th>{h}</th>" for h in ("show", "episode", "date", "type", "score", "hook", "clip")
    )
    rows = "".join(
        "<tr>"
        f"<td>{escape(b.show_name)}</td><td>{escape(b.episode_title or '')}</td>"
        f"<td>{b.episode_date or ''}</td><td>{escape(b.moment_type)}</td>"
        f'<td class="num">{b.score:.1f}</td><td>{escape(b.hook)}</td>'
        f"<td><code>{escape(b.clip_id)}</code></td></tr>"
        for b in best
    )
    return f'<table class="best-clips"><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>'


def timeline_svg(points: Sequence[EpisodePoint]) -> str:
    """Each episode's best and mean clip score against its date."""
    height, top, bottom, left, right = 360, 16, 300, 60, 30
    first, last = min(p.episode_date for p in points), max(p.episode_date for p in points)
    # Pad the axis so the first and last marks sit inside it (one day: the mark is centred).
    pad = timedelta(days=max(1, (last - first).days // 30))
    first, last = first - pad, last + pad
    span = (last - first).days
    x = _linear(0.0, float(span), left, WIDTH - right)
    y = _linear(0.0, SCORE_MAX, bottom, top)
    parts = []
    for tick in (0, 25, 50, 75, 100):
        parts.append(
            f'<line class="grid" x1="{left}" x2="{WIDTH - right}" y1="{y(tick):.1f}" '
            f'y2="{y(tick):.1f}"/><text x="{left - 6}" y="{y(tick) + 4:.1f}" '
            f'text-anchor="end">{tick}</text>'
        )
    parts.append(
        f'<line class="axis" x1="{left}" x2="{WIDTH - right}" y1="{bottom}" y2="{bottom}"/>'
    )
    for tick_date in _date_ticks(first, last):
        tx = x(float((tick_date - first).days))
        label = tick_date.isoformat() if span <= 120 else tick_date.strftime("%Y-%m")
        # Labels at the chart's ends grow inwards so they are not cut off.
        anchor = "start" if tx < left + 40 else "end" if tx > WIDTH - right - 40 else "middle"
        parts.append(
            f'<line class="axis" x1="{tx:.1f}" x2="{tx:.1f}" y1="{bottom}" y2="{bottom + 5}"/>'
            f'<text x="{tx:.1f}" y="{bottom + 18}" text-anchor="{anchor}">{label}</text>'
        )
    means = []
    for p in points:
        px = x(float((p.episode_date - first).days))
        means.append(f"{px:.1f},{y(p.mean_score):.1f}")
        parts.append(
            f'<circle class="episode" cx="{px:.1f}" cy="{y(p.max_score):.1f}" r="4" '
            f'fill="{PALETTE[0]}" fill-opacity="0.75"><title>{p.episode_date} '
            f"{escape(p.show_name)}: {escape(p.episode_title or '')}, best {p.max_score:.1f}, "
            f"mean {p.mean_score:.1f}, {p.clip_count} clips</title></circle>"
        )
    parts.insert(
        0,
        f'<polyline points="{" ".join(means)}" fill="none" stroke="{PALETTE[1]}" '
        'stroke-width="1.5" stroke-opacity="0.8"/>',
    )
    parts.append(
        f'<circle cx="{left + 10}" cy="{height - 20}" r="4" fill="{PALETTE[0]}"/>'
        f'<text x="{left + 20}" y="{height - 16}">best clip of the episode</text>'
        f'<line x1="{left + 210}" x2="{left + 230}" y1="{height - 20}" y2="{height - 20}" '
        f'stroke="{PALETTE[1]}" stroke-width="2"/>'
        f'<text x="{left + 236}" y="{height - 16}">mean of its clips</text>'
    )
    return _svg("Scores over time", height, parts)


def _svg(label: str, height: float, parts: Sequence[str]) -> str:
    return (
        f'<svg class="chart" xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{escape(label)}" viewBox="0 0 {WIDTH} {height:.0f}" '
        f'width="{WIDTH}" height="{height:.0f}">{"".join(parts)}</svg>'
    )


def _x_axis(x: _Scale, top: float, bottom: float, ticks: Sequence[float], label: str) -> list[str]:
    parts = []
    for tick in ticks:
        tx = x(tick)
        parts.append(
            f'<line class="grid" x1="{tx:.1f}" x2="{tx:.1f}" y1="{top}" y2="{bottom}"/>'
            f'<text x="{tx:.1f}" y="{bottom + 16}" text-anchor="middle">{tick:g}</text>'
        )
    parts.append(
        f'<text x="{x(ticks[-1]):.1f}" y="{bottom + 32}" text-anchor="end" '
        f'class="muted">{escape(label)}</text>'
    )
    return parts


class _Scale:
    """Maps a value in ``[d0, d1]`` linearly onto ``[r0, r1]`` (pixels), clamped."""

    def __init__(self, d0: float, d1: float, r0: float, r1: float) -> None:
        self.d0, self.d1, self.r0, self.r1 = d0, d1, r0, r1

    def __call__(self, value: float) -> float:
        if self.d1 == self.d0:
            return (self.r0 + self.r1) / 2
        t = (value - self.d0) / (self.d1 - self.d0)
        return self.r0 + min(max(t, 0.0), 1.0) * (self.r1 - self.r0)


def _linear(d0: float, d1: float, r0: float, r1: float) -> _Scale:
    return _Scale(d0, d1, r0, r1)


def _date_ticks(first: date, last: date, count: int = 6) -> list[date]:
    span = (last - first).days
    step = max(span // (count - 1), 1)
    return [first + timedelta(days=d) for d in range(0, span + 1, step)][:count]


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "\u2026"


def _num(value: object) -> str:
    return f"{value:.1f}" if isinstance(value, int | float) else "-"


def _span(first: object, last: object) -> str:
    if first is None or last is None:
        return "-"
    return str(first) if first == last else f"{first} to {last}"
