"""Ctrl+S / Ctrl+O in every scene: save the current scene's setup as TOML, open one.

Owned by the tab strip (it outlives every scene): Ctrl+S writes ``SCENE-TIME.toml`` into the setups
folder and says where on screen; Ctrl+O shows pygame_gui's file dialog and applies the file picked
(switching scene if it names another). A bad file is one sentence on screen; the app goes on.
What saves and opens a setup (``files``: explorer.app.setup_files) is handed in by the shell:
this layer imports nothing above it.
"""

from __future__ import annotations

from pathlib import Path

import pygame
import pygame_gui
from pygame_gui.windows import UIFileDialog

from explorer import setups
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.theme import load_theme

MESSAGE_S = 8.0
DIALOG_SIZE = (640, 440)
_BLOCKED = (
    pygame.KEYDOWN,
    pygame.KEYUP,
    pygame.TEXTINPUT,
    pygame.MOUSEBUTTONDOWN,
    pygame.MOUSEBUTTONUP,
    pygame.MOUSEWHEEL,
)


class SetupKeys:
    def __init__(self, tabs, files=None) -> None:
        """``files``: ``save_current(tabs, folder)`` and ``open_in(tabs, path)`` (None: the keys
        are not taken)."""
        self.tabs = tabs
        self.files = files
        self.manager = pygame_gui.UIManager(
            tabs.size, load_theme(), enable_live_theme_updates=False
        )
        self.dialog: UIFileDialog | None = None
        # the dialog last shown: it posts the path picked and closes itself in the same frame,
        # so the path arrives after ``dialog`` is None and is recognised by this
        self.asked: UIFileDialog | None = None
        self.folder: Path | None = None  # None: setups.default_folder()
        self.message, self.level, self.until, self.clock = "", "info", 0.0, 0.0

    # -- actions ----------------------------------------------------------------------------
    def say(self, text: str, level: str = "info") -> None:
        self.message, self.level, self.until = text, level, self.clock + MESSAGE_S

    def save(self) -> Path | None:
        try:
            path = self.files.save_current(self.tabs, self.folder)
        except (OSError, ValueError) as exc:
            self.say(t("setup.not_saved", reason=exc), "error")
            return None
        self.say(t("setup.saved", path=path))
        return path

    def ask(self) -> None:
        """The file dialog, in the setups folder."""
        if self.dialog is not None:
            return
        folder = self.folder or setups.default_folder()
        start = folder if folder.is_dir() else Path.cwd()
        w, h = self.tabs.size
        size = (min(DIALOG_SIZE[0], w - 40), min(DIALOG_SIZE[1], h - 60))
        rect = pygame.Rect(((w - size[0]) // 2, (h - size[1]) // 2), size)
        self.dialog = UIFileDialog(
            rect,
            self.manager,
            window_title=t("setup.open_title"),
            initial_file_path=str(start),
            allow_existing_files_only=True,
            allowed_suffixes={".toml"},
            always_on_top=True,
        )
        self.asked = self.dialog

    def open(self, path: Path | str) -> bool:
        try:
            text = self.files.open_in(self.tabs, path)
        except (OSError, ValueError, RecursionError) as exc:
            self.say(t("setup.not_opened", reason=exc), "error")
            return False
        self.say(text)
        return True

    # -- the scene life cycle (called by the tab strip) -------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame_gui.UI_FILE_DIALOG_PATH_PICKED and (
            event.ui_element is not None and event.ui_element is self.asked
        ):
            self.dialog = self.asked = None
            self.open(event.text)
            return True
        if self.dialog is not None:
            if event.type == pygame.KEYDOWN and event.key == pygame.K_ESCAPE:
                self.dialog.kill()
                self.dialog = None
                return True
            consumed = self.manager.process_events(event)
            if event.type == pygame_gui.UI_WINDOW_CLOSE and event.ui_element is self.dialog:
                self.dialog = None
                return True
            return consumed or event.type in _BLOCKED  # the scene under waits
        if (
            self.files is not None
            and event.type == pygame.KEYDOWN
            and event.mod & (pygame.KMOD_CTRL | pygame.KMOD_META)
        ):
            if event.key == pygame.K_s:
                self.save()
                return True
            if event.key == pygame.K_o:
                self.ask()
                return True
        return False

    def update(self, dt: float) -> None:
        self.clock += dt
        if self.dialog is not None:
            self.manager.update(dt)
            if not self.dialog.alive():
                self.dialog = None

    def resize(self, size: tuple[int, int]) -> None:
        self.manager.set_window_resolution(size)
        if self.dialog is not None:
            self.dialog.kill()
            self.dialog = None

    def draw(self, screen: pygame.Surface) -> None:
        if self.dialog is not None:
            self.manager.draw_ui(screen)
        if self.message and self.clock < self.until:
            text = self.tabs.text
            w, h = screen.get_size()
            size = 15
            lines = text.wrap(self.message, size, min(900, w - 80))[:3]
            line_h = size + 6
            box = pygame.Rect(0, 0, max(text.font(size).size(t)[0] for t in lines) + 28, 0)
            box.h = line_h * len(lines) + 16
            box.midbottom = (w // 2, h - 24)
            colour = palette.ERROR if self.level == "error" else palette.TEXT
            pygame.draw.rect(screen, (14, 16, 20), box, border_radius=6)
            pygame.draw.rect(screen, colour, box, 1, border_radius=6)
            for i, line in enumerate(lines):
                text.blit(screen, line, (box.x + 14, box.y + 8 + i * line_h), size, colour)
