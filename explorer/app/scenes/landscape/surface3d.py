"""The Landscape's 3-D view: the surface as a lit, shaded mesh seen by an orbiting camera, the
balls on it with their trails, in their own colours and with their tags.

Drawn with pygame and numpy (the project's own): every vertex is projected and every face shaded
at once with numpy (``orbit.py``), then the faces are drawn farthest first (the painter's
algorithm) with ``pygame.draw.polygon``. A ball or a point of a trail that a ridge stands in
front of is not drawn over it: its sight line to the eye is tested against the mesh
(``orbit.hidden``); a hidden ball shows as a faint ring only, and its tag says it is hidden
(balls that have settled into a minimum often are: the heights follow the map's log colour
scale, so a minimum is a narrow pit whose near wall hides its bottom unless seen from above). Tags are laid out so none
covers another or a ball (``tag_layout``); balls on one spot (settled in one minimum) are one
disc cut into a wedge per ball with one tag naming them all, as the map's shared point is. No OpenGL: the view must draw headless in CI and in
``render --view 3d``, where there is no GL context. While the camera moves, faces are taken two
cells at a time (a quarter as many polygons), the full mesh once it stops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from explorer.app.scenes.landscape.ball_renderer import draw_pie, shared_groups
from explorer.app.scenes.landscape.orbit import (
    Camera,
    Mesh,
    coarse_faces,
    face_normals,
    hidden,
    painter_order,
    project,
    shade,
)
from explorer.app.scenes.landscape.tag_layout import place_tags
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px
from explorer.app.ui.text import Text

_LUT = palette.colormap_lut().astype(float)
LIFT = 0.012  # balls and trails float this far above the mesh (world units), never inside it
TRAIL_TESTS = 48  # points of a trail whose sight line is tested (the rest take the nearest's)
TRAIL_SAMPLES = 48  # samples along a trail point's sight line (a ball's: orbit.SIGHT_SAMPLES)


@dataclass
class BallTrack:
    """One ball for the 3-D view: its trail on the map (T, 2), colour and tag."""

    trail: np.ndarray
    colour: tuple[int, int, int]
    label: str
    stopped: bool = False


@dataclass
class BallShown:
    """What the view drew for one ball: where (screen), whether the surface hides it, and its
    tag's box (None: no tag)."""

    label: str
    at: tuple[float, float]
    visible: bool
    tag: pygame.Rect | None


