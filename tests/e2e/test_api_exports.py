"""Exports over HTTP: the ZIP's contents and names, clips.csv, captions, editor timelines
(read back with OpenTimelineIO and its CMX 3600 and FCPXML adapters) and link expiry."""

from __future__ import annotations

import base64
import csv
import io
import json
import os
import re
import time
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path

import httpx
import opentimelineio as otio
import pytest

from podclip.core.settings import Settings
from podclip.store import signing
from tests.e2e.helpers import RELAXED, ApiServer, poll_job
from tests.support.seed_media import CLIPS, HOSTILE_TYPE, make_source, seed_media_job

pytestmark = pytest.mark.slow
RATE = 25  # the synthetic source's frame rate
SAFE = re.compile(r"[A-Za-z0-9._ -]+")


@pytest.fixture(scope="module")
def served(
    api_server_factory: Callable[..., AbstractContextManager[ApiServer]],
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[ApiServer, str]]:
    with api_server_factory(**RELAXED) as server:
        source = make_source(tmp_path_factory.mktemp("src") / "episode.mp4")
        job_id = seed_media_job(Settings(data_root=server.data_root), source)
        yield server, job_id


def _export(server: ApiServer, job_id: str, **body: str) -> dict[str, object]:
    response = httpx.post(
        server.url(f"/v1/jobs/{job_id}/export"),
        json=body,
        headers=server.headers("live"),
        timeout=60,
    )
    assert response.status_code == 200, response.text
    data: dict[str, object] = response.json()
    return data


def _download(url: object) -> httpx.Response:
    response = httpx.get(str(url), timeout=60)
    assert response.status_code == 200, response.text
    return response


@pytest.fixture(scope="module")
def archive(served: tuple[ApiServer, str]) -> zipfile.ZipFile:
    server, job_id = served
    data = _export(server, job_id, format="zip")
    response = _download(data["export_url"])
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    return zipfile.ZipFile(io.BytesIO(response.content))


def _spans() -> list[tuple[int, int]]:
    """(first frame, frame count) of each seeded clip in rank order."""
    ranked = sorted(CLIPS, key=lambda c: c.rank)
    return [(round(c.start * RATE), round(c.end * RATE) - round(c.start * RATE)) for c in ranked]


def test_zip_holds_clips_captions_csv_and_timelines_under_safe_names(
    archive: zipfile.ZipFile, tmp_path: Path
) -> None:
    names = archive.namelist()
    top = {n.split("/")[0] for n in names}
    assert len(top) == 1
    (folder,) = top
    assert folder.startswith("Evil_") and re.search(r" job_[0-9a-f]{24}$", folder), folder
    for name in names:
        parts = name.split("/")
        assert len(parts) == 2 and all(SAFE.fullmatch(p) for p in parts), name
        assert ".." not in name and "\\" not in name
        target = os.path.normpath(tmp_path / name)
        assert target.startswith(str(tmp_path) + os.sep)
    files = {n.split("/")[1] for n in names}
    assert {"clips.csv", "timeline.otio", "timeline.edl", "timeline.fcpxml"} <= files
    assert sum(f.endswith(".mp4") for f in files) == len(CLIPS)
    assert sum(f.endswith(".srt") for f in files) == sum(f.endswith(".vtt") for f in files) == 3
    hostile = [f for f in files if "clip_guest2" in f]
    assert hostile and all("script" in f and "<" not in f and "\n" not in f for f in hostile)
    mp4 = next(n for n in names if n.endswith(".mp4"))
    assert archive.read(mp4)[4:8] == b"ftyp"
    srt = archive.read(next(n for n in names if n.endswith(".srt"))).decode()
    assert (
        " --> " in srt
        and "WEBVTT" in archive.read(next(n for n in names if n.endswith(".vtt"))).decode()
    )
    archive.extractall(tmp_path)  # nothing lands outside tmp_path (checked above)
    assert (tmp_path / folder / "clips.csv").is_file()


def test_clips_csv_lists_every_clip_best_first_with_its_files(archive: zipfile.ZipFile) -> None:
    name = next(n for n in archive.namelist() if n.endswith("/clips.csv"))
    rows = list(csv.DictReader(io.StringIO(archive.read(name).decode())))
    assert [r["clip_id"] for r in rows] == [
        c.clip_id for c in sorted(CLIPS, key=lambda c: -c.score)
    ]
    files = {n.split("/")[1] for n in archive.namelist()}
    for row, spec in zip(rows, sorted(CLIPS, key=lambda c: -c.score), strict=True):
        assert float(row["start_seconds"]) == spec.start and float(row["end_seconds"]) == spec.end
        assert float(row["duration_seconds"]) == pytest.approx(spec.end - spec.start)
        assert {row["video_file"], row["srt_file"], row["vtt_file"]} <= files
        assert row["hook"] == spec.hook and row["pull_quote"] == "a quote"
    assert rows[2]["moment_type"] == HOSTILE_TYPE  # the text itself is kept, quoted by csv


