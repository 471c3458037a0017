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


def test_map_ticks_optimizer_state_and_data_targets_are_shown_the_same_way():
    # each wrote its own f"{v:g}": "-1.5" and "1e-05" on the map's axes beside "−1.5" in the
    # numbers panel
    import torch

    from explorer.app.scenes.landscape.state_vectors import read_state
    from explorer.app.scenes.network.data_panel_widgets import _number
    from explorer.app.ui.view import format_tick

    assert [format_tick(v, 0.5) for v in (-1.5, 0.0, 2.0)] == ["−1.5", "0", "2.0"]
    assert format_tick(-2e-5, 1e-5) == "−2e−5" and format_tick(3e5, 1e5) == "3e5"
    labels = dict(read_state({"t": 3, "beta": torch.tensor(-1.2e-5)}).labels)
    assert labels == {"t": "3", "beta": "−1.2e−5"}
    assert _number(-1.0) == "−1" and _number(0.5) == "0.5"


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


def test_files_keep_plain_ascii_numbers_and_plugins_score_writes_the_benchmarks_tasks_csv(tmp_path):
    import json

    from explorer.benchmark.report import clean, write_tasks_csv
    from explorer.scoreboard import write_csv

    row = {"task": "valley", "optimizer": "adam", "target": -1.0, "final": -1440.0}
    rows = [{**row, "tuned": {"lr": -1.2e-4}}]
    write_tasks_csv(tmp_path / "tasks.csv", rows, "--out")
    write_csv({"rows": rows}, tmp_path / "score.csv")  # one writer: the same file
    text = (tmp_path / "tasks.csv").read_text()
    assert text == (tmp_path / "score.csv").read_text()
    assert "-1440.0" in text and "lr=-0.00012" in text and MINUS not in text
    assert MINUS not in json.dumps(clean(rows))
