"""The benchmark's two pictures, drawn with Pillow: performance profiles and lr sensitivity.

Their words are set in Noto Sans, the font the app draws with (it ships in pygame_gui's data
folder, found by path: this layer imports no pygame), which has ρ and τ; where it is missing,
Pillow's own font, which has no Greek letters, spells them out."""

from __future__ import annotations

import functools
import math
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont

from explorer.atomic_write import atomic_path
from explorer.dashes import dash_segments

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
DASH = 6  # px: a curve that is another's is dashed over it


def _save(image: Image.Image, path: Path) -> Path:
    with atomic_path(path, "--out") as tmp:
        image.save(tmp, format="PNG")
    return path


@functools.cache
def _font(size: int = 13) -> Any:
    """Noto Sans at ``size`` px, else Pillow's default font (then ``_greek`` spells ρ, τ)."""
    import importlib.util

    spec = importlib.util.find_spec("pygame_gui")
    if spec is not None and spec.origin is not None:
        path = Path(spec.origin).parent / "data" / "NotoSans-Regular.ttf"
        if path.is_file():
            try:
                return ImageFont.truetype(str(path), size)
            except OSError:
                pass
    return ImageFont.load_default()


def _greek(words: str) -> str:
    if isinstance(_font(), ImageFont.FreeTypeFont):
        return words
    return words.replace("ρ", "rho").replace("τ", "tau").replace("×", "x").replace("÷", "/")


def _text(draw: ImageDraw.ImageDraw, xy: tuple[float, float], words: str, **kw: Any) -> None:
    draw.text(xy, _greek(words), fill=(0, 0, 0), font=_font(), **kw)


def _legend(
    draw: ImageDraw.ImageDraw,
    names: list[str],
    labels: list[str],
    x: int,
    twins: dict[str, tuple[int, int, int]] | None = None,
) -> None:
    for i, label in enumerate(labels):
        y = PAD + 6 + 18 * i
        twin = (twins or {}).get(names[i])
        if twin is not None:  # dashed over the colour of the curve it shares
            draw.line([(x, y + 8), (x + 18, y + 8)], fill=COLOURS[twin[0] % len(COLOURS)], width=3)
        _line(draw, [(x, y + 8), (x + 18, y + 8)], COLOURS[i % len(COLOURS)], 3, twin)
        _text(draw, (x + 24, y), label)


def _line(draw: ImageDraw.ImageDraw, points, colour, width: int, twin) -> None:
    """A line; dashed when it is a copy of an earlier curve (``twin`` = (its index, which copy,
    how many share it)): each copy in its own stretches of the pattern, so every colour shows."""
    if twin is None:
        draw.line(points, fill=colour, width=width)
        return
    _, k, m = twin
    for a, b in dash_segments(points, DASH, (m - 1) * DASH, -k * DASH):
        draw.line([a, b], fill=colour, width=width)


def same_curves(rho: dict[str, Any]) -> dict[str, list[str]]:
    """Optimizers whose ρ(τ) is exactly another's, under the first of them: {first: [the others]}.
    ρ counts tasks, so two optimizers equally fast on every task share a curve to the bit, and
    the line drawn last would hide the other; the pictures dash the others over the first."""
    groups: dict[tuple[float, ...], list[str]] = {}
    for name, curve in rho.items():
        groups.setdefault(tuple(curve), []).append(name)
    return {names[0]: names[1:] for names in groups.values() if len(names) > 1}


