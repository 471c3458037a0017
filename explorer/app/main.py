"""``run_app(registry)``: the window, the scene stack, the loop. ``dl-explorer`` calls this.

Start-up: the window and its tabs are on screen before torch is imported (``splash``); right
after the first frame a worker process is started ahead of need (``trainer.prestart``; a second
a few seconds later), so the first scene that trains (the Network lab's net or a side-by-side
pair, the Dropout or Activations scene's jobs) finds them ready; whoever takes one leaves a new
one for the next. Every worker then runs in the one pool (``explorer.training.pool``), which the
tabs tell what is on screen. ``DL_EXPLORER_STARTUP_PROBE`` (used by
``dl-explorer bench startup``) prints when each of those happened and ends the app.
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
import time
import warnings
from collections.abc import Callable

import pygame

from explorer.app.headless import single_threaded_torch
from explorer.app.quitting import QuitRequest, close_scenes, quit_on_signals
from explorer.app.shell import build_app
from explorer.app.ui.frame import MIN_SIZE
from explorer.app.ui.i18n import set_language, t
from explorer.plugins import Registry
from explorer.training.trainer import discard_spares, prestart

DEFAULT_SIZE = (1280, 720)


def _warm_up_torch(registry: Registry, imported: threading.Event) -> None:
    """The first torch.optim step in a process takes ~1–2 s of imports; pay it in the background
    so the first schedule the user picks, and the first scene that trains, respond at once.
    ``imported`` is set once its imports are done (the app waits for that, not the step, on its
    way out)."""
    try:
        from explorer.schedules import lr_curve
        from explorer.training import TrainConfig, TrainingSession

        imported.set()
        lr_curve(registry.schedule("constant"), 0.1, 2)
        tiny = TrainConfig(dataset="moons", n=16, depth=1, width=2, epochs=1, device="cpu")
        TrainingSession(tiny, registry).step(1)  # the Landscape's first torch.optim step
    except Exception:  # noqa: BLE001 - only a warm-up
        pass
    finally:
        imported.set()


def _no_dynamo_import_for_optimizers() -> None:
    """torch wraps a few ``torch.optim.Optimizer`` methods (``add_param_group``, which every
    optimizer's constructor calls, ``state_dict``, ...) in ``torch._disable_dynamo``: on its
    first call the wrapper imports ``torch._dynamo`` and sympy (1–5 s, most of the first
    scene's start-up on a busy 2-core machine) only to keep ``torch.compile`` out of the method,
    then caches what to call. The app compiles nothing, so each method's cache is filled with the
    method itself: the same code runs, every number stays the same, and the import is never paid
    in the window. (A worker process, which trains with torch's own optimizers, keeps torch's
    default.)"""
    import torch
    from torch import _compile

    for member in vars(torch.optim.Optimizer).values():
        code = getattr(member, "__code__", None)
        wrapped = getattr(member, "__wrapped__", None)
        if wrapped is not None and code is not None and code.co_filename == _compile.__file__:
            with contextlib.suppress(AttributeError, TypeError):
                setattr(wrapped, "__dynamo_disable", wrapped)


def run_app(
    registry: Registry,
    size: tuple[int, int] = DEFAULT_SIZE,
    scene: str = "landscape",
    prepare: Callable | None = None,
    *,
    ui_scale: float | None = None,
    watch: tuple = (),
    lang: str | None = None,
) -> None:
    """The window on ``scene``; ``prepare(tabs)`` runs before the first frame (a setup applied:
    a ValueError it raises closes the window and reaches the command line as one sentence).
    ``ui_scale``: the UI scale asked for (``--scale``); None lets the window pick one.
    ``watch``: plugin folders to follow (``--watch``): a saved plugin file is reloaded.
    ``lang``: the UI's language (``--lang``: en, zh); None keeps the current one (English)."""
    single_threaded_torch()
    if os.environ.get("DL_EXPLORER_STARTUP_AS_BEFORE"):  # bench startup: the old first frame,
        import torch._dynamo  # noqa: F401 - which paid these imports (torch._dynamo, sympy)
    else:
        _no_dynamo_import_for_optimizers()
    pygame.display.init()
    driver = pygame.display.get_driver()
    if driver in ("offscreen", "dummy") and not os.environ.get("SDL_VIDEODRIVER"):
        pygame.quit()
        raise ValueError(
            "No display found (SDL could only draw offscreen): run dl-explorer on a desktop, "
            "or draw headless with `dl-explorer render --out run.gif`."
        )
    pygame.font.init()
    warm, warm_imported = None, threading.Event()
    request = QuitRequest()  # Ctrl+C, SIGTERM: as the close button, from the start
    with quit_on_signals(request):
        try:
            if lang is not None:
                set_language(lang)
            pygame.display.set_caption(t("app.window_title"))
            screen = pygame.display.set_mode(size, pygame.RESIZABLE)
            with contextlib.suppress(AttributeError, pygame.error), warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # pygame-ce 2.5's Window API
                pygame.Window.from_display_module().minimum_size = MIN_SIZE
            app, tabs = build_app(registry, screen, scene, ui_scale=ui_scale, lang=lang)
            request.follow(app)
            pygame.key.set_repeat(350, 40)
            if watch:
                from explorer.app.plugin_watch import PluginWatchScene

                app.push(PluginWatchScene(tabs, watch, registry))
            try:
                if prepare is not None:
                    prepare(tabs)
                app.tick(1 / 60, pygame.event.get())  # the first scene's first frame, then the
                pygame.display.flip()  # warm-up (it would slow this frame down: one GIL)
                first_frame = time.time()
                if request.asked:  # Ctrl+C while starting: nothing more to start
                    pass
                elif not os.environ.get("DL_EXPLORER_NO_PRESTART"):  # (bench startup: both)
                    prestart(registry)  # a worker for the first scene that trains, started ahead
                if not request.asked:
                    warm = threading.Thread(
                        target=_warm_up_torch, args=(registry, warm_imported), daemon=True
                    )
                    warm.start()
                probe = os.environ.get("DL_EXPLORER_STARTUP_PROBE")
                if probe:
                    _probe(app, tabs, probe, first_frame)
                else:
                    app.run()
            finally:
                close_scenes(list(tabs.built.values()))  # all at once, within a second or two
                tabs.built.clear()
        finally:
            pygame.quit()
            # the window is gone; an interpreter that ends while a thread imports or while torch
            # computes in it aborts ("terminate called without an active exception", seen 1 in 3
            # when the app quit right after its first frame): let the warm-up end (its imports,
            # then one step of a 16-sample net), and end the worker it started ahead
            if warm is not None:
                warm.join(30.0)
            discard_spares()


def _probe(app, tabs, spec: str, first_frame: float) -> None:
    """Measure start-up (``bench startup``): print when the window first showed, when the first
    scene's first frame did, and, for ``network:S``, the Network lab's first picture after
    its tab is opened S seconds later; then end."""
    from explorer.app import splash

    def say(what: str, t: float) -> None:
        print(f"startup-probe {what} {t:.6f}", file=sys.stderr, flush=True)

    say("window", splash.shown_at or first_frame)
    say("first-frame", first_frame)
    if not spec.startswith("network"):
        return
    wait = float(spec.partition(":")[2] or 0)
    end = time.monotonic() + wait
    while time.monotonic() < end:
        app.tick(1 / 60, pygame.event.get())
        pygame.display.flip()
        time.sleep(1 / 60)
    opened = time.time()
    if not tabs.show("network"):
        raise ValueError(f"the Network lab did not open: {tabs.error}")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        app.tick(1 / 60, pygame.event.get())
        pygame.display.flip()
        scene = tabs.scene()
        snaps = getattr(scene.model, "snapshots", [])
        drawn = [k for (_, name), k in scene._keys.items() if name == "net"]
        if snaps and drawn and all(k[3] != "starting" for k in drawn):
            say("network-opened", opened)
            say("network-picture", time.time())
            return
        time.sleep(1 / 120)
    say("network-opened", opened)
