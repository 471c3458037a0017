"""Numbers as the app shows them: one minus sign, the typographic one (U+2212), in one style of
exponent, in every font a panel draws them in; files keep plain ASCII."""

from __future__ import annotations

import pygame
import pytest

from explorer.app.ui.numbers_format import num, short
from explorer.app.ui.text import MINUS, Text


@pytest.mark.parametrize(
    ("value", "shown"),
    [(-1440.0, "−1.44e3"), (-1.0, "−1"), (-0.5, "−0.5"), (-1.2e-4, "−1.2e−4"), (2.5e-5, "2.5e−5")],
)
def test_a_negative_number_and_a_small_exponent_take_the_typographic_minus(value, shown):
    assert num(value, 3) == shown
    assert "-" not in short(value)


@pytest.mark.parametrize("kind", ["sans", "bold", "mono"])
def test_a_drawn_minus_is_a_minus_not_a_hyphen_in_every_font(kind):
    # pygame_gui's Noto Sans draws U+2212 with its hyphen's outline: "−1" in a sans label read as
    # "-1" beside the table's "−1.44e3" in Fira Code. A minus is as wide as the plus.
    pygame.font.init()
    text = Text()
    white = (255, 255, 255)
    minus, plus = (text.render(s + "1", 13, white, kind).get_width() for s in (MINUS, "+"))
    hyphen = text.render("-1", 13, white, kind).get_width()
    assert minus == plus
    if kind != "mono":  # (Fira Code's hyphen is as wide as its minus)
        assert minus > hyphen
    assert text.kind_for(f"loss {MINUS}1", kind) == kind  # the rest stays in its own font
    words = f"ill-conditioned valley (loss {MINUS}1)"
    assert text.ellipsize(words, 13, text.render(words, 13, white, kind).get_width(), kind) == words
