"""The Landscape scene's sections for what every step gets: the learning-rate schedule (its
menu, its sliders, the curve's place) and the gradient noise (none, Gaussian σ, mini-batch B).
Sections of ``LandscapeControls``; their widgets go in the controls' books."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame
from pygame_gui.elements import UIDropDownMenu

from explorer.app.scenes.landscape.model import BATCH_RANGE, SIGMA_RANGE
from explorer.app.scenes.landscape.section import Section
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px
from explorer.specs import Hyper

if TYPE_CHECKING:
    from explorer.app.scenes.landscape.controls import LandscapeControls

NOISE_OPTIONS = {  # catalogue keys (assets/i18n): worded when built
    "none": "landscape.noise_none",
    "gaussian": "landscape.noise_gaussian",
    "minibatch": "landscape.noise_minibatch",
}
SIGMA = Hyper(0.3, SIGMA_RANGE[0], SIGMA_RANGE[1], log=True)
BATCH = Hyper(8, BATCH_RANGE[0], BATCH_RANGE[1], log=True, integer=True)
SCHEDULE_DEBOUNCE_S = 0.25  # a schedule curve costs ~0.2 s: apply it when the slider rests


class ScheduleSection(Section):
    """The schedule's menu and up to three sliders; the curve is drawn by the scene in
    ``controls.schedule_rect``. Slider moves wait in ``pending`` until they rest."""

    def __init__(self, controls: LandscapeControls) -> None:
        super().__init__(controls)
        self.pending: dict[str, tuple[float, float]] = {}

    def build(self) -> None:
        m, c = self.model, self.c
        c.clear("schedule")
        y, row = c.y_sched, c.row
        c.caption("schedule", (c.x0, y + px(2), px(80), px(22)), t("landscape.schedule"), "header")
        menu = UIDropDownMenu(
            list(m.registry.schedules),
            m.schedule,
            pygame.Rect(c.x0 + px(84), y, px(170), px(24)),
            c.manager,
        )
        c.add("schedule", menu, lambda e: self._chosen(e.text))
        spec = m.registry.schedule(m.schedule)
        values = m.schedule_values()
        rows = list(spec.hyper.items())[:3]
        for k, (key, hyper) in enumerate(rows):
            c.slider_row(
                "schedule",
                key,
                key,
                hyper,
                values[key],
                y + row + px(4) + k * row,
                lambda v, _k=key: self._hyper_moved(_k, v),
            )
        c.schedule_rect = pygame.Rect(
            c.x0, y + row + px(4) + len(rows) * row + px(2), c.sw, c.schedule_h
        )
        c.shown[("schedule", "shape")] = m.schedule

    def _chosen(self, name: str) -> None:
        self.pending.clear()
        self.model.set_schedule(name)

    def _hyper_moved(self, key: str, value: float) -> None:
        self.pending[key] = (value, self.model.clock)
        self.c.shown[("schedule", key)] = value

    def apply_pending(self) -> None:
        """Schedule sliders apply once they rest (see SCHEDULE_DEBOUNCE_S)."""
        m = self.model
        if not self.pending:
            return
        latest = max(at for _, at in self.pending.values())
        if m.clock - latest < SCHEDULE_DEBOUNCE_S:
            return
        for key, (value, _) in self.pending.items():
            m.schedule_hyper[key] = value
        self.pending.clear()
        m.set_schedule(m.schedule, dict(m.schedule_hyper))

    def sync(self) -> None:
        """Rebuilt for another schedule (unless its menu is open)."""
        c = self.c
        if c.shown.get(("schedule", "shape")) != self.model.schedule and not c.menu_open(
            "schedule"
        ):
            self.build()


class NoiseSection(Section):
    """The noise's menu and its one slider (σ or B); mini-batch only on a surface with data."""

    def build(self) -> None:
        m, c = self.model, self.c
        c.clear("noise")
        y = c.y_noise
        c.caption("noise", (c.x0, y + px(2), px(54), px(22)), t("landscape.noise"), "header")
        modes = ["none", "gaussian"] + (["minibatch"] if m.spec.has_data else [])
        options = [t(NOISE_OPTIONS[k]) for k in modes]
        current = t(NOISE_OPTIONS.get(m.noise.mode, NOISE_OPTIONS["none"]))
        menu = UIDropDownMenu(
            options, current, pygame.Rect(c.x0 + px(58), y, px(128), px(24)), c.manager
        )
        c.add("noise", menu, lambda e: self._chosen(e.text))
        x, w = c.x0 + px(192), c.sw - px(192)
        knob = {
            "gaussian": ("sigma", "σ", SIGMA, m.sigma),
            "minibatch": ("batch", "B", BATCH, m.batch),
        }
        if m.noise.mode in knob:  # the mode's one slider
            key, name, hyper, value = knob[m.noise.mode]
            mode = m.noise.mode
            c.slider_row(
                "noise",
                key,
                name,
                hyper,
                value,
                y + px(1),
                lambda v: m.set_noise(mode, v),
                label_w=16,
                x=x,
                w=w,
            )
        elif not m.spec.has_data:
            c.caption("noise", (x, y + px(2), w, px(22)), t("landscape.minibatch_data_only"))
        c.shown[("noise", "shape")] = (m.noise.mode, m.spec.has_data)

    def _chosen(self, text: str) -> None:
        mode = next((k for k, v in NOISE_OPTIONS.items() if t(v) == text), "none")
        value = {"gaussian": self.model.sigma, "minibatch": self.model.batch}.get(mode)
        self.model.set_noise(mode, value)

    def sync(self) -> None:
        """Rebuilt for another mode or a surface with(out) data (unless its menu is open)."""
        m, c = self.model, self.c
        if c.shown.get(("noise", "shape")) != (m.noise.mode, m.spec.has_data) and not c.menu_open(
            "noise"
        ):
            self.build()
