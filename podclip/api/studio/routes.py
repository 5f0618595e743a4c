"""The studio's pages and forms under ``/studio`` (see docs/studio.md).

Pages are Jinja2 templates (autoescaped: transcripts, titles and show names are hostile text)
with one stylesheet and one small script served from ``/studio/static``; the strict CSP below
allows nothing from elsewhere. Every form posts back here with its session's CSRF token and is
answered with a redirect (post/redirect/get); the work is the review API's
(:mod:`podclip.api.review`), acting as the logged-in key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Form, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.convertors import Convertor, register_url_convertor

from podclip.api import learning, review
from podclip.api.deps import LinksDep, SettingsDep, StoresDep
from podclip.api.errors import ApiError
from podclip.api.routes.clips import approved_zip
from podclip.api.studio import session as sessions
from podclip.core.presets import PLATFORMS, PRESETS
from podclip.core.settings import Settings
from podclip.store import api_keys, clip_edits, clips, ops, share_links, studio_logins
from podclip.store.clip_edits import CAPTION_STYLES
from podclip.store.links import MediaLinks

router = APIRouter(prefix="/studio", include_in_schema=False)
HERE = Path(__file__).parent
STATIC = {"studio.css": "text/css", "studio.js": "text/javascript"}
STAGES = ("queued", "downloading", "transcribing", "clipping", "rendering", "complete")
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; media-src 'self'; "
        "img-src 'self' data:; connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "noindex",
    "Cache-Control": "private, no-store",
}
templates = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(("html",), default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)

JobId = Annotated[str, PathParam(min_length=1, max_length=64)]
ClipId = Annotated[str, PathParam(min_length=1, max_length=40)]
Csrf = Annotated[str | None, Form(max_length=200)]


def _page(name: str, code: int = 200, **context: Any) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context), code, headers=HEADERS)


def _message(status: int, title: str, text: str) -> HTMLResponse:
    return _page("message.html", status, title=title, text=text, session=None)


def _to_login(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/studio/login?{urlencode({'next': target})}", 303)


def _actor(settings: Settings, stores: Any, links: MediaLinks, s: sessions.Session) -> review.Actor:
    return review.Actor(settings, stores.engine, s.key, links)


def _session(request: Request, settings: Settings, stores: Any) -> sessions.Session | None:
    return sessions.current(request, settings, stores.engine)


def _page_session(
    request: Request, settings: Settings, stores: Any, scope: str
) -> sessions.Session | Response:
    """The session of a page request holding ``scope``, or the answer for one that has none:
    a redirect to the login page, or 403 without the scope."""
    s = _session(request, settings, stores)
    if s is None:
        return _to_login(request)
    return _scope(s, scope) or s


def _scope(s: sessions.Session, scope: str) -> HTMLResponse | None:
    if s.key.allows(scope):
        return None
    return _message(403, "Not allowed", f"This API key lacks the {scope!r} scope.")


def _safe_next(target: str | None) -> str:
    # Only a path inside the studio: never an open redirect.
    if target and target.startswith("/studio") and "//" not in target and "\\" not in target:
        return target
    return "/studio/jobs"


@router.get("/static/{name}")
def static(name: Annotated[str, PathParam(max_length=40)]) -> Response:
    if name not in STATIC:
        return Response(status_code=404)
    return FileResponse(
        HERE / "static" / name,
        media_type=STATIC[name],
        headers={"Cache-Control": "private, max-age=300", "X-Content-Type-Options": "nosniff"},
    )


@router.get("", response_class=HTMLResponse)
@router.get("/", response_class=HTMLResponse)
def home() -> RedirectResponse:
    return RedirectResponse("/studio/jobs", 303)


@router.get("/login", response_class=HTMLResponse)
def login_page(
    request: Request, settings: SettingsDep, next: str | None = None, error: str | None = None
) -> HTMLResponse:
    nonce, new = sessions.login_nonce(request)
    response = _page(
        "login.html",
        session=None,
        next=_safe_next(next),
        error=error,
        csrf=sessions.csrf_for(settings, nonce),
    )
    if new:
        sessions.set_login_nonce(request, response, nonce)
    return response


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    api_key: Annotated[str, Form(max_length=200)],
    csrf_token: Csrf = None,
    next: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    if not sessions.login_csrf_ok(request, settings, csrf_token):
        return _message(403, "Form expired", "Reload the login page and try again.")
    parts = api_keys.split_key(api_key.strip())
    key = api_keys.find_key(stores.engine, parts[1]) if parts else None
    if key is None or parts is None or key.environment != parts[0] or key.revoked:
        query = urlencode({"error": "That API key is not valid.", "next": _safe_next(next)})
        return RedirectResponse(f"/studio/login?{query}", 303)
    response = RedirectResponse(_safe_next(next), 303)
    sessions.start(request, response, settings, key)
    return response


@router.get("/login/{token}", response_class=HTMLResponse)
def login_link(
    token: Annotated[str, PathParam(max_length=200)],
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
) -> Response:
    """A one-time link from ``podclip studio --print-link``: logs in once, then is spent."""
    key_id = studio_logins.redeem(stores.engine, token)
    key = None
    if key_id is not None:
        try:
            key = api_keys.get_key(stores.engine, key_id)
        except api_keys.ApiKeyNotFound:
            key = None
    if key is None or key.revoked:
        return _message(404, "Link not valid", "This login link is unknown, used or expired.")
    response = RedirectResponse("/studio/jobs", 303)
    sessions.start(request, response, settings, key)
    return response


@router.post("/logout")
def logout(
    request: Request, settings: SettingsDep, stores: StoresDep, csrf_token: Csrf = None
) -> Response:
    s = _session(request, settings, stores)
    if s is not None and not sessions.csrf_ok(s, csrf_token):
        return _message(403, "Form expired", "Reload the page and try again.")
    response = RedirectResponse("/studio/login", 303)
    sessions.end(response)
    return response


def _progress(status: str) -> int:
    return round(100 * STAGES.index(status) / (len(STAGES) - 1)) if status in STAGES else 100


def _job_rows(
    settings: Settings, stores: Any, s: sessions.Session, show: str | None, status: str | None
) -> list[dict[str, Any]]:
    jobs = ops.list_jobs(
        stores.engine, limit=100, environment=s.key.environment, account_id=s.key.account_id
    )
    rows = []
    for job in jobs:
        if show and (job.show_name or "") != show:
            continue
        if status and job.status != status:
            continue
        rows.append(
            {
                "id": job.id,
                "title": job.title or job.source_url,
                "show": job.show_name or "",
                "status": job.status,
                "progress": _progress(job.status),
                "created_at": job.created_at.strftime("%Y-%m-%d %H:%M"),
            }
        )
    return rows


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    show: str | None = None,
    status: str | None = None,
) -> Response:
    s = _page_session(request, settings, stores, "jobs:read")
    if isinstance(s, Response):
        return s
    rows = _job_rows(settings, stores, s, show, status or None)
    shows = sorted({r["show"] for r in _job_rows(settings, stores, s, None, None) if r["show"]})
    return _page(
        "jobs.html",
        session=s,
        jobs=rows,
        shows=shows,
        statuses=(*STAGES, "failed"),
        show=show or "",
        status=status or "",
        poll_ms=int(settings.studio.poll_seconds * 1000),
    )


@router.get("/jobs/status.json")
def jobs_status(request: Request, settings: SettingsDep, stores: StoresDep) -> Response:
    """Status and progress of the session's jobs, for the jobs page's polling."""
    s = _session(request, settings, stores)
    if s is None:
        return JSONResponse({"error": "login required"}, 401, headers=HEADERS)
    if not s.key.allows("jobs:read"):
        return JSONResponse({"error": "insufficient_scope"}, 403, headers=HEADERS)
    rows = _job_rows(settings, stores, s, None, None)
    return JSONResponse(
        {"jobs": [{k: r[k] for k in ("id", "status", "progress")} for r in rows]},
        headers=HEADERS,
    )


def _load(actor: review.Actor, job_id: str) -> Any:
    try:
        return review.load_job(actor, job_id)
    except ApiError:
        return None


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def board(
    job_id: JobId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    msg: str | None = None,
    error: str | None = None,
) -> Response:
    s = _page_session(request, settings, stores, "clips:read")
    if isinstance(s, Response):
        return s
    actor = _actor(settings, stores, links, s)
    job = _load(actor, job_id)
    if job is None:
        return _message(404, "Not found", "No such job for this account.")
    clip_list = review.job_clips(actor, job)
    words = review.transcript_words(actor, job) if clip_list else []
    for clip in clip_list:
        start, end = clip["start"], clip["end"]
        clip["words"] = [w for w in words if w.start >= start - 1e-3 and w.end <= end + 1e-3]
        clip["first_render"] = clip["renders"][0] if clip["renders"] else None
    outputs = clips.outputs_for_job(settings, job.id) if job.status == "complete" else {}
    trailer = outputs.get("trailer") or {}
    trailer_url = (
        links.url(str(trailer["media_path"]), expires_at=links.expiry())
        if trailer.get("media_path")
        else None
    )
    latest = clip_edits.latest_request(stores.engine, job.id)
    return _page(
        "board.html",
        session=s,
        job=job,
        clips=clip_list,
        notes=(outputs.get("show_notes") or {}).get("body"),
        trailer_url=trailer_url,
        share_url=share_links.current_url(links, job) if job.status == "complete" else None,
        styles=CAPTION_STYLES,
        presets=tuple(PRESETS),
        platforms=tuple(PLATFORMS),
        rerender=latest,
        pending=sum(1 for c in clip_list if c["render_status"] == "pending"),
        msg=msg,
        error=error,
    )


@router.get("/jobs/{job_id}/transcript", response_class=HTMLResponse)
def transcript_page(
    job_id: JobId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    error: str | None = None,
) -> Response:
    s = _page_session(request, settings, stores, "clips:read")
    if isinstance(s, Response):
        return s
    actor = _actor(settings, stores, links, s)
    job = _load(actor, job_id)
    if job is None:
        return _message(404, "Not found", "No such job for this account.")
    words = review.transcript_words(actor, job) if job.status == "complete" else []
    segments: list[dict[str, Any]] = []
    for w in words:
        if not segments or segments[-1]["index"] != w.segment_index:
            segments.append(
                {"index": w.segment_index, "speaker": w.speaker, "start": w.start, "words": []}
            )
        segments[-1]["words"].append(w)
    return _page("transcript.html", session=s, job=job, segments=segments, error=error)


def _back(job_id: str, anchor: str = "", **query: str) -> RedirectResponse:
    q = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"/studio/jobs/{quote(job_id)}{q}{anchor}", 303)


def _write(
    request: Request, settings: Settings, stores: Any, csrf: str | None
) -> sessions.Session | Response:
    """The session for a form post, or the refusal: 401 without one, 403 without its token."""
    s = _session(request, settings, stores)
    if s is None:
        return _message(401, "Log in", "Your studio session has ended; log in again.")
    if not sessions.csrf_ok(s, csrf):
        return _message(403, "Form expired", "This form's security token is not valid.")
    if (denied := _scope(s, "jobs:create")) is not None:
        return denied
    return s


def _act(job_id: str, clip_id: str, action: Any) -> Response:
    try:
        action()
    except ApiError as exc:
        if exc.status == 404:
            return _message(404, "Not found", "No such clip for this account.")
        return _back(job_id, f"#{clip_id}" if clip_id else "", error=exc.message)
    return _back(job_id, f"#{clip_id}" if clip_id else "", msg="Saved.")


@router.post("/jobs/{job_id}/clips/{clip_id}/review")
def post_review(
    job_id: JobId,
    clip_id: ClipId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    action: Annotated[str, Form(max_length=20)],
    csrf_token: Csrf = None,
    reason: Annotated[str | None, Form(max_length=500)] = None,
) -> Response:
    s = _write(request, settings, stores, csrf_token)
    if not isinstance(s, sessions.Session):
        return s
    actor = _actor(settings, stores, links, s)
    return _act(job_id, clip_id, lambda: review.review_clip(actor, clip_id, action, reason or None))


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None


@router.post("/jobs/{job_id}/clips/{clip_id}/trim")
def post_trim(
    job_id: JobId,
    clip_id: ClipId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    csrf_token: Csrf = None,
    start: Annotated[str | None, Form(max_length=20)] = None,
    end: Annotated[str | None, Form(max_length=20)] = None,
    nudge: Annotated[str | None, Form(max_length=20)] = None,
) -> Response:
    """Trim to ``start``/``end`` seconds, or nudge one bound: ``nudge`` = ``end:+0.5``."""
    s = _write(request, settings, stores, csrf_token)
    if not isinstance(s, sessions.Session):
        return s
    actor = _actor(settings, stores, links, s)

    def act() -> None:
        body: dict[str, Any] = {}
        if nudge:
            bound, _, delta = nudge.partition(":")
            step = _float(delta)
            if bound not in ("start", "end") or step is None:
                raise ApiError(400, "invalid_parameter", "A nudge reads start:+0.5 or end:-0.5.")
            current = review.find_clip(actor, clip_id)[1]
            body[bound] = float(current[bound]) + step
        else:
            for name, value in (("start", start), ("end", end)):
                if (number := _float(value)) is not None:
                    body[name] = number
        review.update_clip(actor, clip_id, body)

    return _act(job_id, clip_id, act)


@router.post("/jobs/{job_id}/clips/{clip_id}/caption")
def post_caption(
    job_id: JobId,
    clip_id: ClipId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    index: Annotated[int, Form(ge=0)],
    to: Annotated[str, Form(max_length=100)],
    csrf_token: Csrf = None,
) -> Response:
    s = _write(request, settings, stores, csrf_token)
    if not isinstance(s, sessions.Session):
        return s
    actor = _actor(settings, stores, links, s)
    return _act(
        job_id,
        clip_id,
        lambda: review.update_clip(actor, clip_id, {"caption_fixes": [{"index": index, "to": to}]}),
    )


@router.post("/jobs/{job_id}/clips/{clip_id}/style")
def post_style(
    job_id: JobId,
    clip_id: ClipId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    csrf_token: Csrf = None,
    caption_style: Annotated[str | None, Form(max_length=64)] = None,
    preset: Annotated[str | None, Form(max_length=32)] = None,
    platform: Annotated[str | None, Form(max_length=32)] = None,
) -> Response:
    s = _write(request, settings, stores, csrf_token)
    if not isinstance(s, sessions.Session):
        return s
    actor = _actor(settings, stores, links, s)
    body: dict[str, Any] = {}
    if caption_style:
        body["caption_style"] = caption_style
    body["preset"] = preset or None
    body["platforms"] = [platform] if platform else None
    return _act(job_id, clip_id, lambda: review.update_clip(actor, clip_id, body))


@router.post("/jobs/{job_id}/rerender")
def post_rerender(
    job_id: JobId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    csrf_token: Csrf = None,
) -> Response:
    s = _write(request, settings, stores, csrf_token)
    if not isinstance(s, sessions.Session):
        return s
    actor = _actor(settings, stores, links, s)
    return _act(job_id, "", lambda: review.rerender(actor, job_id))


@router.post("/jobs/{job_id}/clips")
def post_new_clip(
    job_id: JobId,
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
    links: LinksDep,
    start: Annotated[str, Form(max_length=20)],
    end: Annotated[str, Form(max_length=20)],
    csrf_token: Csrf = None,
) -> Response:
    s = _write(request, settings, stores, csrf_token)
    if not isinstance(s, sessions.Session):
        return s
    actor = _actor(settings, stores, links, s)
    a, b = _float(start), _float(end)
    if a is None or b is None:
        query = urlencode({"error": "Give a start and an end in seconds."})
        return RedirectResponse(f"/studio/jobs/{quote(job_id)}/transcript?{query}", 303)
    return _act(job_id, "", lambda: review.create_clip(actor, job_id, a, b))


@router.get("/jobs/{job_id}/export.zip")
def export_zip(
    job_id: JobId, request: Request, settings: SettingsDep, stores: StoresDep, links: LinksDep
) -> Response:
    s = _page_session(request, settings, stores, "exports:create")
    if isinstance(s, Response):
        return s
    actor = _actor(settings, stores, links, s)
    try:
        path = approved_zip(actor, job_id)
    except ApiError as exc:
        if exc.status == 404:
            return _message(404, "Not found", "No such job for this account.")
        return _back(job_id, error=exc.message)
    return FileResponse(
        path,
        media_type="application/zip",
        filename=f"{job_id}-approved.zip",
        headers={"Cache-Control": "private, no-store"},
    )


# How each show's ranking learned (issue 18): the same data as GET /v1/shows/{name}/learning.
SHOW_SUBPAGES = ("brand",)
"""Pages below a show (``/studio/shows/{name}/brand``): the show page's path leaves them alone."""


