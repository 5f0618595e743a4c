"""Stage keys: one content identity per task call feeds its cache, lock and storage keys.

A stage's key is Prefect's ``TASK_SOURCE`` (the task's own source, decorator included) combined
with :class:`StageInputs`: the content identity of every input (records by their
``cache_identity()``, see ``podclip.core.identity``) and the source of the helper functions
that shape the output. Editing the task or a named helper changes the key, so there are no
version constants to bump by hand. :func:`stage_key` computes the very key Prefect caches
under, for use as a lock name and as a storage path.
"""

from __future__ import annotations

import hashlib
import importlib
import importlib.util
import inspect
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from prefect.cache_policies import TASK_SOURCE, CachePolicy, CompoundCachePolicy
from prefect.context import TaskRunContext

from podclip.core.identity import canonical, digest


def content_key(stage: str, *parts: object) -> str:
    """Stable sha256 over a stage name and JSON-able parts."""
    blob = json.dumps([stage, *parts], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


@dataclass
class StageInputs(CachePolicy):
    """Key over the content identity of a task's inputs and the source of its helpers.

    ``exclude`` names inputs that cannot change the output; ``helpers`` names functions (or
    modules) whose source the output also depends on: a plain name is looked up in the
    task's module, a dotted name is a module imported by that name.
    """

    exclude: tuple[str, ...] = ()
    helpers: tuple[str, ...] = ()

    def compute_key(
        self,
        task_ctx: TaskRunContext,
        inputs: dict[str, Any],
        flow_parameters: dict[str, Any],
        **kwargs: Any,
    ) -> str | None:
        if task_ctx is None:
            return None
        fn = task_ctx.task.fn
        bound = inspect.signature(fn).bind_partial(**(inputs or {}))
        bound.apply_defaults()
        values = {
            name: canonical(value)
            for name, value in bound.arguments.items()
            if name not in self.exclude
        }
        return digest(
            {"task": task_ctx.task.name, "inputs": values, "helpers": _helpers(fn, self.helpers)}
        )


def stage_policy(*, exclude: tuple[str, ...] = (), helpers: tuple[str, ...] = ()) -> CachePolicy:
    """The cache policy of a stage: :class:`StageInputs` combined with ``TASK_SOURCE``."""
    return StageInputs(exclude=exclude, helpers=helpers) + TASK_SOURCE


def stage_key(task: Any, **inputs: Any) -> str:
    """The key Prefect caches ``task(**inputs)`` under; also its lock name and storage key."""
    policy = _stage_policy_of(task)
    key = policy.compute_key(
        task_ctx=SimpleNamespace(task=task),  # type: ignore[arg-type]
        inputs=inputs,
        flow_parameters={},
    )
    if key is None:
        raise ValueError(f"task {task.name} has no stage key")
    return key


def _stage_policy_of(task: Any) -> CachePolicy:
    # A task built with persist_result=False reports NO_CACHE; the declared policy is kept too.
    for policy in (task.cache_policy, getattr(task, "_user_cache_policy", None)):
        if isinstance(policy, CompoundCachePolicy) and any(
            isinstance(p, StageInputs) for p in policy.policies
        ):
            return policy
    raise TypeError(f"task {task.name} was not declared with stage_policy()")


@lru_cache(maxsize=8)
def package_identity(package: str, suffixes: tuple[str, ...] = (".py", ".json", ".npz")) -> str:
    """sha256 over a package's code and model files (not its training data or caches).

    For stages whose output comes from a whole package (``podclip.scoring``): any change to
    its code or weights changes the key, with no version to bump.
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"{package} is not a package")
    root = Path(next(iter(spec.submodule_search_locations)))
    found = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root)
        if not path.is_file() or path.suffix not in suffixes or rel.parts[0] in _SKIP_DIRS:
            continue
        found.update(str(rel).encode() + b"\0" + path.read_bytes() + b"\0")
    return found.hexdigest()


_SKIP_DIRS = ("__pycache__", "data")


def _helpers(fn: Callable[..., Any], names: tuple[str, ...]) -> dict[str, str]:
    """Source hashes of names in the task's module, or of whole modules (dotted names)."""
    return {
        name: _source_hash(importlib.import_module(name) if "." in name else fn.__globals__[name])
        for name in names
    }


@lru_cache(maxsize=256)
def _source_hash(obj: Any) -> str:
    # Cached per object: source files do not change under a running process that imported them.
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()
