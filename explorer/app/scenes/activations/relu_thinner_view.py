"""The ReLU panel's pictures: the input plane (decision regions, the linear regions' borders, the
chosen input's region lit), the net with the units that are off for that input greyed out with
their links, and the thinner network's linear map as numbers."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pygame

from explorer.app.ui import palette
from explorer.app.ui.i18n import has_cjk, t
from explorer.app.ui.numbers_format import num
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.languages import CJK_CHARS
from explorer.training.relu_regions import ReluNet, Thinner

CLASS_COLOURS = [(90, 200, 255), (255, 166, 48)]
ACTIVE = (250, 210, 80)
ACTIVE_RING = (255, 240, 180)
INACTIVE = (58, 60, 68)
INACTIVE_RING = (110, 112, 122)
IO_FILL = (70, 74, 86)
POSITIVE = (70, 160, 235)
NEGATIVE = (245, 120, 70)
DEAD_LINK = (48, 50, 58)
# runs of Chinese characters and punctuation (with the spaces between them)
_CJK_RUNS = re.compile(f"([{CJK_CHARS}](?:[{CJK_CHARS} ]*[{CJK_CHARS}])?)")


@dataclass
class ReluNetPicture:
    """The ReLU net drawn for one input: the picture, and where each unit sits in it (the
    inspector points at a unit by its centre)."""

    surface: pygame.Surface
    centres: list[list[tuple[int, int]]] = field(default_factory=list)  # per layer, per unit
    radius: int = 8


def render_map(net: ReluNet, thinner: Thinner | None, side: int) -> pygame.Surface:
    """The input plane ``side`` pixels square."""
    p = net.probs
    c0, c1 = (np.array(palette.dim(c, 0.72), float) for c in CLASS_COLOURS)
    rgb = c0[None, None] * (1 - p[..., None]) + c1[None, None] * p[..., None]
    pat = net.patterns
    border = np.zeros(pat.shape, bool)
    border[:, 1:] |= pat[:, 1:] != pat[:, :-1]
    border[1:, :] |= pat[1:, :] != pat[:-1, :]
    if thinner is not None:
        region = pat == thinner.pattern
        rgb = np.where(region[..., None], rgb * 0.55 + 255 * 0.45, rgb * 0.8)
    rgb = np.where(border[..., None], rgb * 0.45 + 235 * 0.55, rgb)
    small = pygame.surfarray.make_surface(
        np.ascontiguousarray(rgb.transpose(1, 0, 2)).astype(np.uint8)
    )
    surface = pygame.transform.scale(small, (side, side))
    for point, cls in zip(net.x, net.y, strict=True):
        u, v = net.to_map(point)
        pos = (int(u * side), int(v * side))
        pygame.draw.circle(surface, (16, 18, 22), pos, px(3))
        pygame.draw.circle(surface, CLASS_COLOURS[int(cls) % 2], pos, px(2))
    if thinner is not None:
        u, v = net.to_map(thinner.x)
        pos = (int(u * side), int(v * side))
        pygame.draw.circle(surface, (10, 10, 12), pos, px(8), lw(3))
        pygame.draw.circle(surface, (255, 255, 255), pos, px(7), lw(2))
    pygame.draw.rect(surface, palette.PANEL_LINE, surface.get_rect(), lw())
    return surface


def render_net(net: ReluNet, thinner: Thinner | None, size, text: Text) -> ReluNetPicture:
    w, h = max(size[0], px(160)), max(size[1], px(100))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    sizes = net.sizes
    mono = text.font(12, "mono")
    top, bottom = text.line_height(12) + px(2), px(4)
    left, right = mono.size("x1 −0.00")[0] + px(20), mono.size("−0.000")[0] + px(20)
    xs = [int(left + (w - left - right) * k / max(1, len(sizes) - 1)) for k in range(len(sizes))]
    gap = (h - top - bottom) / max(sizes)
    radius = int(max(px(4), min(px(10), gap * 0.34)))
    centres = []
    for k, units in enumerate(sizes):
        y0 = top + (h - top - bottom - gap * units) / 2 + gap / 2
        centres.append([(xs[k], int(y0 + j * gap)) for j in range(units)])
    hidden = (t("activations.layer_hidden", n=i) for i in range(1, len(sizes) - 1))
    names = [t("activations.layer_input"), *hidden, t("activations.layer_logits")]
    for k, name in enumerate(names):
        text.blit(surface, name, (xs[k], 0), 12, palette.TEXT_DIM, anchor="midtop")
    on = [np.ones(sizes[0], bool)]
    on += list(thinner.active) if thinner is not None else [np.ones(s, bool) for s in sizes[1:-1]]
    on.append(np.ones(sizes[-1], bool))
    live = []
    for k, wk in enumerate(net.weights):
        big = float(np.abs(wk).max()) or 1.0
        for j, a in enumerate(centres[k]):
            for i, b in enumerate(centres[k + 1]):
                if on[k][j] and on[k + 1][i]:
                    live.append((abs(wk[i, j]) / big, float(wk[i, j]), a, b))
                else:
                    pygame.draw.line(surface, DEAD_LINK, a, b, lw())
    for strength, value, a, b in sorted(live, key=lambda t: t[0]):
        colour = palette.dim(POSITIVE if value >= 0 else NEGATIVE, 0.8 - 0.7 * strength)
        pygame.draw.line(surface, colour, a, b, lw() + int(strength * 2.5 * px(1)))
    for k, layer in enumerate(centres):
        hidden = 0 < k < len(centres) - 1
        for u, c in enumerate(layer):
            fill, ring = (IO_FILL, palette.TEXT_DIM)
            if hidden:
                fill, ring = (ACTIVE, ACTIVE_RING) if on[k][u] else (INACTIVE, INACTIVE_RING)
            pygame.draw.circle(surface, fill, c, radius)
            pygame.draw.circle(surface, ring, c, radius, lw())
    if thinner is not None:
        for j, c in enumerate(centres[0]):
            label = f"x{j + 1} {num(float(thinner.x[j]), 2)}"
            text.blit(
                surface, label, (c[0] - radius - px(4), c[1]), 12, palette.TEXT, "mono", "midright"
            )
        for j, c in enumerate(centres[-1]):
            label = num(float(thinner.logits[j]), 3)
            text.blit(
                surface, label, (c[0] + radius + px(4), c[1]), 12, palette.TEXT, "mono", "midleft"
            )
    return ReluNetPicture(surface, centres, radius)


def numbers_lines(thinner: Thinner) -> list[tuple[str, tuple[int, int, int]]]:
    """The thinner network's linear map, as rows of (text, colour)."""
    counts = "  ·  ".join(
        t("activations.layer_on", n=i + 1, on=int(a.sum()), total=len(a))
        for i, a in enumerate(thinner.active)
    )
    rows = [(t("activations.active_units", counts=counts), palette.TEXT)]
    product = linear_map_product(len(thinner.active))
    rows.append((t("activations.linear_map", product=product), palette.TEXT_DIM))
    width = max(len(num(float(v), 3)) for v in [*thinner.A.ravel(), *thinner.c])
    for i in range(thinner.A.shape[0]):
        a = "  ".join(num(float(v), 3).rjust(width) for v in thinner.A[i])
        rows.append(
            (
                f"{'A =' if i == 0 else '   '} [ {a} ]   "
                f"{'c =' if i == 0 else '   '} [ {num(float(thinner.c[i]), 3).rjust(width)} ]",
                palette.TEXT,
            )
        )
    diff = thinner.agrees
    ok = diff < 1e-6
    said = t(
        "activations.jacobian_equal" if ok else "activations.jacobian_differs", diff=num(diff, 2)
    )
    rows.append((said, palette.GOOD if ok else palette.ERROR))
    return rows


