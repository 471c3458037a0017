"""The function keys that switch scenes, read from the rows of the table of scenes the tab strip
is given (``explorer.app.scene_table``; this layer is handed the rows, it never imports them)."""

from __future__ import annotations

from collections.abc import Iterable

import pygame


def key_code(name: str) -> int:
    """pygame's key code of a row's key ("F2" → ``pygame.K_F2``)."""
    return getattr(pygame, f"K_{name}")


def key_range(entries: Iterable) -> str:
    """The keys that switch scenes as the help writes them: "F2 – F5" (the first and last
    scene's keys, in tab order)."""
    keys = [e.key for e in entries]
    if not keys:
        return ""
    return keys[0] if len(keys) == 1 else f"{keys[0]} – {keys[-1]}"
