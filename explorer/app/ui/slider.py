"""One slider for every scene: a knob, arrows that step by round values, and a typed value.

``ValueSlider`` is a pygame_gui slider over a ``Hyper`` (its range is a hint, log-scaled where the
hyper says so) with a small text entry beside it that shows the value and takes a typed one.
Arrows step whole numbers by 1 and other values by round amounts (log knobs along 1, 2, 5, 10, …;
linear ones by a 1-2-5 step near a twentieth of the range), never by 2 % of the knob's travel.
A typed value may lie outside the slider's range (the range is a UI hint: depth 40 on a slider
that ends at 12); it is checked against ``limits`` and then by whoever receives it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import UIHorizontalSlider, UITextEntryLine

from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.specs import Hyper

_MANTISSAS = (1.0, 2.0, 5.0)


def _ladder_above(value: float) -> float:
    """The smallest of 1, 2, 5 × 10^k strictly above ``value`` (> 0)."""
    k = math.floor(math.log10(value))
    for exp in (k, k + 1):
        for m in _MANTISSAS:
            c = m * 10.0**exp
            if c > value * (1 + 1e-9):
                return float(f"{c:.12g}")
    return float(f"{10.0 ** (k + 1):.12g}")


def _ladder_below(value: float) -> float:
    """The largest of 1, 2, 5 × 10^k strictly below ``value`` (> 0)."""
    k = math.floor(math.log10(value))
    for exp in (k, k - 1):
        for m in reversed(_MANTISSAS):
            c = m * 10.0**exp
            if c < value * (1 - 1e-9):
                return float(f"{c:.12g}")
    return float(f"{10.0 ** (k - 1):.12g}")


def round_step(hyper: Hyper) -> float:
    """A linear knob's arrow step: the 1-2-5 number nearest above a twentieth of its range."""
    span = hyper.high - hyper.low
    if span <= 0:
        return 1.0
    return _ladder_above(span / 20 * (1 - 1e-9))


def step_value(hyper: Hyper, value: float, direction: int) -> float:
    """The value one arrow click from ``value`` (+1 right, −1 left), inside the hyper's range."""
    value = float(value)
    if hyper.integer and not hyper.log:
        new = round(value) + direction
    elif hyper.log:
        base = max(value, hyper.low)
        new = _ladder_above(base) if direction > 0 else _ladder_below(base)
        if hyper.integer:
            new = round(new)
    else:
        s = round_step(hyper)
        new = (
            (math.floor(value / s + 1e-9) + 1) * s
            if direction > 0
            else (math.ceil(value / s - 1e-9) - 1) * s
        )
        new = float(f"{new:.12g}")
    if direction > 0 and value >= hyper.high:
        return value  # typed past the range: the arrow does not pull it back
    if direction < 0 and value <= hyper.low:
        return value
    return min(max(new, hyper.low), hyper.high)


def parse_typed(text: str, hyper: Hyper, limits: tuple[float, float] | None) -> float:
    """A typed value, or ValueError with one sentence."""
    cleaned = text.strip().replace("−", "-").replace(",", ".")
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError(t("slider.not_a_number", text=repr(text.strip()))) from None
    if not math.isfinite(value):
        raise ValueError(t("slider.not_finite", text=repr(text.strip())))
    if hyper.integer:
        if value != round(value):
            raise ValueError(t("slider.not_whole", text=cleaned))
        value = float(round(value))
    lo, hi = limits if limits is not None else (hyper.low, hyper.high)
    if not lo <= value <= hi:
        raise ValueError(t("slider.outside", value=num(value), low=num(lo), high=num(hi)))
    return value