class _ShowName(Convertor[str]):
    """A show name in a path: any text, slashes too (links encode them, the server decodes
    them before routing), except a name ending in one of the ``SHOW_SUBPAGES``."""

    regex = r"(?:(?!/(?:" + "|".join(SHOW_SUBPAGES) + r")$).)+"

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


register_url_convertor("showname", _ShowName())


def _percent(rate: float | None) -> str:
    return "n/a" if rate is None else f"{round(rate * 100)}%"


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else ""


@router.get("/shows", response_class=HTMLResponse)
def shows_page(request: Request, settings: SettingsDep, stores: StoresDep) -> Response:
    s = _page_session(request, settings, stores, "clips:read")
    if isinstance(s, Response):
        return s
    rows = learning.overview(settings, stores.engine, s.key)
    for row in rows:
        row["href"] = f"/studio/shows/{quote(row['show'], safe='')}"
        row["last_fitted"] = _when(row["last_fitted_at"])
    return _page("shows.html", session=s, shows=rows, min_reviews=settings.learning.min_reviews)


@router.get("/shows/{name:showname}", response_class=HTMLResponse)
def show_page(
    name: Annotated[str, PathParam(min_length=1, max_length=200)],
    request: Request,
    settings: SettingsDep,
    stores: StoresDep,
) -> Response:
    s = _page_session(request, settings, stores, "clips:read")
    if isinstance(s, Response):
        return s
    found = learning.show_learning(settings, stores.engine, s.key, name)
    if found is None:
        return _message(404, "Not found", "No such show for this account.")
    approval = found["approval"]
    return _page(
        "show.html",
        session=s,
        show=found,
        before=_percent(approval["before"]["approval_rate"]),
        after=_percent(approval["after"]["approval_rate"]),
        since=_when(approval["learning_since"]),
        fits=[
            {**fit, "when": _when(fit["fitted_at"]), "rate": _percent(fit["approval_rate"])}
            for fit in reversed(found["history"])
        ],
    )
