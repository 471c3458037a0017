"""The Network lab's "Look closer" section, the side panel's last: a button for the Hessian at
the net's weights now, one that opens the Landscape of this net, and on the header's row the
λ_max switch (sharpness tracked live, ``sharpness_switch``). Each takes what its words need
on one row (``controls.look_closer_row`` keeps the row, so a further button can take the rest).
Under them the two comparisons that train nets of their own, and the row that picks the two
optimizers "Paths on one plane" trains beside the lab's own (``plane_lab``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UICheckBox

from explorer.app.scenes.network import plane_view
from explorer.app.scenes.network.plane_lab import NONE, PATH_STEPS
from explorer.app.scenes.network.sharpness_switch import EVERY
from explorer.app.ui.i18n import t
from explorer.app.ui.menus import drop_down
from explorer.app.ui.row import Column, Row
from explorer.app.ui.scale import factor, px

if TYPE_CHECKING:
    from explorer.app.scenes.network.controls import NetworkControls


class LookCloser:
    """Builds the section into ``controls`` (``hessian_button``, ``landscape_button``)."""

    def __init__(self, controls: NetworkControls) -> None:
        self.controls = controls
        self.scene = controls.scene
        self.model = controls.model

    def section(self, col: Column, bottom: int) -> None:
        """The section at ``col``'s next row, ``col`` moved under it; the row of "Paths on one
        plane"'s optimizers only where a line of message still fits between it and ``bottom``
        (1024 × 640 with B's menu on a row of its own: not)."""
        line = self.scene.text.line_height(13) + px(4)
        chooser = bottom - col.y >= col.head + 3 * col.row + line
        self.build(col.x, col.y, col.w, col.head, col.row, chooser)
        col.y += col.head + (3 if chooser else 2) * col.row  # Hessian …, comparisons, chooser

    def build(self, x0: int, y: int, w: int, head: int, row: int = 0, chooser: bool = True) -> None:
        """The "Look closer" section: "Hessian here" first in its row; ``look_closer_row`` keeps
        the rest of the row for the next button. Under it (``row`` lower), the two comparisons
        that train nets of their own (``plane_lab``), and (``chooser``, where the panel has the
        room) the row that picks the optimizers of "Paths on one plane"."""
        c = self.controls
        kind = self.scene.text.kind_for(t("network.look_closer"), "bold")
        text_w = self.scene.text.font(15, kind).size(t("network.look_closer"))[0] + px(4)
        c.caption((x0, y, min(w, text_w), px(22)), t("network.look_closer"), "header")
        box = UICheckBox(
            pygame.Rect(x0 + (w - px(8)) // 2 + px(8), y + px(2), px(18), px(18)),
            t("network.sharpness_box"),
            c.manager,
            tool_tip_text=t("network.sharpness_tip"),
            initial_state=bool(self.model.sharpness),
        )
        c.boxes["sharpness"] = box
        c.add(
            box,
            lambda e: self.model.set_sharpness(
                EVERY if e.type == pygame_gui.UI_CHECK_BOX_CHECKED else None
            ),
        )
        c.look_closer_row = bar = Row(x0, x0 + w, y + head, 24)
        labels = (t("network.hessian_here"), t("network.hessian_busy"))
        text = self.scene.text
        need = max(text.font(14, text.kind_for(label, "sans")).size(label)[0] for label in labels)
        need = need / factor() + 28
        c.hessian_button = c.add(
            UIButton(
                bar.take(need),
                labels[1] if self.model.hessian_busy() else labels[0],
                c.manager,
                tool_tip_text=t("network.hessian_tip"),
            ),
            lambda e: self.scene.hessian_here(),
        )
        c.landscape_button = c.add(
            UIButton(
                bar.take(0, stretch=True),
                t("network.landscape_button"),
                c.manager,
                tool_tip_text=t("network.landscape_tooltip"),
            ),
            lambda e: self.scene.landscape_of_this_net(),
        )
        if row:
            self._comparisons(Row(x0, x0 + w, y + head + row, 24))
            if chooser:
                self._chooser(Row(x0, x0 + w, y + head + 2 * row, 24))

    def _comparisons(self, bar: Row) -> None:
        """ "Optimizers on one plane" and "Between two minima", half the row each; the one under
        way reads "Cancel" (``plane_view.sync_buttons``)."""
        c, names = self.controls, ", ".join(n for n, *_ in self._optimizers())
        text = self.scene.text
        label = t("planes.lab_button")
        need = text.font(14, text.kind_for(label, "sans")).size(label)[0] / factor() + 28
        c.paths_button = c.add(
            UIButton(
                bar.take(need),
                t("planes.lab_button"),
                c.manager,
                tool_tip_text=t("planes.lab_tip", names=names, steps=PATH_STEPS),
            ),
            lambda e: plane_view.press(self.scene, "paths"),
        )
        c.connect_button = c.add(
            UIButton(
                bar.take(0, stretch=True),
                t("planes.lab_connect"),
                c.manager,
                tool_tip_text=t("planes.lab_connect_tip"),
            ),
            lambda e: plane_view.press(self.scene, "connect"),
        )

    def _chooser(self, bar: Row) -> None:
        """ "with [adam] [rmsprop]": the two optimizers trained beside the lab's own (the second
        may be "—", none), each at its default rate; the lab's own name is that optimizer at
        its default rate beside the lab's. The menus open upwards where the panel ends under
        them (``menus.drop_down``)."""
        c, text, planes = self.controls, self.scene.text, self.scene.planes
        label = t("planes.lab_with")
        need = text.font(13, text.kind_for(label, "sans")).size(label)[0] / factor() + 4
        c.caption(bar.take(need), label)
        names = list(self.model.registry.optimizers)
        half = (bar.rest() - bar.gap) / factor() / 2
        for slot, current in enumerate(planes.chosen()):
            options = names + [NONE] if slot else names
            if current not in options:  # a plugin gone since it was picked
                current = options[0]
            menu = drop_down(
                options,
                current,
                bar.take(half) if slot == 0 else bar.take(0, stretch=True),
                c.manager,
                limit=px(300),
            )
            menu.set_tooltip(t("planes.lab_pick_tip", own=self.model.config.optimizer))
            c.menus[f"planes_{slot}"] = menu
            c.add(menu, lambda e, k=slot: self._pick(k, e.text))

    def _pick(self, slot: int, name: str) -> None:
        """A pick in a chooser: the next press trains it (the button's tip names it now)."""
        self.scene.planes.choose(slot, name)
        self.controls.build()

    def _optimizers(self) -> list:
        return self.scene.planes.optimizers(self.model.config)
