"""The 3-D view's maths, without pygame: the surface as a height mesh, an orbiting camera, the
perspective projection, Lambert shading and the painter's order of the mesh's faces.

World coordinates: the map's square scaled to [−1, 1]² (x to the right, y away from the viewer
at yaw 0), height z up. The faces take the map's colours — log(f − min) mixed with rank, the
same ``t`` in [0, 1] the heatmap colours by — and the heights the rank half of it alone, times
``HEIGHT``: a valley the map shows is a valley the mesh shows (both rise with the loss), a loss
spanning ten decades does not become one spike and a flat plain, and a minimum is a bowl, as
round as the loss is (the rank of f near a quadratic minimum grows as r²). The log half as a
height made every minimum a narrow funnel (log r² falls without bound), steeper than the sight
line at most pitches, so a ball that had settled into one was hidden by the funnel's own wall.
A ball sits on the mesh (``Mesh.on_surface``).

The camera looks at the origin from ``distance`` along the direction given by ``yaw`` (about z)
and ``pitch`` (above the plane); ``focal`` is the focal length in units of the screen's half
height. Points are rotated into camera coordinates (right, up, depth) and projected with
``screen = centre + focal · (right, −up) / depth``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

HEIGHT = 0.8  # the mesh's height in world units (its square is 2 wide)
LIGHT = (-0.45, -0.35, 0.82)  # towards the light: from the upper left, behind the viewer
AMBIENT = 0.35
PITCH_RANGE = (math.radians(8), math.radians(85))
DISTANCE_RANGE = (2.2, 12.0)


@dataclass
class Camera:
    yaw: float = math.radians(-35)
    pitch: float = math.radians(50)  # from higher up than a photo: balls in a basin stay in view
    distance: float = 4.2
    focal: float = 3.0

    def orbit(self, dyaw: float, dpitch: float) -> None:
        """Drag: turn about the vertical axis, tilt within ``PITCH_RANGE``."""
        self.yaw = (self.yaw + dyaw) % (2 * math.pi)
        self.pitch = min(max(self.pitch + dpitch, PITCH_RANGE[0]), PITCH_RANGE[1])

    def zoom(self, factor: float) -> None:
        """Wheel: move closer (factor < 1) or farther, within ``DISTANCE_RANGE``."""
        self.distance = min(max(self.distance * factor, DISTANCE_RANGE[0]), DISTANCE_RANGE[1])

    def basis(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(eye, right, up, forward): the camera's position and its unit axes in the world."""
        cp, sp = math.cos(self.pitch), math.sin(self.pitch)
        cy, sy = math.cos(self.yaw), math.sin(self.yaw)
        # the eye sits behind (−y at yaw 0) and above the centre
        eye = self.distance * np.array([sy * cp, -cy * cp, sp])
        forward = -eye / np.linalg.norm(eye)
        right = np.cross(forward, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, forward)
        return eye, right, up, forward


def project(
    points: np.ndarray, camera: Camera, size: tuple[int, int]
) -> tuple[np.ndarray, np.ndarray]:
    """World points (..., 3) → (screen pixels (..., 2), depth (...)): depth is the distance
    along the view direction (larger: farther)."""
    eye, right, up, forward = camera.basis()
    rel = np.asarray(points, dtype=float) - eye
    x, y, depth = rel @ right, rel @ up, rel @ forward
    w, h = size
    f = camera.focal * h / 2
    safe = np.maximum(depth, 1e-6)
    screen = np.stack([w / 2 + f * x / safe, h / 2 - f * y / safe], -1)
    return screen, depth


def height_t(z: np.ndarray) -> np.ndarray:
    """The mesh's heights in [0, 1] (NaN where z is not finite): the rank of z, ties sharing
    their average rank, so equal losses stand at equal heights."""
    from scipy.stats import rankdata

    h = np.full(z.shape, np.nan)
    finite = np.isfinite(z)
    if finite.any():
        h[finite] = (rankdata(z[finite]) - 1) / max(1, int(finite.sum()) - 1)
    return h


