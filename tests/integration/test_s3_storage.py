"""Media and the lake's data files on an S3-compatible server (moto over real HTTP, loopback).

A real pipeline run of the bundled sample with ``s3://`` media and lake URLs puts sources,
renders and Parquet files in the bucket, and the API serves the clips from there.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from podclip.core.settings import Settings
from podclip.store import lake
from podclip.store.media import MediaStore
from tests.e2e.helpers import run_api_server
from tests.support.prefect_api import with_session_api
from tests.support.s3server import S3Server, run_s3_server

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[S3Server]:
    with run_s3_server(tmp_path_factory.mktemp("moto") / "moto.log") as server:
        yield server


@pytest.fixture
def s3_env(s3: S3Server, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name, value in s3.env.items():
        monkeypatch.setenv(name, value)
    return s3.env


def test_media_store_writes_each_key_once(s3: S3Server, s3_env: dict[str, str], tmp_path: Path):
    settings = Settings(data_root=tmp_path / "data")
    store = MediaStore.from_settings(settings)
    assert not store.is_local and store.url_for("a/b.bin") == f"s3://{s3.bucket}/media/a/b.bin"
    first, second = tmp_path / "first.bin", tmp_path / "second.bin"
    first.write_bytes(b"first")
    second.write_bytes(b"second")
    key = "scratch/test-once.bin"
    assert store.put(first, key) == f"s3://{s3.bucket}/media/{key}"
    store.put(second, key)  # the key exists: nothing is rewritten
    body = s3.client().get_object(Bucket=s3.bucket, Key=f"media/{key}")["Body"].read()
    assert body == b"first"
    # The conditional write the store relies on when two writers race past the exists check.
    with pytest.raises(FileExistsError):
        store.fs.put_file(str(second), store.full_path(key), mode="create")
    assert s3.client().get_object(Bucket=s3.bucket, Key=f"media/{key}")["Body"].read() == b"first"
    assert store.local_path(key).read_bytes() == b"first"


@pytest.mark.slow
def test_pipeline_writes_to_s3_and_api_serves_clips(
    s3: S3Server, tmp_path: Path, sample_episode: Path, prefect_harness: None
) -> None:
    data_root = tmp_path / "data"
    env = {
        **os.environ,
        **s3.env,
        "PODCLIP_DATA_ROOT": str(data_root),
        "PODCLIP_ALLOW_PRIVATE_URLS": "1",
        "PODCLIP_SCORING__CLIP_COUNT": "2",
        "PODCLIP_SCORING__MIN_CLIPS": "1",
        "PODCLIP_SCORING__MAX_CLIPS": "2",
    }
    result = subprocess.run(
        # One platform (one file a clip): this test is about where files go, not presets.
        [sys.executable, "-m", "tests.support.run_job", str(sample_episode), "", "tiktok"],
        env=with_session_api(env),
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["status"] == "complete", result.stderr[-4000:]

    sources = s3.keys("media/sources/")
    renders = [k for k in s3.keys("media/renders/") if k.endswith(".mp4")]
    assert len(sources) == 1 and sources[0].endswith(".mp3")
    assert renders
    assert not (data_root / "media").exists(), "media went to the local disk"
    # DuckLake keeps inserts of up to 10 rows inline in its catalog; flushing them (what an
    # operator's compaction does) must write Parquet into the bucket, nowhere else.
    settings = Settings(
        data_root=data_root,
        lake_data_url=s3.env["PODCLIP_LAKE_DATA_URL"],
        s3_endpoint=s3.endpoint,
    )
    with pytest.MonkeyPatch.context() as patch:
        for name, value in s3.env.items():
            patch.setenv(name, value)
        with lake.connect(settings) as conn:
            conn.execute("CALL ducklake_flush_inlined_data('lake')")
            files = [
                r[0] for r in conn.execute("FROM ducklake_list_files('lake', 'clips')").fetchall()
            ]
    assert files and all(f.startswith(f"s3://{s3.bucket}/lake/") for f in files)
    assert any(k.startswith("lake/main/clips/") for k in s3.keys("lake/"))
    assert not list((data_root / "lake").rglob("*.parquet"))

    overrides = {k: env[k] for k in s3.env} | {"PODCLIP_ALLOW_PRIVATE_URLS": "1"}
    with run_api_server(data_root, **overrides) as server:
        headers = server.headers("live")
        clips = httpx.get(
            server.url(f"/v1/jobs/{outcome['job_id']}/clips"), headers=headers, timeout=30
        )
        assert clips.status_code == 200, clips.text
        listed = clips.json()["clips"]
        assert listed
        media = httpx.get(listed[0]["media_url"], timeout=60)
        assert media.status_code == 200 and media.headers["content-type"] == "video/mp4"
        stored = {
            s3.client().get_object(Bucket=s3.bucket, Key=k)["Body"].read()[:4096] for k in renders
        }
        assert media.content[4:8] == b"ftyp" and media.content[:4096] in stored


def test_upload_in_object_storage_is_fetched_from_the_store(
    s3: S3Server, s3_env: dict[str, str], data_root: Path, sample_episode: Path
) -> None:
    from podclip.core.settings import get_settings
    from podclip.store.media import sha256_file
    from podclip.tasks.fetch import download_media

    store = MediaStore.from_settings(get_settings())
    sha = sha256_file(sample_episode)
    url = store.put(sample_episode, f"uploads/{sha}.mp3")
    assert url.startswith("s3://") and store.key_of(url) == f"uploads/{sha}.mp3"

    source = download_media.fn(url)

    assert source.sha256 == sha and source.original_name == f"{sha}.mp3"
    assert store.exists(source.key) and source.key == f"sources/{sha}.mp3"
