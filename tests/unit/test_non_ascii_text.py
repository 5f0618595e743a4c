"""Non-ASCII transcripts keep their letters through the text that ships with a clip.

Hook, reason, pull quote, chapter titles, key quotes and the caption script are built from
transcript words; Spanish, German and Russian sentences must come out with "é", "ß", "ñ" and
Cyrillic intact (not cut at the first non-ASCII letter, not dropped as "no word").
"""

# Cyrillic letters that look like Latin ones are the point of these strings.
# ruff: noqa: RUF001

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
import pytest

from podclip.core.presets import PRESETS
from podclip.scoring.chapters import key_phrases, tokens
from podclip.scoring.cues import sentence_cues
from podclip.scoring.explain import explain, make_hook
from podclip.scoring.labels import LABELS
from podclip.scoring.shownotes import ShowNotesOptions, build_show_notes_markdown
from podclip.scoring.text import encodable, words_of
from podclip.scoring.types import ScoredMoment, Segment, Word
from podclip.scoring.windows import build_sentences
from podclip.tasks.captions import ClipOverlay, build_ass
from tests.support.text_doubles import bag_embed, timed_segments

SPANISH = [
    "Bueno, empezamos.",
    "Mañana José García abrirá la pequeña panadería de su familia en Málaga.",
    "Él dice que el éxito depende de la paciencia y del café.",
]
GERMAN = [
    "Also, los geht's.",
    "Die Bäckerei in der Königstraße öffnet früh, weil Jürgen Müller das so möchte.",
    "Größere Städte brauchen mehr Straßen für Fahrräder.",
]
RUSSIAN = [
    "Ну, начнём.",
    "Завтра Иван Петров откроет маленькую пекарню своей семьи в Москве.",
    "Он говорит, что успех зависит от терпения и хорошего кофе.",
]
LANGUAGES = {"es": SPANISH, "de": GERMAN, "ru": RUSSIAN}
# The reason's own English frame around the quoted line.
_REASON_FRAME = (
    "One speaker reveals how the business works talks leaning towards a founder reveal about "
    "and with from inside company the money a number"
)


def _explain(sentences: list[str], moment_type: str = "founder_reveal") -> tuple[str, str, str]:
    cues = [sentence_cues(s) for s in sentences]
    row = np.full(len(LABELS), 0.2 / (len(LABELS) - 1))
    row[LABELS.index(moment_type)] = 0.8
    probs = np.tile(row, (len(sentences), 1))
    e = explain(moment_type, sentences, cues, probs, probs[0], ["A"] * len(sentences))
    return e.reason, e.hook, e.pull_quote


def _letters(text: str) -> list[str]:
    """Words as runs of letters in any script (what must survive unchanged)."""
    return re.findall(r"[^\W\d_]+", text)


def test_word_tokens_keep_every_script() -> None:
    assert words_of("Königstraße öffnet früh") == ["königstraße", "öffnet", "früh"]
    assert words_of("Él dice: ¿qué pasa?") == ["él", "dice", "qué", "pasa"]
    assert words_of("Привет, как дела?") == ["привет", "как", "дела"]
    assert tokens("Königstraße, Καλημέρα κόσμε") == ["Königstraße", "Καλημέρα", "κόσμε"]


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_hook_reason_and_quote_keep_the_sentence_whole(language: str) -> None:
    sentences = LANGUAGES[language]
    reason, hook, quote = _explain(sentences)
    long_line = sentences[1]
    # The hook is one whole sentence of the clip, every word and letter intact.
    assert hook in sentences[1:], hook
    assert quote in sentences
    # The reason quotes its key line verbatim (trailing period dropped).
    assert long_line.rstrip(".") in reason or sentences[2].rstrip(".") in reason, reason
    # Every word shown is a whole word of the clip (not "Stra" of "Straße") or the frame's.
    allowed = set(_letters(" ".join(sentences))) | set(_REASON_FRAME.split())
    for word in _letters(hook + " " + reason):
        assert word in allowed, word