def _twins(names: list[str], rho: dict[str, Any]) -> dict[str, tuple[int, int, int]]:
    """Each optimizer whose ρ(τ) is an earlier one's: (that one's index, which copy, how many)."""
    twins = {}
    for first, others in same_curves(rho).items():
        for k, name in enumerate(others, 1):
            twins[name] = (names.index(first), k, len(others) + 1)
    return twins


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
        _text(draw, (x0 - 8, y), f"{k / 4:.2f}", anchor="rm")
    for tau in (1, 2, 3, 4):
        x = x0 + (x1 - x0) * (tau - lo) / (hi - lo)
        _text(draw, (x, y0 + 4), str(tau), anchor="mt")
    _text(draw, (x0, 14), "performance profiles ρ(τ): the share of tasks an optimizer reached")
    _text(draw, (x0, 30), "within τ × the fastest optimizer's steps on each task")
    _text(draw, ((x0 + x1) // 2, y0 + 24), "τ", anchor="mt")
    _text(draw, (x1 + 14, PAD - 14), "score (area to τ = 4)")
    names = list(prof["rho"])
    twins = _twins(names, prof["rho"])
    for i, name in enumerate(names):
        points = [
            (x0 + (x1 - x0) * (t - lo) / (hi - lo), y0 + (y1 - y0) * r)
            for t, r in zip(taus, prof["rho"][name], strict=True)
        ]
        _line(draw, points, COLOURS[i % len(COLOURS)], 2, twins.get(name))
    labels = [f"{n}  {prof['score'][n]:.2f}" for n in names]
    labels = [
        label + (f"  (= {names[twins[n][0]]})" if n in twins else "")
        for n, label in zip(names, labels, strict=True)
    ]
    _legend(draw, names, labels, x1 + 14, twins)
    return _save(image, path)


def sensitivity_png(path: Path, results: list[dict[str, Any]]) -> Path | None:
    """Per surface task, the final loss over the lr range (other knobs at their best), the
    tuned rate marked with a tick; the axis is logarithmic where the losses allow it."""
    sweeps = [r for r in results if r.get("sensitivity")]
    if not sweeps:
        return None
    tasks = list(dict.fromkeys(r["task"] for r in sweeps))
    names = list(dict.fromkeys(r["optimizer"] for r in sweeps))
    cols = min(3, len(tasks))
    rows = math.ceil(len(tasks) / cols)
    cw, ch = 320, 230
    image = Image.new("RGB", (cols * cw + 170, rows * ch + 44), "white")
    draw = ImageDraw.Draw(image)
    _text(draw, (8, 8), "final loss over lr (surface tasks), every other knob at its tuned value;")
    _text(draw, (8, 24), "a tick on the lr axis marks the tuned lr, a gap a rate that diverged")
    for k, task in enumerate(tasks):
        ox, oy = (k % cols) * cw + 70, (k // cols) * ch + 52
        box = (ox, oy + 18, ox + cw - 80, oy + ch - 44)
        draw.rectangle(box, outline=(0, 0, 0))
        _text(draw, (ox, oy), task)
        _sweep_panel(draw, box, [r for r in sweeps if r["task"] == task], names)
    _legend(draw, names, names, cols * cw + 20)
    return _save(image, path)


def _sweep_panel(
    draw: ImageDraw.ImageDraw,
    box: tuple[int, int, int, int],
    mine: list[dict[str, Any]],
    names: list[str],
) -> None:
    """One task's curves in ``box``, with the loss and lr at the axes' ends."""
    bx0, by0, bx1, by1 = box
    values = [v for r in mine for v in r["sensitivity"]["final"] if v is not None]
    rates = [v for r in mine for v in r["sensitivity"]["lr"]]
    if not values or not rates:
        _text(draw, ((bx0 + bx1) / 2, (by0 + by1) / 2), "every rate diverged", anchor="mm")
        return
    log_y = min(values) > 0  # a loss below zero (a saddle's) plots on a linear axis
    lo_v, hi_v = min(values), max(values)

    def fy(v: float) -> float:
        return math.log10(v) if log_y else v

    lo_y, hi_y = fy(lo_v), fy(hi_v)
    hi_y = hi_y if hi_y > lo_y else lo_y + 1
    lo_x, hi_x = math.log10(min(rates)), math.log10(max(rates))
    hi_x = hi_x if hi_x > lo_x else lo_x + 1
    _text(draw, (bx0, by1 + 4), f"lr {min(rates):.0e}")
    _text(draw, (bx1, by1 + 4), f"{max(rates):.0e}", anchor="ra")
    _text(draw, (bx0 - 4, by0), f"{hi_v:.2g}", anchor="rt")
    _text(draw, (bx0 - 4, by1), f"{lo_v:.2g}", anchor="rb")

    def at(lr: float, v: float) -> tuple[float, float]:
        x = bx0 + (bx1 - bx0) * (math.log10(lr) - lo_x) / (hi_x - lo_x)
        return x, by1 - (by1 - by0) * (fy(v) - lo_y) / (hi_y - lo_y)

    for r in mine:
        colour = COLOURS[names.index(r["optimizer"]) % len(COLOURS)]
        sweep = r["sensitivity"]
        pts: list[tuple[float, float]] = []
        for lr, v in [*zip(sweep["lr"], sweep["final"], strict=True), (None, None)]:
            if v is None or lr is None:  # diverged (or the end): the line breaks
                if len(pts) > 1:
                    draw.line(pts, fill=colour, width=2)
                pts = []
                continue
            pts.append(at(lr, v))
        best = sweep.get("best_lr")
        if best and best > 0:  # the tuned rate: a tick of the optimizer's colour on the lr axis
            x = at(best, lo_v)[0]
            draw.line([(x, by1 - 8), (x, by1)], fill=colour, width=3)
