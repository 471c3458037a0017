"""``dl-explorer bench sharpness``: what tracking λ_max every 10 steps adds to training a 4×32
net (issue 23's target: at most 25 % of the training time)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable

import click
import numpy as np
import torch

from explorer.commands.output import console as make_console
from explorer.training import TrainConfig, TrainingSession
from explorer.training.sharpness import SharpnessTracker
from explorer.training.sharpness_graph import HEAD

TARGET = 0.25


def _run(registry, config: TrainConfig, every: int | None) -> tuple[float, float, int, int, int]:
    """Seconds to train ``config`` to its end (with λ_max every ``every`` steps), the same in
    this thread's CPU time (which other processes on a loaded machine do not inflate), how many
    measurements were taken, the Hessian-vector products they took, and how many of them kept
    an error bar wider than the tracker's tolerance."""
    session = TrainingSession(config, registry)
    tracker = SharpnessTracker(session, every) if every else None
    t0, c0 = time.perf_counter(), time.thread_time()
    if tracker is not None:
        tracker.observe()
    while not session.done:
        session.step(1)
        if tracker is not None:
            tracker.observe()
    seconds, cpu = time.perf_counter() - t0, time.thread_time() - c0
    if tracker is None:
        return seconds, cpu, 0, 0, 0
    points = tracker.points
    return (
        seconds,
        cpu,
        len(points),
        sum(p.products for p in points),
        sum(not p.converged for p in points),
    )


@click.command()
@click.option("--dataset", default="digits", show_default=True)
@click.option("--steps", default=400, show_default=True, type=click.IntRange(20, 100_000))
@click.option("--every", default=10, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--repeats", default=3, show_default=True, type=click.IntRange(1, 20))
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def sharpness(registry, dataset: str, steps: int, every: int, repeats: int, threads: int) -> None:
    """Train a 4×32 net with and without λ_max every EVERY steps, side by side, and print the
    cost of tracking it against the target (≤ 25 % of the training time), then one
    Hessian-vector product's cost through autograd and through the traced graph."""
    torch.set_num_threads(threads)
    config = TrainConfig(dataset=dataset, depth=4, width=32, steps=steps, device="cpu")
    out = make_console()
    session = TrainingSession(config, registry)  # imports, the data set: not timed
    params = sum(p.numel() for p in session.model.parameters())
    t0 = time.perf_counter()
    SharpnessTracker(session, every).observe()  # the graph's tracing, warm-up: not timed
    first = time.perf_counter() - t0
    out.print(
        f"bench sharpness: {dataset} 4×32 net ({params:,} parameters), batch "
        f"{config.batch_size}, {steps} steps, λ_max every {every} steps on a fixed batch of "
        f"{SharpnessTracker(session, every)._hessian.batch} samples; {threads} torch thread(s); "
        f"median of {repeats} pairs, run alternately",
        highlight=False,
    )
    plain, tracked, plain_cpu, tracked_cpu, counts = [], [], [], [], []
    for _ in range(repeats):
        seconds, cpu, *_ = _run(registry, config, None)
        plain.append(seconds)
        plain_cpu.append(cpu)
        seconds, cpu, *count = _run(registry, config, every)
        tracked.append(seconds)
        tracked_cpu.append(cpu)
        counts.append(count)
    per_product = _products(session, every)
    base, with_it = statistics.median(plain), statistics.median(tracked)
    cost = (with_it - base) / base
    cpu_base = statistics.median(plain_cpu)
    cpu_cost = (statistics.median(tracked_cpu) - cpu_base) / cpu_base
    verdict = "within" if cost <= TARGET else "OVER"
    n, products, wide = counts[0]
    out.print(
        f"  training {base:.3f} s   with λ_max {with_it:.3f} s ({n} measurements, "
        f"{1000 * (with_it - base) / max(1, n):.2f} ms each, {products / max(1, n):.1f} "
        f"Hessian-vector products each, {wide} left with an error bar)   cost {cost:+.0%} of "
        f"the training time ({verdict} the target ≤ {TARGET:.0%}); in CPU time {cpu_cost:+.0%}",
        highlight=False,
    )
    autograd, traced, head = per_product
    out.print(
        f"  one Hessian-vector product (CPU time, the same weights and vectors): autograd's "
        f"double backward {autograd:.3f} ms, the traced graph {traced:.3f} ms, inside its "
        f"{HEAD}-step Lanczos pass {head:.3f} ms; the first measurement, tracing included, "
        f"took {first:.2f} s (once per net shape)",
        highlight=False,
    )


def _products(session: TrainingSession, every: int) -> tuple[float, float, float]:
    """Milliseconds of thread CPU time per Hessian-vector product, side by side at one point:
    autograd's double backward (the products before the graph), the traced product graph, and
    a step of the traced Lanczos pass (the weights-only part shared by its steps)."""
    batch = SharpnessTracker(session, every)._hessian
    product, names, sizes = batch.at_current()
    params, buffers = batch._now
    autograd = batch.products.autograd(params, buffers)
    n = sum(sizes)
    vector = np.random.default_rng(0).standard_normal((1, n))
    start = vector[0] / np.linalg.norm(vector)

    def timed(work: Callable[[], object], per: int = 1, repeats: int = 40) -> float:
        work()
        best = []
        for _ in range(3):
            c0 = time.thread_time()
            for _ in range(repeats):
                work()
            best.append((time.thread_time() - c0) / repeats / per * 1000)
        return min(best)

    return (
        timed(lambda: autograd(vector)),
        timed(lambda: product(vector)),
        timed(lambda: batch.head(start, None), per=HEAD),
    )
