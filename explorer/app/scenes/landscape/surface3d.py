"""The Landscape's 3-D view: the surface as a lit, shaded mesh seen by an orbiting camera, the
balls on it with their trails, in their own colours and with their tags.

Drawn with pygame and numpy (the project's own): every vertex is projected and every face shaded
at once with numpy (``orbit.py``), then the faces are drawn farthest first (the painter's
algorithm) with ``pygame.draw.polygon``. No OpenGL: the view must draw headless in CI and in
``render --view 3d``, where there is no GL context. While the camera moves, faces are taken two
cells at a time (a quarter as many polygons), the full mesh once it stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from explorer.app.scenes.landscape.orbit import (
    Camera,
    Mesh,
    coarse_faces,
    face_normals,
    painter_order,
    project,
    sample_t,
    shade,
)
from explorer.app.ui import palette
from explorer.app.ui.text import Text

_LUT = palette.colormap_lut().astype(float)
LIFT = 0.012  # balls and trails float this far above the mesh (world units), never inside it


@dataclass
class BallTrack:
    """One ball for the 3-D view: its trail on the map (T, 2), colour and tag."""

    trail: np.ndarray
    colour: tuple[int, int, int]
    label: str
    stopped: bool = False


def face_colours(mesh: Mesh, faces: np.ndarray) -> np.ndarray:
    """(F, 3) colours: the heatmap's colour of each face, times its Lambert shade; a face with a
    non-finite corner takes the map's "not a number" grey."""
    corners = mesh.vertices.reshape(-1, 3)[faces]
    t = mesh.t.reshape(-1)[faces].mean(1)
    missing = ~np.isfinite(t)
    base = _LUT[np.clip(np.nan_to_num(t) * (len(_LUT) - 1), 0, len(_LUT) - 1).astype(np.intp)]
    base[missing] = palette.NAN_COLOUR
    light = shade(face_normals(corners))
    return np.clip(base * light[:, None], 0, 255)


def draw_surface3d(
    target: pygame.Surface,
    rect: pygame.Rect,
    mesh: Mesh,
    camera: Camera,
    balls: list[BallTrack],
    text: Text | None = None,
    moving: bool = False,
) -> int:
    """Draw the mesh and the balls into ``rect`` of ``target``; returns how many faces were
    drawn (fewer while ``moving``)."""
    ny, nx = mesh.t.shape
    faces = coarse_faces(ny, nx, 2) if moving else mesh.faces
    # while moving, the mesh is drawn at half size and stretched: a quarter of the pixels to fill
    shrink = 2 if moving else 1
    size = (max(1, rect.w // shrink), max(1, rect.h // shrink))
    screen, depth = project(mesh.vertices.reshape(-1, 3), camera, size)
    order = painter_order(depth[faces].mean(1))
    faces = faces[order]
    colours = face_colours(mesh, faces).astype(int).tolist()
    polys = np.rint(screen[faces]).astype(np.int32).tolist()  # ints: a cheaper list to build
    layer = pygame.Surface(size) if shrink > 1 else target.subsurface(rect)
    layer.fill(palette.BACKGROUND)
    polygon = pygame.draw.polygon
    for pts, colour in zip(polys, colours, strict=True):
        polygon(layer, colour, pts)
    if shrink > 1:
        target.blit(pygame.transform.smoothscale(layer, rect.size), rect.topleft)
    clip = target.get_clip()
    target.set_clip(rect)
    _draw_balls(target, rect, mesh, camera, balls, text)
    target.set_clip(clip)
    return len(faces)


def _draw_balls(target, rect, mesh: Mesh, camera: Camera, balls: list[BallTrack], text) -> None:
    for ball in balls:
        trail = np.asarray(ball.trail, dtype=float).reshape(-1, 2)
        trail = trail[np.isfinite(trail).all(1)]
        if not len(trail):
            continue
        world = mesh.world(trail, sample_t(mesh, trail))
        world[:, 2] += LIFT
        pts, _ = project(world, camera, rect.size)
        pts += (rect.x, rect.y)
        if len(pts) > 1:
            pygame.draw.aalines(target, palette.dim(ball.colour, 0.25), False, pts.tolist())
        x, y = pts[-1]
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), 8)
        pygame.draw.circle(target, ball.colour, (x, y), 6)
        if ball.stopped:
            pygame.draw.circle(target, palette.MARK, (x, y), 9, 1)
        if text is not None and ball.label:
            text.tag(target, ball.label, (x + 10, y - 18), 12, ball.colour)


MESH_SIDE = 96


def surface_mesh(spec, side: int = MESH_SIDE) -> Mesh:
    """The mesh of a surface over its domain (the Landscape's grid evaluation)."""
    from explorer.app.scenes.landscape.orbit import build_mesh
    from explorer.landscape.surface import evaluate_grid

    grid = evaluate_grid(spec, side, side)
    return build_mesh(grid.xs, grid.ys, grid.z)


def tracks_of(model) -> list[BallTrack]:
    """The balls of a ``LandscapeModel``'s race: trails, colours and labels as the map's."""
    race = model.race
    positions = race.positions  # (T, balls, 2)
    out = []
    for i, ball in enumerate(race.balls):
        colour = palette.ball_colour(model.colour_index(ball.label))
        out.append(BallTrack(positions[:, i], colour, ball.label, not ball.status.active))
    return out


def frame_3d(model, size: tuple[int, int], camera: Camera | None = None) -> pygame.Surface:
    """A whole frame of the 3-D view of ``model``'s surface and race (``render --view 3d``)."""
    pygame.font.init()
    text = Text()
    out = pygame.Surface(size)
    out.fill(palette.BACKGROUND)
    mesh = surface_mesh(model.spec)
    draw_surface3d(out, out.get_rect(), mesh, camera or Camera(), tracks_of(model), text)
    text.blit(out, f"{model.spec.name} · 3-D · step {model.race.t}", (16, 12), 16, palette.TEXT)
    return out