@dataclass
class Drawn:
    """One frame: how many faces were drawn and each ball as shown."""

    faces: int
    balls: list[BallShown]


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
) -> Drawn:
    """Draw the mesh and the balls into ``rect`` of ``target``: how many faces were drawn (fewer
    while ``moving``) and where each ball went."""
    ny, nx = mesh.t.shape
    faces = coarse_faces(ny, nx, 2) if moving else mesh.faces
    # while moving, the mesh is drawn at half size and stretched: a quarter of the pixels to fill
    shrink = 2 if moving else 1
    size = (max(1, rect.w // shrink), max(1, rect.h // shrink))
    screen, depth = project(mesh.vertices.reshape(-1, 3), camera, size)
    order = painter_order(depth[faces].mean(1))
    faces = faces[order]
    layer = pygame.Surface(size) if shrink > 1 else target.subsurface(rect)
    layer.fill(palette.BACKGROUND)
    _fill_faces(layer, np.rint(screen[faces]), face_colours(mesh, faces))
    if shrink > 1:
        target.blit(pygame.transform.smoothscale(layer, rect.size), rect.topleft)
    clip = target.get_clip()
    target.set_clip(rect)
    shown = _draw_balls(target, rect, mesh, camera, balls, text, smooth=not moving)
    target.set_clip(clip)
    return Drawn(len(faces), shown)


def _fill_faces(layer: pygame.Surface, corners: np.ndarray, colours: np.ndarray) -> None:
    """Fill the quads ``corners`` (F, 4, 2) in ``colours`` (F, 3), in the order given. The
    corners go to pygame as eight flat lists of plain ints zipped into one tuple of points per
    face, the colours as the surface's mapped ints: a nested ``tolist()`` made ~20 000 lists a
    frame, and the garbage collector's full passes over the app's heap that they set off took
    hundreds of milliseconds (``bench orbit``'s p95)."""
    rgb = np.clip(colours, 0, 255).astype(np.uint8).reshape(-1, 1, 3)
    mapped = pygame.surfarray.map_array(layer, rgb).reshape(-1).tolist()
    xs = corners[..., 0].astype(np.int32).T.tolist()
    ys = corners[..., 1].astype(np.int32).T.tolist()
    polygon = pygame.draw.polygon
    for c, x0, y0, x1, y1, x2, y2, x3, y3 in zip(
        mapped, xs[0], ys[0], xs[1], ys[1], xs[2], ys[2], xs[3], ys[3], strict=True
    ):
        polygon(layer, c, ((x0, y0), (x1, y1), (x2, y2), (x3, y3)))


def _draw_balls(
    target, rect, mesh: Mesh, camera: Camera, balls: list[BallTrack], text, smooth: bool = True
):
    """Trails (their hidden stretches left out), then the balls the surface does not hide, then
    every tag where ``place_tags`` puts it. ``smooth``: antialiased trails (not while the
    camera moves: plain lines cost a fifth, measured, and the coarse mesh is moving too)."""
    kept, trails = [], []
    for ball in balls:
        trail = np.asarray(ball.trail, dtype=float).reshape(-1, 2)
        trail = trail[np.isfinite(trail).all(1)]
        if len(trail):
            kept.append(ball)
            trails.append(trail)
    if not kept:
        return []
    # every trail at once: one projection and one sight test for all (numpy calls, not balls)
    ends = np.cumsum([len(trail) for trail in trails])
    starts = ends - [len(trail) for trail in trails]
    flat = np.concatenate(trails)
    world = mesh.on_surface(flat)
    world[:, 2] += LIFT
    pts, depth = project(world, camera, rect.size)
    pts += (rect.x, rect.y)
    tested = [
        a + np.unique(np.linspace(0, b - a - 1, TRAIL_TESTS).astype(np.intp))
        for a, b in zip(starts, ends, strict=True)
    ]
    seen = ~hidden(mesh, camera, world[np.concatenate(tested)], TRAIL_SAMPLES)
    seen_of = np.split(seen, np.cumsum([len(k) for k in tested])[:-1])
    for ball, a, b, ks, ok in zip(kept, starts, ends, tested, seen_of, strict=True):
        if b - a > 1:  # each point as its nearest tested point; drawn where both ends are seen
            near = np.clip(np.searchsorted(ks, np.arange(a, b)), 0, len(ks) - 1)
            _draw_runs(target, palette.dim(ball.colour, 0.25), pts[a:b], ok[near], smooth)
    heads = [(ball, world[b - 1], float(depth[b - 1])) for ball, b in zip(kept, ends, strict=True)]
    seen_heads = ~hidden(mesh, camera, np.array([w for _, w, _ in heads]))
    spots = project(np.array([w for _, w, _ in heads]), camera, rect.size)[0] + (rect.x, rect.y)
    # balls on one spot of the screen (settled in one minimum): one group, one disc, one tag
    index = range(len(heads))
    groups = shared_groups(spots, [i for i in index if seen_heads[i]])
    groups += shared_groups(spots, [i for i in index if not seen_heads[i]])
    discs = []
    for group in groups:
        x, y = spots[group[0]]
        colours = [heads[i][0].colour for i in sorted(group)]
        if not seen_heads[group[0]]:  # seen through the surface: a faint ring, never its disc
            pygame.draw.circle(target, palette.dim(colours[0], 0.3), (x, y), 6, 2)
            continue
        pygame.draw.circle(target, palette.BACKGROUND, (x, y), 8)
        if len(colours) == 1:
            pygame.draw.circle(target, colours[0], (x, y), 6)
        else:
            draw_pie(target, (round(x), round(y)), colours, 6)
        if all(heads[i][0].stopped for i in group):
            pygame.draw.circle(target, palette.MARK, (x, y), 9, 1)
        discs.append((x - 9, y - 9, 18, 18))
    tags: list[pygame.Rect | None] = [None] * len(heads)
    if text is not None:
        tags = _draw_tags(target, rect, text, heads, spots, seen_heads, discs, groups)
    return [
        BallShown(ball.label, (float(x), float(y)), bool(visible), tag)
        for (ball, _, _), (x, y), visible, tag in zip(heads, spots, seen_heads, tags, strict=True)
    ]


def _draw_runs(target, colour, pts: np.ndarray, visible: np.ndarray, smooth: bool = True) -> None:
    """The polyline ``pts`` where consecutive points are both ``visible`` (``smooth``:
    antialiased)."""
    draw = pygame.draw.aalines if smooth else pygame.draw.lines
    edges = np.flatnonzero(np.diff(np.r_[0, visible.astype(np.int8), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a > 1:
            run = pts[a:b]
            line = list(zip(run[:, 0].tolist(), run[:, 1].tolist(), strict=True))  # no lists
            draw(target, colour, False, line)


def _draw_tags(
    target, rect, text: Text, heads, spots, seen, discs, groups: list[list[int]]
) -> list[pygame.Rect | None]:
    """Each group's tag (a hidden one's says so, dimmed): one ball's label in its colour, or the
    labels of the balls on one spot ("adam, rmsprop"), nearest first, none over another tag or a
    ball; a tag pushed away from its ball gets a thin line back to it. Returns each ball's tag
    (the balls of a group share theirs)."""
    words, colours = [], []
    for group in groups:
        ball, visible = heads[group[0]][0], seen[group[0]]
        label = ", ".join(heads[i][0].label for i in sorted(group))
        words.append(label if visible else t("landscape.view3d_hidden", label=label))
        colour = ball.colour if len(group) == 1 else palette.TEXT
        colours.append(colour if visible else palette.dim(colour, 0.45))
    anchors = [tuple(spots[group[0]].tolist()) for group in groups]
    depths = [min(heads[i][2] for i in group) for group in groups]
    pad = (px(8), px(4))
    # measured as drawn (a Chinese tag's words take another font than the label's)
    rendered = [
        text.render(w, 12, c, "mono").get_size() for w, c in zip(words, colours, strict=True)
    ]
    sizes = [(w + pad[0], h + pad[1]) for w, h in rendered]
    order = sorted(range(len(groups)), key=lambda k: depths[k])
    boxes = place_tags(anchors, sizes, tuple(rect), order, discs, gap=px(10))
    out: list[pygame.Rect | None] = [None] * len(heads)
    for group, word, (x, y), box, colour in zip(
        groups, words, anchors, boxes, colours, strict=True
    ):
        r = pygame.Rect(round(box[0]), round(box[1]), round(box[2]), round(box[3]))
        if not r.inflate(px(24), px(24)).collidepoint(x, y):
            end = (min(max(x, r.left), r.right), min(max(y, r.top), r.bottom))
            pygame.draw.aaline(target, palette.dim(colour, 0.3), (x, y), end)
        tag = text.tag(target, word, (r.x + pad[0] // 2, r.y + pad[1] // 2), 12, colour)
        for i in group:
            out[i] = tag
    return out


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
    title = t("landscape.view3d_title", name=model.spec.name, step=model.race.t)
    text.blit(out, title, (16, 12), 16, palette.TEXT)
    return out
