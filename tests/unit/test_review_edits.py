"""Pure parts of the review API: word snapping, caption fixes as an overlay, manual clip text."""

from __future__ import annotations

import pytest

from podclip.scoring.types import Word
from podclip.store import corrections
from podclip.store.clip_edits import CAPTION_STYLES, InvalidSpan, manual_clip_id, snap_span
from podclip.store.corrections import Correction, IndexedWord, InvalidCorrection
from podclip.tasks.captions import CAPTION_STYLES as DRAWN_STYLES
from podclip.tasks.span_score import sentences_of

WORDS = [IndexedWord(i, float(i), i + 0.8, f" w{i}") for i in range(20)]


def test_the_api_offers_exactly_the_styles_the_renderer_draws() -> None:
    assert set(CAPTION_STYLES) == set(DRAWN_STYLES)


def test_a_new_span_snaps_to_the_nearest_word_boundaries() -> None:
    assert snap_span(WORDS, 2.3, 7.1) == (2.0, 6.8)
    assert snap_span(WORDS, 2.6, 7.5) == (3.0, 7.8)


def test_a_moved_bound_snaps_in_the_direction_it_moved() -> None:
    # +0.5 s from a word's end reaches the next word's end, never back to the same one.
    assert snap_span(WORDS, 2.0, 7.3, current=(2.0, 6.8)) == (2.0, 7.8)
    assert snap_span(WORDS, 2.0, 6.3, current=(2.0, 6.8)) == (2.0, 5.8)
    assert snap_span(WORDS, 1.5, 6.8, current=(2.0, 6.8)) == (1.0, 6.8)
    assert snap_span(WORDS, 2.5, 6.8, current=(2.0, 6.8)) == (3.0, 6.8)
    # Past the last word: the last boundary.
    assert snap_span(WORDS, 2.0, 99.0, current=(2.0, 6.8)) == (2.0, 19.8)


@pytest.mark.parametrize(("start", "end"), [(5.0, 5.0), (6.0, 5.0), (5.0, 5.3)])
def test_empty_reversed_or_too_short_spans_are_refused(start: float, end: float) -> None:
    with pytest.raises(InvalidSpan):
        snap_span(WORDS, start, end)


def test_fixes_replace_the_word_keep_its_space_and_mark_it() -> None:
    fixed = corrections.apply(WORDS, {3: Correction(3, "w3", "Kubernetes")})
    assert fixed[3].text == " Kubernetes" and fixed[3].corrected
    assert fixed[2] == WORDS[2]


def test_a_fix_names_its_word_by_index_or_by_time() -> None:
    assert corrections.locate(WORDS, {"index": 4}).index == 4
    assert corrections.locate(WORDS, {"time": 4.5}).index == 4
    assert corrections.locate(WORDS, {"time": 4.9}).index == 5  # between words: the nearest
    for bad in ({"index": 20}, {"index": "x"}, {}, {"time": "soon"}):
        with pytest.raises(InvalidCorrection):
            corrections.locate(WORDS, bad)
    for text in ("", "   ", "two\nlines", "x" * 101):
        with pytest.raises(InvalidCorrection):
            corrections.clean_text(text)


def test_show_notes_get_whole_word_replacements_only() -> None:
    notes = "Quote: we use Cuba Nettie's, not Cuba Netties2."
    fixes = [Correction(1, "Nettie's,", "Kubernetes")]
    assert (
        corrections.replace_in_text(notes, fixes)
        == "Quote: we use Cuba Kubernetes, not Cuba Netties2."
    )


def test_manual_clip_ids_are_stable_per_job_and_span() -> None:
    assert manual_clip_id("job_a", 1.0, 2.0) == manual_clip_id("job_a", 1.0, 2.0)
    assert manual_clip_id("job_a", 1.0, 2.0) != manual_clip_id("job_b", 1.0, 2.0)
    assert manual_clip_id("job_a", 1.0, 2.0).startswith("clip_")


def test_a_hand_picked_passage_is_cut_into_sentences_for_the_classifier() -> None:
    words = (Word(0.0, 0.4, " Hello"), Word(0.5, 0.9, " there."), Word(1.0, 1.4, " Next"))
    assert sentences_of(words) == (("Hello there.", "Next"), (0.0, 1.0))
