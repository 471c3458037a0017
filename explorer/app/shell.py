"""The whole app on one screen: the scene tabs and the four scenes they switch between."""

from __future__ import annotations

import pygame

from explorer.app.ui.app_loop import App
from explorer.app.ui.scene import Scene
from explorer.app.ui.scene_tabs import SceneTabs
from explorer.plugins import Registry


def scene_factories(registry: Registry, backend: str = "process") -> dict:
    """name → ``factory(size) -> Scene``; each imports its scene only when first shown."""

    def landscape(size) -> Scene:
        from explorer.app.scenes.landscape.model import LandscapeModel
        from explorer.app.scenes.landscape.scene import LandscapeScene

        return LandscapeScene(LandscapeModel(registry), size)

    def network(size) -> Scene:
        from explorer.app.scenes.network.scene import NetworkScene

        return NetworkScene.for_app(registry, size, backend=backend)

    def activations(size) -> Scene:
        from explorer.app.scenes.activations.scene import ActivationScene

        return ActivationScene(registry, size)

    def dropout(size) -> Scene:
        from explorer.app.scenes.dropout.scene import DropoutScene

        return DropoutScene(registry, size)

    return {
        "landscape": landscape,
        "network": network,
        "activations": activations,
        "dropout": dropout,
    }


def build_app(
    registry: Registry,
    screen: pygame.Surface,
    first: str = "landscape",
    *,
    windowed: bool = True,
    backend: str = "process",
    scenes: dict | None = None,
) -> tuple[App, SceneTabs]:
    """An App showing ``first`` under the tabs. ``scenes`` may replace some factories (e.g. a
    Landscape built from a prepared model)."""
    factories = scene_factories(registry, backend) | (scenes or {})
    app = App(screen, windowed=windowed)
    tabs = SceneTabs(factories, screen.get_size())
    app.push(tabs)
    if not tabs.show(first):
        raise ValueError(tabs.error or f"unknown scene {first!r}")
    return app, tabs
