"""Process set-up that must happen before Prefect or the models are imported."""

from __future__ import annotations

import os

from podclip.core.filemodes import restrict_files
from podclip.core.settings import Settings

# Seconds a fresh ephemeral Prefect server may take to start (Prefect's default is 20).
EPHEMERAL_STARTUP_TIMEOUT_S = 180


def environment_defaults(settings: Settings) -> dict[str, str]:
    """The variables every podclip process sets unless its environment already has them."""
    return {
        "PREFECT_RESULTS_PERSIST_BY_DEFAULT": "true",
        "PREFECT_TASKS_DEFAULT_PERSIST_RESULT": "true",
        "PREFECT_LOCAL_STORAGE_PATH": str(settings.prefect_results_dir),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "WARNING",
        # A fresh ephemeral server (`podclip demo`, `podclip run` without PREFECT_API_URL)
        # creates and migrates its database before it answers. Prefect waits 20 s of its own
        # polling, which a loaded 2-core machine overran: the installed-wheel demo failed so in a
        # full test run.
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": str(EPHEMERAL_STARTUP_TIMEOUT_S),
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "TOKENIZERS_PARALLELISM": "false",
    }


def prepare_environment(settings: Settings) -> None:
    """Point Prefect's result storage at the data root and keep every model offline."""
    restrict_files(settings)
    for name, value in environment_defaults(settings).items():
        os.environ.setdefault(name, value)
