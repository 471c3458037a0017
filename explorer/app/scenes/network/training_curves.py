"""Train and validation curves per epoch (loss on a log scale, and accuracy), with the epoch whose
weights early stopping keeps marked. With the λ_max switch on, the sharpness chart
(``sharpness_chart``) takes the accuracy's place (the title line still says the accuracy)."""

from __future__ import annotations

import math

import numpy as np
import pygame

from explorer.app.scenes.network.sharpness_chart import draw_sharpness
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training import Snapshot

TRAIN = (110, 190, 255)
VAL = (255, 166, 48)
BATCH = (70, 90, 120)
BEST = (120, 230, 140)


def render_curves(snap: Snapshot, size: tuple[int, int], text: Text) -> pygame.Surface:
    w, h = max(size[0], px(120)), max(size[1], px(90))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    classify = snap.task == "classification"
    split = classify or snap.sharpness is not None
    half = (h - px(4)) // 2 if split else h
    _loss_chart(surface, pygame.Rect(0, 0, w, half), snap, text)
    lower = pygame.Rect(0, half + px(4), w, h - half - px(4))
    if snap.sharpness is not None:
        draw_sharpness(surface, lower, snap.sharpness, snap.total_steps, text)
    elif classify:
        _acc_chart(surface, lower, snap, text)
    return surface


def _frame(surface, rect: pygame.Rect, title: str, text: Text) -> pygame.Rect:
    text.blit(surface, title, (rect.x + px(8), rect.y + px(4)), 12, palette.TEXT, "bold")
    top = px(6) + text.line_height(12)
    left = max(px(44), text.font(10, "mono").size("0.0012")[0] + px(8))
    under = px(4) + text.line_height(10)
    return pygame.Rect(rect.x + left, rect.y + top, rect.w - left - px(12), rect.h - top - under)


def _x_axis(surface, plot, epochs: int, text: Text) -> None:
    for e in _ticks(epochs):
        x = plot.x + plot.w * e / max(epochs, 1)
        text.blit(surface, str(e), (x, plot.bottom + px(2)), 10, palette.TEXT_DIM, anchor="midtop")


def _ticks(epochs: int) -> list[int]:
    step = max(1, math.ceil(epochs / 6))
    return list(range(0, epochs + 1, step))


def _legend(surface, rect, items, text: Text) -> None:
    x = rect.right - px(8)
    for label, colour in reversed(items):
        r = text.blit(surface, label, (x, rect.y + px(5)), 11, colour, anchor="topright")
        x = r.x - px(12)


def _best_marker(surface, plot, snap: Snapshot, epochs: int, text: Text, label: bool) -> None:
    if snap.best_epoch is None or not snap.config.get("patience"):
        return
    x = int(plot.x + plot.w * snap.best_epoch / max(epochs, 1))
    pygame.draw.line(surface, BEST, (x, plot.y), (x, plot.bottom), lw())
    if label:
        word = t("curves.kept") if snap.stopped_early or snap.finished else t("curves.best")
        text.blit(surface, f"{word} @{snap.best_epoch}", (x + px(3), plot.y), 10, BEST)
    if snap.stopped_early:
        xs = int(plot.x + plot.w * snap.stopped_early / max(epochs, 1))
        pygame.draw.line(surface, palette.ERROR, (xs, plot.y), (xs, plot.bottom), lw())


def _epochs_span(snap: Snapshot) -> int:
    return max(int(snap.config.get("epochs") or 1), len(snap.epochs), 1)


