"""``dl-explorer bench orbit``: the Landscape's 3-D view while the camera orbits (issue 23's
target: 1280×720, 8 balls, a 96×96 mesh, frame p95 ≤ 16.7 ms)."""

from __future__ import annotations

import math
import os
import time

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
    import pygame

    from explorer.app.scenes.landscape.orbit import Camera
    from explorer.app.scenes.landscape.surface3d import (
        MESH_SIDE,
        BallTrack,
        draw_surface3d,
        surface_mesh,
    )
    from explorer.app.ui import palette
    from explorer.app.ui.text import Text
    from explorer.commands.optspec import parse_size

    pygame.font.init()
    w, h = parse_size(size)
    spec = registry.surface(surface)
    mesh = surface_mesh(spec)
    (x0, x1), (y0, y1) = spec.domain
    rng = np.random.default_rng(0)
    tracks = []
    for i in range(balls):  # 500-point walks from the middle: trails as long as a race's
        steps = rng.normal(0, 0.01, (500, 2)) * [x1 - x0, y1 - y0]
        trail = np.cumsum(steps, 0) + [(x0 + x1) / 2, (y0 + y1) / 2]
        tracks.append(BallTrack(trail, palette.ball_colour(i), f"ball{i}"))
    target = pygame.Surface((w, h))
    text = Text()
    camera = Camera()
    out = make_console()
    out.print(
        f"bench orbit: {surface}, {MESH_SIDE}×{MESH_SIDE} mesh, {balls} balls with 500-point "
        f"trails, {w}×{h}, {frames} frames; load average {os.getloadavg()[0]:.1f} on "
        f"{os.cpu_count()} CPUs",
        highlight=False,
    )
    for moving in (True, False):
        times, faces = [], 0
        for _ in range(frames):
            camera.orbit(math.radians(2), 0.0)
            t0 = time.perf_counter()
            faces = draw_surface3d(target, target.get_rect(), mesh, camera, tracks, text, moving)
            times.append(1000 * (time.perf_counter() - t0))
        p50, p95 = np.percentile(times, [50, 95])
        verdict = "within" if p95 <= TARGET_MS else "OVER"
        what = "orbiting (coarse mesh)" if moving else "still (full mesh)"
        out.print(
            f"  {what:<24} {faces:>5} faces   p50 {p50:6.2f} ms   p95 {p95:6.2f} ms"
            + (f"   ({verdict} the target ≤ {TARGET_MS:.1f} ms)" if moving else ""),
            highlight=False,
        )
