"""Lake writes of a re-render: the changed clips' rows, renders and caption files.

Publish replaces a whole job; a re-render replaces only the clips it rendered, in one DuckLake
transaction (readers see the old clip or the new one). A clip made by hand gets its first
``clips`` row here, with the episode facts copied from the job's other clips.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import duckdb

from podclip.core.records import RenderedClip
from podclip.core.settings import Settings
from podclip.scoring.types import ScoredMoment
from podclip.store import lake
from podclip.store.clips import ClipFile


@dataclass(frozen=True)
class ClipUpdate:
    """One re-rendered clip: its span and text, its files, and its moment when it is new."""

    clip_id: str
    start: float
    end: float
    transcript_text: str
    renders: Sequence[RenderedClip]
    files: Sequence[ClipFile]
    new_moment: ScoredMoment | None = None
    """Set for a clip made by hand: its first ``clips`` row is written from it."""


_NEW_CLIP = """
INSERT INTO clips (clip_id, job_id, source_sha256, rank, moment_type, category,
    shareability_score, reason, hook, pull_quote, start_seconds, end_seconds, duration_seconds,
    transcript_text, type_probabilities, scoring_model_version, transcription_model_id,
    created_at, show_name, episode_title, guest_name, episode_date)
SELECT ?, ?, ?, coalesce((SELECT max(rank) FROM clips WHERE job_id = ?), 0) + 1, ?, ?, ?, ?, ?,
    ?, ?, ?, ?, ?, MAP(?::VARCHAR[], ?::DOUBLE[]), ?, ?, ?, e.show_name, e.episode_title,
    e.guest_name, e.episode_date
FROM (SELECT any_value(show_name) AS show_name, any_value(episode_title) AS episode_title,
             any_value(guest_name) AS guest_name, any_value(episode_date) AS episode_date
      FROM clips WHERE job_id = ?) AS e
"""


def replace_clips(
    settings: Settings,
    job_id: str,
    source_sha256: str,
    transcription_model_id: str,
    updates: Sequence[ClipUpdate],
    show_notes: str | None = None,
) -> None:
    """Write ``updates`` (and the corrected ``show_notes`` body) in one lake transaction."""
    now = datetime.now(UTC)

    def write(conn: duckdb.DuckDBPyConnection) -> None:
        for u in updates:
            key = [u.clip_id, job_id]
            conn.execute("DELETE FROM renders WHERE clip_id = ? AND job_id = ?", key)
            conn.execute("DELETE FROM clip_files WHERE clip_id = ? AND job_id = ?", key)
            if u.new_moment is not None:
                m = u.new_moment
                conn.execute("DELETE FROM clips WHERE clip_id = ? AND job_id = ?", key)
                probs = m.type_probabilities
                conn.execute(
                    _NEW_CLIP,
                    [
                        u.clip_id,
                        job_id,
                        source_sha256,
                        job_id,
                        m.moment_type,
                        m.category,
                        float(m.shareability_score),
                        m.reason,
                        m.hook,
                        m.pull_quote,
                        u.start,
                        u.end,
                        u.end - u.start,
                        u.transcript_text,
                        list(probs),
                        [float(v) for v in probs.values()],
                        m.model_version or "manual",
                        transcription_model_id,
                        now,
                        job_id,
                    ],
                )
            else:
                conn.execute(
                    "UPDATE clips SET start_seconds = ?, end_seconds = ?, "
                    "duration_seconds = ?, transcript_text = ? "
                    "WHERE clip_id = ? AND job_id = ?",
                    [u.start, u.end, u.end - u.start, u.transcript_text, *key],
                )
            for r in u.renders:
                conn.execute(
                    "INSERT INTO renders (clip_id, job_id, preset, media_path, width, height, "
                    "duration_seconds, size_bytes, sha256, caption_style, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        *key,
                        r.preset,
                        r.path,
                        r.width,
                        r.height,
                        r.duration_seconds,
                        r.size_bytes,
                        r.sha256,
                        r.caption_style,
                        now,
                    ],
                )
            for f in u.files:
                conn.execute(
                    "INSERT INTO clip_files (clip_id, job_id, kind, media_path, sha256, "
                    "size_bytes, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [*key, f.kind, f.media_path, f.sha256, f.size_bytes, now],
                )
        if show_notes is not None:
            conn.execute(
                "UPDATE episode_outputs SET body = ? WHERE job_id = ? AND kind = 'show_notes'",
                [show_notes, job_id],
            )

    lake.write(settings, write)
