"""The whole app on one screen: the tab strip over the scenes of THE table of scenes
(``explorer.app.scene_table``), which it switches.

Adding a scene is one package under ``explorer/app/scenes/`` with its ``SCENE = SceneSpec(...)``
row and its catalogue keys; nothing here changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from explorer.app import scene_table, setup_files
from explorer.app.ui.app_loop import App
from explorer.app.ui.scene_tabs import SceneTabs

if TYPE_CHECKING:  # the app's first frame must not wait for the plugins' torch import
    from explorer.plugins import Registry

#: the scenes of this project's own packages, in tab order (``scene_table.scenes()`` also has
#: the registered ones: that is what the app shows)
SCENES = scene_table.builtin()
SCENE_NAMES = tuple(e.name for e in SCENES)


class SceneFactory:
    """A row's scene for the tabs: ``factory(size)`` builds it at once, ``factory.pieces(size)``
    a piece at a time (a generator returning it)."""

    def __init__(self, row: scene_table.SceneSpec, registry: Registry, backend: str) -> None:
        self.row, self.registry, self.backend = row, registry, backend

    def __call__(self, size: tuple[int, int]):
        return self.row.build(self.registry, size, self.backend)

    def pieces(self, size: tuple[int, int]):
        return self.row.build_pieces(self.registry, size, self.backend)


def scene_factories(registry: Registry, backend: str = "process") -> dict:
    """name → ``factory(size) -> Scene``; each imports its scene only when first shown."""
    return {e.name: SceneFactory(e, registry, backend) for e in scene_table.scenes()}


def _pool_focus(scene: str) -> None:
    """The worker pool's scene on screen (imported here, late: the pool's package brings torch,
    which the first frame does without)."""
    from explorer.training.pool import POOL

    POOL.focus(scene)


def build_app(
    registry: Registry,
    screen: pygame.Surface,
    first: str = "landscape",
    *,
    windowed: bool = True,
    backend: str = "process",
    scenes: dict | None = None,
    ui_scale: float | None = None,
    lang: str | None = None,
) -> tuple[App, SceneTabs]:
    """An App showing ``first`` under the tabs. ``scenes`` may replace some factories (e.g. a
    Landscape built from a prepared model). ``ui_scale``: the UI scale asked for (None: the
    window's own, explorer.app.ui.scale). ``lang``: the UI's language (None: the current one)."""
    factories = scene_factories(registry, backend) | (scenes or {})
    app = App(screen, windowed=windowed, ui_scale=ui_scale, lang=lang)
    tabs = SceneTabs(factories, screen.get_size(), entries=scene_table.scenes(), files=setup_files)
    if backend == "process":
        tabs.follow = _pool_focus
    app.push(tabs)
    if not tabs.show(first):
        raise ValueError(tabs.error or f"unknown scene {first!r}")
    return app, tabs
