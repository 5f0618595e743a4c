from __future__ import annotations

from podclip.core.records import Transcript
from podclip.scoring.types import Segment, Word
from podclip.tasks.keys import content_key


def test_content_key_is_stable_and_order_sensitive() -> None:
    assert content_key("s", 1, "a") == content_key("s", 1, "a")
    assert content_key("s", 1, "a") != content_key("s", "a", 1)
    assert content_key("s", {"b": 1, "a": 2}) == content_key("s", {"a": 2, "b": 1})


def test_transcript_identity_follows_words_not_object() -> None:
    seg = Segment(0.0, 1.0, "Hi there.", (Word(0.0, 0.4, "Hi"), Word(0.5, 1.0, "there.")))
    a = Transcript((seg,), "en", 1.0, "tiny.en")
    b = Transcript((seg,), "en", 1.0, "tiny.en")
    moved = Segment(0.0, 1.0, "Hi there.", (Word(0.0, 0.4, "Hi"), Word(0.6, 1.0, "there.")))
    assert a.cache_identity() == b.cache_identity()
    assert a.cache_identity() != Transcript((moved,), "en", 1.0, "tiny.en").cache_identity()
