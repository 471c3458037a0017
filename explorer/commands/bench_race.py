"""``dl-explorer bench race``: the race engine against a plain loop of torch.optim optimizers;
with ``--stacked``, the stacked race (``landscape/stacked.py``) against the per-ball one, side by
side in one run, on the balls tuning races: many settings of one optimizer."""

from __future__ import annotations

import time

import click
import numpy as np
import torch

from explorer.commands.output import console as make_console
from explorer.landscape import surface as S
from explorer.landscape.race import BallConfig, Race

# Eight balls, each a different optimizer, with the torch.optim twin that the naive loop runs.
BALLS = [
    ("sgd", {"lr": 1e-4}, torch.optim.SGD, {"lr": 1e-4}),
    ("momentum", {"lr": 1e-4}, torch.optim.SGD, {"lr": 1e-4, "momentum": 0.9}),
    ("nesterov", {"lr": 1e-4}, torch.optim.SGD, {"lr": 1e-4, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.05}, torch.optim.Adagrad, {"lr": 0.05}),
    ("rmsprop", {"lr": 1e-3}, torch.optim.RMSprop, {"lr": 1e-3}),
    ("adam", {"lr": 0.01}, torch.optim.Adam, {"lr": 0.01}),
    ("adamw", {"lr": 0.01}, torch.optim.AdamW, {"lr": 0.01}),
    ("adamax", {"lr": 0.01}, torch.optim.Adamax, {"lr": 0.01}),
]


def naive_loop(surface, start, steps: int) -> float:
    """What a student would write: one tensor, one optimizer, one backward per ball per step."""
    params = [torch.tensor(start, dtype=S.DTYPE, requires_grad=True) for _ in BALLS]
    opts = [cls([p], **kw) for p, (*_, cls, kw) in zip(params, BALLS, strict=True)]
    t0 = time.perf_counter()
    for _ in range(steps):
        for p, opt in zip(params, opts, strict=True):
            opt.zero_grad()
            S.loss(surface, p[0], p[1]).backward()
            opt.step()
    return time.perf_counter() - t0


@click.command()
@click.option("--steps", default=10_000, show_default=True, type=click.IntRange(10, 10_000_000))
@click.option("--surface", default="rosenbrock", show_default=True)
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="torch intra-op threads (the target is stated for one core).",
)
@click.option(
    "--stacked",
    is_flag=True,
    help="Time the stacked race against the per-ball one instead (64 Adam balls at 64 rates; "
    "8 Adam balls at 8 rates, and at mixed lr and beta1; the 8 optimizers above), the "
    "trajectories compared bit for bit.",
)
@click.pass_obj
def race(registry, steps: int, surface: str, threads: int, stacked: bool) -> None:
    """Time 8 balls (8 different optimizers) for --steps steps, against the naive torch loop."""
    torch.set_num_threads(threads)
    spec = registry.surface(surface)
    start = tuple(spec.starts[0]) if spec.starts else (0.5, 0.5)
    if stacked:
        _stacked(registry, spec, start, steps, threads)
        return
    configs = [BallConfig(name, hyper) for name, hyper, *_ in BALLS]
    the_race = Race(spec, configs, start, total_steps=steps, registry=registry)
    t0 = time.perf_counter()
    the_race.step(steps)
    ours = time.perf_counter() - t0
    naive = naive_loop(spec, start, steps)
    n = len(BALLS)
    out = make_console()
    out.print(f"bench race: {n} balls × {steps} steps on {spec.name}, {threads} torch thread(s)")
    out.print(f"  race engine      {ours:8.2f} s   {n * steps / ours:10.0f} ball-steps/s")
    out.print(f"  naive torch loop {naive:8.2f} s   {n * steps / naive:10.0f} ball-steps/s")
    out.print(f"  ratio engine / naive = {ours / naive:.2f}   (target ≤ 1.0)")
    if steps != 10_000:
        out.print(f"  projected to 10,000 steps: {ours * 10_000 / steps:.2f} s   (target < 5 s)")
    else:
        out.print("  target: under 5 s for 8 × 10,000 steps")
    frozen = [b.label for b in the_race.balls if str(b.status) in ("frozen", "diverged")]
    if frozen:
        out.print(f"  note: {', '.join(frozen)} stopped early, which shortens the engine's time")


def _stacked_sets() -> list[tuple[str, list[BallConfig], float]]:
    """(what, balls, target speed-up): the sets ``--stacked`` times."""
    rates = np.geomspace(1e-3, 0.1, 64)
    adam64 = [BallConfig("adam", {"lr": float(lr)}) for lr in rates]
    mixed = [
        BallConfig("adam", {"lr": lr, "beta1": b1})
        for lr in (0.003, 0.01, 0.03, 0.1)
        for b1 in (0.8, 0.9)
    ]
    eight = [BallConfig(name, hyper) for name, hyper, *_ in BALLS]
    rates8 = [BallConfig("adam", {"lr": float(lr)}) for lr in np.geomspace(1e-3, 0.1, 8)]
    return [
        ("64 adam balls, 64 rates", adam64, 20.0),
        ("8 adam balls, 8 rates", rates8, 3.0),
        ("8 adam balls, mixed lr and beta1 (two stacks of 4)", mixed, 3.0),
        ("8 balls, 8 optimizers", eight, 1.0),
    ]


def _stacked(registry, spec, start, steps: int, threads: int) -> None:
    out = make_console()
    out.print(f"bench race --stacked: {steps} steps on {spec.name}, {threads} torch thread(s)")
    for what, configs, target in _stacked_sets():
        timed, cpu = {}, {}
        for mode in (False, True):
            the_race = Race(
                spec, configs, start, total_steps=steps, registry=registry, stacked=mode
            )
            t0, c0 = time.perf_counter(), time.process_time()
            the_race.step(steps)
            _ = the_race.losses  # timed too: the stacked race may leave them to fill in blocks
            cpu[mode] = time.process_time() - c0
            timed[mode] = (time.perf_counter() - t0, the_race)
        (t_one, one), (t_stack, stack) = timed[False], timed[True]
        same = np.array_equal(one.positions, stack.positions, equal_nan=True) and np.array_equal(
            one.losses, stack.losses, equal_nan=True
        )
        n = len(configs)
        out.print(f"  {what}:", highlight=False)
        out.print(f"    per-ball race {t_one:8.2f} s   {n * steps / t_one:10.0f} ball-steps/s")
        out.print(f"    stacked race  {t_stack:8.2f} s   {n * steps / t_stack:10.0f} ball-steps/s")
        out.print(
            f"    speed-up {t_one / t_stack:.1f}×   (target ≥ {target:g}×)   "
            f"same trajectories: {'yes' if same else 'NO'}",
            highlight=False,
        )
        out.print(  # on a loaded machine the CPU seconds are the steadier measure
            f"    CPU seconds: per-ball {cpu[False]:.2f}, stacked {cpu[True]:.2f}, "
            f"ratio {cpu[False] / max(cpu[True], 1e-9):.1f}×",
            highlight=False,
        )
