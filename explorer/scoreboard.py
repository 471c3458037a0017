"""``plugins score NAME|FILE``: a quick ``benchmark`` of one optimizer against Adam and SGD with
momentum (or ``--against``), with a small budget.

It is the benchmark (``explorer/benchmark/``) and nothing else: the classroom suite, every
hyperparameter tuned with ``BUDGET`` trials of seeded TPE, the best rerun on ``SEEDS`` seed(s),
ranked by steps to each task's target. A small budget favours optimizers with few knobs and fast
starters; ``dl-explorer benchmark`` with a larger ``--budget`` and ``--seeds`` is the fair
answer, and the output says so. A plugin file's optimizer is scored in this process (a worker
could not load the file again); registered names go to one worker per core.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from rich.console import Console

from explorer.benchmark.report import print_summary, write_tasks_csv
from explorer.benchmark.runner import run_benchmark
from explorer.benchmark.suite import load_suite
from explorer.output import LateProgress
from explorer.plugins import Registry
from explorer.specs import OptimizerSpec

AGAINST = ("adam", "momentum")  # the student's question: better than these two?
BUDGET = 4
SEEDS = 1
SUITE = "classroom"


class ScoreError(ValueError):
    """What ``plugins score`` was given cannot be scored: one sentence."""


def target_spec(what: str, registry: Registry) -> OptimizerSpec:
    """A registered optimizer name, or a plugin file whose first optimizer is scored."""
    path = Path(what)
    if what.endswith(".py") or path.is_file():
        if not path.is_file():
            raise ScoreError(f"{what}: no such plugin file")
        from explorer.conformance import load_file

        found = load_file(path)
        if not found.optimizers:
            reasons = "; ".join(str(f) for f in found.failures) or "it registers no optimizer"
            raise ScoreError(f"{what} cannot be scored: {reasons}")
        return next(iter(found.optimizers.values()))
    return registry.optimizer(what)


def _with(registry: Registry, spec: OptimizerSpec) -> tuple[Registry, str, bool]:
    """The registry with ``spec`` in it under its name (or a marked one if that is taken), and
    whether it came from outside the registry (then it runs in this process)."""
    name = spec.name
    if registry.optimizers.get(name) is spec:
        return registry, name, False
    if name in registry.optimizers:
        name = f"{spec.name} (file)"
        spec = dataclasses.replace(spec, name=name)
    return dataclasses.replace(registry, optimizers={**registry.optimizers, name: spec}), name, True


def run_scoreboard(
    spec: OptimizerSpec,
    registry: Registry,
    *,
    seed: int = 0,
    others: list[str] | None = None,
    console: Console | None = None,
    budget: int = BUDGET,
    suite: str = SUITE,
) -> dict[str, Any]:
    """``spec`` and ``others`` (default: Adam and SGD with momentum) through the benchmark."""
    registry, target, outside = _with(registry, spec)
    others = list(AGAINST) if others is None else others
    names = [target] + [n for n in others if n != target]
    for n in names:
        registry.optimizer(n)  # an unknown name: one sentence before any work
    the_suite = load_suite(suite, registry)
    total = len(names) * len(the_suite.tasks)
    with LateProgress(total, "scoring", console) as progress:
        summary = run_benchmark(
            names,
            the_suite,
            registry,
            budget=budget,
            seeds=SEEDS,
            seed=seed,
            workers=0 if outside else None,
            sweep=False,
            done=progress.update,
        )
    summary["target"] = target
    return summary


def print_scoreboard(summary: dict[str, Any], console: Console) -> None:
    print_summary(summary, console)
    target = summary["target"]
    mine = [r for r in summary["rows"] if r["optimizer"] == target]
    best = {}
    for r in summary["rows"]:
        if r["steps_to_target"] is not None:
            best[r["task"]] = min(best.get(r["task"], r["steps_to_target"]), r["steps_to_target"])
    wins = sum(
        1
        for r in mine
        if r["steps_to_target"] is not None and r["steps_to_target"] == best[r["task"]]
    )
    reached = sum(1 for r in mine if r["steps_to_target"] is not None)
    console.print(
        f"{target}: fastest on {wins} of {len(mine)} tasks, reached the target on {reached}. "
        f"A budget of {summary['budget']} trials and {summary['seeds']} seed: a first look; "
        "dl-explorer benchmark with --budget 20 --seeds 3 is the fair comparison.",
        highlight=False,
    )


def write_csv(summary: dict[str, Any], path: Path) -> None:
    """One row per task and optimizer: the benchmark's own tasks.csv."""
    write_tasks_csv(path, summary["rows"], "--csv")
