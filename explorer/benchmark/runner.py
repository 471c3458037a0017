"""One benchmark from start to end: the jobs, the engine, the store's identity, the summary."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from typing import Any

from explorer.benchmark import engine
from explorer.benchmark.report import profiles, task_rows, task_table
from explorer.benchmark.study import FORMAT, STUDY_PREFIX, Job, _silence_optuna, _storage
from explorer.benchmark.suite import Suite
from explorer.plugins import Registry

TIME_LIMIT_S = 120.0  # one trial's wall-clock limit


class StoreError(ValueError):
    """A storage that holds another benchmark: refused by name."""


def check_store(url: str, suite: Suite) -> None:
    """``url`` holds this suite's studies (or none yet): else StoreError naming what it holds.
    Optuna cannot open it at all: one sentence too."""
    import optuna

    _silence_optuna()
    name = f"{STUDY_PREFIX}:meta"
    try:
        storage = _storage(url)
        meta = optuna.create_study(study_name=name, storage=storage, load_if_exists=True)
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's many ways of refusing a URL
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreError(f"--store {url}: Optuna cannot open it ({first})") from None
    mine = {"suite": suite.name, "digest": suite.digest, "format": FORMAT}
    held = {k: meta.user_attrs.get(k) for k in mine}
    if held["suite"] is None:
        for key, value in mine.items():
            meta.set_user_attr(key, value)
        return
    if held != mine:
        what = f"suite {held['suite']!r}"
        if held["suite"] == suite.name:
            what += " as it was then (its tasks or targets have changed since)"
        if held["format"] != FORMAT:
            what = f"a benchmark of format {held['format']} (this is format {FORMAT})"
        raise StoreError(
            f"--store {url} holds {what}, not suite {suite.name!r}; give another --store"
        )


def run_benchmark(
    optimizers: Sequence[str],
    suite: Suite,
    registry: Registry,
    *,
    budget: int,
    seeds: int,
    workers: int | None = None,
    store: str | None = None,
    ray: str | None = None,
    seed: int = 0,
    time_limit: float = TIME_LIMIT_S,
    sweep: bool = True,
    done: Callable[[int], None] = lambda n: None,
    finished: engine.Finished = None,
) -> dict[str, Any]:
    """Every optimizer on every task of ``suite``: the summary ``report.write_all`` writes.
    ``workers`` 0 runs the studies in this process; None, one worker per core. ``finished``
    hears of each job's result (its ``task`` and ``optimizer`` in it) as it ends."""
    for name in optimizers:
        registry.optimizer(name)  # an unknown name: one sentence before any work
    if store:
        check_store(store, suite)
    if ray:
        engine.check_ray(ray)  # missing or unreachable: one sentence, nothing started
    jobs = [
        Job(name, task.name, suite, budget, seeds, seed, store, time_limit, sweep)
        for name in optimizers
        for task in suite.tasks
    ]
    workers = (os.cpu_count() or 1) if workers is None else workers
    started = time.perf_counter()
    if ray:
        results = engine.run_ray(jobs, registry, ray, done, finished)
    elif workers == 0:
        results = engine.run_here(jobs, registry, done, finished)
    else:
        results = engine.run_local(jobs, registry, min(workers, len(jobs)), done, finished)
    rows = task_rows(results, suite)
    return {
        "suite": suite.name,
        "tasks": task_table(suite),
        "optimizers": list(optimizers),
        "budget": budget,
        "seeds": seeds,
        "seed": seed,
        "engine": f"ray {ray}"
        if ray
        else (f"{workers} local worker(s)" if workers else "this process"),
        "seconds": time.perf_counter() - started,
        "results": results,
        "rows": rows,
        "profiles": profiles(rows, list(optimizers)),
    }
