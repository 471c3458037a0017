"""``plugins score NAME|FILE``: one optimizer against the built-ins on a fixed suite.

The suite: every built-in surface from its suggested start, and a small MLP (64-32-10, ReLU) on the
digits. Each optimizer runs at every rate of a small log-spaced sweep around its own suggested rate
for that task (``SWEEP`` × the rate ``landscape.rates.suggested_lr`` picks, or × its default lr on
the digits), and is scored at its best rate: on a surface, the steps it takes to come within ε of
the minimum's loss (ε = ``EPS_FRACTION`` of the start's loss gap; fewer is better; a surface with
no minimum, such as a saddle, is scored by the loss it reaches, or how early it escapes downhill);
on the digits, the test accuracy after ``MLP_STEPS`` steps. A rate whose run diverges is never
the best unless every rate diverged.

The surfaces are raced with the project's ``Race`` (the balls' one step path), every optimizer and
rate as one ball; the digits run is a plain PyTorch loop. Everything random comes from ``seed``.
"""

from __future__ import annotations

import csv
import dataclasses
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from rich.console import Console
from rich.table import Table

from explorer.landscape.race import DEFAULT_OPTIMIZERS, BallConfig, Race, Status
from explorer.landscape.rates import suggested_lr
from explorer.output import LateProgress, atomic_path
from explorer.plugins import Registry
from explorer.specs import OptimizerSpec

SWEEP = (0.1, 0.3, 1.0, 3.0, 10.0)  # × each optimizer's own first rate for the task
SURFACE_STEPS = 500
EPS_FRACTION = 1e-3
MLP_TASK = "digits MLP"
MLP_STEPS = 200
MLP_BATCH = 64
MLP_WIDTH = 32


class ScoreError(ValueError):
    """What ``plugins score`` was given cannot be scored: one sentence."""


@dataclass
class Run:
    """One optimizer at one rate on one task."""

    lr: float
    outcome: str  # reached, stalled, slow, diverged, escaped, frozen, trained
    steps: int | None = None  # to within ε (surfaces) or escape step (saddles)
    final_loss: float = math.nan
    accuracy: float | None = None

    def key(self) -> tuple:
        """Sort key: smaller is better."""
        bad = self.outcome in ("diverged", "frozen") or not math.isfinite(self.final_loss)
        if self.accuracy is not None:
            return (bad, -self.accuracy, self.final_loss)
        if self.outcome == "reached":
            return (bad, 0, self.steps, self.final_loss)
        if self.outcome == "escaped":
            return (bad, 1, self.steps, 0.0)
        return (bad, 2, self.final_loss, 0)


@dataclass
class Entry:
    task: str
    optimizer: str
    best: Run
    tried: list[Run]
    rank: int = 0


@dataclass
class Scoreboard:
    target: str
    optimizers: list[str]
    tasks: list[str]
    entries: list[Entry] = field(default_factory=list)
    seed: int = 0

    def entry(self, task: str, optimizer: str) -> Entry:
        return next(e for e in self.entries if e.task == task and e.optimizer == optimizer)


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


def _with(registry: Registry, spec: OptimizerSpec) -> tuple[Registry, str]:
    """The registry with ``spec`` in it, under its name (or a marked one if that is taken)."""
    name = spec.name
    if registry.optimizers.get(name) is not spec and name in registry.optimizers:
        name = f"{spec.name} (file)"
        spec = dataclasses.replace(spec, name=name)
    return dataclasses.replace(registry, optimizers={**registry.optimizers, name: spec}), name


