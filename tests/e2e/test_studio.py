"""The producer studio in real headless Chromium, on a real pipeline run of the sample episode.

One pipeline run (tiktok only: one preset; four clips), then the whole review in the browser:
log in with the API key, open the job, approve two clips (a click and the ``a`` key after
``j``), reject one, trim one by +1 s, fix a caption word, re-render, download the approved ZIP.
Checked: the ZIP holds exactly the approved clips, the trimmed clip's new duration (probed
with PyAV), the fixed word in its SRT, and the ``clip_reviews`` rows. Screenshots of each page
go to ``<tmp>/screenshots``. The re-render runs in this process as the dispatcher would start it.
"""

from __future__ import annotations

import contextvars
import shutil
import threading
import time
import zipfile
from pathlib import Path

import av
import httpx
import pytest

from podclip.core.settings import get_settings
from podclip.store import reviews
from podclip.store.clips import clips_for_job
from tests.e2e.helpers import RELAXED, run_api_server
from tests.e2e.test_api_live import drain_standin
from tests.support.httpserver import serve

pytestmark = [pytest.mark.slow, pytest.mark.network]
CHROMIUM = Path("/usr/bin/chromium")
PIPELINE_TIMEOUT_SECONDS = 600
RERENDER_TIMEOUT_SECONDS = 300
FIXED_WORD = "Zanzibar"


def _run_rerenders(db_path: Path) -> list[str]:
    """Stand-in for the dispatcher: run ``rerender-clips`` for each queued request here."""
    import sqlite3

    from podclip.flows.rerender import rerender_clips

    with sqlite3.connect(db_path, timeout=30) as db:
        rows = db.execute("SELECT id FROM rerender_requests WHERE status = 'queued'")
        queued = [r[0] for r in rows]
    for request_id in queued:
        # Prefect's settings live in context variables: run in a copy of this context.
        context = contextvars.copy_context()
        worker = threading.Thread(target=context.run, args=(rerender_clips, request_id))
        worker.start()
        worker.join(timeout=RERENDER_TIMEOUT_SECONDS)
        assert not worker.is_alive(), "re-render still running"
    return queued


def _status(data_root: Path, job_id: str) -> str:
    import sqlite3

    with sqlite3.connect(data_root / "podclip.db", timeout=30) as db:
        return str(db.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()[0])


