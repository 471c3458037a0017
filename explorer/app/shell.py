"""The whole app on one screen: ONE table of scenes, the tab strip and the scenes it switches.

Adding a scene is one package under ``explorer/app/scenes/`` and one row in ``SCENES``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame

from explorer.app.ui import i18n
from explorer.app.ui.app_loop import App
from explorer.app.ui.scene import Scene
from explorer.app.ui.scene_tabs import SceneTabs

if TYPE_CHECKING:  # the app's first frame must not wait for the plugins' torch import
    from explorer.plugins import Registry


@dataclass(frozen=True)
class SceneEntry:
    name: str  # the scene's key on the command line, in setups and lessons
    label_key: str  # its tab's label in the string catalogue (assets/i18n)
    key: int  # the function key that shows it
    build: Callable[[Registry, tuple[int, int], str], Scene]  # (registry, size, backend) → scene

    @property
    def label(self) -> str:
        """Its tab, in the current language."""
        return i18n.t(self.label_key)


def _landscape(registry: Registry, size, backend: str) -> Scene:
    from explorer.app.scenes.landscape.model import LandscapeModel
    from explorer.app.scenes.landscape.scene import LandscapeScene

    return LandscapeScene(LandscapeModel(registry, backend=backend), size)


def _network(registry: Registry, size, backend: str) -> Scene:
    from explorer.app.scenes.network.scene import NetworkScene

    return NetworkScene.for_app(registry, size, backend=backend)


def _activations(registry: Registry, size, backend: str) -> Scene:
    from explorer.app.scenes.activations.scene import ActivationScene

    return ActivationScene(registry, size, backend=backend)


def _dropout(registry: Registry, size, backend: str) -> Scene:
    from explorer.app.scenes.dropout.scene import DropoutScene

    return DropoutScene(registry, size, backend=backend)


SCENES: tuple[SceneEntry, ...] = (
    SceneEntry("landscape", "tabs.landscape", pygame.K_F2, _landscape),
    SceneEntry("network", "tabs.network", pygame.K_F3, _network),
    SceneEntry("activations", "tabs.activations", pygame.K_F4, _activations),
    SceneEntry("dropout", "tabs.dropout", pygame.K_F5, _dropout),
)
SCENE_NAMES = tuple(e.name for e in SCENES)


def scene_factories(registry: Registry, backend: str = "process") -> dict:
    """name → ``factory(size) -> Scene``; each imports its scene only when first shown."""
    return {e.name: (lambda size, e=e: e.build(registry, size, backend)) for e in SCENES}


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
    tabs = SceneTabs(factories, screen.get_size(), entries=SCENES)
    app.push(tabs)
    if not tabs.show(first):
        raise ValueError(tabs.error or f"unknown scene {first!r}")
    return app, tabs
