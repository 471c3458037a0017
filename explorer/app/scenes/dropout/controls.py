"""The Dropout scene's toolbar (pygame_gui only): play / pause, next mini-batch, reset, the
dropout rate p, the mini-batches per second and the dataset, routed back to the scene."""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu, UIHorizontalSlider

from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action

P_RANGE = (0.05, 0.9)
P_STEP = 0.05
RATE_RANGE = (0.5, 30.0)  # mini-batches per second, on a log slider


def snap_p(value: float) -> float:
    p = round(round(float(value) / P_STEP) * P_STEP, 2)
    return min(max(p, P_RANGE[0]), P_RANGE[1])


def rate_to_unit(rate: float) -> float:
    lo, hi = RATE_RANGE
    return math.log(min(max(rate, lo), hi) / lo) / math.log(hi / lo)


def unit_to_rate(u: float) -> float:
    lo, hi = RATE_RANGE
    return lo * (hi / lo) ** min(max(float(u), 0.0), 1.0)


def rate_text(rate: float) -> str:
    return f"{rate:.1f}/s" if rate < 10 else f"{rate:.0f}/s"


class DropoutControls:
    def __init__(self, scene) -> None:
        self.scene = scene
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.captions: list[TextSlot] = []
        self.build()

    def build(self) -> None:
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        s = self.scene
        bar = s.layout.toolbar
        y, h, gap = bar.y + 6, 32, 6
        spare = max(0, bar.w - 1024)
        p_w, rate_w = 120 + spare // 4, 100 + spare // 4
        x = 8
        self.play_button = self._button((x, y, 76, h), self._play_text(), s.toggle_play,
                                        "Play / pause the training (space)")  # fmt: skip
        x += 76 + gap
        self.step_button = self._button((x, y, 124, h), "Next mini-batch", s.next_batch,
                                        "Train on one more mini-batch (right arrow key)")  # fmt: skip
        x += 124 + gap
        self._button((x, y, 60, h), "Reset", s.reset, "Start the run again, same seed (r)")
        x += 60 + gap * 3
        self._caption((x, y + 6, 70, 22), "dropout p")
        x += 70
        self.p_slider = UIHorizontalSlider(
            pygame.Rect(x, y + 5, p_w, 22), s.p, P_RANGE, self.manager, click_increment=P_STEP
        )
        self.p_slider.set_tooltip("the probability of dropping each hidden unit while training")
        self.actions[self.p_slider] = lambda e: s.choose_p(snap_p(e.value))
        x += p_w + 4
        self.p_label = self._caption((x, y + 6, 40, 22), f"{s.shown_p:.2f}", "value")
        x += 40 + gap * 2
        self._caption((x, y + 6, 104, 22), "mini-batches/s")
        x += 104
        self.rate_slider = UIHorizontalSlider(
            pygame.Rect(x, y + 5, rate_w, 22),
            rate_to_unit(s.rate),
            (0.0, 1.0),
            self.manager,
            click_increment=0.02,
        )
        self.rate_slider.set_tooltip("how fast the live net trains while playing")
        self.actions[self.rate_slider] = lambda e: s.set_rate(unit_to_rate(e.value))
        x += rate_w + 4
        self.rate_label = self._caption((x, y + 6, 48, 22), rate_text(s.rate), "value")
        x += 48 + gap * 2
        options = s.datasets
        menu_w = max(110, min(150, bar.right - x - 8))
        self.dataset_menu = UIDropDownMenu(
            options, s.dataset, pygame.Rect(x, y, menu_w, h), self.manager
        )
        self.actions[self.dataset_menu] = lambda e: s.choose_dataset(e.text)

    def _button(self, rect, label: str, action: Callable[[], None], tip: str) -> UIButton:
        button = UIButton(pygame.Rect(rect), label, self.manager, tool_tip_text=tip)
        self.actions[button] = lambda e: action()
        return button

    def _caption(self, rect, text: str, style: str = "label") -> TextSlot:
        slot = TextSlot(rect, text, style)
        self.captions.append(slot)
        return slot

    def _play_text(self) -> str:
        return "Pause" if self.scene.playing else "Play"

    def handle(self, event) -> bool:
        return run_action(self.actions, event)

    def sync(self) -> None:
        """Keys change what the widgets show too."""
        s = self.scene
        if self.play_button.text != self._play_text():
            self.play_button.set_text(self._play_text())
        self.p_label.set_text(f"{s.shown_p:.2f}")
        self.rate_label.set_text(rate_text(s.rate))
