"""`podclip run` on a real episode's words, spoken by espeak-ng: no clip holds the ad read.

About six and a half minutes of rev16-train episode 29 (a talk show) around a labelled sponsor read
are spoken with a voice per speaker (the sample script's code), cached for the session, and
processed by the installed `podclip run` (transcription, diarization, scoring, rendering).
The labelled ad read's character span maps to audio seconds through the spoken turns'
known times; no selected clip may share more than 5 s with it (issue 13's bar).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.prefect_api import with_session_api
from tests.support.synth import char_to_seconds, espeak_available, read_turns, speak

pytestmark = pytest.mark.slow
REPO = Path(__file__).resolve().parents[2]
PODCLIP = str(Path(sys.executable).with_name("podclip"))
EPISODE = "rev16-train/29.turns.txt"
# Characters of the transcript spoken around the ad read (about 6.5 minutes at ~165 wpm).
BEFORE, AFTER = 2_000, 2_600
AD_LIMIT_S = 5.0


@pytest.fixture(scope="session")
def spoken_episode(
    shared_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[tuple[float, float]]]:
    """The spoken stretch (WAV) and the labelled ad reads inside it, in audio seconds."""
    if not espeak_available():
        pytest.skip("espeak-ng is not installed (apt-get install espeak-ng)")
    labels = [
        json.loads(line)
        for line in (REPO / "scoring/data/real/29.jsonl").read_text(encoding="utf-8").splitlines()
    ]
    ads = [r for r in labels if r.get("none_kind") == "ad" and r["file"] == EPISODE]
    # The sponsor read in the middle of the episode ("brought to you by our friends at ...").
    first = min((r for r in ads if r["offset"] > 20_000), key=lambda r: r["offset"])
    read = [r for r in ads if first["offset"] <= r["offset"] <= first["offset"] + 3_000]
    lo = first["offset"] - BEFORE
    hi = max(r["offset"] + r["length"] for r in read) + AFTER
    turns = read_turns(shared_data / "transcripts" / EPISODE, lo, hi)
    wav, timed = speak(turns, tmp_path_factory.mktemp("speech"))
    spans = [
        (char_to_seconds(timed, r["offset"]), char_to_seconds(timed, r["offset"] + r["length"]))
        for r in read
    ]
    return wav, spans


def test_podclip_run_picks_no_ad_read(
    spoken_episode: tuple[Path, list[tuple[float, float]]], data_root: Path, prefect_harness: None
) -> None:
    wav, ad_spans = spoken_episode
    assert ad_spans and all(b - a > 20 for a, b in ad_spans)
    # This test is about which clips are picked, not about pixels: the suite's 8 fps renders
    # (tests/conftest.py) are enough. The CLI talks to the session's Prefect API, as it would to
    # an operator's server (PREFECT_API_URL), instead of starting an ephemeral one.
    env = with_session_api(os.environ)
    run = subprocess.run(
        # One platform (one file per clip): this test is about which clips are picked.
        [PODCLIP, "run", str(wav), "--show", "RBP", "--platform", "TikTok"],
        capture_output=True,
        text=True,
        timeout=420,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    job = re.search(r"job (\S+)", run.stdout)
    assert job, run.stdout
    listed = subprocess.run(
        [PODCLIP, "clips", job.group(1), "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=True,
    )
    clips = json.loads(listed.stdout)["clips"]
    assert len(clips) >= 4
    # `--platform` reached the job: only TikTok's vertical file was rendered.
    assert {r["preset"] for c in clips for r in c["renders"]} == {"vertical"}
    for clip in clips:
        start, end = float(clip["start_seconds"]), float(clip["end_seconds"])
        shared = sum(max(0.0, min(end, b) - max(start, a)) for a, b in ad_spans)
        assert shared <= AD_LIMIT_S, (clip["hook"], start, end, ad_spans)
