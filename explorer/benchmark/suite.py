"""A benchmark suite: a TOML file naming tasks, each with its target and step budget.

::

    name = "my suite"
    [tasks.valley]              # a built-in task as it is
    [tasks.rosenbrock]
    target = 1e-4               # a harder target
    steps = 2000
    [tasks.beale]               # a task of your own on any registered surface
    surface = "beale"
    target = 1e-3
    steps = 800

The built-in suites (``classroom``, ``lecture``) are such files in ``assets/benchmarks``. A name,
key or target the benchmark cannot use is refused with one sentence naming it, before any work.
"""

from __future__ import annotations

import difflib
import hashlib
import math
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from explorer.benchmark.tasks import NETS, TASKS, Task
from explorer.plugins import Registry
from explorer.user_files import read_bytes

BUILT_IN = ("classroom", "lecture")
TASK_KEYS = ("target", "steps", "surface", "noise", "batch", "sigma")
TOP_KEYS = ("name", "tasks")


class SuiteError(ValueError):
    """A suite that cannot be run: one sentence naming what is wrong."""


@dataclass(frozen=True)
class Suite:
    name: str
    tasks: tuple[Task, ...]
    digest: str  # what the tasks are, hashed: a stored study must come from the same suite

    def task(self, name: str) -> Task:
        return next(t for t in self.tasks if t.name == name)


def _hint(word: str, valid: list[str]) -> str:
    close = difflib.get_close_matches(word, valid, n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""


def load_suite(what: str, registry: Registry) -> Suite:
    """``classroom``, ``lecture`` or the path of a suite file."""
    if what in BUILT_IN:
        text = resources.files("explorer.assets").joinpath(f"benchmarks/{what}.toml").read_text()
        where = f"suite {what!r}"
    else:
        path = Path(what)
        if not path.is_file():
            what_is = "is a folder" if path.is_dir() else "is no such file"
            raise SuiteError(
                f"--suite {what} {what_is}; use classroom, lecture or a suite file (.toml)"
            )
        text = read_bytes(path, "suite file").decode("utf-8", errors="replace")
        where = str(path)
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise SuiteError(f"{where} is not valid TOML: {exc}") from None
    return parse_suite(data, where, registry, default_name=Path(what).stem)


def parse_suite(
    data: dict[str, Any], where: str, registry: Registry, default_name: str = "suite"
) -> Suite:
    for key in data:
        if key not in TOP_KEYS:
            raise SuiteError(
                f"{where}: unknown key {key!r}{_hint(key, list(TOP_KEYS))}; "
                "a suite has a name and [tasks.NAME] tables"
            )
    name = data.get("name", default_name)
    if not isinstance(name, str) or not name.strip():
        raise SuiteError(f"{where}: name must be a text")
    tables = data.get("tasks")
    if not isinstance(tables, dict) or not tables:
        raise SuiteError(f"{where} has no tasks; add [tasks.valley] or another task table")
    tasks = [_task(task_name, table, where, registry) for task_name, table in tables.items()]
    digest = hashlib.sha256(repr([t for t in tasks]).encode()).hexdigest()[:16]
    return Suite(name.strip(), tuple(tasks), digest)


def _task(name: str, table: Any, where: str, registry: Registry) -> Task:
    at = f"{where}, task {name!r}"
    if not isinstance(table, dict):
        raise SuiteError(f"{at}: a task is a table ([tasks.{name}])")
    for key in table:
        if key not in TASK_KEYS:
            raise SuiteError(
                f"{at}: unknown key {key!r}{_hint(key, list(TASK_KEYS))}; "
                f"valid: {', '.join(TASK_KEYS)}"
            )
    if name in TASKS and "surface" not in table:
        task = TASKS[name]
    elif "surface" in table:
        surface = table["surface"]
        if not isinstance(surface, str) or surface not in registry.surfaces:
            valid = sorted(registry.surfaces)
            raise SuiteError(
                f"{at}: unknown surface {surface!r}{_hint(str(surface), valid)}; "
                f"valid: {', '.join(valid)}"
            )
        if "target" not in table or "steps" not in table:
            raise SuiteError(f"{at}: a task of your own needs a target (a loss) and steps")
        task = Task(name, "surface", f"the {surface} surface", 0.0, 1, surface=surface)
    else:
        valid = sorted(TASKS)
        raise SuiteError(
            f"{at}: unknown task {name!r}{_hint(name, valid)}; use a built-in task "
            f"({', '.join(valid)}) or give a surface"
        )
    changes: dict[str, Any] = {}
    if "steps" in table:
        steps = table["steps"]
        if not isinstance(steps, int) or isinstance(steps, bool) or not 1 <= steps <= 1_000_000:
            raise SuiteError(f"{at}: steps must be a whole number from 1 to 1000000")
        changes["steps"] = steps
    if "target" in table:
        changes["target"] = _target(table["target"], task, at)
    if task.kind == "net" and any(k in table for k in ("noise", "batch", "sigma")):
        raise SuiteError(f"{at}: noise, batch and sigma are for surface tasks")
    if "noise" in table:
        if table["noise"] not in ("none", "gaussian", "minibatch"):
            raise SuiteError(f"{at}: noise must be none, gaussian or minibatch")
        changes["noise"] = table["noise"]
    for key, kind in (("batch", int), ("sigma", float)):
        if key in table:
            value = table[key]
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise SuiteError(f"{at}: {key} must be a number ≥ 0")
            changes[key] = kind(value)
    task = task.with_(**changes)
    if task.noise == "minibatch" and not registry.surface(task.surface).has_data:
        raise SuiteError(f"{at}: mini-batch noise needs a data-defined surface")
    assert task.kind == "surface" or task.net in NETS
    return task


def _target(value: Any, task: Task, at: str) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not math.isfinite(value):
        raise SuiteError(f"{at}: target must be a finite number")
    if task.kind == "net" and not 0 < value <= 1:
        raise SuiteError(f"{at}: target is a test accuracy, a number in (0, 1]; got {value!r}")
    return float(value)
