"""``dl-explorer bench netgrid``: how fast a ``net:`` surface's heatmap grid is computed, against a
plain Python loop over the grid points (what a first version would write)."""

from __future__ import annotations

import time

import click
import torch
import torch.nn.functional as F

from explorer.commands.output import console as make_console
from explorer.landscape.net_surface import build_slice
from explorer.landscape.surface import evaluate_grid

CASES = [
    # (spec, grid side, target seconds)
    ("net:moons?n=200&width=16&depth=2", 128, 1.0),  # a 2-16-16-2 net on 200 points
    ("net:digits?width=32&depth=1", 64, 10.0),  # 64-32-10 on all 1 797 images
]


def loop_seconds_per_point(sl, points: int = 64) -> float:
    """A plain loop over grid points, as the loss-landscape scripts write it (Li et al.'s code):
    set the net's weights to θ₀ + x·d₁ + y·d₂, run it on the data, take the loss."""
    model = sl.model
    names = list(sl.theta0)
    params = dict(model.named_parameters())
    xs = torch.linspace(-1, 1, points, dtype=torch.float64)
    t0 = time.perf_counter()
    with torch.no_grad():
        for a in xs:
            for name in names:
                params[name].copy_(sl.theta0[name] + a * sl.d1[name] - a * sl.d2[name])
            out = model(sl.x)
            F.cross_entropy(out, sl.y) if sl.classify else ((out - sl.y) ** 2).mean()
        for name in names:  # leave the net as it was
            params[name].copy_(sl.theta0[name])
    return (time.perf_counter() - t0) / points


@click.command()
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 64))
@click.pass_obj
def netgrid(registry, threads: int) -> None:
    """Time the heatmap grids of two net: surfaces (the issue's targets) against a plain loop."""
    from explorer.training.jobs import keep_freed_memory

    torch.set_num_threads(threads)
    kept = keep_freed_memory()  # as the app's grid worker does
    out = make_console()
    out.print(
        f"bench netgrid: {threads} torch thread(s), float64, freed memory kept in the process "
        f"{'(as in the app worker)' if kept else '(not on this libc)'}"
    )
    for text, side, target in CASES:
        t0 = time.perf_counter()
        sl = build_slice(text, registry, cache=False)
        built = time.perf_counter() - t0
        spec = sl.surface()
        t0 = time.perf_counter()
        evaluate_grid(spec, side, side)
        grid = time.perf_counter() - t0
        per_point = loop_seconds_per_point(sl)
        loop = per_point * side * side
        out.print(
            f"  {text}: {sl.n_parameters} parameters, {sl.x.shape[0]} samples; training "
            f"{built:.2f} s (cached after the first open)"
        )
        out.print(
            f"    {side}×{side} grid {grid:6.2f} s (target ≤ {target:g} s)   plain loop "
            f"{loop:6.2f} s (measured on 64 points)   ratio {loop / grid:5.1f}× (target ≥ 20×)"
        )
