"""``run_app(registry)``: the window, the scene stack, the loop. ``dl-explorer`` calls this."""

from __future__ import annotations

import contextlib
import os
import threading
import warnings
from collections.abc import Callable

import pygame

from explorer.app.headless import single_threaded_torch
from explorer.app.shell import build_app
from explorer.app.ui.frame import MIN_SIZE
from explorer.app.ui.i18n import set_language, t
from explorer.plugins import Registry

DEFAULT_SIZE = (1280, 720)
TITLE = "DL Explorer — how deep networks are trained"  # the window's, in English (app.window_title)


def _warm_up_torch(registry: Registry) -> None:
    """The first torch.optim step in a process takes ~1–2 s of imports; pay it in the background
    so the first schedule the user picks, and the first scene that trains, respond at once."""
    try:
        from explorer.schedules import lr_curve
        from explorer.training import TrainConfig, TrainingSession

        lr_curve(registry.schedule("constant"), 0.1, 2)
        # the first training step in a process costs ~1 s more: the Dropout and Activation
        # scenes train small nets when they open
        tiny = TrainConfig(dataset="moons", n=16, depth=1, width=2, epochs=1, device="cpu")
        TrainingSession(tiny, registry).step(1)
    except Exception:  # noqa: BLE001 - only a warm-up
        pass


def run_app(
    registry: Registry,
    size: tuple[int, int] = DEFAULT_SIZE,
    scene: str = "landscape",
    prepare: Callable | None = None,
    *,
    ui_scale: float | None = None,
    lang: str | None = None,
) -> None:
    """The window on ``scene``; ``prepare(tabs)`` runs before the first frame (a setup applied:
    a ValueError it raises closes the window and reaches the command line as one sentence).
    ``ui_scale``: the UI scale asked for (``--scale``); None lets the window pick one.
    ``lang``: the UI's language (``--lang``: en, zh); None keeps the current one (English)."""
    single_threaded_torch()
    pygame.display.init()
    driver = pygame.display.get_driver()
    if driver in ("offscreen", "dummy") and not os.environ.get("SDL_VIDEODRIVER"):
        pygame.quit()
        raise ValueError(
            "No display found (SDL could only draw offscreen): run dl-explorer on a desktop, "
            "or draw headless with `dl-explorer render --out run.gif`."
        )
    pygame.font.init()
    try:
        if lang is not None:
            set_language(lang)
        pygame.display.set_caption(t("app.window_title"))
        screen = pygame.display.set_mode(size, pygame.RESIZABLE)
        with contextlib.suppress(AttributeError, pygame.error), warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # pygame-ce 2.5's Window API
            pygame.Window.from_display_module().minimum_size = MIN_SIZE
        threading.Thread(target=_warm_up_torch, args=(registry,), daemon=True).start()
        app, tabs = build_app(registry, screen, scene, ui_scale=ui_scale, lang=lang)
        pygame.key.set_repeat(350, 40)
        try:
            if prepare is not None:
                prepare(tabs)
            app.run()
        finally:
            tabs.close()
    finally:
        pygame.quit()
