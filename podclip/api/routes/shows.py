"""How a show's ranking learned from its reviews, for agents (issue 18; the studio's
``/studio/shows/{name}`` shows the same). ``clips:read``; a show with no job of the key's
account and environment is 404, as another account's is. The work is in
:mod:`podclip.api.learning`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from podclip.api import learning
from podclip.api.deps import ClipsRead, SettingsDep, StoresDep
from podclip.api.errors import ApiError
from podclip.api.routes import ERROR_RESPONSES

router = APIRouter(tags=["shows"], responses=ERROR_RESPONSES)

ShowName = Annotated[str, PathParam(min_length=1, max_length=200, description="A show's name.")]


class MovedFeature(BaseModel):
    """A feature of the show model and its weight (log-odds of approval per standard
    deviation of the feature: positive means the producer approves more of it)."""

    feature: str = Field(description="Feature id, e.g. p_emotional_story or length_s.")
    name: str = Field(description="Its human name, e.g. Emotional story or clip length (s).")
    weight: float


class Approval(BaseModel):
    """Reviewed clips and the share approved (0-1; null when none)."""

    reviewed: int
    approval_rate: float | None


class BeforeAfter(BaseModel):
    """Clips made before the show's first active fit, and re-ranked clips made since."""

    learning_since: datetime | None
    before: Approval
    after: Approval


class Fit(BaseModel):
    """One stored fit of the show's model."""

    fitted_at: datetime
    reviews: int = Field(description="Verdicts the fit used.")
    approval_rate: float
    active: bool
    moved: list[MovedFeature]


class ShowLearning(BaseModel):
    """A show's learned ranking: verdicts, approval before and after, what moved, its fits."""

    object: str = "show_learning"
    show: str
    enabled: bool = Field(description="PODCLIP_LEARNING__ENABLED.")
    active: bool = Field(description="The show's clips are re-ranked by its model.")
    reviewed: int = Field(description="Approved or rejected pipeline clips of the show.")
    approved: int
    min_reviews: int
    reviews_needed: int = Field(description="More verdicts before learning takes over.")
    approval: BeforeAfter
    moved: list[MovedFeature] = Field(description="The latest fit's largest weights.")
    history: list[Fit] = Field(description="Every fit, oldest first.")


# ``:path``: a show name may hold a "/" (sent as %2F, decoded before routing).
@router.get(
    "/shows/{name:path}/learning",
    response_model=ShowLearning,
    summary="How a show's ranking learned",
)
def get_show_learning(
    name: ShowName, key: ClipsRead, settings: SettingsDep, stores: StoresDep
) -> dict[str, Any]:
    """Approval of the show's reviewed clips before and after its ranking learned, the
    features that moved most, every fit, and how many more reviews learning needs."""
    found = learning.show_learning(settings, stores.engine, key, name)
    if found is None:
        raise ApiError(404, "not_found", f"No show named {name!r}.", param="name")
    return found
