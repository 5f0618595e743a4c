"""What the studio shows of how a show learned: ``history`` and ``approval_before_after``.

Real lake under the test's data root; clips and verdicts seeded as the review API writes them
(tests/support/learning_seed), fits made by ``refit`` itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from podclip.core.settings import LearningSettings, get_settings
from podclip.store import preferences
from tests.support.learning_seed import seed_reviewed_clips

pytestmark = pytest.mark.slow  # a lake transaction per step: seconds each

ACCOUNT = "acct_default"
SHOW = "Learning Show"


def test_history_lists_each_changed_fit_oldest_first(data_root: Path) -> None:
    settings = get_settings()
    learning = LearningSettings(min_reviews=6)
    seed_reviewed_clips(
        settings, account_id=ACCOUNT, show=SHOW, job_id="job_a", prefix="a",
        verdicts=[True, False, True, False],
    )  # fmt: skip
    preferences.refit(settings, ACCOUNT, SHOW, learning)
    seed_reviewed_clips(
        settings, account_id=ACCOUNT, show=SHOW, job_id="job_b", prefix="b",
        verdicts=[True, True, False, True],
    )  # fmt: skip
    preferences.refit(settings, ACCOUNT, SHOW, learning)
    preferences.refit(settings, ACCOUNT, SHOW, learning)  # nothing new: no new row

    fits = preferences.history(settings, ACCOUNT, SHOW)
    assert [f["reviews"] for f in fits] == [4, 8]
    assert [f["active"] for f in fits] == [False, True]
    assert [f["approval_rate"] for f in fits] == [0.5, 0.625]
    assert fits[0]["fitted_at"] < fits[1]["fitted_at"]
    weights = {m["feature"]: m["weight"] for m in fits[1]["moved"]}
    # The producer approves stories and rejects predictions.
    assert weights["p_emotional_story"] > 0 > weights["p_bold_prediction"]
    latest = preferences.latest(settings, ACCOUNT, SHOW)
    assert latest is not None
    assert fits[1]["moved"] == [{"feature": f, "weight": w} for f, w in latest.moved()]
    assert preferences.history(settings, "acct_other", SHOW) == []
    assert preferences.history(settings, ACCOUNT, "Another Show") == []


def test_approval_before_after_splits_at_the_first_active_fit(data_root: Path) -> None:
    settings = get_settings()
    seed_reviewed_clips(
        settings, account_id=ACCOUNT, show=SHOW, job_id="job_a", prefix="a",
        verdicts=[True, False, False, True, False, False],
    )  # fmt: skip
    unfitted = preferences.approval_before_after(settings, ACCOUNT, SHOW)
    assert unfitted["learning_since"] is None
    assert unfitted["before"] == {"reviewed": 6, "approval_rate": 0.333}
    assert unfitted["after"] == {"reviewed": 0, "approval_rate": None}

    # An inactive fit (too few reviews) is not learning: everything stays "before".
    preferences.refit(settings, ACCOUNT, SHOW, LearningSettings(min_reviews=10))
    assert preferences.approval_before_after(settings, ACCOUNT, SHOW) == unfitted

    preferences.refit(settings, ACCOUNT, SHOW, LearningSettings(min_reviews=6))
    seed_reviewed_clips(
        settings, account_id=ACCOUNT, show=SHOW, job_id="job_b", prefix="b",
        verdicts=[True, True, True, False],
    )  # fmt: skip
    preferences.refit(settings, ACCOUNT, SHOW, LearningSettings(min_reviews=6))

    split = preferences.approval_before_after(settings, ACCOUNT, SHOW)
    first_active = next(f for f in preferences.history(settings, ACCOUNT, SHOW) if f["active"])
    assert split["learning_since"] == first_active["fitted_at"]
    assert split["before"] == {"reviewed": 6, "approval_rate": 0.333}
    assert split["after"] == {"reviewed": 4, "approval_rate": 0.75}
    # Another account's verdicts on a show of the same name are not this account's.
    other = preferences.approval_before_after(settings, "acct_other", SHOW)
    assert other["before"]["reviewed"] == 0 and other["learning_since"] is None


def test_shows_counts_verdicts_and_fits_per_show(data_root: Path) -> None:
    settings = get_settings()
    seed_reviewed_clips(
        settings, account_id=ACCOUNT, show=SHOW, job_id="job_a", prefix="a",
        verdicts=[True, False, True],
    )  # fmt: skip
    seed_reviewed_clips(
        settings, account_id=ACCOUNT, show="Quiet Show", job_id="job_q", prefix="q",
        verdicts=[False],
    )  # fmt: skip
    preferences.refit(settings, ACCOUNT, SHOW, LearningSettings(min_reviews=3))

    shows = preferences.shows(settings, ACCOUNT)
    assert set(shows) == {SHOW, "Quiet Show"}
    assert {k: shows[SHOW][k] for k in ("reviewed", "approved", "fits", "active")} == {
        "reviewed": 3,
        "approved": 2,
        "fits": 1,
        "active": True,
    }
    assert shows["Quiet Show"]["fits"] == 0 and shows["Quiet Show"]["last_fitted_at"] is None
    assert preferences.shows(settings, "acct_other") == {}