def colour_t(z: np.ndarray) -> np.ndarray:
    """The map's colour scale in [0, 1] (NaN where z is not finite): half log(z − min), half
    rank, as the heatmap (``map_background``) spreads its colours (ties here share a rank)."""
    t = np.full(z.shape, np.nan)
    finite = np.isfinite(z)
    if not finite.any():
        return t
    values = z[finite]
    lo, span = float(values.min()), float(np.ptp(values))
    first = max(span * 1e-4, 1e-12)
    log_t = np.log(values - lo + first) - math.log(first)
    log_t = log_t / max(float(log_t.max()), 1e-12)
    from scipy.stats import rankdata

    # tied values share their average rank: equal losses stand at equal heights
    rank = (rankdata(values) - 1) / max(1, values.size - 1)
    t[finite] = 0.5 * log_t + 0.5 * rank
    return t


@dataclass
class Mesh:
    """The surface on an (ny, nx) grid: world vertices, the colour scale per vertex, and per
    face its four corner indices, unit normal and centre."""

    vertices: np.ndarray  # (ny, nx, 3)
    t: np.ndarray  # (ny, nx) colour scale, NaN where the surface is not finite
    faces: np.ndarray  # (F, 4) flat vertex indices, counter-clockwise seen from above
    normals: np.ndarray  # (F, 3)
    centres: np.ndarray  # (F, 3)
    face_t: np.ndarray  # (F,) the mean colour scale of the face's corners
    bounds: tuple[tuple[float, float], tuple[float, float]]

    def world(self, xy: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Map points (..., 2) at colour scale ``t`` (...) → world points (..., 3)."""
        (x0, x1), (y0, y1) = self.bounds
        xy = np.asarray(xy, dtype=float)
        wx = (xy[..., 0] - x0) / (x1 - x0) * 2 - 1
        wy = (xy[..., 1] - y0) / (y1 - y0) * 2 - 1
        return np.stack([wx, wy, np.nan_to_num(t) * HEIGHT], -1)

    def on_surface(self, xy: np.ndarray) -> np.ndarray:
        """Map points (..., 2) → the world points (..., 3) on the mesh above them."""
        flat = self.world(xy, np.zeros(np.shape(xy)[:-1]))
        flat[..., 2] = height_at(self, flat[..., 0], flat[..., 1])
        return flat


def build_mesh(xs: np.ndarray, ys: np.ndarray, z: np.ndarray, t: np.ndarray | None = None) -> Mesh:
    """The mesh of ``z[row, col]`` at (xs[col], ys[row]); ``t`` the colour scale (default:
    ``colour_t(z)``), the heights ``height_t(z)``. A non-finite value sits at height 0 and its
    faces are marked by NaN."""
    t = colour_t(z) if t is None else t
    ny, nx = z.shape
    X, Y = np.meshgrid(np.linspace(-1, 1, nx), np.linspace(-1, 1, ny))
    vertices = np.stack([X, Y, np.nan_to_num(height_t(z)) * HEIGHT], -1)
    idx = np.arange(ny * nx).reshape(ny, nx)
    faces = np.stack([idx[:-1, :-1], idx[:-1, 1:], idx[1:, 1:], idx[1:, :-1]], -1).reshape(-1, 4)
    flat = vertices.reshape(-1, 3)
    corners = flat[faces]  # (F, 4, 3)
    diag1 = corners[:, 2] - corners[:, 0]
    diag2 = corners[:, 3] - corners[:, 1]
    normals = np.cross(diag1, diag2)
    normals /= np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)
    face_t = t.reshape(-1)[faces].mean(1)
    bounds = ((float(xs[0]), float(xs[-1])), (float(ys[0]), float(ys[-1])))
    return Mesh(vertices, t, faces, normals, corners.mean(1), face_t, bounds)


def shade(normals: np.ndarray, light: tuple[float, float, float] = LIGHT) -> np.ndarray:
    """Lambert shading in [AMBIENT, 1]: ambient plus diffuse max(0, n·l) for unit normals."""
    direction = np.asarray(light, dtype=float)
    direction = direction / np.linalg.norm(direction)
    diffuse = np.clip(np.asarray(normals) @ direction, 0.0, 1.0)
    return AMBIENT + (1 - AMBIENT) * diffuse


def painter_order(depths: np.ndarray) -> np.ndarray:
    """Face indices farthest first: drawn in this order, nearer faces cover farther ones."""
    return np.argsort(-np.asarray(depths), kind="stable")


def coarse_faces(ny: int, nx: int, stride: int) -> np.ndarray:
    """The faces of an (ny, nx) vertex grid taken ``stride`` cells at a time (drawn while the
    view moves): (F, 4) flat indices, the last row and column always included."""
    rows = np.unique(np.r_[np.arange(0, ny - 1, stride), ny - 1])
    cols = np.unique(np.r_[np.arange(0, nx - 1, stride), nx - 1])
    idx = np.arange(ny * nx).reshape(ny, nx)
    sub = idx[np.ix_(rows, cols)]
    return np.stack([sub[:-1, :-1], sub[:-1, 1:], sub[1:, 1:], sub[1:, :-1]], -1).reshape(-1, 4)


def sample_t(mesh: Mesh, xy: np.ndarray) -> np.ndarray:
    """The colour scale at map points (..., 2), bilinear between the mesh's vertices (points
    outside the map take its edge)."""
    (x0, x1), (y0, y1) = mesh.bounds
    ny, nx = mesh.t.shape
    xy = np.asarray(xy, dtype=float)
    u = np.clip((xy[..., 0] - x0) / (x1 - x0) * (nx - 1), 0, nx - 1)
    v = np.clip((xy[..., 1] - y0) / (y1 - y0) * (ny - 1), 0, ny - 1)
    i0 = np.minimum(np.floor(v).astype(int), ny - 2)
    j0 = np.minimum(np.floor(u).astype(int), nx - 2)
    fu, fv = u - j0, v - i0
    t = np.nan_to_num(mesh.t)
    return (
        t[i0, j0] * (1 - fu) * (1 - fv)
        + t[i0, j0 + 1] * fu * (1 - fv)
        + t[i0 + 1, j0] * (1 - fu) * fv
        + t[i0 + 1, j0 + 1] * fu * fv
    )


def face_normals(corners: np.ndarray) -> np.ndarray:
    """Unit normals of quads (F, 4, 3) from their diagonals (up for a face seen from above)."""
    normals = np.cross(corners[:, 2] - corners[:, 0], corners[:, 3] - corners[:, 1])
    return normals / np.maximum(np.linalg.norm(normals, axis=1, keepdims=True), 1e-12)


# -- what the camera sees ----------------------------------------------------------------------
CLEARANCE = 0.004  # world units a sight line may dip under the mesh (its faces are flat quads)
SIGHT_SAMPLES = 192  # points tested along one sight line (a cell is ~0.02 of the 2-wide square)


def height_at(mesh: Mesh, wx: np.ndarray, wy: np.ndarray) -> np.ndarray:
    """The mesh's height at world points (bilinear between its vertices; outside: its edge)."""
    heights = mesh.vertices[..., 2]
    ny, nx = heights.shape
    u = np.clip((np.asarray(wx, dtype=float) + 1) * ((nx - 1) / 2), 0, nx - 1)
    v = np.clip((np.asarray(wy, dtype=float) + 1) * ((ny - 1) / 2), 0, ny - 1)
    j0 = np.minimum(u.astype(np.intp), nx - 2)  # u ≥ 0: truncation is the floor
    i0 = np.minimum(v.astype(np.intp), ny - 2)
    fu, fv = u - j0, v - i0
    flat = heights.reshape(-1)
    k = i0 * nx + j0  # one flat index, four gathers
    top = flat[k] + (flat[k + 1] - flat[k]) * fu
    bottom = flat[k + nx] + (flat[k + nx + 1] - flat[k + nx]) * fu
    return top + (bottom - top) * fv


