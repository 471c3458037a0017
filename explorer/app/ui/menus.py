"""Drop-down menus whose open list stays inside the window.

pygame_gui opens a list downwards, as tall as ``expansion_height_limit`` allows. A menu low in a
side panel (the lab's "B =" at 1280 × 720, its "side by side" at 1024 × 640) has less room below
it than its options need: with a limit set, the list ran past the window's bottom edge and its
last options could be neither seen nor clicked. ``drop_down`` opens the list upwards where it
does not fit below and there is more room above (the theme's ``#opens_up`` menus), and never lets
it be taller than the room on its side: a list with too little room scrolls (the wheel turns it),
as pygame_gui's own lists do.
"""

from __future__ import annotations

from collections.abc import Sequence

import pygame
from pygame_gui.elements import UIDropDownMenu

from explorer.app.ui.scale import px

# the height of one option at UI scale 1 (the theme's ``list_item_height``, scaled with the rest)
# and what the list adds around the options (a shadow and a border, above and below)
ITEM_H = 20
LIST_FRAME = 8


def room(rect: pygame.Rect, options: int, window_h: int, limit: int | None = None):
    """("down" or "up", the most pixels the open list may take) for a menu at ``rect`` with
    ``options`` options in a window ``window_h`` high; ``limit``: the most it may ever take."""
    need = px(ITEM_H) * options + px(LIST_FRAME)
    below, above = max(0, window_h - rect.bottom), max(0, rect.top)
    side = "down" if need <= below or below >= above else "up"
    space = below if side == "down" else above
    return side, space if limit is None else min(space, limit)


def drop_down(
    options: Sequence[str], current: str, rect, manager, limit: int | None = None
) -> UIDropDownMenu:
    """A ``UIDropDownMenu`` whose open list fits in the window (see the module's note)."""
    rect = pygame.Rect(rect)
    window_h = manager.get_root_container().get_rect().height
    side, space = room(rect, len(options), window_h, limit)
    return UIDropDownMenu(
        list(options),
        current,
        rect,
        manager,
        object_id="#opens_up" if side == "up" else None,
        expansion_height_limit=space,
    )