def _duration(path: Path) -> float:
    with av.open(str(path)) as container:
        assert container.duration is not None
        return float(container.duration / av.time_base)


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium (apt)")
def test_a_producer_reviews_a_real_job_in_the_browser(
    prefect_results: Path, data_root: Path, sample_episode: Path, tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = tmp_path / "screenshots"
    shots.mkdir()
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(sample_episode, served / "episode.mp3")
    with (
        serve(served) as media_host,
        run_api_server(data_root, **RELAXED) as api,
        httpx.Client(base_url=f"{api.base_url}/v1", timeout=60) as http,
    ):
        key = api.create_key("live", name="producer")
        headers = {"Authorization": f"Bearer {key}"}
        body = {
            "source_url": media_host.url("episode.mp3"),
            "show_name": "The Long Game",
            "platforms": ["tiktok"],
            "options": {"clip_count": 4},
        }
        submitted = http.post("/jobs", json=body, headers=headers)
        assert submitted.status_code == 202, submitted.text
        job_id = submitted.json()["id"]
        worker = drain_standin(job_id)
        deadline = time.monotonic() + PIPELINE_TIMEOUT_SECONDS
        while _status(api.data_root, job_id) not in ("complete", "failed"):
            assert time.monotonic() < deadline, "pipeline too slow"
            time.sleep(1)
        worker.join(timeout=30)
        assert _status(api.data_root, job_id) == "complete"
        # The board's order: best score first (as GET /v1/jobs/{id}/clips).
        clip_rows = clips_for_job(get_settings(), job_id)
        assert len(clip_rows) >= 3, clip_rows
        states = [http.get(f"/clips/{row['clip_id']}", headers=headers).json() for row in clip_rows]
        first, second, third = (s["id"] for s in states[:3])
        before = states[0]

        with sync_playwright() as pw:
            browser = pw.chromium.launch(
                executable_path=str(CHROMIUM),
                args=["--headless", "--no-sandbox", "--disable-gpu",
                      "--disable-background-networking"],
            )  # fmt: skip
            page = browser.new_context(accept_downloads=True).new_page()
            page.set_default_timeout(30_000)

            page.goto(f"{api.base_url}/studio")
            page.screenshot(path=shots / "1-login.png", full_page=True)
            page.get_by_label("API key").fill(key)
            page.get_by_role("button", name="Log in").click()
            expect(page.locator(f'[data-job-status="{job_id}"]')).to_have_text("complete")
            page.screenshot(path=shots / "2-jobs.png", full_page=True)

            page.locator(f'a.job-link[href="/studio/jobs/{job_id}"]').click()
            expect(page.locator("h1")).to_have_text(job_id)
            page.screenshot(path=shots / "3-board.png", full_page=True)

            # Approve the first with a click, the second with the keyboard (j, then a).
            page.locator(f"#{first} button.approve").click()
            expect(page.locator(f'[data-review="{first}"]')).to_have_text("approved")
            page.locator(f"#{first}").focus()
            page.keyboard.press("j")
            expect(page.locator(f"#{second}")).to_be_focused()
            page.keyboard.press("a")
            expect(page.locator(f'[data-review="{second}"]')).to_have_text("approved")
            page.locator(f"#{third} input[name=reason]").fill("misses the point")
            page.locator(f"#{third} button.reject").click()
            expect(page.locator(f'[data-review="{third}"]')).to_have_text("rejected")

            # Trim the first clip's end by +1 s (snapped forward to a word's end).
            page.get_by_label("End (s)").first.fill(f"{before['end'] + 1.0:.2f}")
            page.locator(f"#{first} button.set-span").click()
            expect(page.locator(f'[data-render="{first}"]')).to_have_text("render pending")
            trimmed = http.get(f"/clips/{first}", headers=headers).json()
            assert 1.0 <= trimmed["end"] - before["end"] < 4.0
            assert trimmed["start"] == before["start"]

            # Fix the third word of the first clip.
            word_select = page.locator(f"#word-{first}")
            option = word_select.locator("option").nth(2)
            word_index = int(option.get_attribute("value") or "0")
            word_select.select_option(str(word_index))
            page.locator(f"#to-{first}").fill(FIXED_WORD)
            page.locator(f"#{first}").get_by_role("button", name="Fix word").click()
            expect(page.locator(".note")).to_have_text("Saved.")
            page.screenshot(path=shots / "4-edited.png", full_page=True)

            page.locator("#rerender").click()
            expect(page.locator("#rerender-status")).to_contain_text("queued")
            assert len(_run_rerenders(data_root / "podclip.db")) == 1
            page.reload()
            expect(page.locator("#rerender-status")).to_contain_text("done")
            expect(page.locator(f'[data-render="{first}"]')).to_have_text("render current")
            page.screenshot(path=shots / "5-rerendered.png", full_page=True)

            page.get_by_role("link", name="Transcript").click()
            expect(page.locator(".transcript .w").first).to_be_visible()
            expect(page.locator(".transcript .w.fixed")).to_have_text(f" {FIXED_WORD}")
            page.screenshot(path=shots / "6-transcript.png", full_page=True)
            page.go_back()

            with page.expect_download() as download:
                page.locator("#export").click()
            archive = tmp_path / "approved.zip"
            download.value.save_as(archive)
            browser.close()

    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        mp4s = [n for n in names if n.endswith(".mp4")]
        assert len(mp4s) == 2, names
        assert any(first in n for n in mp4s) and any(second in n for n in mp4s)
        assert not any(third in n for n in names)
        assert any(n.endswith("clips.csv") for n in names)
        srt = next(n for n in names if first in n and n.endswith(".srt"))
        assert FIXED_WORD in zf.read(srt).decode()
        trimmed_mp4 = next(n for n in mp4s if first in n)
        zf.extract(trimmed_mp4, tmp_path / "unzipped")
    probed = _duration(tmp_path / "unzipped" / trimmed_mp4)
    assert probed == pytest.approx(trimmed["end"] - trimmed["start"], abs=0.15)
    assert probed == pytest.approx(before["duration"] + (trimmed["end"] - before["end"]), abs=0.15)

    events = reviews.for_job(get_settings(), job_id)
    actions = sorted((e["action"], e["clip_id"]) for e in events)
    assert actions == sorted(
        [("approve", first), ("approve", second), ("reject", third), ("trim", first),
         ("caption_fix", first)]
    )  # fmt: skip
    reject = next(e for e in events if e["action"] == "reject")
    assert reject["reason"] == "misses the point" and reject["show_name"] == "The Long Game"
    assert all(e["api_key_id"] and e["moment_type"] for e in events)
    assert sorted(p.name for p in shots.iterdir()) == [
        "1-login.png", "2-jobs.png", "3-board.png", "4-edited.png", "5-rerendered.png",
        "6-transcript.png",
    ]  # fmt: skip
