"""The app: a stack of scenes and one loop (events → fixed-timestep updates → draw).

``tick(frame_seconds, events)`` is the whole loop body, so tests and the headless renderer drive
the app with fake time and synthetic events; ``run()`` feeds it the real clock and event queue.

In ``run()`` the app is *lazy*: when no input came for ``QUIET_S`` and every scene on screen says
it is ``idle()`` (a paused race, a finished net), nothing is drawn or flipped, so a paused app
costs next to no CPU. h / F1 open the help sheet of the scene on screen, whatever the scene;
Ctrl+L switches the language (English ↔ 中文) live; Ctrl+Q quits.
"""

from __future__ import annotations

import time

import pygame

from explorer.app.ui import i18n, scale
from explorer.app.ui.frame import MIN_SIZE
from explorer.app.ui.help_overlay import show_help, typing
from explorer.app.ui.scene import Scene

# Ctrl + these keys: larger, smaller, back to the window's own scale
SCALE_KEYS = {
    pygame.K_EQUALS: 1,
    pygame.K_PLUS: 1,
    pygame.K_KP_PLUS: 1,
    pygame.K_MINUS: -1,
    pygame.K_KP_MINUS: -1,
    pygame.K_0: 0,
    pygame.K_KP_0: 0,
}
SCALE_NOTE_S = 4.0  # how long the tab strip says what a scale key did
DT = 1 / 60  # the fixed update step
MAX_UPDATES_PER_TICK = 2  # after a long stall, drop time instead of spiralling
MAX_SIZE = (7680, 4320)
IDLE_FPS = 20  # loop rate while nothing is drawn
QUIET_S = 2.0  # after the last input or activity, frames are still drawn this long (hover fades)


