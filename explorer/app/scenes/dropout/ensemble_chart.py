"""One small net's ensemble: the probability-weighted average of its 2^M thinned networks next to
the weight-scaled network on a few inputs, the largest gap, and a histogram of the thinned
networks' outputs for one input with both marked."""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training.dropout_numbers import ENSEMBLE_OUTPUT, EnsembleNet, weighted_histogram

LINE = 18  # pixels from one line to the next at UI scale 1
BAR = (88, 110, 150)
AVERAGE = palette.GOOD
SCALED = palette.WARN
EXACT_GAP = 1e-9


def render_ensemble(
    net: EnsembleNet | None, status: str, size: tuple[int, int], text: Text, error: bool = False
) -> pygame.Surface:
    """The ensemble of ``net``, or ``status`` (an error when ``error``) while there is none."""
    w, h = max(size[0], px(200)), max(size[1], px(120))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if net is None:
        colour = palette.ERROR if error else palette.TEXT_DIM
        step = text.line_height(14)
        for k, line in enumerate(text.wrap(status, 14, w - px(20))[:4]):
            text.blit(
                surface, line, (w // 2, h // 2 - px(20) + step * k), 14, colour, anchor="midtop"
            )
        return surface
    hist_w = max(px(150), min(px(300), w - px(370)))
    table_w = w - hist_w - px(14)
    _table(surface, net, pygame.Rect(0, 0, table_w, h), text)
    _histogram(surface, net, pygame.Rect(table_w + px(14), 0, hist_w, h), text)
    return surface


def _table(surface, net: EnsembleNet, rect: pygame.Rect, text: Text) -> None:
    r, m = net.result, net.droppable
    arch = "–".join(str(s) for s in net.sizes)
    title = t("dropout.net_title", activation=net.activation, arch=arch, p=num(net.p, 2))
    if net.val_acc is not None:  # "val acc 85%", or "val 85%" where that does not fit
        acc = f"{net.val_acc:.0%}"
        long = title + t("dropout.net_val", acc=acc)
        fits = text.font(14, text.kind_for(long, "bold")).size(long)[0] <= rect.w
        title = long if fits else title + t("dropout.net_val_short", acc=acc)
    text.blit(
        surface, text.ellipsize(title, 14, rect.w, "bold"), rect.topleft, 14, palette.TEXT, "bold"
    )
    sub = t("dropout.droppable", m=m, n=r.n_networks)
    text.blit(
        surface,
        text.ellipsize(sub, 13, rect.w),
        (rect.x, rect.y + px(LINE + 2)),
        13,
        palette.TEXT_DIM,
    )
    rights = [rect.x + int(rect.w * 0.57), rect.x + int(rect.w * 0.83), rect.right]
    y = rect.y + px(2 * LINE + 12)
    text.blit(surface, t("dropout.col_input"), (rect.x, y), 12, palette.TEXT_DIM)
    heads = [t("dropout.col_average"), t("dropout.col_weight_scaled"), t("dropout.col_gap")]
    room = rights[1] - rights[0] - px(8)  # a narrow table says "scaled"
    if text.font(12, text.kind_for(heads[1], "sans")).size(heads[1])[0] > room:
        heads[1] = t("dropout.col_scaled")
    for right, head in zip(rights, heads, strict=True):
        text.blit(surface, head, (right, y), 12, palette.TEXT_DIM, anchor="topright")
    y += px(LINE)
    pygame.draw.line(
        surface, palette.PANEL_LINE, (rect.x, y - px(2)), (rect.right, y - px(2)), lw()
    )
    o = ENSEMBLE_OUTPUT
    for i, x in enumerate(net.inputs):
        if y + px(LINE) > rect.bottom - px(2 * LINE + 6):
            break
        a, s = float(r.average[i, o]), float(r.scaled[i, o])
        text.blit(
            surface,
            f"({num(float(x[0]), 2)}, {num(float(x[1]), 2)})",
            (rect.x, y),
            12,
            palette.TEXT,
            "mono",
        )
        cells = ((num(a, 6), AVERAGE), (num(s, 6), SCALED), (num(abs(a - s), 2), palette.TEXT))
        for right, (cell, colour) in zip(rights, cells, strict=True):
            text.blit(surface, cell, (right, y), 12, colour, "mono", "topright")
        y += px(LINE)
    gap = r.max_abs_diff
    first = r.outputs[:, 0, ENSEMBLE_OUTPUT] - r.average[0, ENSEMBLE_OUTPUT]
    spread = float(np.sqrt((r.probs * first**2).sum()))  # the thinned nets' sd, first input
    exact = gap < EXACT_GAP
    verdict = t("dropout.gap_exact" if exact else "dropout.gap_close", gap=num(gap, 2))
    y += px(4)
    text.blit(
        surface,
        text.ellipsize(verdict, 14, rect.w, "bold"),
        (rect.x, y),
        14,
        palette.GOOD if exact else palette.WARN,
        "bold",
    )
    why = t("dropout.why_exact") if exact else t("dropout.why_close", sd=num(spread, 2))
    for k, line in enumerate(text.wrap(why, 12, rect.w)[:2]):
        text.blit(
            surface, line, (rect.x, y + px(LINE + 2) + k * px(LINE - 3)), 12, palette.TEXT_DIM
        )


def _histogram(surface, net: EnsembleNet, rect: pygame.Rect, text: Text) -> None:
    r, o = net.result, ENSEMBLE_OUTPUT
    values = r.outputs[:, 0, o]
    counts, edges = weighted_histogram(values, r.probs, bins=24)
    title = t("dropout.hist_title", n=r.n_networks)
    text.blit(surface, text.ellipsize(title, 12, rect.w), rect.topleft, 12, palette.TEXT_DIM)
    plot = pygame.Rect(rect.x, rect.y + px(20), rect.w, rect.h - px(20) - 3 * px(LINE))
    pygame.draw.rect(surface, palette.BACKGROUND, plot)
    top = float(counts.max()) or 1.0
    lo, hi = float(edges[0]), float(edges[-1])

    def sx(v: float) -> int:
        return int(plot.x + (v - lo) / (hi - lo) * (plot.w - 1))

    for k, c in enumerate(counts):
        if c <= 0:
            continue
        bh = max(1, int(c / top * (plot.h - px(6))))
        x0, x1 = sx(float(edges[k])), sx(float(edges[k + 1]))
        pygame.draw.rect(surface, BAR, (x0, plot.bottom - bh, max(1, x1 - x0 - 1), bh))
    avg, scaled = float(r.average[0, o]), float(r.scaled[0, o])
    pygame.draw.line(surface, AVERAGE, (sx(avg), plot.y), (sx(avg), plot.bottom - 1), lw(3))
    xs = sx(scaled)
    for y in range(plot.y, plot.bottom, px(8)):
        pygame.draw.line(surface, SCALED, (xs, y), (xs, min(y + px(4), plot.bottom - 1)), lw())
    text.blit(surface, num(lo, 3), (plot.x, plot.bottom + px(2)), 12, palette.TEXT_DIM, "mono")
    text.blit(
        surface,
        num(hi, 3),
        (plot.right, plot.bottom + px(2)),
        12,
        palette.TEXT_DIM,
        "mono",
        "topright",
    )
    y = plot.bottom + px(LINE + 2)
    mid = y + px(8)
    pygame.draw.line(surface, AVERAGE, (plot.x, mid), (plot.x + px(14), mid), lw(3))
    text.blit(
        surface,
        t("dropout.legend_average", value=num(avg, 5)),
        (plot.x + px(20), mid),
        12,
        AVERAGE,
        "mono",
        "midleft",
    )
    mid += px(LINE - 2)
    for x in range(plot.x, plot.x + px(14), px(6)):
        pygame.draw.line(surface, SCALED, (x, mid), (x + px(3), mid), lw())
    text.blit(
        surface,
        t("dropout.legend_scaled", value=num(scaled, 5)),
        (plot.x + px(20), mid),
        12,
        SCALED,
        "mono",
        "midleft",
    )