def hidden(
    mesh: Mesh, camera: Camera, points: np.ndarray, samples: int = SIGHT_SAMPLES
) -> np.ndarray:
    """(m,) True where the mesh stands between the eye and a world point (m, 3): the sight line
    from the point to the eye, sampled from 1.5 cells off the point (its own face does not hide
    it) to where it leaves the mesh's box, passes under the surface somewhere. The painter's
    order cannot settle this for a ball: it sits on a face, and a ridge in front of it is
    nearer than that face but not than every face drawn after the ball."""
    eye = camera.basis()[0]
    p = np.asarray(points, dtype=float).reshape(-1, 3)
    d = eye - p
    top = float(mesh.vertices[..., 2].max())
    with np.errstate(divide="ignore", invalid="ignore"):
        ends = [np.ones(len(p))]
        ends.append(np.where(d[:, 2] > 0, (top - p[:, 2]) / d[:, 2], np.inf))
        for k in (0, 1):  # the sides of the square, in the direction the line goes
            ends.append(np.where(d[:, k] != 0, (np.sign(d[:, k]) - p[:, k]) / d[:, k], np.inf))
    end = np.clip(np.minimum.reduce(ends), 0.0, 1.0)
    cell = 2 / (max(mesh.t.shape) - 1)
    start = np.minimum(1.5 * cell / np.maximum(np.linalg.norm(d, axis=1), 1e-12), end)
    s = start[:, None] + (end - start)[:, None] * np.linspace(0, 1, samples + 1)[1:]
    q = p[:, None, :] + s[..., None] * d[:, None, :]
    under = q[..., 2] < height_at(mesh, q[..., 0], q[..., 1]) - CLEARANCE
    return np.asarray(under.any(1) & (end > start))


