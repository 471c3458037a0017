"""A caption drawn beside the widgets by its scene."""

from __future__ import annotations

import pygame


class TextSlot:
    """A caption beside the widgets (section titles, slider names and values). Drawn by the
    scene rather than as pygame_gui labels: every UI element costs hover checks each frame."""

    def __init__(self, rect, text: str, style: str = "label") -> None:
        self.rect = pygame.Rect(rect)
        self.text = text
        self.style = style  # "header", "label", "value"

    def set_text(self, text: str) -> None:
        self.text = text

    def kill(self) -> None:
        pass
