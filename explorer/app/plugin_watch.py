"""``--watch`` in the app: saved plugin files reloaded between frames, their balls restarted.

``PluginWatchScene`` sits over the tabs (draws only a one-line banner, consumes no event, lets
everything under it update). Each update it takes the files the watcher saw saved, reloads them
(``explorer.hot_reload``) and applies each success to the Landscape: the balls whose optimizer
came from the file restart from their start with the new version; nothing else is reset. A file
that fails keeps its previous version and the banner shows the sentence (file and line).
"""

from __future__ import annotations

import time

import pygame

from explorer.app.ui import palette
from explorer.app.ui.scale import px
from explorer.app.ui.scene import Scene
from explorer.app.ui.text import Text
from explorer.hot_reload import PluginReloader, PluginWatcher, ReloadOutcome
from explorer.plugins import describe_fault, plugin_fault

BANNER_S = 6.0  # a success is shown this long; a failure until the next save


def apply_to_landscape(model, outcome: ReloadOutcome) -> list[int]:
    """Restart, in ``model`` (a LandscapeModel), every ball whose optimizer the reload replaced;
    new optimizers become available. Returns the indices of the restarted balls."""
    if not outcome.ok:
        return []
    registry = model.registry
    for name in outcome.optimizers:
        spec = registry.optimizers[name]
        if name not in model.optimizer_names:
            model.optimizer_names.append(name)
            model.arrows_for.setdefault(name, True)
        # the optimizer's own ball and every labelled ball of it (sgd_fast) keep what still fits
        for label in [name, *(k for k, v in model.kinds.items() if v == name)]:
            kept = {k: v for k, v in model.hyper.get(label, {}).items() if k in spec.hyper}
            model.hyper[label] = spec.defaults() | kept
    restarted = []
    race = model.race
    for i, ball in enumerate(race.balls):
        if ball.config.optimizer in outcome.optimizers:
            spec = registry.optimizers[ball.config.optimizer]
            ball.config.hyper = {k: v for k, v in ball.config.hyper.items() if k in spec.hyper}
            try:
                race.restart_ball(i, spec)
            except BaseException as exc:  # noqa: BLE001 - e.g. a kept value the new maths forbids
                if not plugin_fault(exc):  # a real Ctrl-C
                    raise
                model.notify(f"{spec.name} could not restart: {describe_fault(exc)}", "error", 10)
                continue
            restarted.append(i)
    if restarted:
        model.race_version += 1  # the trails are redrawn from the record
    return restarted


class PluginWatchScene(Scene):
    opaque = False
    updates_below = True

    def __init__(self, tabs, folders, registry, clock=time.perf_counter) -> None:
        super().__init__()
        self.tabs = tabs
        self.reloader = PluginReloader(registry)
        self.watcher = PluginWatcher(folders).start()
        self.clock = clock
        self.text = Text()
        self.banner = ""
        self.level = "info"
        self.until = 0.0
        self.shown_at = -1e9
        self.outcomes: list[ReloadOutcome] = []

    def landscape_model(self):
        scene = getattr(self.tabs, "built", {}).get("landscape")
        return getattr(scene, "model", None)

    def apply(self, outcome: ReloadOutcome) -> None:
        self.outcomes.append(outcome)
        self.shown_at = self.clock()
        if outcome.ok:
            model = self.landscape_model()
            restarted = apply_to_landscape(model, outcome) if model is not None else []
            controls = getattr(getattr(self.tabs, "built", {}).get("landscape"), "controls", None)
            if model is not None and hasattr(controls, "build"):
                controls.build()  # the new version's equation and knobs in the side panel
            extra = f"; {len(restarted)} ball(s) restarted" if restarted else ""
            self.banner, self.level = outcome.message + extra, "info"
            self.until = self.clock() + BANNER_S
        else:
            self.banner, self.level, self.until = outcome.message, "error", float("inf")

    def update(self, dt: float) -> None:
        for path in self.watcher.poll():
            self.apply(self.reloader.reload(path))
        if self.watcher.error and self.banner != self.watcher.error:
            self.banner, self.level, self.until = self.watcher.error, "error", float("inf")

    def idle(self) -> bool:
        """Busy for a moment after a reload (the banner is drawn) and until a timed banner goes
        away; a failure's banner stays on the last frame drawn without keeping the app awake."""
        now = self.clock()
        if now < self.shown_at + 1.0:
            return False
        return not self.banner or self.until == float("inf") or now > self.until + 0.2

    def draw(self, screen: pygame.Surface) -> None:
        if not self.banner or self.clock() > self.until:
            return
        w, h = screen.get_size()
        size = 14
        line = self.text.ellipsize(self.banner, size, w - px(40))
        box = pygame.Rect(0, h - px(30), w, px(30))
        screen.fill(palette.BACKGROUND, box)
        colour = palette.ERROR if self.level == "error" else palette.TEXT
        self.text.blit(screen, line, (px(12), box.centery), size, colour, anchor="midleft")

    def close(self) -> None:
        self.watcher.stop()
