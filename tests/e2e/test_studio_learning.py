"""The studio's "how it learned" pages and ``GET /v1/shows/{name}/learning`` on a real server.

Reviewed clips of a show are seeded into the server's lake (a producer who approves stories and
rejects predictions), refitted as the pipeline would, and read back through a real session
(logged in via the login form) and through the API with a key: the same numbers in both, the
moved features by their human names, 404 for another account's or environment's show, and a
hostile show name escaped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from urllib.parse import quote

import httpx
import pytest
from markupsafe import escape

from podclip.core.settings import LearningSettings, Settings
from podclip.store import preferences
from tests.e2e.helpers import RELAXED, ApiServer
from tests.support.learning_seed import seed_reviewed_clips
from tests.support.studio_seed import HOSTILE, seed_review_job

pytestmark = [pytest.mark.network, pytest.mark.slow]
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')
MIN_REVIEWS = 6
SHOW = "Story Hour"
QUIET = "Quiet / Show"  # a slash in a name: links encode it, the routes still find the show
HOSTILE_SHOW = f"Show {HOSTILE}"
BEFORE = [True, False, False, True, False, False, False, True]  # 3 of 8 approved
AFTER = [True, True, True, False]  # re-ranked clips: 3 of 4 approved


@dataclass
class Learned:
    server: ApiServer
    acme_key: str
    acme_test_key: str
    globex_key: str
    reader_key: str  # acme, live, without clips:read
    settings: Settings


@pytest.fixture(scope="module")
def learned(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[Learned]:
    overrides = {**RELAXED, "PODCLIP_LEARNING__MIN_REVIEWS": str(MIN_REVIEWS)}
    with api_server_factory(**overrides) as server:
        server.cli("accounts", "create", "acme")
        server.cli("accounts", "create", "globex")

        def key(account: str, env: str = "live", *scopes: str) -> str:
            args = ["keys", "create", "--env", env, "--account", account]
            for scope in scopes:
                args += ["--scopes", scope]
            return server.cli(*args).strip().splitlines()[-1]

        with server.db() as db:
            ids = dict(db.execute("SELECT name, id FROM accounts").fetchall())
        acme, globex = ids["acme"], ids["globex"]
        settings = Settings(data_root=server.data_root)
        learning = LearningSettings(min_reviews=MIN_REVIEWS)
        job_id, _ = seed_review_job(server.data_root, account_id=acme, show=SHOW)
        seed_reviewed_clips(
            settings, account_id=acme, show=SHOW, job_id=job_id, prefix="a", verdicts=BEFORE
        )
        assert preferences.refit(settings, acme, SHOW, learning) is not None
        seed_reviewed_clips(
            settings, account_id=acme, show=SHOW, job_id=job_id, prefix="b", verdicts=AFTER
        )
        preferences.refit(settings, acme, SHOW, learning)
        quiet_job, _ = seed_review_job(server.data_root, account_id=acme, show=QUIET)
        seed_reviewed_clips(
            settings, account_id=acme, show=QUIET, job_id=quiet_job, prefix="q", verdicts=[True]
        )
        seed_review_job(server.data_root, account_id=acme, show=HOSTILE_SHOW)
        seed_review_job(server.data_root, account_id=globex, show="Globex Hour")
        yield Learned(
            server,
            key("acme"),
            key("acme", "test"),
            key("globex"),
            key("acme", "live", "jobs:read"),
            settings,
        )


@contextmanager
def _login(server: ApiServer, api_key: str) -> Iterator[httpx.Client]:
    """A browser-like client logged in through the studio's login form."""
    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        page = http.get("/studio/login")
        token = CSRF.search(page.text)
        assert token, page.text
        done = http.post(
            "/studio/login", data={"api_key": api_key, "csrf_token": token.group(1), "next": ""}
        )
        assert done.status_code == 303, done.text
        yield http


def _page(name: str) -> str:
    return f"/studio/shows/{quote(name, safe='')}"


def _api(name: str, prefix: str = "/v1") -> str:
    return f"{prefix}/shows/{quote(name, safe='')}/learning"


def _acme_id(learned: Learned) -> str:
    with learned.server.db() as db:
        return str(db.execute("SELECT id FROM accounts WHERE name = 'acme'").fetchone()[0])


def test_the_show_page_shows_approval_before_and_after_what_moved_and_each_fit(
    learned: Learned,
) -> None:
    acme = _acme_id(learned)
    split = preferences.approval_before_after(learned.settings, acme, SHOW)
    assert split["before"] == {"reviewed": 8, "approval_rate": 0.375}
    assert split["after"] == {"reviewed": 4, "approval_rate": 0.75}
    with _login(learned.server, learned.acme_key) as http:
        page = http.get(_page(SHOW))
    assert page.status_code == 200, page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]
    html = page.text
    assert re.search(r'data-approval="before">38%<', html), html
    assert re.search(r'data-approval="after">75%<', html), html
    assert "Active: this show" in html
    # The latest fit's largest weights, by their human names and with their signs.
    latest = preferences.latest(learned.settings, acme, SHOW)
    assert latest is not None
    moved = dict(latest.moved())
    assert moved["p_emotional_story"] > 0 > moved["p_bold_prediction"]
    assert f"<td>Emotional story</td><td>{moved['p_emotional_story']:+.2f}</td>" in html
    assert f"<td>Bold prediction</td><td>{moved['p_bold_prediction']:+.2f}</td>" in html
    assert "p_emotional_story" not in html
    # Both fits, newest first, with the reviews each used.
    used = [int(n) for n in re.findall(r"<tr><td>[\d-]+ [\d:]+</td><td>(\d+)</td>", html)]
    assert used == [12, 8]