class App:
    def __init__(
        self,
        screen: pygame.Surface,
        windowed: bool = True,
        ui_scale: float | None = None,
        lang: str | None = None,
    ) -> None:
        """``ui_scale``: the scale asked for (``--scale``); None picks one from the window.
        ``lang``: the UI's language (``--lang``); None keeps the current one."""
        if lang is not None:
            i18n.set_language(lang)
        self.screen = screen
        self.requested_scale = ui_scale
        scale.set_factor(scale.effective(screen.get_size(), ui_scale))
        self.scale_note = ""  # a sentence about the last scale change, shown for a moment
        self._note_left = 0.0
        if ui_scale is not None and scale.factor() < ui_scale - 1e-6:
            self._say_scale(ui_scale)  # --scale 1.5 in a small window: said at once, not later
            self._note_left = 2 * SCALE_NOTE_S  # (the first scene is still settling)
        self.windowed = windowed  # False when rendering offscreen: no display mode changes
        self.scenes: list[Scene] = []
        self.running = True
        self.fullscreen = False
        self._windowed_size = screen.get_size()
        self._acc = 0.0
        self.frames = 0  # frames drawn
        self.lazy = False  # skip drawing while idle (run() turns it on; tests draw every tick)
        self._quiet = 0.0  # seconds since the last input or the last busy scene
        self._drawn_size = None

    # -- the stack ------------------------------------------------------------------------------
    @property
    def top(self) -> Scene | None:
        return self.scenes[-1] if self.scenes else None

    def push(self, scene: Scene) -> None:
        scene.app = self
        self.scenes.append(scene)

    def pop(self, scene: Scene | None = None) -> None:
        if not self.scenes:
            return
        if scene is None or scene is self.scenes[-1]:
            self.scenes.pop().close()
        elif scene in self.scenes:
            self.scenes.remove(scene)
            scene.close()

    def open_scene(self, name: str, handoff=None) -> str:
        """Show the scene ``name`` under the scene tabs, handing it ``handoff`` (its
        ``receive``): how one scene opens another without importing it. Returns "" when it is
        shown, else why not, in one sentence."""
        opener = next((s for s in self.scenes if callable(getattr(s, "open", None))), None)
        if opener is None:
            return f"there is no {name} scene in this window"
        return opener.open(name, handoff)

    # -- the loop -------------------------------------------------------------------------------
    def tick(self, frame_seconds: float, events, draw: bool = True) -> bool:
        """One frame; returns whether it was drawn (a lazy app skips idle frames). ``draw``
        False: the updates only (a recording settles the scenes' work before it draws)."""
        events = list(events)
        for event in events:
            self.handle_event(event)
        self._acc += min(max(frame_seconds, 0.0), MAX_UPDATES_PER_TICK * DT)
        if self._note_left > 0:
            self._note_left -= max(frame_seconds, 0.0)
            if self._note_left <= 0:
                self.scale_note = ""
        updates = 0
        while self._acc >= DT - 1e-9 and updates < MAX_UPDATES_PER_TICK:
            for scene in self._updating():
                scene.update(DT)
            self._acc -= DT
            updates += 1
        if not draw:
            return False
        for scene in list(self.scenes):
            scene.prepare()
        busy = bool(events) or not all(scene.idle() for scene in self._visible())
        self._quiet = 0.0 if busy else self._quiet + max(frame_seconds, 0.0)
        size = self.screen.get_size()
        if self.lazy and self._quiet > QUIET_S and self._drawn_size == size:
            return False
        self.draw()
        self._drawn_size = size
        self.frames += 1
        return True

    def _updating(self) -> list[Scene]:
        out = []
        for scene in reversed(self.scenes):
            out.append(scene)
            if not scene.updates_below:
                break
        return out

    def _visible(self) -> list[Scene]:
        first = 0
        for i in range(len(self.scenes) - 1, -1, -1):
            if self.scenes[i].opaque:
                first = i
                break
        return self.scenes[first:]

    def draw(self) -> None:
        for scene in self._visible():
            scene.draw(self.screen)

    def handle_event(self, event: pygame.event.Event) -> None:
        if event.type == pygame.QUIT:
            self.running = False
            return
        if event.type == pygame.KEYDOWN and event.key == pygame.K_F11:
            self.toggle_fullscreen()
            return
        if event.type == pygame.VIDEORESIZE:
            self.resize(event.size)
            return
        if event.type == pygame.KEYDOWN and getattr(event, "mod", 0) & pygame.KMOD_CTRL:
            direction = SCALE_KEYS.get(event.key)
            if direction is not None:
                self.set_scale(scale.step(self.requested_scale, self.screen.get_size(), direction))
                return
            if event.key == pygame.K_l:
                self.set_language(i18n.other())
                return
            if event.key == pygame.K_q:
                self.quit()  # Ctrl+Q: what every help sheet lists under every scene
                return
        for scene in reversed(list(self.scenes)):
            if scene.handle_event(event):
                return
        if event.type == pygame.KEYDOWN and (
            event.key == pygame.K_F1 or (event.key == pygame.K_h and not typing(self))
        ):
            show_help(self)

    def quit(self) -> None:
        """End the loop after this frame (the close button, Ctrl+Q, Ctrl+C, SIGTERM)."""
        self.running = False

    def show_help(self) -> None:
        """Open the help sheet of the scene on screen (h, F1 and every Help button)."""
        show_help(self)

    # -- the window -----------------------------------------------------------------------------
    def resize(self, size) -> None:
        try:
            w, h = int(size[0]), int(size[1])
        except (TypeError, ValueError, IndexError):
            return
        w = min(max(w, MIN_SIZE[0]), MAX_SIZE[0])
        h = min(max(h, MIN_SIZE[1]), MAX_SIZE[1])
        if self.windowed and not self.fullscreen:
            self._windowed_size = (w, h)
        if self.windowed:
            flags = pygame.FULLSCREEN if self.fullscreen else pygame.RESIZABLE
            self.screen = pygame.display.set_mode((w, h), flags)
        else:
            self.screen = pygame.Surface((w, h))
        self._relayout()

    def set_scale(self, requested: float | None) -> None:
        """Ask for UI scale ``requested`` (None: the window's own); every scene re-lays out."""
        self.requested_scale = requested
        self._relayout()
        self._say_scale(requested)

    def _say_scale(self, requested: float | None) -> None:
        """Show the scale drawn now, and the window a larger ``requested`` scale would need."""
        drawn = scale.factor()
        note = i18n.t("app.scale_note", factor=f"{drawn:.3g}")
        if requested is None:
            note += i18n.t("app.scale_own")
        if requested is not None and drawn < requested - 1e-6:
            need = (int(MIN_SIZE[0] * requested), int(MIN_SIZE[1] * requested))
            note += i18n.t(
                "app.scale_needs", factor=f"{requested:g}", width=need[0], height=need[1]
            )
        self.scale_note, self._note_left = note, SCALE_NOTE_S

    def say(self, note: str) -> None:
        """Say ``note`` in the tab strip for a few seconds (where a scale or language note
        goes): what a scene opened from another was handed."""
        self.scale_note, self._note_left = note, 2 * SCALE_NOTE_S

    def set_language(self, lang: str) -> None:
        """Speak ``lang`` (en, zh) from now on: every scene re-lays out in it (words have other
        widths), as after a change of scale. A lesson presenter's L key calls this too."""
        i18n.set_language(lang)
        if self.windowed:
            pygame.display.set_caption(i18n.t("app.window_title"))
        self._relayout()
        self.scale_note, self._note_left = i18n.t("app.language_note"), SCALE_NOTE_S

    def _relayout(self) -> None:
        size = self.screen.get_size()
        scale.set_factor(scale.effective(size, self.requested_scale))
        for scene in self.scenes:
            scene.resize(size)

    def toggle_fullscreen(self) -> None:
        if not self.windowed:
            return
        self.fullscreen = not self.fullscreen
        if self.fullscreen:
            self._windowed_size = self.screen.get_size()
            try:
                self.screen = pygame.display.set_mode((0, 0), pygame.FULLSCREEN)
            except pygame.error:
                self.fullscreen = False
                self.screen = pygame.display.set_mode(self._windowed_size, pygame.RESIZABLE)
        else:
            self.screen = pygame.display.set_mode(self._windowed_size, pygame.RESIZABLE)
        size = self.screen.get_size()
        if size[0] < MIN_SIZE[0] or size[1] < MIN_SIZE[1]:
            self.screen = pygame.display.set_mode(
                (max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])), pygame.RESIZABLE
            )
        self._relayout()

    def run(self, fps: int = 60, *, lazy: bool = True, seconds: float | None = None) -> None:
        """The main loop: real clock and events until the window closes (or ``seconds`` pass).
        ``lazy``: skip drawing while idle, and loop at ``IDLE_FPS`` meanwhile."""
        clock = pygame.time.Clock()
        self.lazy = lazy
        drawn = True
        end = None if seconds is None else time.perf_counter() + seconds
        while self.running and self.scenes and (end is None or time.perf_counter() < end):
            # idle: a slower loop (input still answered within 1/IDLE_FPS s, then full speed)
            seconds_now = clock.tick(fps if drawn else IDLE_FPS) / 1000.0
            drawn = self.tick(seconds_now, pygame.event.get())
            if drawn:
                pygame.display.flip()