def _surface_runs(registry: Registry, surface, names: list[str], seed: int) -> dict[str, list[Run]]:
    configs, owners = [], []
    for name in names:
        spec = registry.optimizer(name)
        base = suggested_lr(spec, surface) or spec.defaults().get("lr")
        for m in SWEEP if base else (None,):
            lr = base * m if m is not None else None
            hyper = {} if lr is None else {"lr": spec.hyper["lr"].check(lr, "lr", name)}
            configs.append(BallConfig(name, hyper, label=f"{name}@{lr}"))
            owners.append(name)
    race = Race(surface, configs, registry=registry, total_steps=SURFACE_STEPS, seed=seed)
    race.step(SURFACE_STEPS)
    losses = race.losses
    f_start = float(losses[0, 0])
    minima = [tuple(m) for m in surface.minima]
    f_min = None
    if minima:
        f_min = float(race._full_loss(np.array(minima, dtype=float)).min())
    eps = EPS_FRACTION * (f_start - f_min) if f_min is not None else None
    out: dict[str, list[Run]] = {n: [] for n in names}
    for i, ball in enumerate(race.balls):
        lr = ball.hyper.get("lr", math.nan)
        col = losses[:, i]
        final = float(col[~np.isnan(col)][-1]) if (~np.isnan(col)).any() else math.nan
        status = ball.status
        if status is Status.DIVERGED:
            run = Run(lr, "diverged", final_loss=final)
        elif status is Status.FROZEN:
            run = Run(lr, "frozen", final_loss=final)
        elif eps is not None and np.any(col - f_min <= eps):
            run = Run(lr, "reached", int(np.argmax(col - f_min <= eps)), final)
        elif status is Status.ESCAPED:
            run = Run(lr, "escaped", ball.stopped_at, final)
        elif status.settled:
            run = Run(lr, "stalled", final_loss=final)
        else:
            run = Run(lr, "slow" if eps is not None else "still going", final_loss=final)
        out[owners[i]].append(run)
    return out


def _digits_runs(registry: Registry, names: list[str], seed: int) -> dict[str, list[Run]]:
    X, y = registry.dataset("digits").loader(seed=0)
    X = X.float()
    X = (X - X.mean(0)) / X.std(0).clamp_min(1e-6)  # raw pixels: standardized as "auto" does
    out: dict[str, list[Run]] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a 64-32-10 net: threads only fight over the cores (30× slower)
    try:
        for name in names:
            spec = registry.optimizer(name)
            base = spec.defaults().get("lr")
            out[name] = []
            for m in SWEEP if base else (None,):
                lr = base * m if m is not None else None
                out[name].append(_train_digits(spec, lr, X, y, seed))
    finally:
        torch.set_num_threads(threads)
    return out


