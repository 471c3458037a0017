"""The window frame every scene shares: the smallest window, the tab strip and the toolbar under it."""

MIN_SIZE = (1024, 640)
TAB_H = 30  # the strip of scene tabs across the top of the window (explorer.app.ui.scene_tabs)
TOOLBAR_H = 44
