"""The hovered hidden unit of the Network lab: which unit is under the mouse, and its card (what
it computes, enlarged, with its range and incoming weights) drawn beside it, made once per
snapshot's maps."""

from __future__ import annotations

import pygame

from explorer.app.scenes.network.network_view import unit_at
from explorer.app.scenes.network.neuron_pictures import render_card
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px


def unit_under(self, pos: tuple[int, int]) -> tuple[int, int, int] | None:
    """(net, hidden layer, unit) drawn at ``pos`` in the scene ``self``, or None."""
    for i, cols in enumerate(self.layout.columns):
        picture, rect = self.nets.get(i), cols["net"]
        if picture is not None and rect.collidepoint(pos):
            found = unit_at(picture, (pos[0] - rect.x, pos[1] - rect.y))
            return (i, *found) if found is not None else None
    return None


def draw_card(self, screen) -> None:
    """The hovered hidden unit, enlarged beside it: what it computes, its range and its
    incoming weights (made once per snapshot's maps)."""
    if self.hover is None:
        return
    i, layer, unit = self.hover
    snaps, picture = self.model.snapshots, self.nets.get(i)
    if i >= len(snaps) or picture is None or i >= len(self.layout.columns):
        return
    snap = snaps[i]
    neurons = snap.function.neurons if snap.function is not None else None
    if neurons is None:
        return
    key = (id(neurons), id(snap.layers), i, layer, unit, px(100), t("neurons.incoming", n=0))
    if self._card[0] != key:
        weights = None
        if layer < len(snap.layers) and int(snap.config.get("pieces") or 1) == 1:
            weights = snap.layers[layer].weight
        self._card = (key, render_card(neurons, weights, layer, unit, self.text))
    card = self._card[1]
    column = picture.centres[layer + 1] if layer + 1 < len(picture.centres) else []
    centre = next((c for u, c in column if u == unit), None)
    if card is None or centre is None:
        return
    net = self.layout.columns[i]["net"]
    x, y = net.x + centre[0], net.y + centre[1]
    half = max(picture.tile, 2 * picture.radius) // 2
    ring = pygame.Rect(x - half - px(2), y - half - px(2), 2 * half + px(4), 2 * half + px(4))
    pygame.draw.rect(screen, palette.TEXT, ring, lw(2))
    gap = half + px(8)
    at = card.get_rect(midleft=(x + gap, y))
    if at.right > self.layout.main.right:
        at.right = x - gap
    at.clamp_ip(self.layout.main)
    screen.blit(card, at)
