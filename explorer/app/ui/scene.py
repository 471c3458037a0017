"""A scene: one screen of the app (the Landscape now, the Network lab later), or an overlay."""

from __future__ import annotations

import pygame


class Scene:
    """The App calls, each frame: ``handle_event`` for each event (top scene first; return True
    to consume it), ``update(dt)`` zero or more times with a fixed dt, ``prepare()`` once, then
    ``draw`` from the lowest visible scene up. ``draw`` must change no state."""

    #: an opaque scene hides the scenes under it (they are not drawn)
    opaque = True
    #: an overlay lets the scenes under it keep updating (a help sheet does not pause the race)
    updates_below = False

    def __init__(self) -> None:
        self.app = None  # set by App.push

    def handle_event(self, event: pygame.event.Event) -> bool:
        return False

    def update(self, dt: float) -> None:
        pass

    def prepare(self) -> None:
        """Bring caches up to date before ``draw`` (derived pictures, never the model)."""

    def draw(self, screen: pygame.Surface) -> None:
        pass

    def resize(self, size: tuple[int, int]) -> None:
        pass

    def close(self) -> None:
        pass
