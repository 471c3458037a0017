"""The Data panel's widgets (pygame_gui), built into the lab's books while the panel is open.

Row 1: the class a click adds (A, B, …; for regression a target menu) and the eraser, then
Apply and Cancel on the right. Row 2: the jitter's σ and "Add noise", the validation share, and
Clear on the right. Every button takes what its words need in the UI's language.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame
from pygame_gui.elements import UIButton, UIDropDownMenu

from explorer.app.scenes.network.data_panel import CLASS_NAMES, ROW_H
from explorer.app.scenes.network.data_points import SHARES, SIGMAS, TARGETS
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import typeset
from explorer.app.ui.row import Row
from explorer.app.ui.scale import factor, px

if TYPE_CHECKING:
    from explorer.app.scenes.network.controls import NetworkControls
    from explorer.app.scenes.network.data_panel import DataPanel

MAX_CLASS_BUTTONS = 4


def _number(value: float) -> str:
    return typeset(f"{value:g}")  # a target of −1 as every number is shown


def _share(value: float) -> str:
    return f"{value:.0%}"


class DataPanelWidgets:
    """Builds the open panel's widgets into ``controls`` (``data_buttons``: name → button)."""

    def __init__(self, controls: NetworkControls, panel: DataPanel) -> None:
        self.controls = controls
        self.panel = panel
        self.buttons: dict[str, UIButton] = {}

    def _width(self, label: str, pad: float = 24) -> float:
        text = self.controls.scene.text
        return text.font(14, text.kind_for(label, "sans")).size(label)[0] / factor() + pad

    def _button(self, rect: pygame.Rect, name: str, label: str, tip: str, action) -> UIButton:
        button = UIButton(rect, label, self.controls.manager, tool_tip_text=tip)
        self.buttons[name] = button
        self.controls.add(button, lambda e: action())
        return button

    def _menu(self, bar: Row, label: str, options: list[str], current: str, apply) -> None:
        c = self.controls
        c.caption(bar.take(self._width(label, 4), 22), label)
        width = max(self._width(o, 40) for o in options)
        menu = UIDropDownMenu(options, current, bar.take(width, 26), c.manager)
        c.add(menu, lambda e: apply(options.index(e.text)))

    def build(self) -> None:
        e = self.panel.editor
        assert e is not None
        r = self.panel.rect
        first = Row(r.x + px(8), r.right - px(8), self.panel.row_y(0), ROW_H)
        self._button(
            first.take_right(self._width(t("data.apply"))),
            "apply",
            t("data.apply"),
            t("data.apply_tip"),
            self.panel.apply,
        )
        self._button(
            first.take_right(self._width(t("data.cancel"))),
            "cancel",
            t("data.cancel"),
            t("data.cancel_tip"),
            self.panel.close,
        )
        if e.task == "classification":
            for k in range(min(e.classes, MAX_CLASS_BUTTONS)):
                name = CLASS_NAMES[k]
                label = t("data.class", name=name)
                button = self._button(
                    first.take(self._width(label)),
                    f"class_{name}",
                    label,
                    t("data.class_tip", name=name),
                    lambda k=k: self._pick(float(k)),
                )
                if not e.erasing and e.label == k:
                    button.select()
        else:
            options = [_number(v) for v in TARGETS]
            current = _number(e.label) if e.label in TARGETS else options[-1]
            self._menu(first, t("data.target"), options, current, lambda i: self._pick(TARGETS[i]))
        eraser = self._button(
            first.take(self._width(t("data.eraser"))),
            "eraser",
            t("data.eraser"),
            t("data.eraser_tip"),
            self._toggle_eraser,
        )
        if e.erasing:
            eraser.select()
        self._second_row()

    def _second_row(self) -> None:
        e = self.panel.editor
        assert e is not None
        r = self.panel.rect
        bar = Row(r.x + px(8), r.right - px(8), self.panel.row_y(1), ROW_H)
        self._button(
            bar.take_right(self._width(t("data.clear"))),
            "clear",
            t("data.clear"),
            t("data.clear_tip"),
            self._clear,
        )
        sigmas = [_number(v) for v in SIGMAS]
        self._menu(bar, t("data.sigma"), sigmas, _number(e.sigma), self._sigma)
        self._button(
            bar.take(self._width(t("data.noise"))),
            "noise",
            t("data.noise"),
            t("data.noise_tip", sigma=_number(e.sigma)),
            e.add_noise,
        )
        bar.skip(6)
        shares = [_share(v) for v in SHARES]
        current = _share(e.val_fraction) if e.val_fraction in SHARES else shares[2]
        self._menu(bar, t("data.val_share"), shares, current, self._share)

    # -- what they do --------------------------------------------------------------------------
    def _pick(self, label: float) -> None:
        e = self.panel.editor
        if e is not None:
            e.label, e.erasing = label, False
            self.controls.build()  # the chosen button shows chosen

    def _toggle_eraser(self) -> None:
        e = self.panel.editor
        if e is not None:
            e.erasing = not e.erasing
            self.controls.build()

    def _clear(self) -> None:
        if self.panel.editor is not None:
            self.panel.editor.clear()

    def _sigma(self, i: int) -> None:
        if self.panel.editor is not None:
            self.panel.editor.sigma = SIGMAS[i]
            self.controls.build()  # the noise button's tip states the new σ

    def _share(self, i: int) -> None:
        if self.panel.editor is not None:
            self.panel.editor.val_fraction = SHARES[i]
