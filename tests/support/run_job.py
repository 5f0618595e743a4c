"""Run one job in a fresh process (its own ephemeral Prefect) and print its task states as JSON.

Usage: python -m tests.support.run_job SOURCE [SHOW_NAME] [PLATFORM,PLATFORM...]
"""

from __future__ import annotations

import json
import sys

from podclip.core.runtime import prepare_environment
from podclip.core.settings import get_settings


def main(source: str, show_name: str | None = None, platforms: str | None = None) -> None:
    settings = get_settings()
    prepare_environment(settings)
    from podclip.cli.common import migrate_stores
    from podclip.core.sources import source_for
    from podclip.flows.episode import process_episode
    from podclip.store import ops
    from tests.support.task_states import task_states

    # An engine never migrates: the stack's start (``podclip migrate``) does, so this does too.
    migrate_stores(settings)
    engine = ops.engine_for(settings.resolved_database_url)
    kind, url = source_for(source)
    options = {"platforms": platforms.split(",")} if platforms else {}
    job = ops.create_job(
        engine, source_type=kind, source_url=url, show_name=show_name or None, options=options
    )
    process_episode(job.id)
    job = ops.get_job(engine, job.id)
    print(
        json.dumps(
            {"job_id": job.id, "status": job.status, "states": task_states(str(job.flow_run_id))}
        )
    )


if __name__ == "__main__":
    main(*sys.argv[1:4])