def _loss_chart(surface, rect, snap: Snapshot, text: Text) -> None:
    plot = _frame(surface, rect, t("curves.loss"), text)
    _legend(surface, rect, [(t("curves.train"), TRAIN), (t("curves.validation"), VAL)], text)
    epochs = _epochs_span(snap)
    recs = snap.epochs
    values = [r.train_loss for r in recs] + [r.val_loss for r in recs if r.val_loss is not None]
    losses = np.asarray(snap.losses, dtype=np.float64)
    good = np.isfinite(losses) & (losses > 0)
    values += list(losses[good][-2000:]) if good.any() else []
    values = [v for v in values if v is not None and math.isfinite(v) and v > 0]
    if not values:
        text.blit(surface, t("curves.no_epoch"), plot.center, 12, palette.TEXT_DIM, anchor="center")
        return
    lo = math.floor(math.log10(min(values)) * 2) / 2
    hi = math.ceil(math.log10(max(values)) * 2) / 2
    hi = max(hi, lo + 0.5)

    def y_of(v):
        t = (math.log10(max(v, 1e-30)) - lo) / (hi - lo)
        return plot.bottom - max(0.0, min(1.0, t)) * plot.h

    ticks = _log_ticks(lo, hi)
    while len(ticks) > max(2, plot.h // text.line_height(10, "mono")):
        ticks = ticks[::2]
    for v in ticks:
        y = y_of(v)
        pygame.draw.line(surface, palette.PANEL_LINE, (plot.x, y), (plot.right, y), lw())
        text.blit(surface, num(v, 2), (plot.x - px(4), y), 10, palette.TEXT_DIM, "mono", "midright")
    if snap.steps_per_epoch and len(losses):
        n = len(losses)
        every = max(1, n // max(plot.w, 1))
        idx = np.arange(0, n, every)
        pts = [
            (plot.x + plot.w * (i + 1) / (snap.steps_per_epoch * epochs), y_of(losses[i]))
            for i in idx
            if good[i]
        ]
        if len(pts) > 1:
            pygame.draw.lines(surface, BATCH, False, pts, lw())
    _best_marker(surface, plot, snap, epochs, text, label=True)
    for colour, key in ((TRAIN, "train_loss"), (VAL, "val_loss")):
        pts = [
            (plot.x + plot.w * r.epoch / epochs, y_of(getattr(r, key)))
            for r in recs
            if getattr(r, key) is not None and math.isfinite(getattr(r, key))
        ]
        _series(surface, colour, pts)
    _x_axis(surface, plot, epochs, text)


def acc_caption(snap: Snapshot) -> str:
    """The accuracy chart's words: the last epoch's training and validation accuracy; with a
    mismatch (test inputs shifted) the test accuracy validation cannot see; with N-fold validation
    (the test split cut off before the folds, as a lesson shows) the test accuracy beside the
    validation it should agree with, since a caption that quotes it must point at it. Never the
    test score otherwise, so no one picks a model by the test set."""
    last = snap.epochs[-1]
    val = t("curves.val_acc", acc=f"{last.val_acc:.0%}") if last.val_acc is not None else ""
    caption = t("curves.train_acc", acc=f"{last.train_acc:.0%}") + val
    if last.test_acc is not None and snap.config.get("test_shift"):
        caption += t("curves.test_shifted", acc=f"{last.test_acc:.0%}")
    elif last.test_acc is not None and (snap.config.get("folds") or 1) > 1:
        caption += t("curves.test_acc", acc=f"{last.test_acc:.0%}")
    return caption


def _acc_chart(surface, rect, snap: Snapshot, text: Text) -> None:
    plot = _frame(surface, rect, t("curves.accuracy"), text)
    recs = snap.epochs
    epochs = _epochs_span(snap)
    if recs:
        caption = acc_caption(snap)
        text.blit(
            surface,
            caption,
            (rect.right - px(8), rect.y + px(5)),
            11,
            palette.TEXT,
            anchor="topright",
        )
    for frac in (0.0, 0.5, 1.0):
        y = plot.bottom - frac * plot.h
        pygame.draw.line(surface, palette.PANEL_LINE, (plot.x, y), (plot.right, y), lw())
        text.blit(
            surface, f"{frac:.0%}", (plot.x - px(4), y), 10, palette.TEXT_DIM, "mono", "midright"
        )
    _best_marker(surface, plot, snap, epochs, text, label=False)
    for colour, key in ((TRAIN, "train_acc"), (VAL, "val_acc")):
        pts = [
            (plot.x + plot.w * r.epoch / epochs, plot.bottom - getattr(r, key) * plot.h)
            for r in recs
            if getattr(r, key) is not None
        ]
        _series(surface, colour, pts)
    _x_axis(surface, plot, epochs, text)


def _log_ticks(lo: float, hi: float) -> list[float]:
    """Round values (1, 2, 5 × 10^k, or only 10^k over a wide range) between 10^lo and 10^hi."""
    mantissas = (1, 2, 5) if hi - lo <= 3 else (1,)
    out = []
    for k in range(math.floor(lo), math.ceil(hi) + 1):
        for m in mantissas:
            v = m * 10.0**k
            if lo - 1e-9 <= math.log10(v) <= hi + 1e-9:
                out.append(v)
    return out


def _series(surface, colour, pts) -> None:
    if len(pts) > 1:
        pygame.draw.aalines(surface, colour, False, pts)
        pygame.draw.lines(surface, colour, False, pts, lw(2))
    for p in pts[-1:]:
        pygame.draw.circle(surface, colour, (int(p[0]), int(p[1])), px(3))
