"""``dl-explorer bench orbit``: the Landscape's 3-D view while the camera orbits (issue 23's
target: 1280×720, 8 balls, a 96×96 mesh, frame p95 ≤ 16.7 ms)."""

from __future__ import annotations

import os

import click
import numpy as np

from explorer.commands.output import console as make_console

TARGET_MS = 1000 / 60


@click.command()
@click.option("--surface", default="rosenbrock", show_default=True)
@click.option("--frames", default=120, show_default=True, type=click.IntRange(10, 10_000))
@click.option("--balls", default=8, show_default=True, type=click.IntRange(0, 64))
@click.option("--size", default="1280x720", show_default=True)
@click.pass_obj
def orbit(registry, surface: str, frames: int, balls: int, size: str) -> None:
    """Draw the 3-D view while the camera turns 2° a frame; print the frame times' p50 / p95,
    moving (coarse mesh) and still (the full mesh)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from explorer.app.scenes.landscape.orbit_bench import orbit_frame_times
    from explorer.app.scenes.landscape.surface3d import MESH_SIDE
    from explorer.commands.optspec import parse_size

    w, h = parse_size(size)
    spec = registry.surface(surface)
    out = make_console()
    out.print(
        f"bench orbit: {surface}, {MESH_SIDE}×{MESH_SIDE} mesh, {balls} balls with 500-point "
        f"trails, {w}×{h}, {frames} frames; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs",
        highlight=False,
    )
    for moving, faces, times in orbit_frame_times(spec, frames, balls, (w, h)):
        p50, p95 = np.percentile(times, [50, 95])
        verdict = "within" if p95 <= TARGET_MS else "OVER"
        what = "orbiting (coarse mesh)" if moving else "still (full mesh)"
        out.print(
            f"  {what:<24} {faces:>5} faces   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"
            + (f"   ({verdict} the target ≤ {TARGET_MS:.1f} ms)" if moving else ""),
            highlight=False,
        )
