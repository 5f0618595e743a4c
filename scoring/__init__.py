"""podclip's moment classifier: candidate windows, moment types, shareability and clip text.

Pure Python plus numpy, with torch/transformers loaded lazily for the MiniLM embedder;
nothing here imports Prefect or the rest of podclip. See scoring/README.md.
"""

from scoring.classifier import MODEL_VERSION
from scoring.labels import CATEGORY_BY_TYPE, MOMENT_TYPES
from scoring.options import ScoringOptions
from scoring.scorer import score_episode, score_windows
from scoring.select import select_moments
from scoring.types import ScoredMoment, Segment, Window, Word
from scoring.windows import build_windows

__all__ = [
    "CATEGORY_BY_TYPE",
    "MODEL_VERSION",
    "MOMENT_TYPES",
    "ScoredMoment",
    "ScoringOptions",
    "Segment",
    "Window",
    "Word",
    "build_windows",
    "score_episode",
    "score_windows",
    "select_moments",
]
