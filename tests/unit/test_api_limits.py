"""The JSON depth scan: brackets inside strings and escapes don't count; real nesting does."""

from __future__ import annotations

import json

from podclip.api.limits import json_problem


def test_depth_within_the_limit_is_fine() -> None:
    body = json.dumps({"a": [[{"b": [1, 2, {"c": "x"}]}]]}).encode()
    assert json_problem(body, 8) is None


def test_too_deep_is_refused_without_recursion() -> None:
    body = b"[" * 100_000 + b"]" * 100_000
    problem = json_problem(body, 32)
    assert problem is not None and "deeper than 32" in problem


def test_brackets_and_escaped_quotes_inside_strings_do_not_count() -> None:
    text = '[[[[ {{{{ \\" ]]]] \\\\'
    body = json.dumps({"title": text, "more": ["\\", '"[']}).encode()
    assert json.loads(body)["title"] == text
    assert json_problem(body, 3) is None


def test_not_json_is_reported_when_parsing_is_asked() -> None:
    assert json_problem(b'{"a": 1', 32) == "The body is not valid JSON."
    assert json_problem(b'{"a": 1', 32, parse=False) is None
