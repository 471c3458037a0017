"""The strip of tabs across the top of the window: one tab per row of the table of scenes it is
given (explorer.app.scene_table, which the shell passes in: this layer never imports it).

It sits on the scene stack above the current scene, owns the top ``TAB_H`` pixels, and swaps the
scene under it. Each scene is built the first time it is shown and kept, so switching back finds
it as it was left (a race mid-way, a net still training). A scene that fails to build is reported
in the strip and the current one stays.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator

import pygame
import pygame_gui
from pygame_gui.elements import UIButton

from explorer.app.ui import palette, scale
from explorer.app.ui.frame import tab_h
from explorer.app.ui.help_overlay import show_help
from explorer.app.ui.i18n import language, t
from explorer.app.ui.scene import Scene
from explorer.app.ui.scene_keys import key_code
from explorer.app.ui.setup_keys import SetupKeys
from explorer.app.ui.text import Text
from explorer.app.ui.theme import ui_manager

TAB_W = 120
HELP_W = 64  # the Help button at the strip's right end


class SceneTabs(Scene):
    opaque = False
    updates_below = True

    def __init__(
        self,
        factories: dict[str, Callable[[tuple[int, int]], Scene]],
        size: tuple[int, int],
        text: Text | None = None,
        entries: tuple = (),
        files=None,
    ) -> None:
        """``entries``: the table of scenes (rows with name, label, key), in tab order.
        ``files``: what Ctrl+S / Ctrl+O save and open with (explorer.app.setup_files; None: the
        keys do nothing, as in the splash's picture of the strip)."""
        super().__init__()
        # told the name of the scene on screen, before it is built and every frame (the app's
        # worker pool: that scene's work first, hidden scenes' held); None: nobody listens
        self.follow: Callable[[str], None] | None = None
        self.entries = tuple(entries)
        self.factories = factories
        self.built: dict[str, Scene] = {}
        # scenes being built in pieces, each with the size, scale and language it is laid out for
        self.building: dict[str, tuple[Generator[None, None, Scene], tuple]] = {}
        self.current = ""
        self.size = size
        self.text = text or Text()
        self.error = ""
        self.manager = ui_manager(size)
        self.buttons: dict[str, UIButton] = {}
        self._build()
        self.setup_keys = SetupKeys(self, files)  # Ctrl+S / Ctrl+O in every scene

    def _build(self) -> None:
        self.manager.clear_and_reset()
        self.buttons = {}
        x, tab_w = scale.px(6), scale.px(TAB_W)
        for entry in self.entries:
            name, label = entry.name, entry.label
            if name not in self.factories:
                continue
            button = UIButton(
                pygame.Rect(x, scale.px(2), tab_w, tab_h() - scale.px(4)),
                label,
                self.manager,
                tool_tip_text=t("tabs.tooltip", label=label, shortcut=entry.key),
            )
            if name == self.current:
                button.select()
            self.buttons[name] = button
            x += tab_w + scale.px(4)
        self.help_button = UIButton(
            pygame.Rect(
                self.size[0] - scale.px(HELP_W + 6),
                scale.px(2),
                scale.px(HELP_W),
                tab_h() - scale.px(4),
            ),
            t("tabs.help"),
            self.manager,
            tool_tip_text=t("tabs.help_tooltip"),
        )

    @property
    def names(self) -> list[str]:
        return [e.name for e in self.entries if e.name in self.factories]

    def scene(self) -> Scene | None:
        return self.built.get(self.current)

    def build(self, name: str) -> Scene:
        """``name``'s scene, built now if it is not yet (a lesson builds its next scene while the
        teacher talks), laid out for the tabs' size, scale and language: shown later without
        being laid out again (that was half a second of the lesson's → on the Network lab).
        A build begun in pieces is finished at once."""
        while name not in self.built:
            self.build_piece(name)
        return self.built[name]

    def pieces(self, name: str) -> Iterator[None]:
        """``build(name)`` a piece at a time, for a caller that draws a frame between pieces (a
        lesson readying its next scene: building it at once froze the picture for a second)."""
        while not self.build_piece(name):
            yield

    def build_piece(self, name: str) -> bool:
        """One more piece of ``name``'s scene (its factory's ``pieces``; a factory without them
        builds it in one); True once it is built. Its failure is raised, its model closed."""
        if name in self.built:
            return True
        if name not in self.building:
            factory = self.factories[name]
            maker = getattr(factory, "pieces", None)
            pieces = maker(self.size) if maker is not None else _one_piece(factory, self.size)
            self.building[name] = (pieces, (self.size, scale.factor(), language()))
        pieces, laid_out = self.building[name]
        if self.follow is not None:
            self.follow(name)  # the workers it starts are its own, not the shown scene's
        try:
            next(pieces)
            return False
        except StopIteration as done:
            scene = done.value
        except BaseException:
            del self.building[name]
            raise
        finally:
            if self.follow is not None:
                self.follow(self.current)
        del self.building[name]
        scene.__dict__["_shown_size"] = laid_out  # (shown in another: laid out again then)
        self.built[name] = scene
        return True

    def show(self, name: str) -> bool:
        """Make ``name`` the scene under the tabs (built on first use)."""
        if name == self.current or name not in self.factories or self.app is None:
            return name == self.current
        scene = self.built.get(name)
        if self.follow is not None:
            self.follow(name)  # (before it is built: the workers it starts are its own)
        if scene is None:
            try:
                scene = self.build(name)  # (one begun in pieces: finished now)
            except Exception as exc:  # noqa: BLE001 - a scene that cannot start is reported
                if self.follow is not None:
                    self.follow(self.current)
                labels = {e.name: e.label for e in self.entries}
                self.error = t("tabs.could_not_start", scene=labels.get(name, name), reason=exc)
                return False
            if self.follow is not None:
                self.follow(name)
        if scene.__dict__.get("_shown_size") != (self.size, scale.factor(), language()):
            scene.resize(self.size)  # a size, scale or language it has not been laid out for
        scene.app = self.app
        scene.__dict__["_shown_size"] = (self.size, scale.factor(), language())
        # the previous scene's overlays (help) go with it; the scene itself is kept for later
        stack = self.app.scenes
        while stack and stack[-1] is not self:
            stack.pop().close()
        old = self.scene()
        if old is not None and old in stack:
            stack.remove(old)
        stack.insert(0, scene)
        self.current = name
        self.error = ""
        for key, button in self.buttons.items():
            (button.select if key == name else button.unselect)()
        return True

    def open(self, name: str, handoff=None) -> str:
        """Show ``name`` and hand it ``handoff``; "" when done, else why not (one sentence). A
        ``SetupHandoff`` is applied as a setup file's values are (a refusal: the scene shown
        before is shown again, its state untouched)."""
        from explorer.app.ui.handoff import SetupHandoff  # numpy: not on the first frame's path

        previous = self.current
        if not self.show(name):
            return self.error or f"there is no {name} scene"
        if isinstance(handoff, SetupHandoff) and self.setup_keys.files is not None:
            try:
                self.setup_keys.files.apply_to_scene(
                    self.scene(), handoff.values, handoff.source, self.size
                )
            except ValueError as exc:
                if previous and previous != name:
                    self.show(previous)
                return str(exc)
            if handoff.note and self.app is not None:
                self.app.say(handoff.note)
            return ""
        if handoff is not None:
            try:
                self.scene().receive(handoff)
            except (ValueError, LookupError) as exc:
                return str(exc)
        return ""

    def handle_event(self, event: pygame.event.Event) -> bool:
        if self.setup_keys.handle_event(event):
            return True
        if event.type == pygame.KEYDOWN:
            for entry in self.entries:
                if event.key == key_code(entry.key):
                    self.show(entry.name)
                    return True
        if (
            event.type == pygame.KEYDOWN
            and event.key == pygame.K_TAB
            and event.mod & pygame.KMOD_CTRL
        ):
            names = self.names
            if self.current in names:
                self.show(names[(names.index(self.current) + 1) % len(names)])
            return True
        consumed = self.manager.process_events(event)
        if event.type == pygame_gui.UI_BUTTON_PRESSED:
            if event.ui_element is self.help_button:
                show_help(self.app)
                return True
            for name, button in self.buttons.items():
                if event.ui_element is button:
                    self.show(name)
                    return True
        pos = getattr(event, "pos", None)
        in_strip = pos is not None and 0 <= pos[1] < tab_h()
        return consumed or (in_strip and event.type != pygame.MOUSEMOTION)

    def update(self, dt: float) -> None:
        self.manager.update(dt)
        self.setup_keys.update(dt)
        if self.follow is not None:
            self.follow(self.current)  # a lane that got work or ended changes who may go on
        for name, scene in self.built.items():
            if name != self.current:
                scene.update_hidden(dt)  # work that goes on behind another tab

    def idle(self) -> bool:
        return True  # the strip changes only on input (which always redraws)

    def resize(self, size: tuple[int, int]) -> None:
        self.size = size
        self.manager = ui_manager(size, self.manager)
        self._build()
        self.setup_keys.resize(size)
        current = self.scene()
        if current is not None:
            current.__dict__["_shown_size"] = (size, scale.factor(), language())

    def draw(self, screen: pygame.Surface) -> None:
        th, px = tab_h(), scale.px
        strip = pygame.Rect(0, 0, screen.get_width(), th)
        screen.fill(palette.BACKGROUND, strip)
        pygame.draw.line(screen, palette.PANEL_LINE, (0, th - 1), (strip.right, th - 1))
        right = px(6 + len(self.buttons) * (TAB_W + 4) + 8)
        if self.error:
            self.text.blit(
                screen,
                self.text.ellipsize(self.error, 13, strip.w - right - px(HELP_W + 20)),
                (right, th // 2),
                13,
                palette.ERROR,
                anchor="midleft",
            )
        elif self.app is not None and getattr(self.app, "scale_note", ""):
            note = self.text.ellipsize(self.app.scale_note, 13, strip.w - right - px(HELP_W + 20))
            self.text.blit(
                screen,
                note,
                (strip.right - px(HELP_W + 18), th // 2),
                13,
                palette.WARN,
                anchor="midright",
            )
        else:
            self.text.blit(
                screen,
                t("app.title"),
                (strip.right - px(HELP_W + 18), th // 2),
                13,
                palette.TEXT_DIM,
                "bold",
                anchor="midright",
            )
        self.manager.draw_ui(screen)
        self.setup_keys.draw(screen)

    def close(self) -> None:
        for pieces, _ in self.building.values():
            pieces.close()  # a scene half built: its model closed
        self.building.clear()
        for scene in self.built.values():
            scene.close()
        self.built.clear()


def _one_piece(factory: Callable[[tuple[int, int]], Scene], size) -> Generator[None, None, Scene]:
    """A factory that cannot build in pieces, as one piece."""
    return factory(size)
    yield  # (a generator)
