"""Driving the app with fake time and synthetic events (tests, scripted tours, screenshots)."""

from __future__ import annotations

import pygame

from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.app.scenes.landscape.scene import LandscapeScene
from explorer.app.ui.app_loop import DT, App
from explorer.plugins import Registry


class Driver:
    """An App on SDL's current video driver (the dummy one in tests) with one scene (the
    Landscape unless ``scene`` is given).

    pygame_gui answers clicks by posting its own events to SDL's queue, so every tick also
    feeds the app what is waiting there, as the real loop does."""

    def __init__(
        self, registry: Registry, size=(1280, 720), scene=None, ui_scale=1.0, **model_kwargs
    ) -> None:
        """``scene``: another scene than the Landscape, by its name in the table of scenes
        (built as its row builds it, its work in threads) or as a factory ``(registry, size) ->
        Scene`` (then ``model`` is None); ``ui_scale``: the UI scale asked for (None: the
        window's own, as the app picks it)."""
        pygame.display.init()
        pygame.font.init()
        screen = pygame.display.set_mode(size)
        pygame.event.clear()
        self.app = App(screen, ui_scale=ui_scale)
        if scene is None:
            self.model = LandscapeModel(registry, **model_kwargs)
            self.scene = LandscapeScene(self.model, size)
        elif isinstance(scene, str):
            from explorer.app.scene_table import spec

            self.model = None
            self.scene = spec(scene).build(registry, size, backend="thread")
        else:
            self.model = None
            self.scene = scene(registry, size)
        self.app.push(self.scene)
        self.tick()

    @property
    def screen(self) -> pygame.Surface:
        return self.app.screen

    def tick(self, n: int = 1, events=(), seconds: float = DT) -> None:
        events = list(events)
        for _ in range(n):
            self.app.tick(seconds, events + pygame.event.get())
            events = []

    def click(self, pos, button: int = 1, ticks: int = 5) -> None:
        pos = (int(pos[0]), int(pos[1]))
        self.tick(
            1, [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))]
        )
        self.tick(
            ticks,
            [
                pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button),
                pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button),
            ],
        )

    def drag(self, start, end, steps: int = 5) -> None:
        events = [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=start, button=1)]
        for k in range(1, steps + 1):
            p = (
                int(start[0] + (end[0] - start[0]) * k / steps),
                int(start[1] + (end[1] - start[1]) * k / steps),
            )
            events.append(
                pygame.event.Event(pygame.MOUSEMOTION, pos=p, rel=(0, 0), buttons=(1, 0, 0))
            )
        events.append(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=end, button=1))
        self.tick(2, events)

    def key(self, key: int, ticks: int = 2, unicode: str = "") -> None:
        """A key pressed and released (pygame_gui's text entry waits for the release)."""
        down = pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode=unicode, scancode=0)
        up = pygame.event.Event(pygame.KEYUP, key=key, mod=0, unicode=unicode, scancode=0)
        self.tick(1, [down])
        self.tick(ticks, [up])

    def type_text(self, text: str) -> None:
        for ch in text:
            self.tick(1, [pygame.event.Event(pygame.TEXTINPUT, text=ch)])
        self.key(pygame.K_RETURN, ticks=3, unicode="\r")

    def wheel(self, pos, y: int) -> None:
        """The wheel turned with the pointer at ``pos``: pygame_gui asks SDL where the pointer
        is (not the events) before it lets a list under it scroll, so the pointer goes there."""
        pygame.mouse.set_pos(pos)
        self.tick(
            1, [pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(0, 0), buttons=(0, 0, 0))]
        )
        self.tick(
            2,
            [
                pygame.event.Event(
                    pygame.MOUSEWHEEL, x=0, y=y, precise_x=0.0, precise_y=float(y), flipped=False
                )
            ],
        )

    def choose(self, menu, option: str) -> None:
        """Open the drop-down ``menu`` with a click and click ``option`` in its list, as a user
        would: a list too long for its room scrolls, so the wheel turns it (over the list) until
        the option shows whole. An option outside the window is an AssertionError: no user
        could click it (a list that ran past the window's edge once hid the lab's last
        options)."""
        self.click(menu.rect.center)
        state = menu.current_state
        listing = getattr(state, "options_selection_list", None)
        assert listing is not None, "the menu did not open"
        names = [item["text"] for item in listing.item_list]
        assert option in names, f"{option!r} not in the menu {names}"
        index = names.index(option)
        for _ in range(len(names) + 1):
            shown = [i for i, item in enumerate(listing.item_list) if item["button_element"]]
            button = listing.item_list[index]["button_element"]
            if button is not None and listing.rect.contains(button.rect):
                break
            self.wheel(listing.rect.center, 1 if index < min(shown, default=0) else -1)
        else:
            raise AssertionError(f"{option!r} never came into view in the menu's list")
        window = self.screen.get_rect()
        assert window.contains(button.rect), (
            f"{option!r} is drawn at {tuple(button.rect)}, outside the {window.size} window"
        )
        self.click(button.rect.center)

    def run(self, seconds: float) -> None:
        self.tick(max(1, round(seconds / DT)))

    def pixel(self, pos) -> tuple[int, int, int]:
        return tuple(self.screen.get_at((int(pos[0]), int(pos[1]))))[:3]
