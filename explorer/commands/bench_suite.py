"""``dl-explorer bench suite``: the benchmark of issue 24 on one worker and on several, side by
side in one run (targets: the classroom suite within 5 minutes, two workers at least 1.7× one).

On a shared machine the wall clock says little about workers: Linux gives one session one share
of the CPU (autogroups), however many processes it runs. So the busiest worker's CPU seconds are
printed too (read from /proc while it runs): on an idle machine the wall time follows them."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any

import click

from explorer.commands.output import console as make_console

SUITE_S = 300.0  # the classroom suite's target with two workers
SPEED_UP = 1.7  # two workers against one


def _children_cpu(seen: dict[int, float]) -> None:
    """Every child process's CPU seconds so far, into ``seen`` (nothing where /proc is absent)."""
    me, tick = os.getpid(), os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = entry.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone already, or not a process
        if int(fields[1]) == me:  # utime and stime, in clock ticks
            pid = int(entry.parent.name)
            seen[pid] = max(seen.get(pid, 0.0), (int(fields[11]) + int(fields[12])) / tick)


def _timed(run: Any, workers: int) -> tuple[float, float | None, list[Any]]:
    """Wall seconds, the busiest worker's CPU seconds, and the results without seconds."""
    seen: dict[int, float] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(0.2):
            _children_cpu(seen)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    t0 = time.perf_counter()
    try:
        summary = run(workers)
    finally:
        stop.set()
        watcher.join()
    wall = time.perf_counter() - t0
    numbers = json.loads(json.dumps(summary["results"]))
    for record in numbers:  # seconds to the target depend on the machine and its load
        for seed in record.get("seeds", []):
            seed.pop("seconds", None)
    return wall, max(seen.values(), default=None), numbers


@click.command()
@click.argument("optimizers", nargs=-1, metavar="[OPT…]")
@click.option("--suite", default="classroom", show_default=True)
@click.option("--budget", default=20, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--seeds", default=3, show_default=True, type=click.IntRange(1, 100))
@click.option(
    "--workers",
    default=2,
    show_default=True,
    type=click.IntRange(2, 512),
    help="The worker processes timed against one.",
)
@click.pass_obj
def suite(registry, optimizers: tuple[str, ...], suite: str, budget: int, seeds: int, workers: int):
    """Time the benchmark (default: sgd, momentum, adam on the classroom suite) on one worker
    and on --workers, side by side, and check they give the same numbers."""
    from explorer.benchmark.runner import run_benchmark
    from explorer.benchmark.suite import load_suite

    out = make_console()
    the_suite = load_suite(suite, registry)
    names = list(dict.fromkeys(optimizers)) or ["sgd", "momentum", "adam"]
    for name in names:
        registry.optimizer(name)  # an unknown name: one sentence before any work

    def run(n: int) -> dict[str, Any]:
        return run_benchmark(names, the_suite, registry, budget=budget, seeds=seeds, workers=n)

    out.print(
        f"bench suite: {', '.join(names)} on suite {the_suite.name!r} "
        f"({len(the_suite.tasks)} tasks), {budget} trials, {seeds} seed(s); load "
        f"{os.getloadavg()[0]:.1f}",
        highlight=False,
    )
    timed = {}
    for n in (1, workers):
        timed[n] = _timed(run, n)
        wall, cpu, _ = timed[n]
        busiest = f"busiest worker {cpu:6.1f} CPU s" if cpu is not None else ""
        out.print(f"  {n:3d} worker(s) {wall:8.1f} s   {busiest}", highlight=False)
    (one, one_cpu, one_numbers), (many, many_cpu, many_numbers) = timed[1], timed[workers]
    verdict = "within" if many <= SUITE_S else "OVER"
    out.print(
        f"  {workers} workers: {many:.1f} s ({verdict} the target ≤ {SUITE_S:g} s for the "
        f"classroom suite)   speed-up {one / many:.2f}× (target ≥ {SPEED_UP:g}×)",
        highlight=False,
    )
    if one_cpu and many_cpu:
        out.print(  # on a loaded machine the CPU seconds are the steadier measure
            f"  busiest worker's CPU seconds: {one_cpu:.1f} → {many_cpu:.1f}, "
            f"{one_cpu / many_cpu:.2f}×",
            highlight=False,
        )
    same = "yes" if one_numbers == many_numbers else "NO"
    out.print(
        f"  same numbers: {same}   (load now {os.getloadavg()[0]:.1f})",
        highlight=False,
    )
