"""Lake writes and reads for one job's transcript, clips and renders.

A job is published in one DuckLake transaction that first deletes whatever that job wrote
before: readers see the old rows or the new ones, never half a job, and a rerun leaves no
duplicates.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import duckdb
import pyarrow as pa

from podclip.core.records import ClipPlan, RenderedClip, Transcript
from podclip.core.settings import Settings
from podclip.store import lake

WORD_TYPE = pa.struct(
    [
        ("start_seconds", pa.float64()),
        ("end_seconds", pa.float64()),
        ("word", pa.string()),
        ("probability", pa.float64()),
    ]
)


@dataclass(frozen=True)
class EpisodeOutput:
    """One per-episode output: ``show_notes`` (Markdown ``body``), ``trailer`` (``media_path``)."""

    kind: str
    media_path: str | None = None
    body: str | None = None
    sha256: str | None = None
    duration_seconds: float | None = None


@dataclass(frozen=True)
class ClipFile:
    """A file that belongs to one clip whatever its preset: ``srt`` or ``vtt`` captions."""

    clip_id: str
    kind: str
    media_path: str
    sha256: str
    size_bytes: int


@dataclass(frozen=True)
class EpisodeInfo:
    """The episode facts analysts group by (one ``episodes`` row per job); seconds, UTC."""

    show_name: str | None
    episode_title: str | None
    guest_name: str | None
    published_at: datetime | None
    """The feed item's date when the job came from a feed, else the job's creation time."""
    source_url: str | None
    source_type: str | None
    duration_seconds: float | None
    language: str | None


@dataclass(frozen=True)
class PublishBatch:
    """Everything one job writes to the lake."""

    job_id: str
    source_sha256: str
    transcript: Transcript
    plans: Sequence[ClipPlan]
    renders: Sequence[tuple[str, RenderedClip]]
    scoring_model_version: str
    outputs: Sequence[EpisodeOutput] = ()
    clip_files: Sequence[ClipFile] = ()
    episode: EpisodeInfo | None = None


TABLES = ("transcript_segments", "clips", "renders", "episode_outputs", "clip_files", "episodes")


def publish(settings: Settings, batch: PublishBatch) -> None:
    """Replace every row the job has in the lake's ``TABLES`` atomically."""
    now = datetime.now(UTC)
    segments = _segments_table(batch)
    clips = _clips_table(batch, now)
    renders = _renders_table(batch, now)
    outputs = _outputs_table(batch, now)
    files = _clip_files_table(batch, now)
    episodes = _episodes_table(batch, now)

    def write(conn: duckdb.DuckDBPyConnection) -> None:
        for table in TABLES:
            conn.execute(f"DELETE FROM {table} WHERE job_id = ?", [batch.job_id])
        _insert(conn, "transcript_segments", segments)
        _insert(conn, "clips", clips)
        _insert(conn, "renders", renders)
        _insert(conn, "episode_outputs", outputs)
        _insert(conn, "clip_files", files)
        _insert(conn, "episodes", episodes)

    lake.write(settings, write)


