"""The Dropout scene's toolbar (pygame_gui only): play / pause, next mini-batch, reset, the
dropout rate p, the mini-batches per second and the dataset, routed back to the scene."""

from __future__ import annotations

from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu

from explorer.app.scenes.dropout.model import P_RANGE, SPEED_RANGE
from explorer.app.ui.i18n import t
from explorer.app.ui.row import Row
from explorer.app.ui.scale import factor, px
from explorer.app.ui.slider import ValueSlider
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action
from explorer.specs import Hyper

P_STEP = 0.05
RATE_RANGE = SPEED_RANGE  # mini-batches per second, on a log slider
P_HYPER = Hyper(0.5, *P_RANGE)  # arrows step by 0.05
RATE_HYPER = Hyper(3.0, *RATE_RANGE, log=True)  # arrows step 0.5, 1, 2, 5, 10, 20, 30


def snap_p(value: float) -> float:
    p = round(round(float(value) / P_STEP) * P_STEP, 2)
    return min(max(p, P_RANGE[0]), P_RANGE[1])


class DropoutControls:
    def __init__(self, scene) -> None:
        self.scene = scene
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.captions: list[TextSlot] = []
        self.build()

    def build(self) -> None:
        """The toolbar, placed for the scene's layout at the current UI scale."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        s = self.scene
        bar = s.layout.toolbar
        row = Row(bar.x + px(8), bar.right - px(8), bar.y + px(6), 32)
        self.play_button = self._button(
            row.take(76), self._play_text(), s.toggle_play, t("dropout.play_tip")
        )
        self.step_button = self._button(
            row.take(124),
            t("dropout.next_batch"),
            s.next_batch,
            t("dropout.next_batch_tip"),
        )
        self._button(row.take(60), t("dropout.reset"), s.reset, t("dropout.reset_tip"))
        menu_w = max(110, min(150, (bar.w / factor() - 1024) // 4 + 110))
        self.dataset_menu = UIDropDownMenu(
            s.model.datasets, s.model.dataset, row.take_right(menu_w), self.manager
        )
        self.actions[self.dataset_menu] = lambda e: s.choose_dataset(e.text)
        row.skip(12)
        self._caption(row.take(70, 22), t("dropout.p_label"))
        rate_caption = px(104 + 6)
        each = (row.rest() - rate_caption - px(3 * 6)) // 2
        self.p = ValueSlider(
            self.manager,
            row.take(each / factor(), 22),
            P_HYPER,
            s.model.p,
            lambda v: s.choose_p(snap_p(v)),
            entry_w=px(56),
            limits=P_RANGE,
            on_error=self._error,
            tooltip=t("dropout.p_tip"),
        )
        self.p_slider = self.p.slider
        row.skip(6)
        self._caption(row.take(104, 22), t("dropout.rate_label"))
        self.rate = ValueSlider(
            self.manager,
            row.take(0, 22, stretch=True),
            RATE_HYPER,
            s.model.rate,
            s.set_rate,
            entry_w=px(56),
            limits=RATE_RANGE,
            on_error=self._error,
            tooltip=t("dropout.rate_tip"),
        )
        self.rate_slider = self.rate.slider

    def _error(self, sentence: str) -> None:
        self.scene.model.message = sentence

    def _button(self, rect, label: str, action: Callable[[], None], tip: str) -> UIButton:
        button = UIButton(pygame.Rect(rect), label, self.manager, tool_tip_text=tip)
        self.actions[button] = lambda e: action()
        return button

    def _caption(self, rect, text: str, style: str = "label") -> TextSlot:
        slot = TextSlot(rect, text, style)
        self.captions.append(slot)
        return slot

    def _play_text(self) -> str:
        return t("dropout.pause") if self.scene.model.playing else t("dropout.play")

    def handle(self, event) -> bool:
        if self.p.handle(event) or self.rate.handle(event):
            return True
        return run_action(self.actions, event)

    def text_focused(self) -> bool:
        """A typed-value box has the keyboard: keys are typing, not shortcuts."""
        return self.p.focused or self.rate.focused

    def sync(self) -> None:
        """Keys change what the widgets show too."""
        s = self.scene
        if self.play_button.text != self._play_text():
            self.play_button.set_text(self._play_text())
        self.p.show(s.model.shown_p)
        self.rate.show(s.model.rate)
