"""The benchmark's two pictures, drawn with Pillow: performance profiles and lr sensitivity.
Pillow's built-in font has no Greek letters: the pictures spell rho and tau out."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw

from explorer.atomic_write import atomic_path

COLOURS = [
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
]
W, H, PAD = 720, 440, 56


def _save(image: Image.Image, path: Path) -> Path:
    with atomic_path(path, "--out") as tmp:
        image.save(tmp, format="PNG")
    return path


def _legend(draw: ImageDraw.ImageDraw, names: list[str], labels: list[str], x: int) -> None:
    for i, label in enumerate(labels):
        y = PAD + 6 + 16 * i
        draw.line([(x, y + 6), (x + 18, y + 6)], fill=COLOURS[i % len(COLOURS)], width=3)
        draw.text((x + 24, y), label, fill=(0, 0, 0))


def profile_png(path: Path, prof: dict[str, Any]) -> Path:
    """ρ(τ) for each optimizer: the fraction of tasks within τ× the best optimizer's steps."""
    image = Image.new("RGB", (W, H), "white")
    draw = ImageDraw.Draw(image)
    x0, x1, y0, y1 = PAD, W - 200, H - PAD, PAD
    draw.rectangle([x0, y1, x1, y0], outline=(0, 0, 0))
    taus = prof["tau"]
    lo, hi = taus[0], taus[-1]
    for k in range(5):
        y = y0 + (y1 - y0) * k / 4
        draw.text((x0 - 30, y - 6), f"{k / 4:.2f}", fill=(0, 0, 0))
    for tau in (1, 2, 3, 4):
        x = x0 + (x1 - x0) * (tau - lo) / (hi - lo)
        draw.text((x - 4, y0 + 6), str(tau), fill=(0, 0, 0))
    draw.text(
        (x0, 12),
        "performance profile rho(tau): share of tasks within tau x the best steps",
        fill=(0, 0, 0),
    )
    draw.text(((x0 + x1) // 2 - 10, y0 + 24), "tau", fill=(0, 0, 0))
    names = list(prof["rho"])
    for i, name in enumerate(names):
        points = [
            (x0 + (x1 - x0) * (t - lo) / (hi - lo), y0 + (y1 - y0) * r)
            for t, r in zip(taus, prof["rho"][name], strict=True)
        ]
        draw.line(points, fill=COLOURS[i % len(COLOURS)], width=2)
    labels = [f"{n}  {prof['score'][n]:.2f}" for n in names]
    _legend(draw, names, labels, x1 + 14)
    return _save(image, path)


def sensitivity_png(path: Path, results: list[dict[str, Any]]) -> Path | None:
    """Per surface task, the final loss over the lr range (other knobs at their best)."""
    sweeps = [r for r in results if r.get("sensitivity")]
    if not sweeps:
        return None
    tasks = list(dict.fromkeys(r["task"] for r in sweeps))
    names = list(dict.fromkeys(r["optimizer"] for r in sweeps))
    cols = min(3, len(tasks))
    rows = math.ceil(len(tasks) / cols)
    cw, ch = 300, 220
    image = Image.new("RGB", (cols * cw + 160, rows * ch + 30), "white")
    draw = ImageDraw.Draw(image)
    draw.text(
        (8, 8), "final loss over lr (log-log), other knobs at their tuned values", fill=(0, 0, 0)
    )
    for k, task in enumerate(tasks):
        ox, oy = (k % cols) * cw + 40, (k // cols) * ch + 40
        bx0, by0, bx1, by1 = ox, oy + 14, ox + cw - 60, oy + ch - 40
        draw.rectangle([bx0, by0, bx1, by1], outline=(0, 0, 0))
        draw.text((ox, oy), task, fill=(0, 0, 0))
        mine = [r for r in sweeps if r["task"] == task]
        values = [v for r in mine for v in r["sensitivity"]["final"] if v is not None]
        rates = [v for r in mine for v in r["sensitivity"]["lr"]]
        if not values or not rates:
            continue
        shift = 1e-12 - min(0.0, min(values))  # losses below zero (a saddle) still plot
        ly = [math.log10(v + shift) for v in values]
        lo_y, hi_y = min(ly), max(ly) if max(ly) > min(ly) else min(ly) + 1
        lo_x, hi_x = math.log10(min(rates)), math.log10(max(rates))
        hi_x = hi_x if hi_x > lo_x else lo_x + 1
        draw.text((bx0, by1 + 4), f"{min(rates):.0e}", fill=(0, 0, 0))
        draw.text((bx1 - 36, by1 + 4), f"{max(rates):.0e}", fill=(0, 0, 0))
        for r in mine:
            i = names.index(r["optimizer"])
            pts = []
            for lr, v in zip(r["sensitivity"]["lr"], r["sensitivity"]["final"], strict=True):
                if v is None:  # diverged: the line breaks
                    if len(pts) > 1:
                        draw.line(pts, fill=COLOURS[i % len(COLOURS)], width=2)
                    pts = []
                    continue
                x = bx0 + (bx1 - bx0) * (math.log10(lr) - lo_x) / (hi_x - lo_x)
                y = by1 - (by1 - by0) * (math.log10(v + shift) - lo_y) / (hi_y - lo_y)
                pts.append((x, y))
            if len(pts) > 1:
                draw.line(pts, fill=COLOURS[i % len(COLOURS)], width=2)
    _legend(draw, names, names, cols * cw + 10)
    return _save(image, path)
