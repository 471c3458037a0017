"""A caption drawn beside the widgets by its scene."""

from __future__ import annotations

from dataclasses import dataclass

import pygame


@dataclass(frozen=True)
class CaptionLook:
    """How the captions of one style are drawn: size (points at UI scale 1), colour, font kind;
    ``align`` in the caption's rect ("left", or "right" for a value beside its slider); ``fit``:
    shortened with … to the rect's width (a header that must never lose a letter says False)."""

    size: int
    colour: tuple[int, int, int]
    kind: str = "sans"
    align: str = "left"
    fit: bool = True


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
        self.draw_as(screen, text, CaptionLook(size, colour, kind))

    def draw_as(self, screen, text, look: CaptionLook) -> None:
        """In ``look``: vertically centred in its rect, at its left or right edge."""
        shown = (
            text.ellipsize(self.text, look.size, self.rect.w, look.kind) if look.fit else self.text
        )
        if look.align == "right":
            at, anchor = (self.rect.right, self.rect.centery), "midright"
        else:
            at, anchor = (self.rect.x, self.rect.centery), "midleft"
        text.blit(screen, shown, at, look.size, look.colour, look.kind, anchor)