def linear_map_product(hidden: int) -> str:
    """The thinner network's matrix for ``hidden`` ReLU layers: W₃·D₂·W₂·D₁·W₁ for two."""
    sub = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
    parts = [f"W{hidden + 1}".translate(sub)]
    for k in range(hidden, 0, -1):
        parts += [f"D{k}".translate(sub), f"W{k}".translate(sub)]
    return "·".join(parts)


def render_numbers(thinner: Thinner | None, size, text: Text) -> pygame.Surface:
    w, h = max(size[0], px(100)), max(size[1], px(40))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if thinner is None:
        return surface
    y = 0
    for row, colour in numbers_lines(thinner):
        kind = "mono" if row.startswith(("A =", "   ")) else "sans"
        if not _mixed(surface, text, row, (0, y), colour, w):
            text.blit(surface, text.ellipsize(row, 12, w, kind), (0, y), 12, colour, kind)
        y += px(17)
    return surface


def _mixed(surface, text: Text, row: str, at, colour, width: int) -> bool:
    """A row with Chinese words among formulas, its Chinese in Noto Sans SC and the rest in Noto
    Sans (whose · and = are narrow), when it fits ``width``; False (nothing drawn) otherwise."""
    if not has_cjk(row):
        return False
    runs = [(part, "cjk" if has_cjk(part) else "sans") for part in _CJK_RUNS.split(row) if part]
    if sum(text.render(part, 12, colour, kind).get_width() for part, kind in runs) > width:
        return False
    x = at[0]
    for part, kind in runs:
        x = text.blit(surface, part, (x, at[1]), 12, colour, kind).right
    return True
