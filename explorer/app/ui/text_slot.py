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

    def draw(self, screen, text, size: int, colour, kind: str = "sans") -> None:
        """Left-aligned in its rect, vertically centred, shortened with … when it does not fit."""
        fitted = text.ellipsize(self.text, size, self.rect.w, kind)
        text.blit(screen, fitted, (self.rect.x, self.rect.centery), size, colour, kind, "midleft")