class SteppedSlider(UIHorizontalSlider):
    """A slider over [0, 1] whose arrow buttons step the hyper's value by round amounts."""

    def __init__(self, rect, hyper: Hyper, value: float, manager, **kwargs) -> None:
        self.hyper = hyper
        self.value = float(value)
        super().__init__(rect, hyper.to_unit(value), (0.0, 1.0), manager, **kwargs)

    def show(self, value: float) -> None:
        """Put the knob at ``value`` (the model changed it)."""
        self.value = float(value)
        self.set_current_value(self.hyper.to_unit(value), warn=False)

    def process_event(self, event: pygame.event.Event) -> bool:
        buttons = (self.left_button, self.right_button)
        if event.type == pygame_gui.UI_BUTTON_PRESSED and event.ui_element in buttons:
            if event.ui_element is None:
                return False
            direction = -1 if event.ui_element is self.left_button else 1
            u = self.get_current_value()
            if abs(self.hyper.to_unit(self.value) - u) > 1e-6:  # dragged since the last step
                self.value = self.hyper.from_unit(u)
            self.value = step_value(self.hyper, self.value, direction)
            self.set_current_value(self.hyper.to_unit(self.value), warn=False)
            pygame.event.post(
                pygame.event.Event(
                    pygame_gui.UI_HORIZONTAL_SLIDER_MOVED,
                    {"value": self.get_current_value(), "ui_element": self, "stepped": self.value},
                )
            )
            return True
        return super().process_event(event)


class ValueSlider:
    """Slider + typed value for one knob. ``on_change(value)`` gets every new value (a drag, an
    arrow, a typed number); ``on_error(sentence)`` a typed value that could not be used."""

    def __init__(
        self,
        manager: pygame_gui.UIManager,
        rect: pygame.Rect,
        hyper: Hyper,
        value: float,
        on_change: Callable[[float], None],
        *,
        entry_w: int,
        limits: tuple[float, float] | None = None,
        on_error: Callable[[str], None] | None = None,
        tooltip: str = "",
    ) -> None:
        rect = pygame.Rect(rect)
        self.hyper, self.limits = hyper, limits
        self.on_change, self.on_error = on_change, on_error
        self.value = float(value)
        self.slider = SteppedSlider(
            pygame.Rect(rect.x, rect.y, rect.w - entry_w - 4, rect.h), hyper, value, manager
        )
        self.entry = UITextEntryLine(
            pygame.Rect(rect.right - entry_w, rect.y, entry_w, rect.h),
            manager,
            initial_text=num(value),
        )
        tip = tooltip or hyper.help
        if tip:
            self.slider.set_tooltip(tip)
        self.entry.set_tooltip(t("slider.type_hint"))

    @property
    def elements(self) -> tuple:
        return (self.slider, self.entry)

    def handle(self, event) -> bool:
        """Act on a widget event of this slider; False when it is not one."""
        element = getattr(event, "ui_element", None)
        if element is self.slider and event.type == pygame_gui.UI_HORIZONTAL_SLIDER_MOVED:
            if not hasattr(event, "value"):
                return True
            stepped = getattr(event, "stepped", None)
            v = float(stepped) if stepped is not None else self.hyper.from_unit(event.value)
            self._changed(v)
            return True
        if element is self.entry and event.type == pygame_gui.UI_TEXT_ENTRY_FINISHED:
            try:
                v = parse_typed(event.text, self.hyper, self.limits)
            except ValueError as exc:
                self.entry.set_text(num(self.value))
                if self.on_error is not None:
                    self.on_error(str(exc))
                return True
            self.entry.ui_manager.set_focus_set(None)
            self.slider.value = v
            self.slider.set_current_value(self.hyper.to_unit(v), warn=False)
            self._changed(v)
            return True
        return False

    def _changed(self, v: float) -> None:
        self.value = v
        self.slider.value = v
        if not self.entry.is_focused:
            self.entry.set_text(num(v))
        self.on_change(v)

    def show(self, value: float) -> None:
        """The model changed the value (a key, a refusal): the knob and the entry follow."""
        value = float(value)
        if value == self.value:
            return
        self.value = value
        self.slider.show(value)
        if not self.entry.is_focused:
            self.entry.set_text(num(value))

    @property
    def focused(self) -> bool:
        return bool(self.entry.is_focused)

    def kill(self) -> None:
        self.slider.kill()
        self.entry.kill()