def _insert(conn: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    if rows.num_rows == 0:
        return
    conn.register("incoming", rows)
    try:
        columns = ", ".join(rows.column_names)
        conn.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM incoming")
    finally:
        conn.unregister("incoming")


def clips_for_job(settings: Settings, job_id: str) -> list[dict[str, Any]]:
    """The job's clips, best first, each with a ``renders`` list."""
    with lake.reader(settings) as conn:
        clips = _dicts(
            conn.execute(
                "SELECT * FROM clips WHERE job_id = ? ORDER BY shareability_score DESC, rank",
                [job_id],
            )
        )
        renders = _dicts(
            conn.execute("SELECT * FROM renders WHERE job_id = ? ORDER BY preset", [job_id])
        )
        files = _dicts(
            conn.execute("SELECT * FROM clip_files WHERE job_id = ? ORDER BY kind", [job_id])
        )
    by_clip: dict[str, list[dict[str, Any]]] = {}
    for render in renders:
        by_clip.setdefault(render["clip_id"], []).append(render)
    files_by_clip: dict[str, list[dict[str, Any]]] = {}
    for row in files:
        files_by_clip.setdefault(row["clip_id"], []).append(row)
    for clip in clips:
        clip["renders"] = by_clip.get(clip["clip_id"], [])
        clip["files"] = files_by_clip.get(clip["clip_id"], [])
    return clips


def language_for_job(settings: Settings, job_id: str) -> str | None:
    """The language the transcript was made in (detected or asked for), once published."""
    with lake.reader(settings) as conn:
        row = conn.execute(
            "SELECT language FROM episodes WHERE job_id = ? LIMIT 1", [job_id]
        ).fetchone()
    return None if row is None else row[0]


def outputs_for_job(settings: Settings, job_id: str) -> dict[str, dict[str, Any]]:
    """The job's per-episode outputs by kind (``show_notes``, ``trailer``, ...)."""
    with lake.reader(settings) as conn:
        rows = _dicts(
            conn.execute("SELECT * FROM episode_outputs WHERE job_id = ? ORDER BY kind", [job_id])
        )
    return {row["kind"]: row for row in rows}


def clip_files_for_job(settings: Settings, job_id: str) -> dict[str, list[dict[str, Any]]]:
    """The job's per-clip files (captions), by clip id."""
    with lake.reader(settings) as conn:
        rows = _dicts(
            conn.execute(
                "SELECT * FROM clip_files WHERE job_id = ? ORDER BY clip_id, kind", [job_id]
            )
        )
    by_clip: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_clip.setdefault(row["clip_id"], []).append(row)
    return by_clip


def transcript_for_job(settings: Settings, job_id: str) -> list[dict[str, Any]]:
    """The job's transcript segments in order (words included)."""
    with lake.reader(settings) as conn:
        return _dicts(
            conn.execute(
                "SELECT * FROM transcript_segments WHERE job_id = ? ORDER BY segment_index",
                [job_id],
            )
        )


def row_counts(settings: Settings, job_id: str | None = None) -> dict[str, int]:
    """Rows per lake table, for one job or all."""
    counts: dict[str, int] = {}
    with lake.reader(settings) as conn:
        for table in TABLES:
            if job_id is None:
                row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
            else:
                row = conn.execute(
                    f"SELECT count(*) FROM {table} WHERE job_id = ?", [job_id]
                ).fetchone()
            counts[table] = int(row[0]) if row else 0
    return counts


def _dicts(result: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    names = [d[0] for d in result.description or ()]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]


def _segments_table(batch: PublishBatch) -> pa.Table:
    segs = batch.transcript.segments
    return pa.table(
        {
            "job_id": [batch.job_id] * len(segs),
            "source_sha256": [batch.source_sha256] * len(segs),
            "segment_index": pa.array(range(len(segs)), pa.int32()),
            "start_seconds": [s.start for s in segs],
            "end_seconds": [s.end for s in segs],
            "speaker": pa.array([s.speaker for s in segs], pa.string()),
            "text": [s.text for s in segs],
            "words": pa.array(
                [
                    [
                        {
                            "start_seconds": w.start,
                            "end_seconds": w.end,
                            "word": w.text,
                            "probability": w.probability,
                        }
                        for w in s.words
                    ]
                    for s in segs
                ],
                pa.list_(WORD_TYPE),
            ),
            "model_id": [batch.transcript.model_label] * len(segs),
        }
    )


def _clips_table(batch: PublishBatch, now: datetime) -> pa.Table:
    plans = batch.plans
    moments = [p.moment for p in plans]
    return pa.table(
        {
            "clip_id": [p.clip_id for p in plans],
            "job_id": [batch.job_id] * len(plans),
            "source_sha256": [batch.source_sha256] * len(plans),
            "rank": pa.array([p.rank for p in plans], pa.int32()),
            "moment_type": [m.moment_type for m in moments],
            "category": [m.category for m in moments],
            "shareability_score": [float(m.shareability_score) for m in moments],
            "reason": [m.reason for m in moments],
            "hook": [m.hook for m in moments],
            "pull_quote": [m.pull_quote for m in moments],
            "start_seconds": [m.start for m in moments],
            "end_seconds": [m.end for m in moments],
            "duration_seconds": [m.end - m.start for m in moments],
            "transcript_text": [m.text for m in moments],
            "type_probabilities": pa.array(
                [list(m.type_probabilities.items()) for m in moments],
                pa.map_(pa.string(), pa.float64()),
            ),
            "scoring_model_version": [batch.scoring_model_version] * len(plans),
            "transcription_model_id": [batch.transcript.model_label] * len(plans),
            "created_at": pa.array([now] * len(plans), pa.timestamp("us", tz="UTC")),
            **_episode_columns(batch, len(plans)),
        }
    )


def _renders_table(batch: PublishBatch, now: datetime) -> pa.Table:
    clip_ids = [clip_id for clip_id, _ in batch.renders]
    renders = [render for _, render in batch.renders]
    return pa.table(
        {
            "clip_id": clip_ids,
            "job_id": [batch.job_id] * len(renders),
            "preset": [r.preset for r in renders],
            "media_path": [r.path for r in renders],
            "width": pa.array([r.width for r in renders], pa.int32()),
            "height": pa.array([r.height for r in renders], pa.int32()),
            "duration_seconds": [r.duration_seconds for r in renders],
            "size_bytes": pa.array([r.size_bytes for r in renders], pa.int64()),
            "sha256": [r.sha256 for r in renders],
            "caption_style": [r.caption_style for r in renders],
            "created_at": pa.array([now] * len(renders), pa.timestamp("us", tz="UTC")),
        }
    )


def _outputs_table(batch: PublishBatch, now: datetime) -> pa.Table:
    outs = batch.outputs
    return pa.table(
        {
            "job_id": [batch.job_id] * len(outs),
            "kind": [o.kind for o in outs],
            "media_path": pa.array([o.media_path for o in outs], pa.string()),
            "body": pa.array([o.body for o in outs], pa.string()),
            "sha256": pa.array([o.sha256 for o in outs], pa.string()),
            "duration_seconds": pa.array([o.duration_seconds for o in outs], pa.float64()),
            "created_at": pa.array([now] * len(outs), pa.timestamp("us", tz="UTC")),
        }
    )


def _clip_files_table(batch: PublishBatch, now: datetime) -> pa.Table:
    files = batch.clip_files
    return pa.table(
        {
            "clip_id": [f.clip_id for f in files],
            "job_id": [batch.job_id] * len(files),
            "kind": [f.kind for f in files],
            "media_path": [f.media_path for f in files],
            "sha256": [f.sha256 for f in files],
            "size_bytes": pa.array([f.size_bytes for f in files], pa.int64()),
            "created_at": pa.array([now] * len(files), pa.timestamp("us", tz="UTC")),
        }
    )


def _episodes_table(batch: PublishBatch, now: datetime) -> pa.Table:
    """The job's ``episodes`` row: its facts and the summary of its clips' scores."""
    e = batch.episode
    if e is None:
        return pa.table({"job_id": pa.array([], pa.string())})
    moments = [p.moment for p in batch.plans]
    scores = [float(m.shareability_score) for m in moments]
    best = max(batch.plans, key=lambda p: p.moment.shareability_score, default=None)
    row: dict[str, Any] = {
        "job_id": batch.job_id,
        "show_name": e.show_name,
        "episode_title": e.episode_title,
        "guest_name": _guest_name(batch),
        "published_at": e.published_at,
        "source_url": e.source_url,
        "source_type": e.source_type,
        "duration_seconds": e.duration_seconds,
        "language": e.language,
        "clip_count": len(scores),
        "mean_score": sum(scores) / len(scores) if scores else None,
        "max_score": max(scores, default=None),
        "min_score": min(scores, default=None),
        "top_moment_type": best.moment.moment_type if best else None,
        "best_clip_id": best.clip_id if best else None,
        "total_clip_seconds": sum(m.end - m.start for m in moments),
        "scoring_model_version": batch.scoring_model_version,
        "created_at": now,
    }
    return pa.Table.from_pylist([row], schema=EPISODES_SCHEMA)


EPISODES_SCHEMA = pa.schema(
    [
        ("job_id", pa.string()),
        ("show_name", pa.string()),
        ("episode_title", pa.string()),
        ("guest_name", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("source_url", pa.string()),
        ("source_type", pa.string()),
        ("duration_seconds", pa.float64()),
        ("language", pa.string()),
        ("clip_count", pa.int32()),
        ("mean_score", pa.float64()),
        ("max_score", pa.float64()),
        ("min_score", pa.float64()),
        ("top_moment_type", pa.string()),
        ("best_clip_id", pa.string()),
        ("total_clip_seconds", pa.float64()),
        ("scoring_model_version", pa.string()),
        ("created_at", pa.timestamp("us", tz="UTC")),
    ]
)


def _episode_columns(batch: PublishBatch, rows: int) -> dict[str, pa.Array]:
    """The episode facts copied onto each clip row, so ``clip_scores`` needs no join."""
    e = batch.episode
    day = e.published_at.astimezone(UTC).date() if e and e.published_at else None
    return {
        "show_name": pa.array([e.show_name if e else None] * rows, pa.string()),
        "episode_title": pa.array([e.episode_title if e else None] * rows, pa.string()),
        "guest_name": pa.array([_guest_name(batch)] * rows, pa.string()),
        "episode_date": pa.array([day] * rows, pa.date32()),
    }


def _guest_name(batch: PublishBatch) -> str | None:
    """The job's guest, else the one speaker identification put in the ``speakers`` output."""
    if batch.episode is not None and batch.episode.guest_name:
        return batch.episode.guest_name
    for output in batch.outputs:
        if output.kind != "speakers" or not output.body:
            continue
        try:
            found = json.loads(output.body).get("guest_name")
        except (ValueError, AttributeError):
            continue
        if isinstance(found, str) and found.strip():
            return found.strip()
    return None