def test_the_shows_list_and_a_show_below_min_reviews(learned: Learned) -> None:
    with _login(learned.server, learned.acme_key) as http:
        listing = http.get("/studio/shows")
        quiet = http.get(_page(QUIET))
    assert listing.status_code == 200
    assert '<a href="/studio/shows">Shows</a>' in listing.text  # the nav link
    for name in (SHOW, QUIET):
        assert f'<a href="{_page(name)}">{escape(name)}</a>' in listing.text
    assert "Globex Hour" not in listing.text
    row = re.search(
        r"Story Hour</a></td>\s*<td>(\d+)</td>\s*<td>(\d+)</td>\s*<td>(\w+)", listing.text
    )
    assert row and row.groups() == ("12", "6", "active"), listing.text
    assert f"not yet ({MIN_REVIEWS - 1} more reviews needed)" in listing.text
    assert quiet.status_code == 200, quiet.text
    assert f"<strong>{MIN_REVIEWS - 1} more reviews needed</strong>" in quiet.text
    assert "Nothing has moved yet." in quiet.text and "Not fitted yet" in quiet.text


def test_another_account_or_environment_gets_404_and_no_session_goes_to_login(
    learned: Learned,
) -> None:
    with _login(learned.server, learned.globex_key) as http:
        assert http.get(_page(SHOW)).status_code == 404
        assert SHOW not in http.get("/studio/shows").text
        assert http.get(_page("Globex Hour")).status_code == 200
    with _login(learned.server, learned.acme_test_key) as http:
        assert http.get(_page(SHOW)).status_code == 404
    with _login(learned.server, learned.reader_key) as http:
        assert http.get(_page(SHOW)).status_code == 403
    with httpx.Client(base_url=learned.server.base_url, timeout=30) as http:
        for path in ("/studio/shows", _page(SHOW)):
            response = http.get(path)
            assert response.status_code == 303
            assert response.headers["location"].startswith("/studio/login?next=")


def test_a_hostile_show_name_is_escaped(learned: Learned) -> None:
    with _login(learned.server, learned.acme_key) as http:
        listing = http.get("/studio/shows")
        page = http.get(_page(HOSTILE_SHOW))
    assert page.status_code == 200, page.text
    for html in (listing.text, page.text):
        assert HOSTILE not in html
        assert str(escape(HOSTILE)) in html
    assert f'href="{_page(HOSTILE_SHOW)}"' in listing.text


def test_the_api_answers_the_same_numbers(learned: Learned) -> None:
    acme = _acme_id(learned)
    base = learned.server.base_url
    with httpx.Client(base_url=base, timeout=30) as http:
        bearer = {"Authorization": f"Bearer {learned.acme_key}"}
        bodies = [http.get(_api(SHOW, prefix), headers=bearer) for prefix in ("/v1", "/api/v1")]
        for response in bodies:
            assert response.status_code == 200, response.text
        body = bodies[0].json()
        assert bodies[1].json() == body
        assert body["object"] == "show_learning" and body["show"] == SHOW
        assert body["active"] is True and body["reviews_needed"] == 0
        assert (body["reviewed"], body["approved"], body["min_reviews"]) == (12, 6, MIN_REVIEWS)
        assert body["approval"]["before"] == {"reviewed": 8, "approval_rate": 0.375}
        assert body["approval"]["after"] == {"reviewed": 4, "approval_rate": 0.75}
        latest = preferences.latest(learned.settings, acme, SHOW)
        assert latest is not None
        assert [(m["feature"], m["weight"]) for m in body["moved"]] == list(latest.moved())
        names = {m["feature"]: m["name"] for m in body["moved"]}
        assert names["p_emotional_story"] == "Emotional story"
        assert [f["reviews"] for f in body["history"]] == [8, 12]

        hostile = http.get(_api(HOSTILE_SHOW), headers=bearer)
        assert hostile.status_code == 200 and hostile.json()["show"] == HOSTILE_SHOW
        quiet = http.get(_api(QUIET), headers=bearer).json()
        assert (quiet["active"], quiet["reviews_needed"]) == (False, MIN_REVIEWS - 1)

        for key in (learned.globex_key, learned.acme_test_key):
            refused = http.get(_api(SHOW), headers={"Authorization": f"Bearer {key}"})
            assert refused.status_code == 404
            assert refused.json()["error"]["code"] == "not_found"
        scoped = http.get(_api(SHOW), headers={"Authorization": f"Bearer {learned.reader_key}"})
        assert scoped.status_code == 403
        assert scoped.json()["error"]["code"] == "insufficient_scope"
        assert http.get(_api(SHOW)).status_code == 401
