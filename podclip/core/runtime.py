"""Process set-up that must happen before Prefect or the models are imported."""

from __future__ import annotations

import os

from podclip.core.filemodes import restrict_files
from podclip.core.settings import Settings


def prepare_environment(settings: Settings) -> None:
    """Point Prefect's result storage at the data root and keep every model offline."""
    restrict_files(settings)
    os.environ.setdefault("PREFECT_RESULTS_PERSIST_BY_DEFAULT", "true")
    os.environ.setdefault("PREFECT_TASKS_DEFAULT_PERSIST_RESULT", "true")
    os.environ.setdefault("PREFECT_LOCAL_STORAGE_PATH", str(settings.prefect_results_dir))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
