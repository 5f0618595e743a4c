"""A show's learned ranking for a job: refit on the show's reviews, then re-rank its moments.

`fit_show_ranking` reads the show's verdicts from the lake and stores a refit when they
changed (``podclip.store.preferences``); `for_show` puts an active adjustment into the job's
moments record, so it becomes part of ``score_moments``'s cache identity: a new verdict that
changes the fit re-scores the next run, while a show still below ``min_reviews`` keeps the
generic ranking and its cache.
"""

from __future__ import annotations

import dataclasses
import logging

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from podclip.core.errors import StoreError
from podclip.core.settings import LearningSettings, get_settings
from podclip.scoring.preferences import ShowAdjustment
from podclip.store import preferences
from podclip.tasks.moments import MomentOptions
from podclip.tasks.retry import retry_unless_permanent

logger = logging.getLogger(__name__)


@task(
    name="fit_show_ranking",
    cache_policy=NO_CACHE,
    persist_result=False,
    retries=1,
    retry_condition_fn=retry_unless_permanent,
)
def fit_show_ranking(account_id: str, show_name: str) -> ShowAdjustment | None:
    """The show's adjustment fitted on its reviews so far (None: nothing reviewed yet)."""
    adjustment = preferences.refit(get_settings(), account_id, show_name)
    if adjustment is not None:
        get_run_logger().info(
            "show %r: %d reviewed clips, approval %.0f%%, learned ranking %s",
            show_name,
            adjustment.reviews,
            100 * adjustment.approval_rate,
            "active" if adjustment.active else f"waits for {adjustment.min_reviews}",
        )
    return adjustment


def for_show(
    options: MomentOptions, learning: LearningSettings, account_id: str, show_name: str | None
) -> MomentOptions:
    """``options`` with the show's active adjustment, or unchanged (no show, off, too few)."""
    if not learning.enabled or not show_name:
        return options
    try:
        adjustment = fit_show_ranking(account_id, show_name)
    except StoreError as exc:
        # Learning only improves the order; a lake that cannot be read must not fail the job.
        logger.warning("show %r: generic ranking (%s)", show_name, exc)
        return options
    if adjustment is None or not adjustment.active:
        return options
    return dataclasses.replace(
        options, show_adjustment=adjustment, pool_factor=learning.pool_factor
    )
