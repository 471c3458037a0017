"""The path a Network-lab run took, drawn on the Landscape of that run's net (``follow``): read
again every ``PATH_POLL_S`` of model time while the lab extends it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PATH_POLL_S = 0.25  # how often a followed training path is read again


class FollowedPath:
    def __init__(self, surface: str, source: Callable[[], np.ndarray | None]) -> None:
        self.surface = surface  # the surface whose plane the path lies on
        self.source = source  # (T, 2), or None once the run moved on
        self.path: np.ndarray | None = None
        self.live = False  # the lab still extends it (False: frozen where it was)
        self.polled = -1.0

    def due(self, clock: float) -> bool:
        return clock - self.polled >= PATH_POLL_S

    def poll(self, clock: float) -> bool:
        """Read the path again; True when it changed (it is drawn again; a finished run's path
        is not: the app idles)."""
        self.polled = clock
        try:
            path = self.source()
        except Exception:  # noqa: BLE001 - the lab closed or restarted: keep the last path
            path = None
        if path is None:
            self.live = False
            return False
        path = np.asarray(path, dtype=float).reshape(-1, 2)
        changed = (
            self.path is None
            or path.shape != self.path.shape
            or not np.array_equal(path, self.path)
        )
        self.path, self.live = path, True
        return changed