def test_reason_names_accented_people_whole() -> None:
    sentences = [
        "Hoy hablamos con José García sobre su panadería.",
        "José García empezó con una receta de su abuela y hoy vende mil panes al día.",
        "Para José García lo importante es la calidad.",
    ]
    reason, _, _ = _explain(sentences)
    assert "about José García" in reason, reason


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_make_hook_keeps_every_word(language: str) -> None:
    line = LANGUAGES[language][1]
    assert make_hook(line) == line


def test_chapter_phrases_keep_accents_and_cyrillic() -> None:
    texts = [
        "Die Königstraße ist lang. Auf der Königstraße fahren Fahrräder.",
        "Москва большая. В Москве много пекарен, и каждая пекарня печёт хлеб.",
    ]
    phrases = key_phrases(texts)
    assert "Königstraße" in phrases[0], phrases
    assert phrases[1], "a Cyrillic chapter has key phrases too"
    for text, row in zip(texts, phrases, strict=True):
        whole_words = {w.lower() for w in _letters(text)}
        for phrase in row:
            assert set(phrase.lower().split()) <= whole_words, phrase


def _segments(sentences: Sequence[str], seconds_each: float = 6.0) -> list[Segment]:
    return timed_segments(sentences, seconds_each)


def test_show_notes_keep_quotes_and_titles_intact() -> None:
    sentences = GERMAN[1:] * 4 + RUSSIAN[1:] * 4
    segments = _segments(sentences)
    quote = RUSSIAN[2]
    at = 8 * 6.0 + 6.0  # where the second Russian sentence's first word is spoken
    moment = ScoredMoment(
        start=at - 3.0,
        end=at + 6.0,
        text=quote,
        moment_type="strong_opinion",
        category="opinion",
        shareability_score=0.9,
        reason="",
        hook=quote,
        pull_quote=quote,
    )
    notes = build_show_notes_markdown(
        segments, [moment], bag_embed, "Straßen und Пекарни", options=ShowNotesOptions()
    )
    assert notes.startswith("# Straßen und Пекарни")
    # The quote verbatim, at the time its first words are spoken (not the moment's start).
    assert f"00:{int(at):02d} “{quote}”" in notes, notes
    source = {w.lower() for w in _letters(" ".join([*sentences, "Straßen und Пекарни"]))}
    for word in _letters(notes):
        assert word.isascii() or word.lower() in source, word


def test_caption_script_carries_the_letters() -> None:
    words = tuple(Word(i * 0.5, i * 0.5 + 0.4, w) for i, w in enumerate(["Ça", "déjà", "vu"]))
    vertical = PRESETS["vertical"]
    script = build_ass(
        words,
        clip_start=0.0,
        clip_end=2.0,
        width=vertical.width,
        height=vertical.height,
        preset=vertical,
        overlay=ClipOverlay(headline="Привет, как дела — Καλημέρα κόσμε"),
    )
    assert "ÇA" in script and "DÉJÀ" in script  # the default style is upper case
    # The headline is wrapped into rows (\\N) at spaces: every word is there as written.
    for word in ["Привет,", "как", "дела", "—", "Καλημέρα", "κόσμε"]:
        assert word in script, word


def test_lone_surrogates_become_replacement_characters() -> None:
    assert encodable("plain ascii") == "plain ascii"
    assert encodable("déjà vu") == "déjà vu"
    assert encodable("a\ud800b\udfff") == "a\ufffdb\ufffd"
    words = (Word(0.0, 0.5, "broken\ud83d", 0.7), Word(0.5, 1.0, "word."))
    sentence = build_sentences([Segment(0.0, 1.0, "broken\ud83d word.", words)])[0]
    assert sentence.text == "broken\ufffd word."
    assert sentence.words[0].probability == 0.7
    untimed = build_sentences([Segment(0.0, 1.0, "no \udc80 times.")])[0]
    assert untimed.text.encode("utf-8") == "no \ufffd times.".encode()
