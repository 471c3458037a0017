"""The Landscape's 3-D view (key V): on or off, the orbiting camera, the mesh of the surface
shown, and the drag that turns it. The maths is ``orbit.py``'s, the drawing ``surface3d.py``'s.

A formula's mesh is evaluated at once (9 216 points: milliseconds); a slow surface's (a real
net's loss, a pass over its data per point) on a helper thread, the view saying so meanwhile,
so the frame never waits for it.
"""

from __future__ import annotations

import threading
import time

import pygame

from explorer.app.scenes.landscape.orbit import Camera, Mesh, pick
from explorer.app.scenes.landscape.surface3d import draw_surface3d, surface_mesh, tracks_of
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.text import Text
from explorer.landscape.grid_jobs import is_slow

TURN_PER_PX = 0.008  # radians of orbit per pixel dragged
ZOOM_PER_STEP = 0.9
SETTLE_S = 0.2  # the full mesh returns this long after the camera last moved


class View3D:
    def __init__(self) -> None:
        self.on = False
        self.camera = Camera()
        self._mesh: Mesh | None = None
        self._key: object = None
        self._error = ""
        self._last: tuple[int, int] | None = None
        self._moved_at = -1e9
        self._drawn_in: pygame.Rect | None = None  # where the last frame was drawn

    def toggle(self) -> None:
        self.on = not self.on
        self._last = None

    # -- the camera --------------------------------------------------------------------------
    def press(self, pos: tuple[int, int]) -> None:
        self._last = (int(pos[0]), int(pos[1]))

    def drag(self, pos: tuple[int, int]) -> None:
        """Left-right turns about the vertical axis, up-down tilts."""
        if self._last is None:
            self._last = (int(pos[0]), int(pos[1]))
            return
        dx, dy = pos[0] - self._last[0], pos[1] - self._last[1]
        self._last = (int(pos[0]), int(pos[1]))
        self.camera.orbit(-dx * TURN_PER_PX, dy * TURN_PER_PX)
        self._moved_at = time.perf_counter()

    def release(self) -> None:
        self._last = None

    def wheel(self, steps: float) -> None:
        self.camera.zoom(ZOOM_PER_STEP**steps)
        self._moved_at = time.perf_counter()

    def pick(self, pos: tuple[int, int]) -> tuple[float, float] | None:
        """The map point of the surface under ``pos`` as last drawn (a right click inspects it);
        None off the surface or before a mesh is shown."""
        rect = self._drawn_in
        if self._mesh is None or rect is None or not rect.collidepoint(pos):
            return None
        return pick(self._mesh, self.camera, rect.size, (pos[0] - rect.x, pos[1] - rect.y))

    @property
    def moving(self) -> bool:
        return self._last is not None or time.perf_counter() - self._moved_at < SETTLE_S

    # -- the mesh ----------------------------------------------------------------------------
    def mesh_for(self, model) -> Mesh | None:
        """The mesh of the model's surface now (None while a slow one is being built)."""
        key = (model.surface_version, model.spec.name)
        if key != self._key:
            self._key, self._mesh, self._error = key, None, ""
            spec = model.spec
            if is_slow(spec):
                threading.Thread(target=self._build, args=(key, spec), daemon=True).start()
            else:
                self._build(key, spec)
        return self._mesh

    def _build(self, key: object, spec) -> None:
        try:
            mesh = surface_mesh(spec)
        except Exception as exc:  # noqa: BLE001 - said in the view, the app goes on
            if key == self._key:
                self._error = f"{type(exc).__name__}: {exc}"
            return
        if key == self._key:  # a mesh for a surface the user has left is dropped
            self._mesh = mesh

    # -- drawing -----------------------------------------------------------------------------
    def draw(self, screen: pygame.Surface, rect: pygame.Rect, model, text: Text) -> None:
        mesh = self.mesh_for(model)
        if mesh is None:
            screen.fill(palette.PANEL, rect)
            words = (
                t("landscape.view3d_error", reason=self._error)
                if self._error
                else t("landscape.view3d_building")
            )
            text.blit(screen, words, rect.center, 15, palette.TEXT_DIM, anchor="center")
            return
        self._drawn_in = pygame.Rect(rect)
        draw_surface3d(screen, rect, mesh, self.camera, tracks_of(model), text, self.moving)
