"""`ParsedLines`: each line parsed once by spaCy's real pipeline, within a bounded cache."""

from __future__ import annotations

from spacy.tokens import Doc

from podclip.scoring.parsed_lines import ParsedLines


def test_each_line_is_parsed_once_and_the_cache_starts_afresh_past_its_limit() -> None:
    parsed: list[str] = []

    def read(doc: Doc) -> int:
        parsed.append(doc.text)
        return sum(t.pos_ == "NOUN" for t in doc)

    lines = ParsedLines(read, limit=3)
    first = lines.warm(["The dog ate the bone.", "Cats sleep.", "The dog ate the bone."])
    assert first == {"The dog ate the bone.": 2, "Cats sleep.": 1}
    assert lines.get("Cats sleep.") == 1 and lines.get("") == 0
    assert parsed == ["The dog ate the bone.", "Cats sleep.", ""]
    # Two new lines would pass the limit of 3: the cache is cleared and keeps what was asked.
    lines.warm(["Birds fly south.", "Cats sleep."])
    assert parsed[3:] == ["Birds fly south.", "Cats sleep."]
    lines.get("Birds fly south.")
    lines.forget()
    lines.get("Birds fly south.")
    assert parsed[5:] == ["Birds fly south."]
