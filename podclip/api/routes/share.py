"""The public guest page of a finished job: ``GET /share/{token}`` (no API key; see api.share).

A revoked or superseded link answers 404, an expired one 410 (:mod:`podclip.store.share_links`);
``DELETE``/``POST /v1/jobs/{id}/share`` (:mod:`podclip.api.routes.share_links`) revoke and
re-issue a job's link.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse

from podclip.api import share
from podclip.api.deps import CacheDep, LinksDep, SettingsDep, StoresDep
from podclip.core.errors import JobNotFound
from podclip.store import job_view, ops, share_links

router = APIRouter(tags=["share"])

# Self-contained page: inline style, media from this origin only, no scripts at all.
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; media-src 'self'; img-src 'self' data:; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "private, no-store",
}


def _missing(message: str) -> HTMLResponse:
    return HTMLResponse(share.not_found_page(message), status_code=404, headers=HEADERS)


@router.get(
    f"{share.SHARE_ROUTE}/{{token:path}}",
    response_class=HTMLResponse,
    include_in_schema=False,
    summary="A guest's share page",
)
def share_page(
    token: Annotated[str, PathParam(max_length=200)],
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    cache: CacheDep,
) -> HTMLResponse:
    """The guest's clips with players and download links, or an HTML 404."""
    parsed = share.parse_token(links.secret, token)
    if parsed is None:
        return _missing("This share link is not valid. Ask for a new link.")
    job_id, version = parsed
    try:
        job = ops.get_job(stores.engine, job_id)
    except JobNotFound:
        return _missing("This share link is not valid. Ask for a new link.")
    # A revoked link, or one superseded by a newer link, is as unknown as a forged one.
    link_state = share_links.state(job, settings)
    if version != job.share_version or link_state == "revoked":
        return _missing("This share link is not valid. Ask for a new link.")
    if link_state == "expired":
        return HTMLResponse(
            share.not_found_page("This share link has expired. Ask for a new link."),
            status_code=410,
            headers=HEADERS,
        )
    if job.status != "complete":
        return _missing("These clips are not ready yet. Try again in a few minutes.")
    clips = job_view.clips_view(job, settings, links, cache)
    transcript = cache.rows(settings, job)[1] if job.environment == "live" else []
    outputs = share.job_outputs(settings, job) if job.environment == "live" else {}
    trailer = share.trailer_view(links, job, outputs)
    page = share.render_page(
        job,
        share.guest_clips(clips, transcript),
        share.guest_name(job, outputs),
        trailer["url"] if trailer else None,
    )
    return HTMLResponse(page, headers=HEADERS)
