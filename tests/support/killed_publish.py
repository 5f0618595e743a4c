"""Publish a job's rows and SIGKILL this process half-way, after some inserts but before COMMIT.

Usage: python -m tests.support.killed_publish JOB_ID
"""

from __future__ import annotations

import os
import signal
import sys

import podclip.store.clips as clips_module
from podclip.core.settings import get_settings
from tests.support.seed import make_batch


def main(job_id: str) -> None:
    real_insert = clips_module._insert

    def insert_then_die(conn, table, rows):  # type: ignore[no-untyped-def]
        real_insert(conn, table, rows)
        if table == "clips":
            os.kill(os.getpid(), signal.SIGKILL)

    clips_module._insert = insert_then_die
    clips_module.publish(get_settings(), make_batch(job_id))


if __name__ == "__main__":
    main(sys.argv[1])
