"""The window frame every scene shares: the smallest window, the tab strip and the toolbar under it.

The numbers are at UI scale 1; ``tab_h()`` and ``toolbar_h()`` give them at the current scale.
The smallest window, ``MIN_SIZE``, is the scale's (it decides how large a scale a window holds).
"""

from explorer.app.ui.scale import MIN_SIZE, px

__all__ = ["MIN_SIZE", "TAB_H", "TOOLBAR_H", "tab_h", "toolbar_h"]

TAB_H = 30  # the strip of scene tabs across the top of the window (explorer.app.ui.scene_tabs)
TOOLBAR_H = 44


def tab_h() -> int:
    return px(TAB_H)


def toolbar_h() -> int:
    return px(TOOLBAR_H)
