"""The path a Network-lab run took, drawn on the Landscape of that run's net (``follow``): read
again every ``PATH_POLL_S`` of model time while the lab extends it."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

PATH_POLL_S = 0.25  # how often a followed training path is read again


class PathFollower:
    def __init__(self) -> None:
        self.surface = ""  # the surface whose plane the path lies on
        self.source: Callable[[], np.ndarray | None] | None = None  # None once the run moved on
        self.path: np.ndarray | None = None  # (T, 2)
        self.live = False  # the lab still extends it (False: frozen where it was)
        self.version = 0  # goes up when the path changes (it is drawn again)
        self._polled = -1.0

    def follow(self, surface: str, source: Callable[[], np.ndarray | None], clock: float) -> None:
        self.surface, self.source, self.path, self.live = surface, source, None, False
        self.poll(clock)

    def update(self, clock: float) -> None:
        """Read the path again if it is time to."""
        if self.source is not None and clock - self._polled >= PATH_POLL_S:
            self.poll(clock)

    def poll(self, clock: float) -> None:
        self._polled = clock
        try:
            path = self.source()
        except Exception:  # noqa: BLE001 - the lab closed or restarted: keep the last path
            path = None
        if path is None:
            self.live = False
            return
        path = np.asarray(path, dtype=float).reshape(-1, 2)
        if (
            self.path is None
            or path.shape != self.path.shape
            or not np.array_equal(path, self.path)
        ):
            self.version += 1  # drawn again (a finished run's path is not: the app idles)
        self.path, self.live = path, True

    def path_on(self, surface: str) -> np.ndarray | None:
        """The path, while ``surface`` (the one shown) is the one it lies on."""
        return self.path if self.source is not None and surface == self.surface else None
