"""The Landscape scene's race sections: which optimizers race (a box each, beside its ball's
colour) and Tune (the selected ball: its hyper-parameters, a copy of it, its arrows, its label).
Sections of ``LandscapeControls``; their widgets go in the controls' books
(``sections["optimizers"]``, ``sections["tune"]``)."""

from __future__ import annotations

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UICheckBox, UIDropDownMenu, UITextEntryLine

from explorer.app.scenes.landscape.section import Section
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px


class OptimizerSection(Section):
    """A box per registered optimizer, in the columns ``controls.opt_cols`` fits; ticking one
    puts its ball in the race (``controls.opt_boxes``, ``controls.swatches``)."""

    def build(self) -> None:
        m, c = self.model, self.c
        c.clear("optimizers")
        c.opt_boxes.clear()
        c.swatches = []
        c.caption("optimizers", (c.x0, c.y_opt, c.sw, px(20)), t("landscape.optimizers"), "header")
        cols = c.opt_cols
        col_w = c.sw // cols
        for k, name in enumerate(m.optimizer_names):
            spec = m.registry.optimizers[name]
            cx = c.x0 + (k % cols) * col_w
            cy = c.y_opt + px(24) + (k // cols) * c.opt_row
            box = UICheckBox(
                pygame.Rect(cx + px(14), cy + px(1), px(18), px(18)),
                name,
                c.manager,
                initial_state=name in m.enabled,
                tool_tip_text=f"{spec.doc.splitlines()[0] if spec.doc else name}  [{spec.plugin}]",
            )
            c.add("optimizers", box, lambda e, _n=name: self._toggle(_n, e))
            c.opt_boxes[name] = box
            c.swatches.append(((cx + px(5), cy + px(10)), palette.ball_colour(k)))

    def _toggle(self, name: str, event) -> None:
        if event.type == pygame_gui.UI_CHECK_BOX_CHECKED:
            self.model.set_enabled(name, True)
        elif event.type == pygame_gui.UI_CHECK_BOX_UNCHECKED:
            self.model.set_enabled(name, False)

    def sync(self) -> None:
        """Boxes follow the model only when the model changed (by a key, a click on the map):
        comparing with the box instead would undo a click whose event is still queued."""
        m, c = self.model, self.c
        for name, box in c.opt_boxes.items():
            on = name in m.enabled
            if c.shown.get(("optimizers", name), on) != on:
                box.set_state(on)
            c.shown[("optimizers", name)] = on


class TuneSection(Section):
    """The selected ball's knobs: which ball (a menu), + for a copy (− takes a copy off), its
    arrows box, a slider per hyper-parameter (six at most), its label; under them the rule's
    formula (``controls.tune_doc``) and its state on the menu's row (``state_label_pos``)."""

    def build(self) -> None:
        m, c = self.model, self.c
        c.clear("tune")
        x0, y, row = c.x0, c.y_tune, c.row
        c.caption("tune", (x0, y + px(2), px(54), px(22)), t("landscape.tune"), "header")
        labels = [b.label for b in m.race.balls]
        c.tune_doc = (pygame.Rect(0, 0, 0, 0), "", "")
        c.label_entry = None
        if not labels:
            c.caption(
                "tune", (x0 + px(60), y + px(2), c.sw - px(60), px(22)), t("landscape.none_ticked")
            )
            c.shown[("tune", "shape")] = ((), None)
            return
        current = labels[m.selected] if m.selected < len(labels) else labels[0]
        menu = UIDropDownMenu(
            labels, current, pygame.Rect(x0 + px(58), y, px(126), px(24)), c.manager
        )
        c.add("tune", menu, lambda e: self._select_ball(e.text))
        name = m.selected_name()
        # + : a second ball of this optimizer (its own sliders); − on such a ball takes it off
        copy = name in m.kinds
        button = UIButton(
            pygame.Rect(x0 + px(186), y, px(28), px(24)),
            "−" if copy else "+",
            c.manager,
            tool_tip_text=t("landscape.remove_copy_tip" if copy else "landscape.copy_tip"),
        )
        c.add("tune", button, lambda e, _n=name, _c=copy: self._copy_ball(_n, _c))
        arrows = UICheckBox(
            pygame.Rect(x0 + px(222), y + px(3), px(18), px(18)),
            t("landscape.arrows_box"),
            c.manager,
            initial_state=bool(m.arrows_for.get(name, True)),
            tool_tip_text=t("landscape.arrows_box_tip"),
        )
        c.add("tune", arrows, lambda e, _n=name: self._set_arrows_for(_n, e))
        c.arrows_box = arrows
        c.state_label_pos = (x0 + px(300), y + px(5))
        c.state_label_w = c.sw - px(300)
        spec = m.registry.optimizers[m.optimizer_of(name)]
        rows = list(spec.hyper.items())[:6]
        for k, (key, hyper) in enumerate(rows):
            c.slider_row(
                "tune",
                (name, key),
                key,
                hyper,
                m.hyper[name][key],
                y + row + px(4) + k * row,
                lambda v, _n=name, _k=key: m.set_hyper(_n, _k, v),
            )
        top = self._label_row(name, y + row + px(4) + len(rows) * row) + px(4)
        c.tune_doc = (
            pygame.Rect(x0, top, c.sw, c.y_sched - top - px(6)),
            spec.doc,
            spec.plugin,
        )
        c.shown[("tune", "shape")] = (tuple(labels), name)

    def _label_row(self, name: str, top: int) -> int:
        """The selected ball's label, typed to rename it (``sgd_2`` → ``sgd_fast``: what a
        lesson and the CSV call it); the row's bottom."""
        c = self.c
        c.caption("tune", (c.x0, top, px(78), px(22)), t("landscape.label"))
        entry = UITextEntryLine(
            pygame.Rect(c.x0 + px(78), top, px(150), px(22)),
            c.manager,
            initial_text=name,
        )
        entry.set_tooltip(t("landscape.label_tip"))
        c.add("tune", entry, lambda e, _n=name: self._label_entered(_n, e))
        c.label_entry = entry
        return top + c.row

    # -- reacting -------------------------------------------------------------------------------
    def _copy_ball(self, name: str, copy: bool) -> None:
        if copy:
            self.model.set_enabled(name, False)
        else:
            self.model.add_copy(name)

    def _label_entered(self, name: str, event) -> None:
        if event.type != pygame_gui.UI_TEXT_ENTRY_FINISHED:
            return
        self.c.manager.set_focus_set(None)  # Enter hands the keyboard back to the scene
        problem = self.model.rename(name, event.text)
        if problem:
            self.model.notify(problem, "error", 8)
            if self.c.label_entry is not None:
                self.c.label_entry.set_text(name)

    def _select_ball(self, label: str) -> None:
        for i, ball in enumerate(self.model.race.balls):
            if ball.label == label:
                self.model.select(i)

    def _set_arrows_for(self, name: str, event) -> None:
        self.model.arrows_for[name] = event.type == pygame_gui.UI_CHECK_BOX_CHECKED

    # -- syncing --------------------------------------------------------------------------------
    def sync(self) -> None:
        """Rebuilt for another ball (unless its menu is open); the sliders follow the model."""
        m, c = self.model, self.c
        labels = tuple(b.label for b in m.race.balls)
        if c.shown.get(("tune", "shape")) != (labels, m.selected_name()) and not c.menu_open(
            "tune"
        ):
            self.build()

    def sync_sliders(self) -> None:
        m, c = self.model, self.c
        name = m.selected_name()
        if name:
            for key in m.registry.optimizers[m.optimizer_of(name)].hyper:
                c.sync_slider(("tune", (name, key)), m.hyper[name][key])
