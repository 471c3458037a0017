"""What Maxout learned: each first-layer unit's k linear pieces along a line through the data, and
their max (the unit's own, learned, piecewise-linear activation), drawn one small plot per unit."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame
import torch

from explorer.app import palette
from explorer.app.activation_plots import PIECE_COLOURS, Frame, axes, line
from explorer.app.numbers_format import num
from explorer.app.text import Text

N_T = 161


@dataclass(frozen=True)
class MaxoutUnit:
    """Unit ``index`` of the first hidden layer along x = mean + t·direction."""

    index: int
    weights: np.ndarray  # (k, 2): piece k is weights[k]·x + biases[k]
    biases: np.ndarray  # (k,)
    direction: np.ndarray  # (2,), unit length
    t: np.ndarray  # (N_T,)
    pieces: np.ndarray  # (k, N_T): each piece along the line
    rug: np.ndarray  # the training inputs' t (their projections on the line)

    @property
    def maximum(self) -> np.ndarray:
        return self.pieces.max(0)

    @property
    def used(self) -> int:
        """How many pieces are the max somewhere on the line."""
        return len(set(self.pieces.argmax(0).tolist()))


@dataclass(frozen=True)
class MaxoutPieces:
    units: list[MaxoutUnit]
    mean: np.ndarray  # (2,): the line goes through the training inputs' mean
    pieces: int
    accuracy: float | None  # on the validation split
    seed: int
    model: torch.nn.Module  # a copy of the trained net, in evaluation mode

    def line_points(self, unit: MaxoutUnit) -> np.ndarray:
        """(N_T, 2) inputs on the unit's line."""
        return self.mean[None, :] + unit.t[:, None] * unit.direction[None, :]


def read_pieces(session, seed: int = 0) -> MaxoutPieces:
    """The pieces of ``session``'s first Maxout layer, read from its weights (rows
    j·k … j·k + k − 1 are unit j's pieces, as ``Maxout.forward`` groups them)."""
    model = session.model
    layer = model.hidden[0]
    k = int(layer.pieces)
    w = layer.linear.weight.detach().double().cpu().numpy()
    b = layer.linear.bias.detach().double().cpu().numpy()
    x = session.splits.train.x.detach().double().cpu().numpy()
    mean = x.mean(0)
    units = []
    for j in range(layer.width):
        wj, bj = w[j * k : (j + 1) * k], b[j * k : (j + 1) * k]
        d = _direction(wj)
        proj = (x - mean) @ d
        lo, hi = np.percentile(proj, [1, 99])
        pad = 0.15 * (hi - lo) + 1e-6
        t = np.linspace(lo - pad, hi + pad, N_T)
        points = mean[None, :] + t[:, None] * d[None, :]
        pieces = wj @ points.T + bj[:, None]
        units.append(MaxoutUnit(j, wj, bj, d, t, pieces, proj))
    _, acc = session.evaluate("val")
    return MaxoutPieces(units, mean, k, acc, seed, model.copy().eval())


def _direction(weights: np.ndarray) -> np.ndarray:
    """The direction in which the unit's pieces differ most (their slopes spread widest), so the
    kinks show; the sign makes the mean slope along it non-negative."""
    spread = weights - weights.mean(0, keepdims=True)
    _, s, vt = np.linalg.svd(spread)
    d = vt[0] if s[0] > 1e-9 else weights.mean(0)
    norm = float(np.linalg.norm(d))
    d = d / norm if norm > 1e-12 else np.array([1.0, 0.0])
    if float((weights @ d).mean()) < 0:
        d = -d
    return d


def hidden_output(model, points: np.ndarray) -> np.ndarray:
    """The trained net's first hidden layer on ``points`` (what the max must equal)."""
    model.eval()
    with torch.no_grad():
        x = torch.as_tensor(points, dtype=torch.float32)
        return model.hidden[0](x).double().numpy()


def render_pieces(
    data: MaxoutPieces | None, status: str, size, text: Text
) -> tuple[pygame.Surface, list[Frame]]:
    """One plot per unit (pieces thin, their max thick, the data along the line as ticks)."""
    w, h = max(size[0], 160), max(size[1], 100)
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if data is None:
        colour = palette.ERROR if status.startswith("could not") else palette.TEXT_DIM
        for k, row in enumerate(text.wrap(status, 13, w)[:4]):
            text.blit(surface, row, (0, 4 + 18 * k), 13, colour)
        return surface, []
    caption = (
        "Along a line x = x̄ + t·d through the data (d: where the unit's pieces differ most): "
        "thin, the k linear pieces wₖ·x + bₖ; thick, their max, the activation the unit learned. "
        "Ticks: training inputs."
    )
    rows = text.wrap(caption, 12, w)[:3]
    body_h = h - 16 * len(rows) - 4
    n = len(data.units)
    cols = n if w / max(n, 1) >= 1.6 * body_h else max(1, -(-n // 2))
    nrows = -(-n // cols)
    gap = 10
    cw, ch = (w - gap * (cols - 1)) // cols, (body_h - gap * (nrows - 1)) // nrows
    frames = []
    for i, unit in enumerate(data.units):
        r, c = divmod(i, cols)
        cell = pygame.Rect(c * (cw + gap), r * (ch + gap), cw, ch)
        frames.append(_unit_plot(surface, cell, unit, text))
    y = h - 16 * len(rows)
    for row in rows:
        text.blit(surface, row, (0, y), 12, palette.TEXT_DIM)
        y += 16
    return surface, frames


def _unit_plot(surface, cell: pygame.Rect, unit: MaxoutUnit, text: Text) -> Frame:
    label = f"unit {unit.index + 1}: uses {unit.used} of {len(unit.pieces)} pieces"
    text.blit(surface, text.ellipsize(label, 12, cell.w), cell.topleft, 12, palette.TEXT)
    lo, hi = float(unit.pieces.min()), float(unit.pieces.max())
    top, bottom = float(unit.maximum.max()), float(unit.maximum.min())
    span = max(top - bottom, 1e-3)
    v0, v1 = max(lo, bottom - 0.6 * span), min(hi, top + 0.25 * span)
    if v1 - v0 < 1e-6:
        v0, v1 = v0 - 1, v1 + 1
    plot = pygame.Rect(cell.x, cell.y + 18, cell.w, cell.h - 18 - 16)
    frame = Frame(plot, float(unit.t[0]), float(unit.t[-1]), v0, v1)
    axes(surface, frame)
    for k, values in enumerate(unit.pieces):
        line(surface, frame, unit.t, values, palette.dim(PIECE_COLOURS[k % 4], 0.15), 1)
    line(surface, frame, unit.t, unit.maximum, palette.TEXT, 3)
    for t in unit.rug:
        x = int(frame.x(t))
        if plot.x <= x < plot.right:
            pygame.draw.line(surface, palette.TEXT_DIM, (x, plot.bottom - 5), (x, plot.bottom - 1))
    for k, v in enumerate((frame.z0, frame.z1)):
        x = plot.x if k == 0 else plot.right
        text.blit(surface, f"t = {num(v, 2)}", (x, plot.bottom + 1), 12, palette.TEXT_DIM,
                  "mono", "topleft" if k == 0 else "topright")  # fmt: skip
    return frame
