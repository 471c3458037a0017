"""The benchmark's tasks: what each one stresses, its target, its step budget, and one run of it.

A surface task races one ball on a built-in loss surface (the race's own step path, so a ball
moves as torch would move it) and is reached when the full-data loss falls to ``target``. A net
task trains a small real network with a plain PyTorch loop and is reached when the test accuracy
climbs to ``target`` (measured every ``EVAL_EVERY`` steps). Every run is one setting and one
seed: the seed moves a surface's start a little (seed 0 is the surface's own start) and draws its
noise; on a net it draws the initial weights and the mini-batches (the data and its split stay
fixed, so seeds compare like with like).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, replace
from typing import Any

import numpy as np
import torch

from explorer.plugins import Registry
from explorer.step_budget import budget, clock

EVAL_EVERY = 10  # a net's test accuracy is measured every this many steps
START_JITTER = 0.05  # a seed's start moves by up to this fraction of the surface's span
SURFACE_KEYS = ("surface", "noise", "batch", "sigma")


class TrialFailed(Exception):
    """The optimizer raised, was refused, or ran past the time limit: this run has no score."""


@dataclass(frozen=True)
class Task:
    """One task of a suite. ``kind`` is "surface" (``target`` is a loss to fall to) or "net"
    (``target`` is a test accuracy to climb to)."""

    name: str
    kind: str
    stresses: str
    target: float
    steps: int
    surface: str = ""
    noise: str = "none"
    batch: int = 8
    sigma: float = 0.0
    net: str = ""

    @property
    def lower_is_better(self) -> bool:
        return self.kind == "surface"

    @property
    def quality(self) -> str:
        return "loss" if self.kind == "surface" else "accuracy"

    def with_(self, **changes: Any) -> Task:
        return replace(self, **changes)


# The built-in tasks: a suite names them and may change their target and steps.
TASKS: dict[str, Task] = {
    t.name: t
    for t in (
        Task(
            "valley",
            "surface",
            "ill-conditioned valley (40× the curvature across)",
            1e-6,
            300,
            surface="ravine",
        ),
        Task("rosenbrock", "surface", "a curved, narrow valley", 1e-2, 1000, surface="rosenbrock"),
        Task("saddle", "surface", "a saddle point to escape", -1.0, 300, surface="saddle"),
        Task("plateau", "surface", "a plateau before a cliff", 1e-2, 500, surface="plateau"),
        Task(
            "two_minima",
            "surface",
            "a shallow minimum before the deep one",
            -1.2,
            300,
            surface="two_valleys",
        ),
        Task(
            "many_minima", "surface", "many local minima (Rastrigin)", 1.0, 500, surface="rastrigin"
        ),
        Task(
            "noisy",
            "surface",
            "mini-batch noise (linear regression, batch 8)",
            0.105,
            500,
            surface="linear_regression",
            noise="minibatch",
            batch=8,
        ),
        Task("moons_mlp", "net", "a small MLP on two moons", 0.95, 300, net="moons_mlp"),
        Task("digits_mlp", "net", "an MLP on 8×8 digits", 0.95, 300, net="digits_mlp"),
        Task("digits_cnn", "net", "a small CNN on 8×8 digits", 0.95, 200, net="digits_cnn"),
        Task(
            "deep_sigmoid",
            "net",
            "a deep sigmoid net (vanishing gradients)",
            0.9,
            500,
            net="deep_sigmoid",
        ),
    )
}


@dataclass
class Outcome:
    """One run: the step (and seconds) it reached the target, None if never; its final quality
    (loss or accuracy at the end of the budget); ``status`` reached, short or diverged."""

    reached_at: int | None
    seconds: float | None
    final: float
    status: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def cost(task: Task, outcome: Outcome) -> float:
    """What tuning minimises: the steps to the target when reached; otherwise the whole budget
    and more the further the run ended from the target; a divergence costs ten budgets."""
    if outcome.status == "diverged" or not math.isfinite(outcome.final):
        return 10.0 * task.steps
    if outcome.reached_at is not None:
        return float(outcome.reached_at)
    if task.lower_is_better:
        scale = max(abs(task.target), 1e-3)
        short = max(0.0, outcome.final - task.target) / scale
        return task.steps * (1.0 + min(math.log1p(short), 8.0))
    short = max(0.0, task.target - outcome.final) / max(task.target, 1e-3)
    return task.steps * (1.0 + short)


def run(
    task: Task,
    registry: Registry,
    optimizer: str,
    hyper: dict[str, float],
    seed: int,
    time_limit: float = 60.0,
) -> Outcome:
    """One run of ``task`` with ``optimizer`` at ``hyper``, drawn from ``seed``."""
    from explorer.landscape.race import warm_optimizers

    warm_optimizers()  # before the step budget (see there)
    if task.kind == "surface":
        return _surface(task, registry, optimizer, hyper, seed, time_limit)
    return _net(task, registry, optimizer, hyper, seed, time_limit)


def surface_start(task: Task, registry: Registry, seed: int) -> tuple[float, float]:
    spec = registry.surface(task.surface)
    (x0, x1), (y0, y1) = spec.domain
    x, y = spec.starts[0] if spec.starts else ((x0 + x1) / 2, (y0 + y1) / 2)
    if seed == 0:
        return float(x), float(y)
    g = np.random.default_rng(seed)
    span = START_JITTER * max(x1 - x0, y1 - y0)
    dx, dy = g.uniform(-span, span, 2)
    return float(x + dx), float(y + dy)


def _surface(
    task: Task,
    registry: Registry,
    optimizer: str,
    hyper: dict[str, float],
    seed: int,
    time_limit: float,
) -> Outcome:
    from explorer.landscape.race import BallConfig, Noise, Race, Status

    spec = registry.surface(task.surface)
    noise = Noise(task.noise, sigma=task.sigma, batch=task.batch)
    t0 = time.perf_counter()
    try:
        race = Race(
            spec,
            [BallConfig(optimizer, dict(hyper))],
            surface_start(task, registry, seed),
            noise=noise,
            seed=seed,
            total_steps=task.steps,
            registry=registry,
            stacked=True,  # one ball stacks with none, but steps the stacked race's fast way:
        )  # the surface's written-out gradient where it has one (no graph), the same bits
    except ValueError as exc:  # a value the maths forbids
        raise TrialFailed(str(exc)) from None
    reached_at, seconds = None, None
    done = 0
    while done < task.steps:
        chunk = min(50, task.steps - done)
        race.step(chunk)
        done += chunk
        ball = race.balls[0]
        if reached_at is None:
            hit = np.flatnonzero(race.losses[:, 0] <= task.target)
            if hit.size:
                reached_at, seconds = int(hit[0]), time.perf_counter() - t0
        if ball.status is Status.FROZEN:
            raise TrialFailed(str(ball.reason))
        if not ball.status.active:
            break
        if time.perf_counter() - t0 > time_limit:
            raise TrialFailed(f"ran past the {time_limit:g} s time limit of one trial")
    ball = race.balls[0]
    final = float(race.losses[-1, 0])
    if ball.status is Status.DIVERGED or not math.isfinite(final):
        return Outcome(reached_at, seconds, math.nan, "diverged")
    return Outcome(reached_at, seconds, final, "reached" if reached_at is not None else "short")


# -- nets -----------------------------------------------------------------------------------
def _moons_mlp() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Linear(2, 32),
        torch.nn.ReLU(),
        torch.nn.Linear(32, 32),
        torch.nn.ReLU(),
        torch.nn.Linear(32, 2),
    )


def _digits_mlp() -> torch.nn.Module:
    return torch.nn.Sequential(torch.nn.Linear(64, 32), torch.nn.ReLU(), torch.nn.Linear(32, 10))


def _digits_cnn() -> torch.nn.Module:
    return torch.nn.Sequential(
        torch.nn.Unflatten(1, (1, 8, 8)),
        torch.nn.Conv2d(1, 8, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.MaxPool2d(2),
        torch.nn.Conv2d(8, 16, 3, padding=1),
        torch.nn.ReLU(),
        torch.nn.Flatten(),
        torch.nn.Linear(16 * 4 * 4, 10),
    )


def _deep_sigmoid() -> torch.nn.Module:
    layers: list[torch.nn.Module] = [torch.nn.Linear(2, 16), torch.nn.Sigmoid()]
    for _ in range(6):
        layers += [torch.nn.Linear(16, 16), torch.nn.Sigmoid()]
    return torch.nn.Sequential(*layers, torch.nn.Linear(16, 2))


# net name → (dataset, loader arguments, model, batch size)
NETS: dict[str, tuple[str, dict[str, Any], Callable[[], torch.nn.Module], int]] = {
    "moons_mlp": ("moons", {"n": 600, "noise": 0.2}, _moons_mlp, 32),
    "digits_mlp": ("digits", {}, _digits_mlp, 64),
    "digits_cnn": ("digits", {}, _digits_cnn, 64),
    "deep_sigmoid": ("circle", {"n": 600, "noise": 0.1}, _deep_sigmoid, 32),
}


_loaded: dict[tuple[int, str], tuple[torch.Tensor, ...]] = {}  # a worker's data, per net


def _data(registry: Registry, net: str) -> tuple[torch.Tensor, ...]:
    """The net's data, split as the lab splits it (its normalization "auto": the digits
    standardized as scikit-learn's examples do); a quarter held out for the accuracy. Loaded
    once per process: every trial and seed of a study trains on the same split (and only
    reads it)."""
    from explorer.training.data import load_splits

    key = (id(registry.dataset(NETS[net][0])), net)
    if key not in _loaded:
        dataset, args, _, _ = NETS[net]
        splits = load_splits(
            registry.dataset(dataset), seed=0, val_fraction=0.0, test_fraction=0.25, **args
        )
        train, test = splits.train, splits.test
        _loaded[key] = (train.x.float(), train.y, test.x.float(), test.y)
    return _loaded[key]


def _net(
    task: Task,
    registry: Registry,
    optimizer: str,
    hyper: dict[str, float],
    seed: int,
    time_limit: float,
) -> Outcome:
    Xtr, ytr, Xte, yte = _data(registry, task.net)
    make = NETS[task.net][2]
    batch = NETS[task.net][3]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = make()
    g = torch.Generator().manual_seed(seed)
    spec = registry.optimizer(optimizer)
    try:
        with budget(first=True):
            opt = spec.make(model.parameters(), **hyper)
    except ValueError as exc:
        raise TrialFailed(str(exc)) from None
    reached_at, seconds, acc = None, None, 0.0
    t0 = time.perf_counter()
    with clock():  # the steps' budgets share one timer
        for step in range(1, task.steps + 1):
            idx = torch.randint(len(Xtr), (batch,), generator=g)
            loss = torch.nn.functional.cross_entropy(model(Xtr[idx]), ytr[idx])
            if not torch.isfinite(loss):
                return Outcome(reached_at, seconds, math.nan, "diverged")
            opt.zero_grad()
            loss.backward()
            try:
                with budget(first=step == 1):
                    opt.step()
            except Exception as exc:  # noqa: BLE001 - the optimizer's failure fails this trial
                raise TrialFailed(f"{type(exc).__name__}: {exc}") from None
            if step % EVAL_EVERY == 0 or step == task.steps:
                with torch.no_grad():
                    acc = float((model(Xte).argmax(1) == yte).float().mean())
                if reached_at is None and acc >= task.target:
                    reached_at, seconds = step, time.perf_counter() - t0
                if time.perf_counter() - t0 > time_limit:
                    raise TrialFailed(f"ran past the {time_limit:g} s time limit of one trial")
    return Outcome(reached_at, seconds, acc, "reached" if reached_at is not None else "short")
