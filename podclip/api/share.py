"""Guest share pages: which clips are the guest's, and the HTML itself.

The page's token and URL are made in :mod:`podclip.store.share_links` (the job view links it).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from html import escape
from typing import Any

from podclip.store.job_record import Job
from podclip.store.share_links import (
    SHARE_ROUTE,
    job_id_for,
    job_outputs,
    parse_token,
    share_token,
    share_url,
    trailer_view,
)

__all__ = [
    "SHARE_ROUTE",
    "guest_clips",
    "guest_name",
    "job_id_for",
    "job_outputs",
    "not_found_page",
    "parse_token",
    "render_page",
    "share_token",
    "share_url",
    "trailer_view",
]

GUEST_SHARE_MIN = 0.5  # a clip is the guest's when the guest speaks over half of it


def guest_name(job: Job, outputs: dict[str, dict[str, Any]]) -> str | None:
    """The guest's name: the speakers output's ``guest_name``, else the job's."""
    body = (outputs.get("speakers") or {}).get("body")
    if body:
        try:
            name = json.loads(body).get("guest_name")
        except (ValueError, AttributeError):
            name = None
        if isinstance(name, str) and name.strip():
            return name.strip()
    return job.guest_name


def guest_clips(
    clips: Sequence[dict[str, Any]], transcript: Sequence[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Clips whose span the guest speaks for over half of; every clip without speaker labels.

    ``clips`` are clip views (``start``/``end`` seconds); ``transcript`` has ``speaker``,
    ``start``, ``end``. When no clip is mostly the guest's, all clips are shown.
    """
    if not any(s.get("speaker") == "guest" for s in transcript):
        return list(clips)
    chosen = []
    for clip in clips:
        start, end = float(clip["start"]), float(clip["end"])
        guest = sum(
            max(0.0, min(end, float(s["end"])) - max(start, float(s["start"])))
            for s in transcript
            if s.get("speaker") == "guest"
        )
        if end > start and guest / (end - start) > GUEST_SHARE_MIN:
            chosen.append(clip)
    return chosen or list(clips)


def _player(url: str | None, label: str) -> str:
    if not url:
        return ""
    src = escape(url)
    return (
        f'<video controls playsinline preload="metadata" src="{src}" '
        f'aria-label="{escape(label)}"></video>'
    )


def _clip_card(clip: dict[str, Any]) -> str:
    hook = escape(str(clip.get("hook") or ""))
    quote = escape(str(clip.get("pull_quote") or ""))
    category = escape(str(clip.get("category") or clip.get("moment_type") or ""))
    seconds = round(float(clip.get("duration_seconds") or 0))
    downloads = []
    for render in clip.get("renders", []):
        if render.get("url"):
            label = f"{render['preset']} MP4 ({render['width']}x{render['height']})"
            downloads.append(f'<a href="{escape(render["url"])}" download>{escape(label)}</a>')
    for kind, url in sorted((clip.get("captions") or {}).items()):
        if url:
            downloads.append(f'<a href="{escape(url)}" download>{escape(kind.upper())}</a>')
    return (
        '<article class="clip">'
        f"{_player(clip.get('media_url'), str(clip.get('hook') or 'clip'))}"
        f'<p class="meta">{category} · {seconds} s · score {int(clip["shareability_score"])}</p>'
        f"<h2>{hook}</h2>"
        + (f"<blockquote>{quote}</blockquote>" if quote else "")
        + f'<nav class="downloads">{" ".join(downloads)}</nav>'
        "</article>"
    )


STYLE = """
*{box-sizing:border-box}body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",
Roboto,"DejaVu Sans",sans-serif;background:#14161c;color:#eef0f4}
main{max-width:720px;margin:0 auto;padding:20px 16px 48px}
header h1{font-size:1.6rem;line-height:1.2;margin:0 0 4px}header p{margin:0;color:#aab0bc}
.clip,.trailer{background:#1e212a;border-radius:14px;padding:12px;margin:20px 0}
video{width:100%;max-height:80vh;border-radius:10px;background:#000;display:block}
.clip h2{font-size:1.15rem;margin:10px 0 6px}.meta{margin:10px 0 0;color:#f5c542;
font-size:.85rem;text-transform:uppercase;letter-spacing:.04em}
blockquote{margin:8px 0;padding-left:12px;border-left:3px solid #f5c542;color:#d6d9e0}
.downloads a{display:inline-block;margin:6px 8px 0 0;padding:8px 12px;border-radius:8px;
background:#2c313d;color:#eef0f4;text-decoration:none;font-size:.9rem}
footer{color:#6f7685;font-size:.8rem;margin-top:32px}
"""


def render_page(
    job: Job,
    clips: Sequence[dict[str, Any]],
    guest: str | None,
    trailer_url: str | None,
) -> str:
    """The guest page: show and episode title, the guest's clips with players and downloads."""
    show = job.show_name or job.title or "Your episode"
    episode = job.title if job.show_name and job.title else None
    heading = f"Your clips from {show}" if guest else f"Clips from {show}"
    sub = " · ".join(x for x in (episode, f"with {guest}" if guest else None) if x)
    trailer = (
        f'<section class="trailer"><h2>Trailer</h2>{_player(trailer_url, "Trailer")}'
        f'<nav class="downloads"><a href="{escape(trailer_url)}" download>Trailer MP4</a></nav>'
        "</section>"
        if trailer_url
        else ""
    )
    cards = "".join(_clip_card(c) for c in clips) or "<p>No clips yet.</p>"
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex">'
        f"<title>{escape(heading)}</title><style>{STYLE}</style></head><body><main>"
        f"<header><h1>{escape(heading)}</h1><p>{escape(sub)}</p></header>"
        f"{trailer}{cards}"
        "<footer>Made with podclip. Links on this page expire; reload it for fresh ones.</footer>"
        "</main></body></html>"
    )


def not_found_page(message: str) -> str:
    """A small HTML 404 page."""
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        f'<meta name="robots" content="noindex"><title>Not found</title><style>{STYLE}</style>'
        f"</head><body><main><header><h1>Page not found</h1><p>{escape(message)}</p></header>"
        "</main></body></html>"
    )
