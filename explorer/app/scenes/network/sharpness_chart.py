"""λ_max live: the top eigenvalue of the training loss's Hessian, measured in the worker every k
steps (``explorer.training.sharpness``), drawn against the update rule's stability threshold
(2/η for gradient descent: along a direction curved more than that, a step overshoots and grows),
with one line that says what the series did: where it stands, when it crossed the threshold,
and, when the run diverged, along which layer the step blew up.

A measurement that ran out of Hessian-vector products before its error bound met the tracker's
tolerance shows as the range λ_max lies in (``12.3–12.9``) and an error bar above its point (a
Ritz value is a lower bound), never as a bare figure.

The y-axis is linear from 0 (or the lowest value) to a little over the highest value or the
threshold, whichever is higher: nothing is cut off, so a diverging run's jump shows as it is."""

from __future__ import annotations

import math
import re
from typing import Any

import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training.sharpness import TOL, shown

LAMBDA = (230, 140, 255)  # the λ_max series
LIMIT = (255, 120, 90)  # the threshold line (2/η …)

# the threshold's formula per rule (math, the same in every language)
FORMULAS = {
    "sgd": "2/η",
    "momentum": "(2+2β)/η",
    "adam": "(2+2β₁)/((1−β₁)η)",
    "adamw": "(2+2β₁)/((1−β₁)η)",
}


def layer_words(layer: str) -> str:
    """``sharpness.layer_of``'s words in the UI's language."""
    hidden = re.fullmatch(r"hidden layer (\d+)", layer)
    if hidden:
        return t("sharpness.layer_hidden", n=hidden.group(1))
    return t("sharpness.layer_output") if layer == "output layer" else layer


def bars(sharpness: dict[str, Any]) -> list[float]:
    """Each row's error bound (zeros from a worker that sent none)."""
    errors = sharpness.get("errors") or ()
    return [float(e) for e in errors] + [0.0] * (len(sharpness["series"]) - len(errors))


def figure(sharpness: dict[str, Any], i: int = -1) -> str:
    """Row ``i``'s λ_max as the chart writes it: the figure, or its range (see the docstring)."""
    return shown(sharpness["series"][i][1], bars(sharpness)[i], sharpness.get("tol", TOL))


def note(sharpness: dict[str, Any]) -> str:
    """One line: what the series says now (see the module's docstring)."""
    series = sharpness["series"]
    if not series:
        return t("sharpness.waiting", every=sharpness["every"])
    step, value, layer, share = series[-1]
    limit = sharpness["threshold"]
    formula = FORMULAS.get(sharpness["optimizer"], "")
    if sharpness["diverged"]:
        if sharpness["crossed"] is None or limit is None:
            return t("sharpness.diverged_between", value=figure(sharpness), step=step)
        return t(
            "sharpness.diverged",
            formula=formula,
            limit=f"{limit:.4g}",
            crossed=sharpness["crossed"],
            share=f"{share:.0%}",
            layer=layer_words(layer),
        )
    if sharpness["failed_step"] is not None:
        return t("sharpness.failed", step=sharpness["failed_step"])
    if limit is None:
        return t("sharpness.no_threshold", optimizer=sharpness["optimizer"])
    peak = max(series, key=lambda row: row[1])
    said = t(
        "sharpness.against",
        ratio=f"{value / limit:.0%}",
        formula=formula,
        peak=f"{peak[1]:.4g}",
        peak_step=peak[0],
    )
    if sharpness["crossed"] is not None:
        said += t("sharpness.above_since", step=sharpness["crossed"])
    return said


