"""The studio's threats, on a real server: no session, another account's or environment's
data, forged or missing CSRF tokens, and hostile text in titles, show names and transcripts.

Each refusal is asserted with its status; another account's job or clip answers exactly as a
missing one (404). Jobs are seeded straight into the server's stores (tests/support/studio_seed).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass

import httpx
import pytest
from markupsafe import escape

from tests.e2e.helpers import RELAXED, ApiServer
from tests.support.studio_seed import HOSTILE, HOSTILE_WORD, seed_review_job

pytestmark = pytest.mark.network
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@dataclass
class Studio:
    server: ApiServer
    acme_key: str
    globex_key: str
    acme_test_key: str
    job_id: str
    clip_ids: list[str]


@pytest.fixture(scope="module")
def studio(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[Studio]:
    with api_server_factory(**RELAXED) as server:
        server.cli("accounts", "create", "acme")
        server.cli("accounts", "create", "globex")

        def key(account: str, env: str = "live") -> str:
            out = server.cli("keys", "create", "--env", env, "--account", account)
            return out.strip().splitlines()[-1]

        with server.db() as db:
            acme_id = db.execute("SELECT id FROM accounts WHERE name = 'acme'").fetchone()[0]
        job_id, clip_ids = seed_review_job(server.data_root, account_id=acme_id)
        yield Studio(server, key("acme"), key("globex"), key("acme", "test"), job_id, clip_ids)


@contextmanager
def _login(studio: Studio, api_key: str) -> Iterator[httpx.Client]:
    """A browser-like client logged in through the login form."""
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        page = http.get("/studio/login")
        token = CSRF.search(page.text)
        assert token, page.text
        done = http.post(
            "/studio/login", data={"api_key": api_key, "csrf_token": token.group(1), "next": ""}
        )
        assert done.status_code == 303 and done.headers["location"] == "/studio/jobs", done.text
        yield http


def _csrf(http: httpx.Client, path: str) -> str:
    page = http.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found
    return found.group(1)


def test_every_page_without_a_session_redirects_to_login_and_every_form_is_401(
    studio: Studio,
) -> None:
    job, clip = studio.job_id, studio.clip_ids[0]
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        for path in (
            "/studio/jobs",
            f"/studio/jobs/{job}",
            f"/studio/jobs/{job}/transcript",
            f"/studio/jobs/{job}/export.zip",
        ):
            response = http.get(path)
            assert response.status_code == 303, path
            assert response.headers["location"].startswith("/studio/login?next="), path
        assert http.get("/studio/jobs/status.json").status_code == 401
        for path, data in (
            (f"/studio/jobs/{job}/clips/{clip}/review", {"action": "approve"}),
            (f"/studio/jobs/{job}/clips/{clip}/trim", {"nudge": "end:+0.5"}),
            (f"/studio/jobs/{job}/rerender", {}),
            (f"/studio/jobs/{job}/clips", {"start": "1", "end": "5"}),
        ):
            assert http.post(path, data={**data, "csrf_token": "x"}).status_code == 401, path
        # A forged cookie, and a real signed token of another kind (a media link's), are none.
        for forged in ("garbage", _media_token(studio)):
            http.cookies.set("podclip_studio", forged, path="/studio")
            assert http.get("/studio/jobs").status_code == 303


def _media_token(studio: Studio) -> str:
    headers = {"Authorization": f"Bearer {studio.acme_key}"}
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        clip = http.get(f"/v1/clips/{studio.clip_ids[0]}", headers=headers).json()
    url = clip["renders"][0]["url"]
    return str(url.rsplit("/", 1)[-1])


def test_the_session_cookie_is_httponly_samesite_strict_and_expires(studio: Studio) -> None:
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        page = http.get("/studio/login")
        token = CSRF.search(page.text)
        assert token
        done = http.post(
            "/studio/login", data={"api_key": studio.acme_key, "csrf_token": token.group(1)}
        )
    cookie = next(
        v for k, v in done.headers.multi_items() if k == "set-cookie" and "podclip_studio=" in v
    )
    lowered = cookie.lower()
    assert "httponly" in lowered and "samesite=strict" in lowered and "max-age=" in lowered
    assert "path=/studio" in lowered
    assert studio.acme_key not in cookie


def test_a_wrong_key_and_a_login_without_its_csrf_token_are_refused(studio: Studio) -> None:
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        refused = http.post("/studio/login", data={"api_key": studio.acme_key})
        assert refused.status_code == 403
        token = CSRF.search(http.get("/studio/login").text)
        assert token
        wrong = http.post(
            "/studio/login", data={"api_key": "clk_live_" + "x" * 32, "csrf_token": token.group(1)}
        )
        assert wrong.status_code == 303 and "error=" in wrong.headers["location"]
        assert "podclip_studio" not in http.cookies


def test_forms_refuse_a_missing_or_another_sessions_csrf_token(studio: Studio) -> None:
    job, clip = studio.job_id, studio.clip_ids[0]
    path = f"/studio/jobs/{job}/clips/{clip}/review"
    with _login(studio, studio.acme_key) as mine, _login(studio, studio.acme_key) as other:
        theirs = _csrf(other, f"/studio/jobs/{job}")
        ours = _csrf(mine, f"/studio/jobs/{job}")
        assert theirs != ours
        assert mine.post(path, data={"action": "approve"}).status_code == 403
        assert mine.post(path, data={"action": "approve", "csrf_token": ""}).status_code == 403
        assert mine.post(path, data={"action": "approve", "csrf_token": theirs}).status_code == 403
        forged = ours[:-4] + ("0000" if not ours.endswith("0000") else "1111")
        assert mine.post(path, data={"action": "approve", "csrf_token": forged}).status_code == 403
        clip_state = mine.get(f"/studio/jobs/{job}").text
        assert f'data-review="{clip}">unreviewed' in clip_state
        ok = mine.post(path, data={"action": "approve", "csrf_token": ours})
        assert ok.status_code == 303
        assert f'data-review="{clip}">approved' in mine.get(f"/studio/jobs/{job}").text


def test_another_account_and_another_environment_see_nothing(studio: Studio) -> None:
    job, clip = studio.job_id, studio.clip_ids[1]
    for key in (studio.globex_key, studio.acme_test_key):
        with _login(studio, key) as http:
            csrf = _csrf(http, "/studio/jobs")
            assert job not in http.get("/studio/jobs").text
            assert http.get(f"/studio/jobs/{job}").status_code == 404
            assert http.get(f"/studio/jobs/{job}/transcript").status_code == 404
            assert http.get(f"/studio/jobs/{job}/export.zip").status_code == 404
            review = http.post(
                f"/studio/jobs/{job}/clips/{clip}/review",
                data={"action": "reject", "csrf_token": csrf},
            )
            assert review.status_code == 404
        headers = {"Authorization": f"Bearer {key}"}
        with httpx.Client(base_url=studio.server.base_url, timeout=30, headers=headers) as api:
            for prefix in ("/v1", "/api/v1"):
                answers = (
                    api.get(f"{prefix}/clips/{clip}"),
                    api.patch(f"{prefix}/clips/{clip}", json={"end": 12.0}),
                    api.post(f"{prefix}/clips/{clip}/review", json={"action": "reject"}),
                    api.post(f"{prefix}/jobs/{job}/clips", json={"start": 1, "end": 5}),
                    api.post(f"{prefix}/jobs/{job}/rerender"),
                    api.get(f"{prefix}/jobs/{job}/export", params={"approved": "true"}),
                )
                for answer in answers:
                    assert answer.status_code == 404, answer.text
                    assert answer.json()["error"]["code"] == "not_found"
    with _login(studio, studio.acme_key) as owner:
        assert f'data-review="{clip}">unreviewed' in owner.get(f"/studio/jobs/{job}").text


def test_a_revoked_key_ends_its_sessions(studio: Studio) -> None:
    key = studio.server.cli("keys", "create", "--env", "live", "--name", "short-lived")
    plaintext = key.strip().splitlines()[-1]
    with _login(studio, plaintext) as http:
        assert http.get("/studio/jobs").status_code == 200
        with studio.server.db() as db:
            key_id = db.execute("SELECT id FROM api_keys WHERE name = 'short-lived'").fetchone()[0]
        studio.server.cli("keys", "revoke", key_id)
        assert http.get("/studio/jobs").status_code == 303


def test_a_login_link_logs_in_once(studio: Studio) -> None:
    link = (
        studio.server.cli(
            "studio", "--print-link", "--account", "acme", "--url", studio.server.base_url
        )
        .strip()
        .splitlines()[-1]
    )
    assert link.startswith(f"{studio.server.base_url}/studio/login/")
    path = link[len(studio.server.base_url) :]
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        first = http.get(path)
        assert first.status_code == 303 and "podclip_studio" in http.cookies
        assert studio.job_id in http.get("/studio/jobs").text
    with httpx.Client(base_url=studio.server.base_url, timeout=30) as http:
        assert http.get(path).status_code == 404
        assert http.get(path[:-2] + "xx").status_code == 404


def test_hostile_titles_show_names_and_transcript_words_are_escaped_on_every_page(
    studio: Studio,
) -> None:
    job = studio.job_id
    with _login(studio, studio.acme_key) as http:
        pages = {
            "jobs": http.get("/studio/jobs"),
            "filtered": http.get("/studio/jobs", params={"show": f"Show {HOSTILE}"}),
            "board": http.get(f"/studio/jobs/{job}"),
            "transcript": http.get(f"/studio/jobs/{job}/transcript"),
            "error": http.get(f"/studio/jobs/{job}", params={"error": HOSTILE, "msg": HOSTILE}),
            "login": http.get("/studio/login", params={"error": HOSTILE}),
        }
    for name, page in pages.items():
        assert page.status_code == 200, name
        text = page.text
        for hostile in (HOSTILE, HOSTILE_WORD):
            assert hostile not in text, name
        assert "<script>" not in text.replace('<script src="/studio/static/studio.js"', "")
        csp = page.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "default-src 'none'" in csp
    # Shown, as text (Jinja's escaping, as a browser would decode it back).
    assert str(escape(f"Episode {HOSTILE}")) in pages["board"].text
    assert str(escape(f"Show {HOSTILE}")) in pages["jobs"].text
    assert str(escape(HOSTILE_WORD)) in pages["transcript"].text
    assert str(escape(HOSTILE_WORD)) in pages["board"].text