def _train_digits(spec: OptimizerSpec, lr: float | None, X, y, seed: int) -> Run:
    g = torch.Generator().manual_seed(seed)
    perm = torch.randperm(len(X), generator=g)
    cut = int(0.75 * len(X))
    train, test = perm[:cut], perm[cut:]
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        model = torch.nn.Sequential(
            torch.nn.Linear(X.shape[1], MLP_WIDTH), torch.nn.ReLU(), torch.nn.Linear(MLP_WIDTH, 10)
        )
    try:
        opt = spec.make(model.parameters(), **({} if lr is None else {"lr": lr}))
        for _ in range(MLP_STEPS):
            idx = train[torch.randint(len(train), (MLP_BATCH,), generator=g)]
            loss = torch.nn.functional.cross_entropy(model(X[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
    except Exception:  # noqa: BLE001 - the optimizer's failure is its score
        return Run(lr or math.nan, "frozen")
    with torch.no_grad():
        out = model(X[test])
        final = float(torch.nn.functional.cross_entropy(out, y[test]))
        acc = float((out.argmax(1) == y[test]).float().mean())
    if not math.isfinite(final):
        return Run(lr or math.nan, "diverged", final_loss=final, accuracy=acc)
    return Run(lr or math.nan, "trained", final_loss=final, accuracy=acc)


def run_scoreboard(
    spec: OptimizerSpec,
    registry: Registry,
    *,
    seed: int = 0,
    others: list[str] | None = None,
    console: Console | None = None,
    surfaces: list[str] | None = None,
) -> Scoreboard:
    """Every task of the suite for ``spec`` and ``others`` (default: the lecture's classics);
    ``surfaces`` narrows the surfaces (default: every built-in one)."""
    registry, target = _with(registry, spec)
    others = DEFAULT_OPTIMIZERS if others is None else others
    names = [target] + [n for n in others if n != target]
    for n in names:
        registry.optimizer(n)  # an unknown name: one sentence before any work
    if surfaces is None:
        surfaces = [n for n, s in registry.surfaces.items() if s.plugin.startswith("builtin/")]
    surfaces = [registry.surface(n) for n in surfaces]
    board = Scoreboard(target, names, [s.name for s in surfaces] + [MLP_TASK], seed=seed)
    with LateProgress(len(surfaces) + 1, "scoring", console) as progress:
        for i, surface in enumerate(surfaces):
            for name, runs in _surface_runs(registry, surface, names, seed).items():
                board.entries.append(Entry(surface.name, name, min(runs, key=Run.key), runs))
            progress.update(i + 1)
        for name, runs in _digits_runs(registry, names, seed).items():
            board.entries.append(Entry(MLP_TASK, name, min(runs, key=Run.key), runs))
        progress.update(len(surfaces) + 1)
    for task in board.tasks:
        entries = sorted((e for e in board.entries if e.task == task), key=lambda e: e.best.key())
        for rank, e in enumerate(entries, 1):
            e.rank = rank
    return board


def _cell(run: Run) -> str:
    lr = f"lr {run.lr:.3g}"
    if run.accuracy is not None:
        return f"{run.accuracy:.1%} acc\n{lr}"
    if run.outcome == "reached":
        return f"{run.steps} steps\n{lr}"
    if run.outcome == "escaped":
        return f"escaped @{run.steps}\n{lr}"
    if run.outcome in ("diverged", "frozen"):
        return f"[red]{run.outcome}[/red]\n{lr}"
    return f"{run.outcome} {run.final_loss:.3g}\n{lr}"


def print_scoreboard(board: Scoreboard, console: Console) -> None:
    console.print(
        f"lr sweep: each optimizer's own first rate for the task × {', '.join(f'{m:g}' for m in SWEEP)}"
        f"; surfaces: {SURFACE_STEPS} steps, ε = {EPS_FRACTION:g} × the start's loss gap; "
        f"{MLP_TASK}: {MLP_STEPS} steps of {MLP_BATCH}, test accuracy; seed {board.seed}",
        highlight=False,
    )
    table = Table(title=f"scoreboard: {board.target} against the built-ins (best rate each)")
    table.add_column("task")
    for name in board.optimizers:
        table.add_column(f"[bold]{name}[/bold]" if name == board.target else name)
    for task in board.tasks:
        cells = []
        for name in board.optimizers:
            e = board.entry(task, name)
            text = _cell(e.best)
            cells.append(f"[green]{text}[/green]" if e.rank == 1 else text)
        table.add_row(task, *cells)
    console.print(table)
    mine = [e for e in board.entries if e.optimizer == board.target]
    wins = sum(e.rank == 1 for e in mine)
    reached = sum(e.best.outcome in ("reached", "escaped", "trained") for e in mine)
    ranks = sorted(e.rank for e in mine)
    console.print(
        f"{board.target}: best on {wins} of {len(mine)} tasks, reached the goal on {reached}, "
        f"median rank {ranks[len(ranks) // 2]} of {len(board.optimizers)}.",
        highlight=False,
    )


def write_csv(board: Scoreboard, path: Path) -> None:
    with atomic_path(path, "--csv") as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(
            [
                "task",
                "optimizer",
                "best_lr",
                "outcome",
                "steps",
                "final_loss",
                "accuracy",
                "rank",
                "lrs_tried",
            ]
        )
        for e in board.entries:
            b = e.best
            w.writerow(
                [
                    e.task,
                    e.optimizer,
                    repr(b.lr),
                    b.outcome,
                    "" if b.steps is None else b.steps,
                    repr(b.final_loss),
                    "" if b.accuracy is None else repr(b.accuracy),
                    e.rank,
                    " ".join(f"{r.lr:.6g}" for r in e.tried),
                ]
            )
