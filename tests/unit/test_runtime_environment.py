"""What every podclip process sets before Prefect or a model is imported."""

from __future__ import annotations

from pathlib import Path

from podclip.core.runtime import environment_defaults
from podclip.core.settings import Settings


def test_a_fresh_ephemeral_server_gets_more_than_prefects_twenty_seconds() -> None:
    defaults = environment_defaults(Settings(data_root=Path("/srv/podclip")))
    assert int(defaults["PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"]) >= 120


def test_results_live_under_the_data_root_and_models_stay_offline() -> None:
    defaults = environment_defaults(Settings(data_root=Path("/srv/podclip")))
    assert Path(defaults["PREFECT_LOCAL_STORAGE_PATH"]).is_relative_to("/srv/podclip")
    assert defaults["HF_HUB_OFFLINE"] == defaults["TRANSFORMERS_OFFLINE"] == "1"
    assert defaults["PREFECT_RESULTS_PERSIST_BY_DEFAULT"] == "true"
