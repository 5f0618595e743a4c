"""Moment types the classifier predicts and the coarse categories the API reports.

`MOMENT_TYPES` are the eight clip types the product exposes; the classifier has one more label,
`none`, for talk that is not a shareable moment (small talk, logistics, filler). A clip always
reports a real moment type; `none` only appears in `type_probabilities` and in evaluation.
"""

from __future__ import annotations

NONE_LABEL = "none"

MOMENT_TYPES: tuple[str, ...] = (
    "bold_prediction",
    "contrarian_take",
    "emotional_story",
    "how_to",
    "quotable_one_liner",
    "host_guest_debate",
    "strong_opinion",
    "founder_reveal",
)

# The classifier's output order: the eight types, then `none`.
LABELS: tuple[str, ...] = (*MOMENT_TYPES, NONE_LABEL)

CATEGORY_BY_TYPE: dict[str, str] = {
    "bold_prediction": "Bold/Contrarian",
    "contrarian_take": "Bold/Contrarian",
    "strong_opinion": "Bold/Contrarian",
    "emotional_story": "Story/Emotional",
    "how_to": "Educational/How-To",
    "quotable_one_liner": "Quotable",
    "host_guest_debate": "Debate",
    "founder_reveal": "Insider/Reveal",
    NONE_LABEL: "Other",
}

# Human names used at the start of a clip's `reason`.
DISPLAY_NAME: dict[str, str] = {
    "bold_prediction": "Bold prediction",
    "contrarian_take": "Contrarian take",
    "emotional_story": "Emotional story",
    "how_to": "How-to",
    "quotable_one_liner": "Quotable one-liner",
    "host_guest_debate": "Host-guest debate",
    "strong_opinion": "Strong opinion",
    "founder_reveal": "Founder reveal",
    NONE_LABEL: "General talk",
}
