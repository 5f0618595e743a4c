"""Content identity of records: one stable sha256 per value, the same in every process.

A stage's cache key, its lock key and its storage key are all built from these identities
(see ``podclip.tasks.keys``). ``repr`` and ``hash`` are never used: ``repr`` changes with the
class's layout and ``hash`` of a string changes per process. A dataclass is identified by its
class name and fields; a field declared with ``metadata={IDENTITY: False}`` (threads, timeouts,
where a file lies) is left out because it cannot change the output. A ``Path`` is refused: a
path string says nothing about the bytes behind it.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import json
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

IDENTITY = "podclip.identity"
"""Field metadata key: ``field(metadata={IDENTITY: False})`` leaves a field out of identity."""

NOT_IDENTITY: Mapping[str, Any] = {IDENTITY: False}
"""Ready-made metadata for fields that cannot change a stage's output."""


def canonical(value: Any) -> Any:
    """A JSON-able form of ``value`` that depends only on its content."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        # repr of a float is the shortest round-trip form: the same on every platform.
        return {"float": repr(value)}
    if isinstance(value, enum.Enum):
        return canonical(value.value)
    if isinstance(value, PurePath):
        raise TypeError(f"refusing to identify a path ({value}): identify its content instead")
    own = getattr(value, "cache_identity", None)
    if callable(own) and not isinstance(value, type):
        return {"identity": own()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return _dataclass(value)
    if isinstance(value, Mapping):
        return {"map": sorted((str(k), canonical(v)) for k, v in value.items())}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if isinstance(value, set | frozenset):
        return {"set": sorted(json.dumps(canonical(v), sort_keys=True) for v in value)}
    if isinstance(value, bytes):
        return {"bytes": hashlib.sha256(value).hexdigest()}
    raise TypeError(f"no content identity for {type(value).__qualname__}")


def fields_identity(record: Any) -> str:
    """sha256 of a dataclass's class name and identity fields (ignores ``cache_identity``)."""
    return digest(_dataclass(record))


def identity_of(value: Any) -> str:
    """sha256 of ``value``'s canonical form."""
    return digest(canonical(value))


def digest(canonical_form: Any) -> str:
    """sha256 of an already canonical form, as JSON with sorted keys and no spaces."""
    blob = json.dumps(canonical_form, sort_keys=True, separators=(",", ":"), ensure_ascii=True)
    return hashlib.sha256(blob.encode()).hexdigest()


def _dataclass(record: Any) -> dict[str, Any]:
    parts = {
        f.name: canonical(getattr(record, f.name))
        for f in dataclasses.fields(record)
        if f.metadata.get(IDENTITY, True)
    }
    return {"type": type(record).__qualname__, "fields": parts}


class ContentIdentity:
    """Mixin for frozen dataclass records: ``cache_identity()`` over the identity fields."""

    __slots__ = ()

    def cache_identity(self) -> str:
        """sha256 of the record's class name and every field that can change an output."""
        return fields_identity(self)