def test_otio_timeline_cuts_the_source_at_each_clip(archive: zipfile.ZipFile) -> None:
    name = next(n for n in archive.namelist() if n.endswith("/timeline.otio"))
    timeline = otio.adapters.read_from_string(archive.read(name).decode(), "otio_json")
    video, audio = timeline.tracks
    assert video.kind == otio.schema.TrackKind.Video and audio.kind == otio.schema.TrackKind.Audio
    clips = list(video.find_clips())
    assert len(clips) == len(CLIPS) == len(list(audio.find_clips()))
    for clip, (first, count), spec in zip(
        clips, _spans(), sorted(CLIPS, key=lambda c: c.rank), strict=True
    ):
        assert clip.source_range.start_time == otio.opentime.RationalTime(first, RATE)
        assert clip.source_range.duration == otio.opentime.RationalTime(count, RATE)
        assert clip.metadata["podclip"]["clip_id"] == spec.clip_id
        assert clip.markers[0].name.startswith(spec.moment_type)
        # A relative name, never a server path (docs/security.md).
        assert clip.media_reference.target_url == "My Episode.mp4"
        assert clip.media_reference.name == "My Episode.mp4"


def test_edl_reads_back_with_the_cmx_3600_adapter(archive: zipfile.ZipFile) -> None:
    name = next(n for n in archive.namelist() if n.endswith("/timeline.edl"))
    text = archive.read(name).decode()
    assert text.startswith("TITLE: ") and "FCM: NON-DROP FRAME" in text
    timeline = otio.adapters.read_from_string(text, "cmx_3600", rate=RATE)
    clips = list(timeline.tracks[0].find_clips())
    assert len(clips) == len(CLIPS)
    for clip, (first, count) in zip(clips, _spans(), strict=True):
        assert clip.source_range.start_time.to_frames() == first
        assert clip.source_range.duration.to_frames() == count
        assert clip.media_reference.target_url == "My Episode.mp4"
        assert clip.name == "My Episode.mp4"


def test_fcpxml_is_a_19_project_over_the_source(archive: zipfile.ZipFile) -> None:
    name = next(n for n in archive.namelist() if n.endswith("/timeline.fcpxml"))
    text = archive.read(name).decode()
    root = ET.fromstring(text)
    assert root.tag == "fcpxml" and root.get("version") == "1.9"
    rep = root.find("./resources/asset/media-rep")
    assert rep is not None and rep.get("src") == "My Episode.mp4"
    spine = root.findall(".//spine/asset-clip")
    assert len(spine) == len(CLIPS)
    for element, (first, count) in zip(spine, _spans(), strict=True):
        assert element.get("start") == _fcp_time(first) and element.get("duration") == _fcp_time(
            count
        )
    timeline = otio.adapters.read_from_string(text, "fcpx_xml")
    read = list(timeline.find_clips())
    assert [c.source_range.start_time.to_frames() for c in read] == [f for f, _ in _spans()]


def _fcp_time(frames: int) -> str:
    from fractions import Fraction

    value = Fraction(frames, RATE)
    return f"{value.numerator}s" if value.denominator == 1 else f"{value}s"


@pytest.mark.parametrize("fmt", ["otio", "edl", "fcpxml"])
def test_single_timeline_export_matches_the_zipped_one(
    served: tuple[ApiServer, str], archive: zipfile.ZipFile, fmt: str
) -> None:
    server, job_id = served
    data = _export(server, job_id, format=fmt)
    assert data["format"] == fmt
    body = _download(data["export_url"]).content
    zipped = next(n for n in archive.namelist() if n.endswith(f"/timeline.{fmt}"))
    assert body == archive.read(zipped)


def test_expired_and_forged_export_links_are_refused(served: tuple[ApiServer, str]) -> None:
    server, job_id = served
    url = str(_export(server, job_id, format="zip")["export_url"])
    base, token = url.rsplit("/", 1)
    body = token.split(".")[0]
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    secret = (server.data_root / signing.SECRET_FILE).read_bytes().strip()
    payload.pop("exp")
    expired = signing.sign(secret, payload, expires_at=int(time.time()) - 5)
    refused = httpx.get(f"{base}/{expired}", timeout=30)
    assert refused.status_code == 404 and refused.json()["error"]["message"] == (
        "The link has expired."
    )
    fresh = signing.sign(secret, payload, expires_at=int(time.time()) + 60)
    assert httpx.get(f"{base}/{fresh}", timeout=30).status_code == 200
    assert httpx.get(url[:-4] + "AAAA", timeout=30).status_code == 404


def test_unknown_format_is_a_400(served: tuple[ApiServer, str]) -> None:
    server, job_id = served
    response = httpx.post(
        server.url(f"/v1/jobs/{job_id}/export"),
        json={"format": "../../zip"},
        headers=server.headers("live"),
        timeout=30,
    )
    assert response.status_code == 400 and response.json()["error"]["param"] == "format"


def test_sandbox_zip_holds_the_fixture_clips_and_timelines(
    api_server: ApiServer, client: httpx.Client
) -> None:
    headers = api_server.headers("test")
    body = {"source_url": "https://example.com/ep.mp4", "show_name": "Sandbox/../Show"}
    job = client.post("/v1/jobs", json=body, headers=headers).json()
    assert poll_job(client, str(job["id"]), headers, timeout=60)["status"] == "complete"
    export = client.post(f"/v1/jobs/{job['id']}/export", json={"format": "zip"}, headers=headers)
    assert export.status_code == 200, export.text
    names = zipfile.ZipFile(io.BytesIO(_download(export.json()["export_url"]).content)).namelist()
    assert all(n.startswith(f"Sandbox_._Show {job['id']}/") for n in names)
    assert sum(n.endswith(".mp4") for n in names) == 3
    assert {n.split("/")[1] for n in names if not n.endswith(".mp4")} == {
        "clips.csv", "timeline.otio", "timeline.edl", "timeline.fcpxml",
    }  # fmt: skip
