"""The app's first frame, before torch: the window, the tab strip and a line saying what loads.

``dl-explorer`` with no command calls ``show(argv)`` first thing, before the command line imports
the plugins (and with them torch, about a second): the window is up at once, and ``run_app``
then draws into the same window. Only pygame, pygame_gui and the app's drawing helpers are
imported here.
"""

from __future__ import annotations

import os
import time

# a command name anywhere in the arguments: not the app (or not yet the app)
COMMANDS = {"plugins", "race", "critical", "train", "render", "bench", "open", "lesson"}
NO_WINDOW = {"--help", "-h", "--version"}

shown_at: float | None = None  # time.time() when the first frame was on screen


def wants_app(argv: list[str]) -> bool:
    """Whether these arguments (after the program name) open the app with no command."""
    return not any(a in COMMANDS or a in NO_WINDOW for a in argv)


def language(argv: list[str]) -> str:
    """The language ``--lang`` asks for (``--lang zh`` or ``--lang=zh``), read before the command
    line is parsed; English for none or one it does not know (the command line says why)."""
    from explorer.app.ui.i18n import parse_language

    for i, arg in enumerate(argv):
        value = argv[i + 1] if arg == "--lang" and i + 1 < len(argv) else None
        if arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value is not None:
            try:
                return parse_language(value)
            except ValueError:
                return "en"
    return "en"


def show(argv: list[str], size: tuple[int, int] = (1280, 720), first: str = "landscape") -> bool:
    """Open the window and draw the tab strip with a loading line; False (and nothing shown)
    when these arguments are not the app or there is no display."""
    global shown_at
    if not wants_app(argv) or os.environ.get("DL_EXPLORER_NO_SPLASH"):
        return False
    try:
        import pygame

        from explorer.app.scene_table import scenes
        from explorer.app.ui import palette
        from explorer.app.ui.frame import TAB_H
        from explorer.app.ui.i18n import set_language, t
        from explorer.app.ui.scene_tabs import SceneTabs
        from explorer.app.ui.text import Text

        set_language(language(argv))  # `--lang zh`: the first words on screen are Chinese too
        pygame.display.init()
        if pygame.display.get_driver() in ("offscreen", "dummy") and not os.environ.get(
            "SDL_VIDEODRIVER"
        ):
            pygame.display.quit()  # run_app says why there is no window
            return False
        pygame.font.init()
        pygame.display.set_caption(t("app.window_title"))
        screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        text = Text()
        rows = scenes()
        tabs = SceneTabs({e.name: None for e in rows}, size, text, entries=rows)
        tabs.current = first
        tabs._build()  # the tab that is loading, selected
        label = {e.name: e.label for e in rows}.get(first, first)
        screen.fill(palette.BACKGROUND)
        tabs.update(0.0)  # pygame_gui lays its buttons out on the first update
        tabs.draw(screen)
        middle = (size[0] // 2, (size[1] + TAB_H) // 2)
        loading = t("app.loading", scene=label)
        text.blit(screen, loading, middle, 16, palette.TEXT_DIM, anchor="center")
        pygame.display.flip()
        pygame.event.pump()
        shown_at = time.time()
        return True
    except Exception:  # noqa: BLE001 - only a head start: run_app opens the window anyway
        return False
