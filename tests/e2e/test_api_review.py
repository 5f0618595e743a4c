"""The review API over HTTP (both prefixes): PATCH a clip, approve/reject, make a clip from a
passage, queue a re-render, export approved clips; every change a ``clip_reviews`` row.

The job is seeded straight into the server's stores (tests/support/studio_seed: 40 words, one
per second, 0.8 s long; three clips of 10 words). Rendering itself is covered by
tests/e2e/test_studio.py on a real pipeline run.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager

import httpx
import pytest

from podclip.core.settings import Settings
from podclip.store import reviews
from tests.e2e.helpers import PODCLIP, RELAXED, ApiServer
from tests.support.studio_seed import seed_review_job

pytestmark = pytest.mark.network


@pytest.fixture(scope="module")
def server(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
) -> Iterator[ApiServer]:
    with api_server_factory(**RELAXED) as started:
        yield started


@pytest.fixture
def seeded(server: ApiServer) -> tuple[str, list[str]]:
    return seed_review_job(server.data_root, title="Review test", show="Review Show")


def _api(server: ApiServer, prefix: str = "/v1", key: str | None = None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {key or server.key('live')}"}
    return httpx.Client(base_url=f"{server.base_url}{prefix}", headers=headers, timeout=30)


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_patch_trims_to_word_boundaries_in_the_direction_moved(
    server: ApiServer, seeded: tuple[str, list[str]], prefix: str
) -> None:
    job_id, clips = seeded
    with _api(server, prefix) as api:
        before = api.get(f"/clips/{clips[0]}").json()
        assert (before["start"], before["end"], before["render_status"]) == (0.0, 9.8, "current")
        # +1 s on the end reaches the end of the word after next (words end at n + 0.8 s).
        moved = api.patch(f"/clips/{clips[0]}", json={"end": 10.8})
        assert moved.status_code == 200, moved.text
        assert (moved.json()["end"], moved.json()["render_status"]) == (10.8, "pending")
        nudged = api.patch(f"/clips/{clips[0]}", json={"end": 11.3}).json()
        assert nudged["end"] == 11.8  # a +0.5 s nudge still reaches the next word's end
        start = api.patch(f"/clips/{clips[0]}", json={"start": 0.4}).json()["start"]
        assert start == 1.0
        refused = api.patch(f"/clips/{clips[0]}", json={"start": 11.5})
        assert refused.status_code == 400
        assert refused.json()["error"]["code"] == "invalid_span"
        unknown = api.patch(f"/clips/{clips[0]}", json={"colour": "red"})
        assert unknown.status_code == 400
        assert unknown.json()["error"]["param"] == "colour"
    events = reviews.for_job(Settings(data_root=server.data_root), job_id)
    trims = [e for e in events if e["action"] == "trim"]
    assert len(trims) == 3
    assert trims[0]["before_json"] == '{"end": 9.8, "start": 0.0}'
    assert trims[0]["after_json"] == '{"end": 10.8, "start": 0.0}'
    assert {e["moment_type"] for e in trims} == {"story"}
    assert {e["show_name"] for e in trims} == {"Review Show"}
    assert {e["api_key_id"] for e in trims} == {_key_id(server)}


def _key_id(server: ApiServer) -> str:
    with server.db() as db:
        row = db.execute("SELECT id FROM api_keys WHERE name = 'shared-live'").fetchone()
    return str(row[0])


def test_caption_fixes_by_index_and_time_mark_every_clip_holding_the_word(
    server: ApiServer, seeded: tuple[str, list[str]]
) -> None:
    job_id, clips = seeded
    with _api(server) as api:
        fixed = api.patch(
            f"/clips/{clips[0]}",
            json={"caption_fixes": [{"index": 3, "from": "word3", "to": "Kubernetes"}]},
        )
        assert fixed.status_code == 200, fixed.text
        by_time = api.patch(
            f"/clips/{clips[1]}", json={"caption_fixes": [{"time": 12.5, "to": "Postgres"}]}
        )
        assert by_time.status_code == 200, by_time.text
        stale = api.patch(
            f"/clips/{clips[0]}", json={"caption_fixes": [{"index": 3, "from": "word3", "to": "x"}]}
        )
        assert stale.status_code == 409
        assert stale.json()["error"]["code"] == "caption_word_mismatch"
        empty = api.patch(f"/clips/{clips[0]}", json={"caption_fixes": [{"index": 2, "to": " "}]})
        assert empty.status_code == 400
        assert empty.json()["error"]["code"] == "invalid_caption_fix"
        states = {c: api.get(f"/clips/{c}").json()["render_status"] for c in clips}
    assert states == {clips[0]: "pending", clips[1]: "pending", clips[2]: "current"}
    with server.db() as db:
        rows = db.execute(
            "SELECT word_index, from_text, to_text FROM transcript_corrections WHERE job_id = ? "
            "ORDER BY word_index",
            (job_id,),
        ).fetchall()
    assert [tuple(r) for r in rows] == [(3, "word3", "Kubernetes"), (12, "word12", "Postgres")]


@pytest.mark.parametrize("prefix", ["/v1", "/api/v1"])
def test_review_records_the_latest_verdict_and_the_approval_rate_query_counts_it(
    server: ApiServer, seeded: tuple[str, list[str]], prefix: str
) -> None:
    job_id, clips = seeded
    with _api(server, prefix) as api:
        for clip, action in ((clips[0], "reject"), (clips[0], "approve"), (clips[2], "reject")):
            answer = api.post(f"/clips/{clip}/review", json={"action": action, "reason": "why"})
            assert answer.status_code == 200, answer.text
        assert api.get(f"/clips/{clips[0]}").json()["review_status"] == "approved"
        bad = api.post(f"/clips/{clips[1]}/review", json={"action": "maybe"})
        assert bad.status_code == 400
        extra = api.post(f"/clips/{clips[1]}/review", json={"action": "approve", "x": 1})
        assert extra.status_code == 400
    settings = Settings(data_root=server.data_root)
    events = [e for e in reviews.for_job(settings, job_id) if e["action"] in ("approve", "reject")]
    assert [(e["clip_id"], e["action"], e["reason"]) for e in events] == [
        (clips[0], "reject", "why"),
        (clips[0], "approve", "why"),
        (clips[2], "reject", "why"),
    ]
    rates = {
        (r["moment_type"], r["score_band"]): (r["reviewed"], r["approved"])
        for r in reviews.approval_rates(settings)
        if r["show_name"] == "Review Show"
    }
    # This run's clips only add to earlier seeded jobs of the same show: at least these.
    assert rates[("story", 80)][1] >= 1 and rates[("prediction", 20)][0] >= 1


def test_create_clip_snaps_to_words_and_is_pending_until_rerendered(
    server: ApiServer, seeded: tuple[str, list[str]]
) -> None:
    job_id, _ = seeded
    with _api(server) as api:
        made = api.post(f"/jobs/{job_id}/clips", json={"start": 20.3, "end": 27.5})
        assert made.status_code == 201, made.text
        clip = made.json()
        assert (clip["start"], clip["end"], clip["manual"]) == (20.0, 27.8, True)
        assert clip["render_status"] == "pending" and clip["moment_type"] == "manual"
        again = api.post(f"/jobs/{job_id}/clips", json={"start": 20.1, "end": 27.6})
        assert again.json()["id"] == clip["id"]
        listed = api.get(f"/clips/{clip['id']}")
        assert listed.status_code == 200
        short = api.post(f"/jobs/{job_id}/clips", json={"start": 5.0, "end": 5.2})
        assert short.status_code == 400
        queued = api.post(f"/jobs/{job_id}/rerender")
        assert queued.status_code == 202, queued.text
        body = queued.json()
        assert body["queued"] is True and body["status"] == "queued"
        assert body["clip_ids"] == [clip["id"]]
        # The first request still waits: a second one is the same request, not a new run.
        second = api.post(f"/jobs/{job_id}/rerender").json()
        assert (second["id"], second["clip_ids"]) == (body["id"], [clip["id"]])
    events = reviews.for_job(Settings(data_root=server.data_root), job_id)
    assert [e["action"] for e in events] == ["create"]
    assert events[0]["manual"] is True


def test_export_approved_needs_approved_clips_and_the_flag(
    server: ApiServer, seeded: tuple[str, list[str]]
) -> None:
    job_id, _ = seeded
    with _api(server) as api:
        none = api.get(f"/jobs/{job_id}/export", params={"approved": "true"})
        assert none.status_code == 409
        assert none.json()["error"]["code"] == "no_approved_clips"
        assert api.get(f"/jobs/{job_id}/export").status_code == 400


def test_writes_need_jobs_create(server: ApiServer, seeded: tuple[str, list[str]]) -> None:
    _, clips = seeded
    reader = server.create_key("live", "clips:read", "jobs:read", name="reader")
    with _api(server, key=reader) as api:
        assert api.get(f"/clips/{clips[0]}").status_code == 200
        refused = api.post(f"/clips/{clips[0]}/review", json={"action": "approve"})
        assert refused.status_code == 403
        assert refused.json()["error"]["code"] == "insufficient_scope"


def test_the_api_never_imports_prefect() -> None:
    code = (
        "import sys, podclip.api.main; "
        "print(sorted(m for m in ('prefect', 'torch', 'transformers') if m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert out.stdout.strip() == "[]"


def test_docs_show_the_approval_rate_query_that_the_store_runs() -> None:
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parents[2] / "docs" / "analytics.md").read_text()
    section = text.split("\n## Review analytics (the studio)\n", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```sql\n(.*?)```", section, flags=re.S)
    assert [b.strip() for b in blocks] == [reviews.APPROVAL_RATES_SQL.format(where="").strip()]


def test_the_cli_reviews_and_makes_clips_through_the_api(
    server: ApiServer, seeded: tuple[str, list[str]]
) -> None:
    job_id, clips = seeded
    env = {**server.env, "PODCLIP_API_URL": server.base_url, "PODCLIP_API_KEY": server.key("live")}

    def podclip(*args: str) -> subprocess.CompletedProcess[str]:
        podclip_bin = str(PODCLIP)
        return subprocess.run(
            [podclip_bin, *args], env=env, capture_output=True, text=True, timeout=120
        )

    approved = podclip("review", clips[1], "--approve")
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.strip() == f"{clips[1]}: approved"
    assert podclip("review", clips[1]).returncode == 2  # neither --approve nor --reject
    made = podclip("clip-create", job_id, "30.2", "35.5")
    assert made.returncode == 0, made.stderr
    assert made.stdout.strip().endswith("30.00-35.80 s (pending)")
    missing = podclip("review", "clip_0000000000000000", "--reject")
    assert missing.returncode == 1 and "not_found" in missing.stderr
