"""``dl-explorer bench paths``: issue 23's target for one plane, many optimizers: three
optimizers × 300 steps on the digits 8×32 net plus a 64×64 shared plane in at most 15 s on a
2-core CPU, with the paths' off-plane figures; each phase's share printed."""

from __future__ import annotations

import os
import time

import click
import torch

from explorer.commands.output import console as make_console
from explorer.training import TrainConfig

TARGET_S = 15.0
OPTIMIZERS = [
    ("sgd:lr=0.1", "sgd", {"lr": 0.1}),
    ("momentum:lr=0.05", "momentum", {"lr": 0.05}),
    ("adam:lr=0.001", "adam", {"lr": 0.001}),
]


@click.command()
@click.option("--plane", type=click.Choice(("random", "pca", "hessian")), default="pca")
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def paths(registry, plane: str, threads: int) -> None:
    """Time `paths` on the issue's case; the other-directions maps are timed apart."""
    from explorer.landscape.paths import compare_on_plane

    torch.set_num_threads(threads)
    out = make_console()
    config = TrainConfig(dataset="digits", depth=8, width=32, steps=300, device="cpu")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    out.print(
        f"bench paths: digits 8×32, {len(OPTIMIZERS)} optimizers × 300 steps, a 64×64 {plane} "
        f"plane; {threads} torch thread(s); load average {load:.1f} on {os.cpu_count()} CPUs",
        highlight=False,
    )
    phases: dict[str, tuple[float, float]] = {}
    t0, c0 = time.perf_counter(), time.process_time()
    result = compare_on_plane(
        config, OPTIMIZERS, registry, plane=plane, side=64, others=3, timings=phases
    )
    total, cpu = time.perf_counter() - t0, time.process_time() - c0
    core = total - phases.get("other directions", (0.0, 0.0))[0]
    core_cpu = cpu - phases.get("other directions", (0.0, 0.0))[1]
    verdict = "within" if core <= TARGET_S else "OVER"
    parts = "   ".join(f"{k} {w:.2f} s (CPU {c:.2f})" for k, (w, c) in phases.items())
    out.print(f"  {parts}", highlight=False)
    out.print(
        f"  paths + shared plane {core:.2f} s ({verdict} the target ≤ {TARGET_S:g} s; CPU time "
        f"{core_cpu:.2f} s: under load the wall clock counts the other processes' share too); "
        f"with 3 other directions {total:.2f} s (CPU {cpu:.2f} s)",
        highlight=False,
    )
    for p in result.paths:
        s = p.summary()
        out.print(
            f"  {p.path.label:<18} off the plane: median {s['median_off']:.0%}   end loss true "
            f"{s['end_true_loss']:.4g} / map {s['end_map_loss']:.4g}",
            highlight=False,
        )
