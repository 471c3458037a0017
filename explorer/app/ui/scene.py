"""A scene: one screen of the app (Landscape, Network lab, ...), or an overlay (help, tabs).

The contract every scene keeps, so the shell, headless render, saved setups and lessons drive
every scene the same way:

- ``handle_event`` / ``update(dt)`` / ``prepare()`` / ``draw(screen)`` each frame (``draw``
  changes no state; ``prepare`` only brings derived pictures up to date);
- ``resize(size)`` on a new window size, ``close()`` once at the end (stop workers);
- ``model``: the scene's pygame-free state, a ``SceneModel``: ``setup()`` returns the plain
  dataclass of everything a user can set, ``apply(setup)`` puts one in place (all or nothing);
- ``wait_ready(timeout)``: block until the scene's background work for the current setup is done
  (headless render and tests call it; the app never does);
- ``help_sheet()``: the keys and the legend the help overlay shows for this scene;
- ``idle()``: True while nothing on screen changes without input (the app then stops drawing);
- ``receive(handoff)``: what another scene hands over when it opens this one (``App.open_scene``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, runtime_checkable

import pygame

from explorer.app.ui import palette
from explorer.app.ui.scale import lw
from explorer.app.ui.text import Text
from explorer.app.ui.text_slot import CaptionLook, TextSlot
from explorer.app.ui.theme import ui_manager


@runtime_checkable
class SceneModel(Protocol):
    """What every scene's model gives the shell, setup files, headless render and lessons (a
    lesson's driver adds what only its scene has). No pygame: the model is the scene's state and
    rules; the scene draws it."""

    def setup(self) -> Any:
        """Everything a user can set, as a plain dataclass (None: nothing yet)."""
        ...

    def apply(self, setup: Any) -> None:
        """Put ``setup`` in place, validated first: all or nothing."""
        ...

    def update(self, dt: float) -> Any:
        """Move on by ``dt`` seconds and take in what background work answered (never waits)."""
        ...

    def readouts(self) -> Mapping[str, Any]:
        """The live numbers a lesson's captions and conditions read."""
        ...

    def wait(self, timeout: float) -> None:
        """Block until the background work for the current setup is done (headless only)."""
        ...

    def close(self) -> None:
        """Stop its workers."""
        ...


class Scene:
    """The App calls, each frame: ``handle_event`` for each event (top scene first; return True
    to consume it), ``update(dt)`` zero or more times with a fixed dt, ``prepare()`` once, then
    ``draw`` from the lowest visible scene up. ``draw`` must change no state."""

    #: an opaque scene hides the scenes under it (they are not drawn)
    opaque = True
    #: an overlay lets the scenes under it keep updating (a help sheet does not pause the race)
    updates_below = False
    #: the scene's pygame-free state (None for overlays)
    model: SceneModel | None = None

    def __init__(self) -> None:
        self.app = None  # set by App.push

    def handle_event(self, event: pygame.event.Event) -> bool:
        return False

    def update(self, dt: float) -> None:
        pass

    def update_hidden(self, dt: float) -> None:
        """While another scene's tab is shown: keep background work going that the user
        expects to go on (the Network lab hands out its steps at a set speed). Nothing is
        drawn; by default nothing happens."""

    def prepare(self) -> None:
        """Bring caches up to date before ``draw`` (derived pictures, never the model)."""

    def draw(self, screen: pygame.Surface) -> None:
        pass

    def resize(self, size: tuple[int, int]) -> None:
        pass

    def close(self) -> None:
        """Stop the scene's background work (its model's workers)."""
        if self.model is not None:
            self.model.close()

    # -- the contract lessons, setups and headless render rely on ------------------------------
    def setup(self):
        """Everything a user can set in this scene, as a plain dataclass (None: nothing)."""
        return self.model.setup() if self.model is not None else None

    def apply(self, setup) -> None:
        """Put ``setup`` in place (the model validates it first: all or nothing)."""
        if self.model is None:
            raise ValueError("this scene has no settings")
        self.model.apply(setup)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the background work for the current setup is done (the model's
        ``wait``), then prepare."""
        if self.model is not None:
            self.model.wait(timeout)
        self.prepare()

    def receive(self, handoff) -> None:
        """Take what another scene hands over through ``App.open_scene`` (the Network lab hands
        the Landscape a slice through its net); a scene that takes nothing says so."""
        raise ValueError(f"{type(self).__name__} takes nothing from another scene")

    def help_sheet(self):
        """The keys and legend of this scene's help overlay (None: the overlay has nothing)."""
        return None

    def show_help(self) -> None:
        """Open the help sheet over this scene (the Help buttons; h and F1 reach it too). The
        App opens it: the help overlay is a Scene, so this module does not import it."""
        if self.app is not None:
            self.app.show_help()

    def idle(self) -> bool:
        """True while the picture would not change without input (a paused race): the app
        then skips drawing. The safe default is False: always drawn."""
        return False


class ModelScene(Scene):
    """One screen of the app on its model (every scene of the table builds one as
    ``Scene(model, size)``): what each of them needs is set up here, once: the model, the text
    renderer, the pygame_gui manager sized to the layout, the toolbar band under the tabs, and
    the captions and widgets drawn over its pictures (``draw_widgets``)."""

    #: how a caption of each style looks (``TextSlot.style``); a style not listed is a label's
    CAPTION_LOOKS: Mapping[str, CaptionLook] = {
        "header": CaptionLook(15, palette.TEXT, "bold"),
        "value": CaptionLook(13, palette.TEXT, "mono"),
        "label": CaptionLook(13, palette.TEXT_DIM),
    }

    def __init__(self, model: SceneModel, layout_size: tuple[int, int]) -> None:
        super().__init__()
        self.model = model
        self.text = Text()
        self.manager = ui_manager(layout_size)

    def renew_manager(self, layout_size: tuple[int, int]) -> None:
        """A new size, scale or language: the widgets' manager, with the theme at that scale."""
        self.manager = ui_manager(layout_size, self.manager)

    def draw_toolbar(self, screen: pygame.Surface, toolbar: pygame.Rect) -> None:
        """The background, and the toolbar band with its line (the widgets are drawn on it)."""
        screen.fill(palette.BACKGROUND)
        screen.fill(palette.PANEL, toolbar)
        pygame.draw.line(screen, palette.PANEL_LINE, toolbar.bottomleft, toolbar.bottomright, lw())

    def draw_widgets(
        self,
        screen: pygame.Surface,
        captions: Iterable[TextSlot],
        looks: Mapping[str, CaptionLook] | None = None,
    ) -> None:
        """What every scene draws last, over its pictures: its controls' ``captions``, each in
        its style's look (``looks``, else ``CAPTION_LOOKS``; a style not in them: ``label``),
        then the pygame_gui widgets."""
        looks = self.CAPTION_LOOKS if looks is None else looks
        for slot in captions:
            slot.draw_as(screen, self.text, looks.get(slot.style, looks["label"]))
        self.manager.draw_ui(screen)