def draw_sharpness(
    surface: pygame.Surface, rect: pygame.Rect, sharpness: dict[str, Any], steps: int, text: Text
) -> None:
    """The chart in ``rect`` of ``surface``; ``steps``: the run's length (the x-axis)."""
    series, limit = sharpness["series"], sharpness["threshold"]
    which = "sharpness.title_pre" if sharpness["preconditioned"] else "sharpness.title"
    text.blit(surface, t(which), (rect.x + px(8), rect.y + px(4)), 12, palette.TEXT, "bold")
    right = rect.right - px(8)  # the title row's right end: the last value, then the limit's
    if series:
        last = t("sharpness.last", value=figure(sharpness), step=series[-1][0])
        right = text.blit(surface, last, (right, rect.y + px(5)), 11, LAMBDA, anchor="topright").x
    colour = palette.ERROR if sharpness["diverged"] else palette.TEXT_DIM
    said = note(sharpness)
    lines = text.wrap(said, 10, rect.w - px(16))
    if len(lines) > 2:  # the second line ends in "…": there is more
        rest = said[len(lines[0]) :].lstrip()
        lines = [lines[0], text.ellipsize(rest, 10, rect.w - px(16))]
    for k, line in enumerate(reversed(lines)):
        at = (rect.x + px(8), rect.bottom - px(2) - k * text.line_height(10))
        text.blit(surface, line, at, 10, colour, anchor="bottomleft")
    top = rect.y + px(6) + text.line_height(12)
    left = max(px(44), text.font(10, "mono").size("0.0012")[0] + px(8))
    bottom = rect.bottom - px(6) - 2 * text.line_height(10)
    plot = pygame.Rect(rect.x + left, top, rect.w - left - px(12), max(px(10), bottom - top))
    tol = sharpness.get("tol", TOL)
    wide = [
        (s, v, e)
        for (s, v, _, _), e in zip(series, bars(sharpness), strict=True)
        if math.isfinite(v) and math.isfinite(e) and e > tol * abs(v)
    ]
    values = [v for _, v, _, _ in series if math.isfinite(v)] + [v + e for _, v, e in wide]
    if limit is not None:
        values.append(limit)
    if not values:
        return
    lo = min(0.0, *values)
    hi = max(values) * 1.1 if max(values) > 0 else lo + 1.0

    def y_of(v: float) -> float:
        return plot.bottom - (v - lo) / (hi - lo) * plot.h

    room = plot.h // text.line_height(10, "mono")  # tick labels that fit one above another
    for v in (lo, (lo + hi) / 2, hi) if room >= 3 else (lo, hi) if room >= 2 else (hi,):
        y = y_of(v)
        pygame.draw.line(surface, palette.PANEL_LINE, (plot.x, y), (plot.right, y), lw())
        text.blit(surface, num(v, 2), (plot.x - px(4), y), 10, palette.TEXT_DIM, "mono", "midright")
    span = max(steps, series[-1][0] if series else 1, 1)
    if limit is not None:
        y = y_of(limit)
        for x in range(plot.x, plot.right, px(8)):
            pygame.draw.line(surface, LIMIT, (x, y), (min(x + px(4), plot.right), y), lw(2))
        label = f"{FORMULAS.get(sharpness['optimizer'], '')} = {limit:.4g}"
        if y - plot.y < text.line_height(10):  # no room above the line: in the title row
            text.blit(
                surface, label, (right - px(10), rect.y + px(5)), 11, LIMIT, anchor="topright"
            )
        else:
            text.blit(surface, label, (plot.x + px(4), y - px(1)), 10, LIMIT, anchor="bottomleft")
    pts = [(plot.x + plot.w * s / span, y_of(v)) for s, v, _, _ in series if math.isfinite(v)]
    if len(pts) > 1:
        pygame.draw.lines(surface, LAMBDA, False, pts, lw(2))
    for s, v, e in wide:  # the range a measurement left open: from its value up
        x = plot.x + plot.w * s / span
        pygame.draw.line(surface, LAMBDA, (x, y_of(v)), (x, y_of(v + e)), lw(1))
        pygame.draw.line(surface, LAMBDA, (x - px(3), y_of(v + e)), (x + px(3), y_of(v + e)), lw(1))
    for p in pts[-1:]:
        pygame.draw.circle(surface, LAMBDA, (int(p[0]), int(p[1])), px(3))
