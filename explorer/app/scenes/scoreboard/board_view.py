"""The Scoreboard's pictures, drawn with pygame from the benchmark's numbers (not its PNG): the
performance profiles ρ(τ) as step curves with each optimizer's score, the per-task table, the
tuned settings. Every string is shortened to its column; rows that do not fit are counted."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pygame

from explorer.app.scenes.scoreboard.board import quality_word, task_label
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.benchmark.plots import same_curves
from explorer.dashes import dash_segments

BODY, SMALL = 13, 11  # text sizes at UI scale 1
DASH = 6  # px at UI scale 1: a curve that is another's is dashed over it


def optimizer_colour(optimizers: Sequence[str], name: str) -> tuple[int, int, int]:
    return palette.ball_colour(list(optimizers).index(name) if name in optimizers else 0)


def plot_rect(area: pygame.Rect, optimizers: int, text: Text) -> pygame.Rect:
    """Where the ρ(τ) axes are inside ``area``: room left for the ρ labels, under them for the τ
    labels and a legend line per optimizer and one for what the score means."""
    line = text.line_height(SMALL)
    legend_h = line * (optimizers + 1)
    top = line + px(6)  # the ρ axis's title above it
    return pygame.Rect(
        area.x + px(34), area.y + top, area.w - px(52), area.h - top - legend_h - 2 * line - px(16)
    )


def draw_profiles(screen: pygame.Surface, area: pygame.Rect, board: Any, text: Text) -> None:
    """ρ(τ): the share of tasks an optimizer reached within τ times the fastest one's steps, for
    τ from 1 to 4, and (in the legend) its integral to τ = 4 scaled to [0, 1]."""
    line = text.line_height(SMALL)
    plot = plot_rect(area, len(board.optimizers), text)
    if plot.w < px(40) or plot.h < px(30) or not board.tau:
        return
    pygame.draw.rect(screen, palette.PANEL_LINE, plot, lw())
    lo, hi = board.tau[0], board.tau[-1]

    def at(tau: float, rho: float) -> tuple[int, int]:
        u = (tau - lo) / (hi - lo) if hi > lo else 0.0
        return plot.x + round(u * (plot.w - 1)), plot.bottom - 1 - round(rho * (plot.h - 1))

    for rho in (0.0, 0.5, 1.0):
        y = at(lo, rho)[1]
        text.blit(
            screen, f"{rho:g}", (plot.x - px(4), y), SMALL, palette.TEXT_DIM, "mono", "midright"
        )
    for tau in (1, 2, 3, 4):
        x = at(float(tau), 0.0)[0]
        text.blit(
            screen, str(tau), (x, plot.bottom + px(2)), SMALL, palette.TEXT_DIM, "mono", "midtop"
        )
    text.blit(
        screen, "τ", (plot.right + px(4), plot.bottom), SMALL, palette.TEXT_DIM, "sans", "midleft"
    )
    rho_title = text.ellipsize(t("scoreboard.axis_rho"), SMALL, area.right - plot.x, "sans")
    text.blit(screen, rho_title, (plot.x, area.y), SMALL, palette.TEXT_DIM, "sans")
    tau_title = text.ellipsize(t("scoreboard.axis_tau"), SMALL, plot.w, "sans")
    text.blit(
        screen,
        tau_title,
        (plot.centerx, plot.bottom + line + px(2)),
        SMALL,
        palette.TEXT_DIM,
        "sans",
        "midtop",
    )
    twins = _twins(board)
    for name in board.optimizers:
        rho = board.rho.get(name, ())
        points: list[tuple[int, int]] = []
        for tau, r in zip(board.tau, rho, strict=False):
            x, y = at(tau, r)
            if points and points[-1][1] != y:
                points.append((x, points[-1][1]))  # a step: ρ jumps where a task is reached
            points.append((x, y))
        if len(points) > 1:
            _curve(screen, optimizer_colour(board.optimizers, name), points, twins.get(name))
    y = _legend(screen, area, board, text, plot.bottom + 2 * line + px(6), twins)
    words = t("scoreboard.profile_note")
    if board.running is not None:  # a running benchmark: over the tasks every optimizer ended
        words = t("scoreboard.profile_so_far", n=len(_complete(board)))
    note = text.ellipsize(words, SMALL, area.w - px(6), "sans")
    text.blit(screen, note, (area.x + px(6), y), SMALL, palette.TEXT_DIM, "sans")


def _twins(board: Any) -> dict[str, tuple[str, int, int]]:
    """Each optimizer whose ρ(τ) is an earlier one's: (that one, which copy it is (1, 2, …), how
    many share the curve)."""
    twins = {}
    for first, others in same_curves(board.rho).items():
        for k, name in enumerate(others, 1):
            twins[name] = (first, k, len(others) + 1)
    return twins


def _curve(screen: pygame.Surface, colour, points, twin: tuple[str, int, int] | None) -> None:
    """A profile's line; one whose curve is an earlier one's is dashed over it, each copy in its
    own stretches of the dash pattern, so every colour shows."""
    if twin is None:
        pygame.draw.lines(screen, colour, False, points, lw(2))
        return
    _, k, m = twin
    dash = px(DASH)
    for a, b in dash_segments(points, dash, (m - 1) * dash, -k * dash):
        pygame.draw.line(screen, colour, a, b, lw(2))


def _legend(screen, area: pygame.Rect, board: Any, text: Text, y: int, twins) -> int:
    """One line per optimizer: its colour (dashed over its twin's where their curves are one),
    its score, and which curve it shares; returns where the next line goes."""
    line = text.line_height(SMALL)
    for name in board.optimizers:
        colour = optimizer_colour(board.optimizers, name)
        swatch = [(area.x + px(6), y + line // 2), (area.x + px(24), y + line // 2)]
        twin = twins.get(name)
        if twin is not None:
            pygame.draw.line(screen, optimizer_colour(board.optimizers, twin[0]), *swatch, lw(2))
        _curve(screen, colour, swatch, twin)
        score = board.score.get(name)
        shown = "—" if score is None else f"{score:.2f}"
        words = t("scoreboard.profile_score", name=name, score=shown)
        if twin is not None:
            words = t("scoreboard.profile_same", name=name, score=shown, other=twin[0])
        shown = text.ellipsize(words, SMALL, area.right - area.x - px(34), "sans")
        text.blit(screen, shown, (area.x + px(30), y), SMALL, palette.TEXT, "sans")
        y += line
    return y


def _complete(board: Any) -> list[str]:
    """The tasks every optimizer has finished (a running benchmark's profiles are over these)."""
    done: dict[str, set[str]] = {}
    for row in board.rows:
        done.setdefault(str(row["task"]), set()).add(str(row["optimizer"]))
    return [task for task, names in done.items() if names >= set(board.optimizers)]


def table_columns(width: int) -> list[tuple[str, float]]:
    """(heading key, share of the width) of the per-task table."""
    return [
        ("scoreboard.col_task", 0.35),
        ("scoreboard.col_optimizer", 0.18),
        ("scoreboard.col_steps", 0.18),
        ("scoreboard.col_success", 0.12),
        ("scoreboard.col_final", 0.17),
    ]


def _cells(row: dict[str, Any]) -> list[str]:
    steps = row.get("steps_to_target")
    reached = t("scoreboard.not_reached") if steps is None else num(steps, 4)
    final = row.get("final")
    quality = str(row.get("quality", ""))
    return [
        t(
            "scoreboard.task_cell",
            task=task_label(str(row["task"])),
            quality=quality_word(quality),
            target=num(row.get("target"), 3),
        ),
        str(row["optimizer"]),
        reached,
        str(row.get("success", "")),
        "—" if final is None else num(final, 3),
    ]


def tuned_words(row: dict[str, Any]) -> str:
    tuned = row.get("tuned") or {}
    if not tuned:
        return t("scoreboard.defaults")
    return " ".join(f"{k}={num(v, 3)}" for k, v in tuned.items())


def _more(screen, text: Text, x: int, y: int, width: int, left: int) -> None:
    words = text.ellipsize(t("scoreboard.more_rows", n=left), SMALL, width, "sans")
    text.blit(screen, words, (x, y), SMALL, palette.TEXT_DIM, "sans")


def draw_table(
    screen: pygame.Surface,
    area: pygame.Rect,
    rows: Sequence[dict[str, Any]],
    board: Any,
    text: Text,
) -> None:
    """One line per optimizer and task: steps to the target (median over the seeds that reached
    it, when at least half did), the seeds that reached it, the final quality (median)."""
    line = text.line_height(BODY)
    cols = table_columns(area.w)
    xs, x = [], area.x
    for _key, share in cols:
        xs.append(x)
        x += int(area.w * share)
    widths = [int(area.w * share) - px(6) for _k, share in cols]
    for (key, _s), cx, w in zip(cols, xs, widths, strict=True):
        text.blit(
            screen, text.ellipsize(t(key), BODY, w, "sans"), (cx, area.y), BODY, palette.TEXT_DIM
        )
    y = area.y + line + px(2)
    pygame.draw.line(
        screen, palette.PANEL_LINE, (area.x, y - px(1)), (area.right - 1, y - px(1)), lw()
    )
    fits = max(0, (area.bottom - y) // line)
    shown = rows if len(rows) <= fits else rows[: max(0, fits - 1)]
    for row in shown:
        colour = optimizer_colour(board.optimizers, str(row["optimizer"]))
        for i, (cell, cx, w) in enumerate(zip(_cells(row), xs, widths, strict=True)):
            look = (
                colour
                if i == 1
                else (
                    palette.GOOD
                    if i == 2 and row.get("steps_to_target") is not None
                    else palette.TEXT
                )
            )
            kind = "sans" if i < 2 or (i == 2 and row.get("steps_to_target") is None) else "mono"
            text.blit(screen, text.ellipsize(cell, BODY, w, kind), (cx, y), BODY, look, kind)
        y += line
    if len(shown) < len(rows) and fits > 0:
        _more(screen, text, area.x, y, area.w, len(rows) - len(shown))


def draw_tuned(
    screen: pygame.Surface,
    area: pygame.Rect,
    rows: Sequence[dict[str, Any]],
    board: Any,
    text: Text,
) -> None:
    """Each optimizer's best setting on each task, as the tuning found it."""
    line = text.line_height(BODY)
    name_w = int(area.w * 0.32)
    fits = max(0, area.h // line)
    shown = rows if len(rows) <= fits else rows[: max(0, fits - 1)]
    y = area.y
    for row in shown:
        colour = optimizer_colour(board.optimizers, str(row["optimizer"]))
        label = f"{task_label(str(row['task']))} · {row['optimizer']}"
        who = text.ellipsize(label, BODY, name_w - px(6), "sans")
        text.blit(screen, who, (area.x, y), BODY, colour)
        words = text.ellipsize(tuned_words(row), BODY, area.w - name_w, "mono")
        text.blit(screen, words, (area.x + name_w, y), BODY, palette.TEXT, "mono")
        y += line
    if len(shown) < len(rows) and fits > 0:
        _more(screen, text, area.x, y, area.w, len(rows) - len(shown))


def draw_sentence(
    screen: pygame.Surface, area: pygame.Rect, words: str, text: Text, colour
) -> None:
    """A sentence wrapped to ``area`` (no benchmark yet; a file that could not be read)."""
    line = text.line_height(BODY + 2)
    y = area.y
    for part in text.wrap(words, BODY + 2, area.w):
        if y + line > area.bottom:
            break
        text.blit(
            screen, text.ellipsize(part, BODY + 2, area.w, "sans"), (area.x, y), BODY + 2, colour
        )
        y += line
