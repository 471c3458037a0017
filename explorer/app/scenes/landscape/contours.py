"""Contour lines by marching squares, vectorised with numpy (no pygame, no matplotlib)."""

from __future__ import annotations

import numpy as np

# Corners of a cell: 0 = (row i, col j), 1 = (i, j+1), 2 = (i+1, j+1), 3 = (i+1, j).
# Edges: 0 = corners 0-1, 1 = corners 1-2, 2 = corners 3-2, 3 = corners 0-3.
# For each of the 16 above/below patterns, up to two segments as (edge, edge) pairs.
_SEGMENTS = np.full((16, 2, 2), -1, dtype=np.int64)
for _case, _segs in {
    1: [(3, 0)],
    2: [(0, 1)],
    3: [(3, 1)],
    4: [(1, 2)],
    5: [(3, 0), (1, 2)],
    6: [(0, 2)],
    7: [(3, 2)],
    8: [(2, 3)],
    9: [(2, 0)],
    10: [(0, 1), (2, 3)],
    11: [(2, 1)],
    12: [(1, 3)],
    13: [(1, 0)],
    14: [(0, 3)],
}.items():
    for _k, _seg in enumerate(_segs):
        _SEGMENTS[_case, _k] = _seg
_EDGE_CORNERS = ((0, 1), (1, 2), (3, 2), (0, 3))
_CORNER_OFFSET = np.array([(0.0, 0.0), (1.0, 0.0), (1.0, 1.0), (0.0, 1.0)])  # (col, row)


def contour_segments(z: np.ndarray, levels: np.ndarray) -> list[np.ndarray]:
    """The segments of the curve ``z == level`` for every level at once: per level an (m, 4)
    array ``col0, row0, col1, row1`` in fractional grid coordinates (``z[row, col]``); cells
    touching a NaN are skipped.

    Each grid point gets the number of levels below it; a cell crosses level k only if its
    corners' counts straddle k, so the per-level work touches just the crossing cells."""
    z = np.asarray(z, dtype=float)
    levels = np.asarray(levels, dtype=float)
    empty = [np.empty((0, 4)) for _ in levels]
    if z.ndim != 2 or min(z.shape) < 2 or len(levels) == 0:
        return empty
    finite = np.isfinite(z)
    count = np.searchsorted(levels, np.where(finite, z, -np.inf), side="left")
    corners_c = [count[:-1, :-1], count[:-1, 1:], count[1:, 1:], count[1:, :-1]]
    corners_f = finite[:-1, :-1] & finite[:-1, 1:] & finite[1:, 1:] & finite[1:, :-1]
    lo = np.minimum(np.minimum(corners_c[0], corners_c[1]), np.minimum(corners_c[2], corners_c[3]))
    hi = np.maximum(np.maximum(corners_c[0], corners_c[1]), np.maximum(corners_c[2], corners_c[3]))
    rows, cols = np.nonzero((lo < hi) & corners_f)
    if rows.size == 0:
        return empty
    C = np.stack([c[rows, cols] for c in corners_c], axis=1)  # (m, 4) level counts
    Z = np.stack(
        [z[rows, cols], z[rows, cols + 1], z[rows + 1, cols + 1], z[rows + 1, cols]], axis=1
    )
    origin = np.stack([cols, rows], axis=1).astype(float)
    lo, hi = lo[rows, cols], hi[rows, cols]
    out = []
    for k, level in enumerate(levels):
        sel = np.flatnonzero((lo <= k) & (k < hi))
        if sel.size == 0:
            out.append(np.empty((0, 4)))
            continue
        above = C[sel] > k
        case = above[:, 0] * 1 + above[:, 1] * 2 + above[:, 2] * 4 + above[:, 3] * 8
        zs = Z[sel]
        pts = np.empty((sel.size, 4, 2))
        for e, (p, q) in enumerate(_EDGE_CORNERS):
            a, b = zs[:, p], zs[:, q]
            den = b - a
            with np.errstate(divide="ignore", invalid="ignore"):
                t = np.clip(np.where(den != 0, (level - a) / den, 0.5), 0.0, 1.0)
            pts[:, e] = _CORNER_OFFSET[p] + t[:, None] * (_CORNER_OFFSET[q] - _CORNER_OFFSET[p])
        pts += origin[sel][:, None, :]
        parts = []
        idx = np.arange(sel.size)
        for s in range(2):
            e0, e1 = _SEGMENTS[case, s, 0], _SEGMENTS[case, s, 1]
            ok = e0 >= 0
            if ok.any():
                parts.append(np.concatenate([pts[idx[ok], e0[ok]], pts[idx[ok], e1[ok]]], axis=1))
        out.append(np.concatenate(parts) if parts else np.empty((0, 4)))
    return out
