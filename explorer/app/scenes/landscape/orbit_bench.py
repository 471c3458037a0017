"""The 3-D view's frame times while the camera orbits (``dl-explorer bench orbit``): the drawing
is the app's, the command only prints. Balls are 500-point random walks from the middle of the
domain (trails as long as a race's), so the figure does not depend on any optimizer."""

from __future__ import annotations

import math
import time

import numpy as np
import pygame

from explorer.app.scenes.landscape.orbit import Camera
from explorer.app.scenes.landscape.surface3d import BallTrack, draw_surface3d, surface_mesh
from explorer.app.ui import palette
from explorer.app.ui.text import Text


def orbit_frame_times(
    spec, frames: int, balls: int, size: tuple[int, int]
) -> list[tuple[bool, int, list[float]]]:
    """(moving, faces drawn, frame times in ms) for the coarse mesh while orbiting, then the full
    mesh held still; the camera turns 2° a frame."""
    pygame.font.init()
    mesh = surface_mesh(spec)
    (x0, x1), (y0, y1) = spec.domain
    rng = np.random.default_rng(0)
    tracks = []
    for i in range(balls):
        steps = rng.normal(0, 0.01, (500, 2)) * [x1 - x0, y1 - y0]
        trail = np.cumsum(steps, 0) + [(x0 + x1) / 2, (y0 + y1) / 2]
        tracks.append(BallTrack(trail, palette.ball_colour(i), f"ball{i}"))
    target = pygame.Surface(size)
    text = Text()
    camera = Camera()
    rows = []
    for moving in (True, False):
        times, faces = [], 0
        for _ in range(frames):
            camera.orbit(math.radians(2), 0.0)
            t0 = time.perf_counter()
            drawn = draw_surface3d(target, target.get_rect(), mesh, camera, tracks, text, moving)
            faces = drawn.faces
            times.append(1000 * (time.perf_counter() - t0))
        rows.append((moving, faces, times))
    return rows