def pick(
    mesh: Mesh, camera: Camera, size: tuple[int, int], pos: tuple[float, float]
) -> tuple[float, float] | None:
    """The map point (x, y) of the surface under the screen point ``pos`` (the nearest face whose
    projection holds it; None: no face there), for a right click's inspection in 3-D."""
    screen, depth = project(mesh.vertices.reshape(-1, 3), camera, size)
    f = mesh.faces
    tris = np.concatenate([f[:, [0, 1, 2]], f[:, [0, 2, 3]]])  # each quad as two triangles
    a, b, c = screen[tris[:, 0]], screen[tris[:, 1]], screen[tris[:, 2]]
    px_, py_ = float(pos[0]), float(pos[1])
    det = (b[:, 1] - c[:, 1]) * (a[:, 0] - c[:, 0]) + (c[:, 0] - b[:, 0]) * (a[:, 1] - c[:, 1])
    with np.errstate(divide="ignore", invalid="ignore"):
        l1 = ((b[:, 1] - c[:, 1]) * (px_ - c[:, 0]) + (c[:, 0] - b[:, 0]) * (py_ - c[:, 1])) / det
        l2 = ((c[:, 1] - a[:, 1]) * (px_ - c[:, 0]) + (a[:, 0] - c[:, 0]) * (py_ - c[:, 1])) / det
    l3 = 1 - l1 - l2
    weights = np.stack([l1, l2, l3], 1)
    inside = np.isfinite(weights).all(1) & (weights >= -1e-9).all(1)
    inside &= (depth[tris] > 0).all(1)
    if not inside.any():
        return None
    z = (weights * depth[tris]).sum(1)
    k = int(np.flatnonzero(inside)[np.argmin(z[inside])])
    world = (weights[k][:, None] * mesh.vertices.reshape(-1, 3)[tris[k]]).sum(0)
    (x0, x1), (y0, y1) = mesh.bounds
    return (x0 + (world[0] + 1) / 2 * (x1 - x0), y0 + (world[1] + 1) / 2 * (y1 - y0))
