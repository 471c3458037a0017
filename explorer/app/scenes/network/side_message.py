"""The Network lab's message room under its side panel (``controls.message_rect``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t

if TYPE_CHECKING:
    from explorer.app.scenes.network.scene import NetworkScene


def draw_side_message(scene: NetworkScene, screen: pygame.Surface) -> None:
    """Under the side panel: the lab's message (an error in red), else what the drawing leaves
    out (sampled layers, dropped units), as many lines as the room holds."""
    m, rect = scene.model, scene.controls.message_rect
    lines = []
    if m.message:
        colour = palette.ERROR if m.message_kind == "error" else palette.TEXT
        lines = [(line, colour) for line in scene.text.wrap(m.message, 13, rect.w)]
    else:
        sampled = any(p.sampled for p in scene.nets.values())
        note = t("network.note_sampled") if sampled else ""
        note += t("network.note_dropped") if m.config.dropout else ""
        lines = [(line, palette.TEXT_DIM) for line in scene.text.wrap(note, 13, rect.w)]
    step = scene.text.line_height(13)
    for k, (line, colour) in enumerate(lines[: max(1, rect.h // step)]):
        scene.text.blit(screen, line, (rect.x, rect.y + step * k), 13, colour)
