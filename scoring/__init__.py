"""podclip's moment classifier: candidate windows, moment types, shareability and clip text.

Pure Python plus numpy, with torch/transformers loaded lazily for the MiniLM embedder;
nothing here imports Prefect or the rest of podclip. See scoring/README.md.
"""

from .classifier import MODEL_VERSION
from .labels import CATEGORY_BY_TYPE, MOMENT_TYPES
from .options import ScoringOptions
from .scorer import score_episode, score_windows
from .select import select_moments
from .types import ScoredMoment, Segment, Window, Word
from .windows import build_windows

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
