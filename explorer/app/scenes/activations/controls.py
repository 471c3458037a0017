"""The Activation scene's toolbar (pygame_gui only): which activation the large plot shows, how
many pieces the Maxout net has, and a button that retrains both small nets with a new seed."""

from __future__ import annotations

from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu

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
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        self.activation_menu = None
        s = self.scene
        bar = s.layout.toolbar
        y, h = bar.y + 6, 32
        x = 10
        self._caption((x, y + 6, 72, 22), "activation")
        x += 72
        self.menu_rect = pygame.Rect(x, y, 170, h)
        self._activation_menu()
        x += 170 + 24
        self._caption((x, y + 6, 104, 22), "Maxout pieces k")
        x += 104
        pieces = UIDropDownMenu(list(PIECES), str(s.pieces), pygame.Rect(x, y, 62, h),
                                self.manager)  # fmt: skip
        self.actions[pieces] = lambda e: s.set_pieces(int(e.text))
        x += 62 + 24
        retrain = UIButton(pygame.Rect(x, y, 150, h), "Retrain (new seed)", self.manager,
                           tool_tip_text="Train the Maxout and ReLU nets again from a new "
                           "random start (r)")  # fmt: skip
        self.actions[retrain] = lambda e: s.retrain()
        x += 150 + 16
        self.status = self._caption((x, y + 6, bar.right - x - 10, 22), "", "value")

    def _activation_menu(self) -> None:
        if self.activation_menu is not None:
            self.actions.pop(self.activation_menu, None)
            self.activation_menu.kill()
        s = self.scene
        names = list(s.curves) or ["(none)"]
        current = s.selected if s.selected in names else names[0]
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
        menu, selected = self.activation_menu, self.scene.selected
        if menu is not None and selected != self._shown and selected in self.scene.curves:
            if menu.selected_option[0] == selected:
                self._shown = selected
            elif menu.current_state is not menu.menu_states.get("expanded"):
                self._activation_menu()
        self.status.set_text(self.scene.status_text())
