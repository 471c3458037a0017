"""Jobs that compute a slow surface away from the UI (``explorer.training.jobs``): a family
surface such as ``net:moons`` is trained and cached, and its map grid evaluated, in a worker.

A surface is rebuilt in the worker from its name (a family's spec is deterministic: the same name
gives the same surface bit for bit), so nothing unpicklable crosses the pipe; the answers are
numpy arrays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from explorer.landscape.surface import evaluate_grid
from explorer.specs import SurfaceSpec

if TYPE_CHECKING:
    from explorer.training.jobs import JobContext


def is_slow(spec: SurfaceSpec) -> bool:
    """A family's data-defined surface (``net:``): each point costs a pass of a real net over its
    data, so its map is computed off the UI thread."""
    prefix, colon, _ = spec.name.partition(":")
    return bool(colon) and spec.has_data and prefix not in ("expr",)


def build_job(ctx: JobContext, name: str) -> str:
    """Build ``name`` once in the worker: trains and caches a ``net:`` surface, so the UI's own
    build afterwards reads the cache."""
    return ctx.registry.surface(name).name


def grid_job(
    ctx: JobContext,
    name: str,
    nx: int,
    ny: int,
    view: tuple[tuple[float, float], tuple[float, float]] | None,
    n_levels: int,
) -> tuple[np.ndarray, np.ndarray]:
    """(z, levels) of ``name`` on an ``nx`` × ``ny`` grid over ``view``."""
    grid = evaluate_grid(ctx.registry.surface(name), nx, ny, view=view, n_levels=n_levels)
    return np.asarray(grid.z), np.asarray(grid.levels)
