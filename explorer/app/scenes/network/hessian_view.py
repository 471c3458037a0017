""" "Hessian here": what the Hessian of the training loss says at the run's weights (computed by the
worker on request, see ``explorer.training.worker.hessian_answer``). The lecture's question: does
training stall at a saddle or at a local minimum? Its answer in a few lines (the kind of point,
the share of directions that curve down, the minimum ratio, the extreme eigenvalues) over the
spectrum: eigenvalue counts in log-spaced bins, negative (red, the loss still falls that way) to
the left, flat in the middle, positive (green) to the right."""

from __future__ import annotations

import math

import pygame

from explorer.app.scenes.network.readouts import HESSIAN_KINDS
from explorer.app.ui import palette, recording
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training import Snapshot

NEGATIVE = palette.NEGATIVE_CURVATURE  # as the Landscape draws curvature
POSITIVE = palette.POSITIVE_CURVATURE
FLAT = (150, 155, 168)


def render_hessian(
    snap: Snapshot, size: tuple[int, int], text: Text, busy: bool = False, waited: str = ""
) -> pygame.Surface:
    """The answer, or while it is computed what is computed and for how long (``waited``)."""
    w, h = max(size[0], px(80)), max(size[1], px(80))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    text.blit(surface, t("network.hessian_title"), (px(8), px(5)), 13, palette.TEXT, "bold")
    answer = snap.hessian or {}
    inner = w - px(16)
    y = px(5) + text.line_height(13) + px(4)
    lines = _no_answer(snap, answer, busy, waited, text, inner)
    if lines:
        step = text.line_height(12)
        for k, (line, colour) in enumerate(lines[: max(1, (h - y) // step)]):
            text.blit(surface, text.ellipsize(line, 12, inner), (px(8), y + k * step), 12, colour)
        return surface
    chart_h = max(px(40), int(h * 0.38))
    for row, size_pt, colour, kind_f in _answer_rows(snap, answer):
        # a row too long for the panel goes on over a second line (a clipped "minimum ratio
        # 0.685 (positive eigenva…" hides what the number means); a third is ellipsized
        wrapped = text.wrap(row, size_pt, inner, kind_f) if kind_f == "sans" else [row]
        if len(wrapped) > 2:
            wrapped = [wrapped[0], " ".join(wrapped[1:])]
        for line in wrapped:
            if y + text.line_height(size_pt) > h - chart_h - px(4):
                break
            line = text.ellipsize(line, size_pt, inner, kind_f)
            text.blit(surface, line, (px(8), y), size_pt, colour, kind_f)
            y += text.line_height(size_pt)
    _spectrum(
        surface,
        pygame.Rect(px(8), max(y + px(4), h - chart_h), inner, min(chart_h, h - y - px(4))),
        answer,
        text,
    )
    return surface


def _no_answer(
    snap: Snapshot, answer: dict, busy: bool, waited: str, text: Text, inner: int
) -> list[tuple[str, tuple[int, int, int]]]:
    """The panel's lines (wrapped to ``inner``, each with its colour) while there is no answer
    to show: being computed, refused, or never asked; [] once there is one."""
    if busy or answer.get("computing"):
        asking = t("network.hessian_computing", step=answer.get("step", snap.step)) + waited
        return [(line, palette.TEXT_DIM) for line in text.wrap(asking, 12, inner)]
    if "error" in answer:
        return [(line, palette.ERROR) for line in text.wrap(answer["error"], 12, inner)]
    if "minimum_ratio" not in answer:
        return [
            (line, palette.TEXT_DIM) for line in text.wrap(t("network.hessian_none"), 12, inner)
        ]
    return []


def _answer_rows(snap: Snapshot, answer: dict) -> list[tuple[str, int, tuple, str]]:
    """(text, size, colour, font kind) of each line of the answer: the kind of point and the
    minimum ratio (or, away from a critical point, why there is none), the share of directions
    down, the extreme eigenvalues, the gradient and the
    step it was taken at, how it was computed; a warning when the run has moved on since."""
    how = t(
        "network.hessian_method",
        method=answer["method"],
        n=f"{answer['n_params']:,}",
        s=f"{answer['seconds']:.2g}",
    )
    if recording.ACTIVE:  # a recording shows the run's state, not this machine's time
        how = t(
            "network.hessian_method_recorded", method=answer["method"], n=f"{answer['n_params']:,}"
        )
    moved = answer["step"] != snap.step
    extremes = t(
        "network.hessian_extremes", low=num(answer["smallest"], 3), high=num(answer["largest"], 3)
    )
    down = f"{answer['negative']:.1%}"
    if answer.get("share_error"):  # Lanczos: a share with its error, never an exact count
        down = f"{down} ± {answer['share_error']:.1%}"
    rows = [
        *_headline(answer),
        (
            t("network.hessian_down", down=down),
            12,
            NEGATIVE if answer["negative"] > 0 else palette.TEXT_DIM,
            "sans",
        ),
        (extremes, 11, palette.TEXT_DIM, "mono"),
        (
            t("network.hessian_grad", g=num(answer["grad_norm"], 2), step=answer["step"]),
            11,
            palette.WARN if moved else palette.TEXT_DIM,
            "sans",
        ),
        (how, 11, palette.TEXT_DIM, "sans"),
    ]
    if moved:
        rows.append((t("network.hessian_moved", now=snap.step), 11, palette.WARN, "sans"))
    return rows


def _headline(answer: dict) -> list[tuple[str, int, tuple, str]]:
    """The kind of point and its minimum ratio, only where the gradient vanishes; elsewhere
    "not a critical point" and why (the gradient norm, shown below, above the tolerance), in no
    verdict colour."""
    if not answer.get("critical", False):
        why = t("network.hessian_why_not", tol=num(answer.get("grad_tol", 0.0), 2))
        return [
            (t("network.hessian_not_critical_head"), 14, palette.TEXT, "bold"),
            (why, 12, palette.TEXT, "sans"),
        ]
    kind = answer["kind"]
    colour = NEGATIVE if kind in ("saddle", "maximum") else POSITIVE
    ratio = t("network.hessian_ratio", ratio=f"{answer['minimum_ratio']:.3f}")
    return [(t(HESSIAN_KINDS[kind]), 14, colour, "bold"), (ratio, 12, palette.TEXT, "sans")]


def _spectrum(surface, rect: pygame.Rect, answer: dict, text: Text) -> None:
    """The eigenvalue counts per bin (log heights: one negative direction among thousands must
    show), log-spaced on each side of the flat bin, over the range the eigenvalues span: the
    empty outer bins are left out and the axis ends are the smallest and the largest λ (a
    spectrum from −0.011 to 0.781 is not drawn over ±0.78)."""
    rows = answer.get("histogram") or []
    line10 = text.line_height(10)
    plot = pygame.Rect(rect.x, rect.y, rect.w, rect.h - line10 - px(2))
    if not rows or plot.h < px(8):
        return
    middle = len(rows) // 2  # the flat bin
    used = [i for i, row in enumerate(rows) if row[2] > 0]
    first, last = min(middle, *used), max(middle, *used)
    rows, middle = rows[first : last + 1], middle - first
    pygame.draw.line(surface, palette.PANEL_LINE, plot.bottomleft, plot.bottomright, lw())
    top = max(math.log1p(row[2]) for row in rows) or 1.0
    slot = plot.w / len(rows)
    for i, (_, _, count) in enumerate(rows):
        if count <= 0:
            continue
        bar_h = max(1, round(plot.h * math.log1p(count) / top))
        colour = NEGATIVE if i < middle else (FLAT if i == middle else POSITIVE)
        x0 = int(plot.x + i * slot)
        pygame.draw.rect(surface, colour, (x0, plot.bottom - bar_h, max(1, int(slot) - 1), bar_h))
    low = float(answer.get("smallest", rows[0][0]))
    high = float(answer.get("largest", rows[-1][1]))
    y = plot.bottom + px(1)
    ends = []
    for value, anchor, at in ((low, "topleft", plot.x), (high, "topright", plot.right)):
        colour = NEGATIVE if value < 0 else POSITIVE
        label = num(value, 3) if value < 0 else f"+{num(value, 3)}"
        ends.append(text.blit(surface, label, (at, y), 10, colour, "mono", anchor))
    zero = text.render("0", 10, palette.TEXT_DIM, "mono").get_rect()
    zero.midtop = (int(plot.x + (middle + 0.5) * slot), y)
    if not any(zero.inflate(px(6), 0).colliderect(r) for r in ends if r is not None):
        surface.blit(text.render("0", 10, palette.TEXT_DIM, "mono"), zero)
