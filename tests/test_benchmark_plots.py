"""The benchmark's PNGs show what the numbers say: each optimizer's ρ(τ) drawn at its height
in its colour, the sensitivity sweep's tuned rate ticked on the lr axis, a task whose every
rate diverged said in words, and no picture at all when nothing was swept."""

from __future__ import annotations

import math

from PIL import Image

from explorer.benchmark.plots import (
    COLOURS,
    PAD,
    H,
    W,
    profile_png,
    same_curves,
    sensitivity_png,
)
from explorer.benchmark.report import profiles


def _row(task, optimizer, steps):
    return {"task": task, "optimizer": optimizer, "steps_to_target": steps}


def test_the_profile_png_draws_each_optimizer_at_its_rho(tmp_path):
    rows = [_row("a", "sgd", 100.0), _row("a", "adam", 50.0), _row("b", "sgd", None)]
    rows.append(_row("b", "adam", 10.0))
    prof = profiles(rows, ["sgd", "adam"])
    image = Image.open(profile_png(tmp_path / "p.png", prof)).convert("RGB")
    x0, x1, y0, y1 = PAD, W - 200, H - PAD, PAD
    at_tau_3 = round(x0 + (x1 - x0) * 2 / 3)
    # adam fastest on both tasks: ρ = 1; sgd within 2× on one of two from τ = 2: ρ = ½
    assert image.getpixel((at_tau_3, y1 + 1))[:3] == COLOURS[1]
    half = round(y0 + (y1 - y0) * 0.5)
    assert COLOURS[0] in [image.getpixel((at_tau_3, half + d)) for d in (-1, 0, 1)]


def test_equal_profiles_both_show_in_the_png_and_the_legend_pairs_them(tmp_path):
    rows = [_row("a", "sgd", 50.0), _row("a", "adam", 50.0), _row("a", "nesterov", 50.0)]
    prof = profiles(rows, ["sgd", "adam", "nesterov"])
    assert same_curves(prof["rho"]) == {"sgd": ["adam", "nesterov"]}
    image = Image.open(profile_png(tmp_path / "p.png", prof)).convert("RGB")
    x0, x1, y1 = PAD, W - 200, PAD
    top = {image.getpixel((x, y1 + 1))[:3] for x in range(x0 + 2, x1 - 2)}
    assert set(COLOURS[:3]) <= top  # every colour shows along the one curve


def test_the_sensitivity_png_ticks_the_tuned_rate_and_says_when_all_diverged(tmp_path):
    rates = [1e-4, 1e-3, 1e-2, 1e-1, 1.0]
    sweep = {"lr": rates, "final": [1.0, 0.5, 0.1, 0.05, None], "best_lr": 1e-1}
    results = [
        {"task": "valley", "optimizer": "sgd", "sensitivity": sweep},
        {"task": "wild", "optimizer": "sgd", "sensitivity": {**sweep, "final": [None] * 5}},
    ]
    image = Image.open(sensitivity_png(tmp_path / "s.png", results)).convert("RGB")
    ox, oy, cw, ch = 70, 52, 320, 230  # the first panel's box, as the picture lays it out
    bx0, bx1, by1 = ox, ox + cw - 80, oy + ch - 44
    x = round(bx0 + (bx1 - bx0) * (math.log10(1e-1) + 4) / 4)
    assert image.getpixel((x, by1 - 4))[:3] == COLOURS[0]
    inside = (ox + cw + 2, oy + 20, ox + 2 * cw - 82, by1 - 2)  # the second panel's box
    second = Image.open(tmp_path / "s.png").convert("L").crop(inside)
    assert second.getextrema()[0] < 128  # words in it: every rate diverged
    assert sensitivity_png(tmp_path / "none.png", [{"task": "a", "sensitivity": None}]) is None
