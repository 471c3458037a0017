"""The two scaling conventions side by side, with the numbers for one unit: inverted dropout
(×1/(1−p) on kept units while training) and the original one (weights ×(1−p) at test) give the
unit the same input on average in training as at test; forgetting the scaling does not."""

from __future__ import annotations

import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training.dropout_numbers import Scaling

LINE = 17  # pixels from one line to the next at UI scale 1


def _pm(mean: float, se: float) -> str:
    return f"{num(mean, 4)} ± {num(se, 1)}"


def render_scaling(s: Scaling | None, x, size: tuple[int, int], text: Text) -> pygame.Surface:
    w, h = max(size[0], px(200)), max(size[1], px(100))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if s is None:
        return surface
    up, down = num(1 / (1 - s.p), 3), num(1 - s.p, 3)
    where = f"({num(float(x[0]), 2)}, {num(float(x[1]), 2)})" if len(x) >= 2 else ""
    intro = t("dropout.intro", unit=s.unit + 1, x=where, masks=s.n_masks)
    y = 0
    for line in text.wrap(intro, 12, w)[:3]:
        text.blit(surface, line, (0, y), 12, palette.TEXT_DIM)
        y += px(LINE - 1)
    y += px(6)
    col_w = (w - px(16)) // 2
    cards = [
        (
            (t("dropout.inverted"),),
            [t("dropout.rule_train_scaled", up=up), t("dropout.rule_test_nothing")],
            (s.inv_train, s.inv_se, s.inv_test),
            t("dropout.forget_train", up=up),
        ),
        (
            (t("dropout.original"), t("dropout.original_short")),
            [t("dropout.rule_train_nothing"), t("dropout.rule_test_scaled", down=down)],
            (s.orig_train, s.orig_se, s.orig_test),
            t("dropout.forget_test", down=down),
        ),
    ]
    bottom = y
    for k, (titles, rules, (train, se, test), forgot) in enumerate(cards):
        cx, cy = k * (col_w + px(16)), y
        fits = [x for x in titles if text.font(14, text.kind_for(x, "bold")).size(x)[0] <= col_w]
        title = text.ellipsize((fits or titles[-1:])[0], 14, col_w, "bold")
        text.blit(surface, title, (cx, cy), 14, palette.TEXT, "bold")
        cy += px(LINE) + px(3)
        for rule in rules:
            text.blit(surface, text.ellipsize(rule, 13, col_w), (cx, cy), 13, palette.TEXT)
            cy += px(LINE)
        cy += px(3)
        label = t("dropout.row_training")
        cy = _row(surface, text, cx, cy, col_w, label, _pm(train, se), palette.TEXT)
        cy = _row(surface, text, cx, cy, col_w, t("dropout.row_test"), num(test, 4), palette.TEXT)
        ok = s.agrees(train, se, test)
        verdict = t("dropout.same") if ok else t("dropout.differ")
        cy = _verdict(surface, text, cx, cy + px(1), col_w, ok, verdict) + px(6)
        text.blit(surface, text.ellipsize(forgot, 13, col_w), (cx, cy), 13, palette.WARN)
        cy += px(LINE)
        # forgetting either scaling leaves the original training input and the full test input
        pair = f"{num(s.orig_train, 4)} / {num(s.inv_test, 4)}"
        label = t("dropout.row_train_test")
        cy = _row(surface, text, cx, cy, col_w, label, pair, palette.TEXT_DIM, 12)
        too_big = t("dropout.too_big", up=up)
        cy = _verdict(surface, text, cx, cy + px(1), col_w, False, too_big)
        bottom = max(bottom, cy)
    pygame.draw.line(surface, palette.PANEL_LINE, (col_w + px(8), y), (col_w + px(8), bottom), lw())
    y = bottom + px(8)
    both = dict(up=up, down=down, test=num(s.orig_test, 4), train=num(s.inv_train, 4))
    notes = [t("dropout.both", **both)]
    if s.this_batch is not None:
        notes.append(t("dropout.this_batch", value=num(s.this_batch, 4)))
    for note in notes:
        lines = text.wrap(note, 12, w)
        step = max(px(LINE - 2), text.line_height(12))
        if y + step * len(lines) > h:
            break
        for line in lines:
            text.blit(surface, line, (0, y), 12, palette.TEXT_DIM)
            y += step
    return surface


def _row(surface, text: Text, x, y, w, label: str, value: str, colour, size: int = 13) -> int:
    vr = text.render(value, size, colour, "mono")
    text.blit(surface, label, (x, y + px(1)), 12, palette.TEXT_DIM)
    surface.blit(vr, (x + w - vr.get_width(), y))
    return y + px(LINE)


def _verdict(surface, text: Text, x: int, y: int, w: int, ok: bool, words: str) -> int:
    colour = palette.GOOD if ok else palette.ERROR
    cy = y + px(LINE) // 2
    if ok:  # a tick and a cross drawn, not typed: the UI font has neither glyph
        tick = [(x, cy), (x + px(3), cy + px(4)), (x + px(10), cy - px(4))]
        pygame.draw.lines(surface, colour, False, tick, lw(2))
    else:
        a, b = (x + px(1), cy - px(4)), (x + px(9), cy + px(4))
        pygame.draw.line(surface, colour, a, b, lw(2))
        pygame.draw.line(surface, colour, (a[0], b[1]), (b[0], a[1]), lw(2))
    text.blit(surface, text.ellipsize(words, 13, w - px(16)), (x + px(16), y), 13, colour)
    return y + px(LINE)
