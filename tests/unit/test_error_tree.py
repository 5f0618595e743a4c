"""The error tree: one module holds every class, and its docstring's drawing cannot drift."""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from http import HTTPStatus
from pathlib import Path

import pytest

from podclip.core import errors
from podclip.core.errors import PodclipError

ROOT = Path(__file__).resolve().parents[2]
TREE_LINE = re.compile(r"^(?P<indent> *)- (?P<name>\w+) \((?P<code>[a-z_]+), (?P<status>\d{3})\)$")
CODE = re.compile(r"^[a-z][a-z0-9_]*[a-z0-9]$")
ROOTS = {PodclipError, errors.RetryableError, errors.PermanentError}
# Codes shared by classes that are not one family (a base that defines the code and its
# subclasses): the retryable and the permanent half of one download failure.
SHARED_CODES = {"download_failed": {errors.DownloadFailed, errors.DownloadInterrupted}}


def _all_classes() -> list[type[PodclipError]]:
    found: list[type[PodclipError]] = []
    todo: list[type[PodclipError]] = [PodclipError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return [c for c in found if c.__module__ == errors.__name__]


def _drawn_tree() -> dict[str, tuple[str | None, str, int]]:
    """Each drawn class name -> (drawn parent, code, status)."""
    drawn: dict[str, tuple[str | None, str, int]] = {}
    parents: list[str] = []
    for line in (errors.__doc__ or "").splitlines():
        match = TREE_LINE.match(line)
        if match is None:
            continue
        depth, rest = divmod(len(match["indent"]), 2)
        assert rest == 0 and depth <= len(parents), f"bad indent: {line!r}"
        del parents[depth:]
        assert match["name"] not in drawn, f"drawn twice: {match['name']}"
        drawn[match["name"]] = (
            parents[-1] if parents else None,
            match["code"],
            int(match["status"]),
        )
        parents.append(match["name"])
    return drawn


def test_the_docstring_draws_every_class_with_its_parent_code_and_status() -> None:
    classes = {c.__name__: c for c in _all_classes()}
    drawn = _drawn_tree()
    assert set(drawn) == set(classes)
    for name, (parent, code, status) in drawn.items():
        cls = classes[name]
        base = cls.__bases__[0]
        assert parent == (None if cls is PodclipError else base.__name__), name
        assert (code, status) == (cls.code, cls.status), name


@pytest.mark.parametrize("cls", _all_classes(), ids=lambda c: c.__name__)
def test_each_class_has_a_code_and_a_valid_http_status(cls: type[PodclipError]) -> None:
    assert CODE.match(cls.code), cls.code
    assert 400 <= cls.status <= 599 and cls.status in {s.value for s in HTTPStatus}
    assert len(cls.__bases__) == 1 and cls.__doc__
    if cls not in ROOTS:
        # Only the roots answer the generic code; every concrete error names itself.
        assert cls.code != PodclipError.code, cls.__name__


def test_a_code_is_shared_only_within_a_family_and_always_means_one_status() -> None:
    by_code: dict[str, set[type[PodclipError]]] = defaultdict(set)
    for cls in _all_classes():
        if cls not in ROOTS:
            by_code[cls.code].add(cls)
    for code, members in by_code.items():
        assert len({c.status for c in members}) == 1, code
        if len(members) == 1 or SHARED_CODES.get(code) == members:
            continue
        # The class that defines the code is the ancestor of every other class using it.
        owners = [c for c in members if "code" in vars(c)]
        assert len(owners) == 1 and all(issubclass(c, owners[0]) for c in members), code


def test_no_error_class_is_declared_outside_the_errors_module() -> None:
    names = {c.__name__ for c in _all_classes()}
    strays = []
    for folder in ("podclip", "flows", "tasks", "scoring", "deployments"):
        for path in (ROOT / folder).rglob("*.py"):
            if path == Path(errors.__file__).resolve() or "client" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef):
                    bases = {ast.unparse(b).rsplit(".", 1)[-1] for b in node.bases}
                    if bases & names:
                        strays.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert strays == []


def test_an_error_survives_pickling_with_its_code_param_and_extra_fields() -> None:
    import pickle

    error = errors.JobNotFound("No job with id 'j'.", param="starting_after")
    back = pickle.loads(pickle.dumps(error))
    assert (type(back), back.message, back.code, back.param) == (
        errors.JobNotFound,
        "No job with id 'j'.",
        "not_found",
        "starting_after",
    )
    rejected = pickle.loads(pickle.dumps(errors.FeedRejected("no", code="x_y", http_status=503)))
    assert (rejected.code, rejected.http_status, str(rejected)) == ("x_y", 503, "no")
