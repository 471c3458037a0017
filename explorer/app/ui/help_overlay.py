"""The help sheet (h): every key and mouse action, over the scene, which keeps running."""

from __future__ import annotations

import pygame

from explorer.app.ui import palette
from explorer.app.ui.scene import Scene
from explorer.app.ui.text import Text

KEYS = [
    ("space", "play / pause"),
    ("→", "one step"),
    ("r", "reset the balls to the start"),
    ("1 – 9", "surfaces in menu order"),
    ("+ / −", "faster / slower"),
    ("tab", "select the next ball"),
    ("a", "arrows on / off for the selected ball"),
    ("i", "inspect the selected ball's point"),
    ("f", "fit the whole surface in view"),
    ("e", "export trajectories to CSV"),
    ("F2 – F5", "Landscape, Network lab, Activations, Dropout"),
    ("F11", "full screen"),
    ("h  /  esc", "this help / close"),
]
MOUSE = [
    ("click the map", "start every ball there"),
    ("drag", "pan"),
    ("wheel", "zoom around the pointer"),
    ("right-click", "inspect a point or a ball"),
    ("Inspect button", "left clicks inspect too"),
    ("formula box", "type f(x, y), press Enter"),
]
INPUT_EVENTS = {
    pygame.KEYDOWN, pygame.KEYUP, pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP,
    pygame.MOUSEMOTION, pygame.MOUSEWHEEL, pygame.TEXTINPUT, pygame.TEXTEDITING,
}  # fmt: skip


class HelpOverlay(Scene):
    opaque = False
    updates_below = True

    def __init__(
        self,
        text: Text | None = None,
        keys: list[tuple[str, str]] | None = None,
        mouse: list[tuple[str, str]] | None = None,
        title: str = "Keys and mouse",
    ) -> None:
        super().__init__()
        self.text = text or Text()
        self.keys = KEYS if keys is None else keys
        self.mouse = MOUSE if mouse is None else mouse
        self.title = title
        self.sheet: pygame.Surface | None = None  # the shade and the panel, built once per size

    def prepare(self) -> None:
        size = self.app.screen.get_size() if self.app is not None else (1280, 720)
        if self.sheet is None or self.sheet.get_size() != size:
            self.sheet = self._render(size)

    def handle_event(self, event) -> bool:
        closing = (
            event.type == pygame.KEYDOWN and event.key in (pygame.K_h, pygame.K_ESCAPE, pygame.K_F1)
        ) or (event.type == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) in (1, 3))
        if closing and self.app is not None:
            self.app.pop(self)
        return event.type in INPUT_EVENTS

    def draw(self, screen: pygame.Surface) -> None:
        if self.sheet is not None:
            screen.blit(self.sheet, (0, 0))

    def _render(self, size) -> pygame.Surface:
        w, h = size
        sheet = pygame.Surface((w, h), pygame.SRCALPHA)
        sheet.fill((10, 12, 16, 170))
        pw, ph = 760, 110 + 25 * max(len(self.keys), len(self.mouse))
        panel = pygame.Rect((w - pw) // 2, (h - ph) // 2, pw, ph)
        pygame.draw.rect(sheet, palette.PANEL, panel, border_radius=8)
        pygame.draw.rect(sheet, palette.PANEL_LINE, panel, 1, border_radius=8)
        t = self.text
        t.blit(sheet, self.title, (panel.x + 24, panel.y + 16), 20, palette.TEXT, "bold")
        t.blit(
            sheet,
            "h or esc closes this",
            (panel.right - 24, panel.y + 22),
            13,
            palette.TEXT_DIM,
            anchor="topright",
        )
        for col, (title, rows) in enumerate((("Keys", self.keys), ("Mouse", self.mouse))):
            x = panel.x + 24 + col * 380
            y = panel.y + 60
            t.blit(sheet, title, (x, y), 15, (143, 180, 255), "bold")
            y += 28
            for key, what in rows:
                t.blit(sheet, key, (x, y), 14, palette.WARN, "mono")
                t.blit(sheet, what, (x + 130, y), 14, palette.TEXT)
                y += 25
        return sheet
