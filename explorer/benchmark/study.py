"""One optimizer on one task: tune every hyperparameter it declares, rerun the best with seeds.

Tuning is an Optuna study with a seeded TPE sampler over the optimizer's own ``Hyper`` ranges
(log-scaled where the knob is), ``budget`` trials, each one run on seed 0. The sampler of trial
``n`` is seeded from the run's seed, the optimizer, the task and ``n`` — never from a clock or a
process — and TPE reads only the finished trials: so a study gives the same settings in any
worker, on any engine, and after a resume (a stored study goes on from its finished trials).
The best setting is then run on seeds 1…K, and for a surface task the final loss is measured
over the lr range with the other knobs at their best (one stacked race: every rate a ball).

A trial whose optimizer raises, is refused or runs past the time limit fails alone (Optuna's
FAIL state, with the reason); one that diverges is scored, badly, so TPE learns to avoid it.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.benchmark.suite import Suite
from explorer.benchmark.tasks import Outcome, Task, TrialFailed, cost, run, surface_start
from explorer.plugins import Registry, describe_fault, plugin_fault

SENSITIVITY_POINTS = 12  # rates in the sensitivity sweep
STUDY_PREFIX = "dl-explorer-benchmark"
FORMAT = 1  # what a stored study holds; a store from another format is refused


@dataclass(frozen=True)
class Job:
    """What one worker does: everything it needs, picklable (plugins reload from the folders)."""

    optimizer: str
    task: str
    suite: Suite
    budget: int
    seeds: int
    seed: int
    store: str | None
    time_limit: float
    sweep: bool = True  # measure the lr sensitivity too (plugins score leaves it out)


def derived_seed(*parts: Any) -> int:
    """A seed from the parts' text (the same in every process: not Python's salted hash)."""
    digest = hashlib.sha256("/".join(str(p) for p in parts).encode()).digest()
    return int.from_bytes(digest[:4], "little")


def study_name(job: Job) -> str:
    return f"{STUDY_PREFIX}:{job.suite.name}:{job.optimizer}:{job.task}:{job.seed}:{job.budget}"


def _silence_optuna() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def run_job(job: Job, registry: Registry) -> dict[str, Any]:
    """Tune, rerun and sweep one optimizer on one task; a JSON-able record of it all."""
    import optuna

    _silence_optuna()
    task = job.suite.task(job.task)
    spec = registry.optimizer(job.optimizer)
    record: dict[str, Any] = {"optimizer": job.optimizer, "task": job.task, "budget": job.budget}
    storage = job.store
    study = optuna.create_study(
        study_name=study_name(job),
        storage=_storage(storage) if storage else None,
        direction="minimize",
        load_if_exists=True,
    )
    knobs = spec.hyper
    if not knobs:
        record["note"] = "no hyperparameter ranges: benchmarked at its defaults"
    trials = 1 if not knobs else job.budget
    finished = _finished(study)
    while len(finished) < trials:
        study.sampler = optuna.samplers.TPESampler(
            seed=derived_seed(job.seed, job.optimizer, job.task, len(finished))
        )
        trial = study.ask()
        hyper = _suggest(trial, knobs)
        try:
            outcome = run(task, registry, job.optimizer, hyper, seed=0, time_limit=job.time_limit)
        except BaseException as exc:  # noqa: BLE001 - whatever the optimizer did, it fails alone
            if not isinstance(exc, TrialFailed) and not plugin_fault(exc):
                raise  # a real Ctrl-C: the finished trials are kept, this one is not
            trial.set_user_attr("failed", _why(exc))
            study.tell(trial, state=optuna.trial.TrialState.FAIL)
        else:
            trial.set_user_attr("outcome", outcome.as_dict())
            study.tell(trial, cost(task, outcome))
        finished = _finished(study)
    record["trials"] = [_trial_row(n, t) for n, t in enumerate(finished)]
    # a trial's place among the finished ones, not Optuna's number: an interrupted trial
    # keeps its number in a store, and a resumed study must read as an uninterrupted one
    complete = [
        (n, t) for n, t in enumerate(finished) if t.state == optuna.trial.TrialState.COMPLETE
    ]
    if not complete:
        record.update(best=None, seeds=[], sensitivity=None)
        return record
    _, best = min(complete, key=lambda nt: (nt[1].value, nt[0]))
    record["best"] = dict(best.params)
    record["best_cost"] = best.value
    record["seeds"] = _reruns(study, task, registry, job, dict(best.params))
    record["sensitivity"] = (
        _sensitivity(task, registry, job, dict(best.params)) if job.sweep else None
    )
    return record


def _why(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, TrialFailed) else describe_fault(exc)


def _storage(url: str) -> Any:
    import optuna

    if url.startswith("sqlite"):  # several workers write one file: wait for the lock, not fail
        return optuna.storages.RDBStorage(url, engine_kwargs={"connect_args": {"timeout": 120}})
    return url


def _finished(study: Any) -> list[Any]:
    import optuna

    done = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.FAIL)
    return [t for t in study.get_trials(deepcopy=False) if t.state in done]


def _suggest(trial: Any, knobs: dict[str, Any]) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, h in knobs.items():
        if h.integer:
            out[name] = float(trial.suggest_int(name, int(h.low), int(h.high), log=h.log))
        else:
            out[name] = trial.suggest_float(name, h.low, h.high, log=h.log)
    return out


def _trial_row(n: int, t: Any) -> dict[str, Any]:
    return {
        "number": n,
        "params": dict(t.params),
        "cost": t.value,
        "failed": t.user_attrs.get("failed"),
    }


def _reruns(
    study: Any, task: Task, registry: Registry, job: Job, best: dict[str, float]
) -> list[dict[str, Any]]:
    """The best setting on seeds 1…K (kept in the study: a resumed run does not redo them)."""
    out = []
    for seed in range(1, job.seeds + 1):
        key = f"seed{seed}"
        stored = study.user_attrs.get(key)
        if stored is None:
            try:
                outcome = run(task, registry, job.optimizer, best, seed, job.time_limit).as_dict()
            except BaseException as exc:  # noqa: BLE001 - this seed failed, the others go on
                if not isinstance(exc, TrialFailed) and not plugin_fault(exc):
                    raise
                outcome = Outcome(None, None, math.nan, "failed").as_dict() | {"why": _why(exc)}
            stored = outcome | {"seed": seed}
            study.set_user_attr(key, stored)
        out.append(stored)
    return out


def _sensitivity(
    task: Task, registry: Registry, job: Job, best: dict[str, float]
) -> dict[str, Any] | None:
    """Final loss over the lr range, the other knobs at their best: one stacked race."""
    spec = registry.optimizer(job.optimizer)
    if task.kind != "surface" or "lr" not in spec.hyper:
        return None
    from explorer.landscape.race import BallConfig, Noise, Race

    h = spec.hyper["lr"]
    rates = np.geomspace(h.low, h.high, SENSITIVITY_POINTS) if h.log else None
    if rates is None:
        rates = np.linspace(h.low, h.high, SENSITIVITY_POINTS)
    balls = [BallConfig(job.optimizer, best | {"lr": float(lr)}) for lr in rates]
    race = Race(
        registry.surface(task.surface),
        balls,
        surface_start(task, registry, 0),
        noise=Noise(task.noise, sigma=task.sigma, batch=task.batch),
        total_steps=task.steps,
        registry=registry,
        stacked=True,
    )
    race.step(task.steps)
    final = []
    for i, ball in enumerate(race.balls):
        value = float(race.losses[-1, i])
        ok = ball.status.active and math.isfinite(value)
        final.append(value if ok else None)
    return {"lr": [float(r) for r in rates], "final": final, "best_lr": best.get("lr")}
