"""The window frame every scene shares: the smallest window, the tab strip and the toolbar under it.

The numbers are at UI scale 1; ``tab_h()`` and ``toolbar_h()`` give them at the current scale.
"""

MIN_SIZE = (1024, 640)
TAB_H = 30  # the strip of scene tabs across the top of the window (explorer.app.ui.scene_tabs)
TOOLBAR_H = 44


def tab_h() -> int:
    from explorer.app.ui.scale import px

    return px(TAB_H)


def toolbar_h() -> int:
    from explorer.app.ui.scale import px

    return px(TOOLBAR_H)
