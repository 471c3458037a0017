"""The Activation scene's toolbar (pygame_gui only): which activation the large plot shows, how
many pieces the Maxout net has, and a button that retrains both small nets with a new seed."""

from __future__ import annotations

from collections.abc import Callable

import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu

from explorer.app.ui.i18n import t
from explorer.app.ui.row import Row
from explorer.app.ui.scale import px
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action

PIECES = ("2", "3", "4")


class ActivationControls:
    def __init__(self, scene) -> None:
        self.scene = scene
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.captions: list[TextSlot] = []
        self.activation_menu: UIDropDownMenu | None = None
        self._shown = ""  # the activation the menu was last seen to show
        self.status = TextSlot((0, 0, 0, 0), "")
        self.build()

    def build(self) -> None:
        """The toolbar, placed for the scene's layout at the current UI scale."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        self.activation_menu = None
        s = self.scene
        bar = s.layout.toolbar
        row = Row(bar.x + px(10), bar.right - px(10), bar.y + px(6), 32)
        self._caption(row.take(72, 22), t("activations.label_activation"))
        self.menu_rect = row.take(170)
        self._activation_menu()
        row.skip(18)
        self._caption(row.take(104, 22), t("activations.label_pieces"))
        pieces = UIDropDownMenu(list(PIECES), str(s.model.pieces), row.take(62), self.manager)
        self.actions[pieces] = lambda e: s.set_pieces(int(e.text))
        row.skip(18)
        retrain = UIButton(
            row.take(150),
            t("activations.retrain"),
            self.manager,
            tool_tip_text=t("activations.retrain_tip"),
        )
        self.actions[retrain] = lambda e: s.retrain()
        row.skip(10)
        self.status = self._caption(row.take(0, 22, stretch=True), "", "value")

    def _activation_menu(self) -> None:
        if self.activation_menu is not None:
            self.actions.pop(self.activation_menu, None)
            self.activation_menu.kill()
        s = self.scene
        names = list(s.model.curves) or [t("activations.none")]
        current = s.model.selected if s.model.selected in names else names[0]
        self.activation_menu = UIDropDownMenu(names, current, self.menu_rect, self.manager)
        self._shown = current
        self.actions[self.activation_menu] = lambda e: s.select(e.text)

    def _caption(self, rect, text: str, style: str = "label") -> TextSlot:
        slot = TextSlot(rect, text, style)
        self.captions.append(slot)
        return slot

    def handle(self, event) -> bool:
        return run_action(self.actions, event)

    def sync(self) -> None:
        """A click on a grid cell (or a key) selects too: the menu follows. (A choice made in the
        menu itself shows there before its event reaches the scene: that is left alone.)"""
        menu, selected = self.activation_menu, self.scene.model.selected
        if menu is not None and selected != self._shown and selected in self.scene.model.curves:
            if menu.selected_option[0] == selected:
                self._shown = selected
            elif menu.current_state is not menu.menu_states.get("expanded"):
                self._activation_menu()
        self.status.set_text(self.scene.status_text())
