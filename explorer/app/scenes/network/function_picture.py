"""What the net computes: class regions over the input plane with the data on top (2-D data),
or held-out digits with the net's guesses."""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.scenes.network.network_view import diverging, diverging_array
from explorer.app.ui import i18n, palette
from explorer.app.ui.scale import lw, px
from explorer.app.ui.text import Text
from explorer.training import FunctionView

CLASS_COLOURS = [
    (70, 160, 235),
    (245, 150, 60),
    (120, 220, 130),
    (230, 100, 200),
    (255, 225, 80),
    (150, 130, 255),
    (90, 220, 220),
    (255, 120, 110),
    (200, 200, 200),
    (170, 120, 70),
]


def class_colour(k: int) -> tuple[int, int, int]:
    return CLASS_COLOURS[int(k) % len(CLASS_COLOURS)]


def render_function(view: FunctionView | None, size: tuple[int, int], text: Text):
    w, h = max(size[0], px(60)), max(size[1], px(60))
    surface = pygame.Surface((w, h))
    surface.fill(palette.PANEL)
    if view is None:
        text.blit(surface, "…", (w // 2, h // 2), 14, palette.TEXT_DIM, anchor="center")
        return surface
    if view.kind == "grid":
        _grid(surface, view, text)
    else:
        _samples(surface, view, text)
    return surface


def _grid(surface: pygame.Surface, view: FunctionView, text: Text) -> None:
    w, h = surface.get_size()
    title = (
        i18n.t("function.regions") if view.task == "classification" else i18n.t("function.output")
    )
    title = text.ellipsize(title, 12, w - px(16), "bold")
    text.blit(surface, title, (px(8), px(4)), 12, palette.TEXT, "bold")
    top = px(8) + text.line_height(12, "bold")
    side = min(w - px(16), h - top - px(4))
    area = pygame.Rect((w - side) // 2, top, side, side)
    values = np.asarray(view.values)
    if view.task == "classification":
        lut = np.array([class_colour(k) for k in range(max(view.n_classes, 1))], np.float32)
        rgb = lut[np.clip(values.astype(int), 0, len(lut) - 1)]
        conf = np.asarray(view.confidence, np.float32)
        # Confident regions keep their colour; near the boundary they fade to the panel.
        floor = 1.0 / max(view.n_classes, 2)
        t = np.clip((conf - floor) / (1 - floor), 0, 1)[..., None] * 0.55 + 0.12
        rgb = np.asarray(palette.PANEL, np.float32) * (1 - t) + rgb * t
    else:
        scale = float(np.nanmax(np.abs(values))) or 1.0
        rgb = diverging_array(values, scale)
    rgb = np.nan_to_num(rgb, nan=60.0)
    # rows run from y0 upwards; the screen's y runs down, and surfarray is (x, y)
    image = np.ascontiguousarray(rgb[::-1].transpose(1, 0, 2).astype(np.uint8))
    small = pygame.surfarray.make_surface(image)
    surface.blit(pygame.transform.smoothscale(small, area.size), area)
    pygame.draw.rect(surface, palette.PANEL_LINE, area, lw())
    if view.points is None:
        return
    x0, x1, y0, y1 = view.extent
    pts = np.asarray(view.points)
    sx = area.x + (pts[:, 0] - x0) / (x1 - x0) * area.w
    sy = area.bottom - (pts[:, 1] - y0) / (y1 - y0) * area.h
    dot = px(3)
    labels = np.asarray(view.labels)
    for k in range(len(pts)):
        if view.task == "classification":
            colour = class_colour(int(labels[k]))
        else:
            colour = diverging(float(labels[k]), float(np.abs(labels).max()) or 1.0)
        pygame.draw.circle(surface, colour, (int(sx[k]), int(sy[k])), dot)
        pygame.draw.circle(surface, (14, 16, 20), (int(sx[k]), int(sy[k])), dot, lw())


def _samples(surface: pygame.Surface, view: FunctionView, text: Text) -> None:
    w, h = surface.get_size()
    images = np.asarray(view.images)
    labels, predicted = np.asarray(view.labels), np.asarray(view.predicted)
    right = int((predicted == labels).sum())
    text.blit(surface, i18n.t("function.digits"), (px(8), px(4)), 12, palette.TEXT, "bold")
    text.blit(
        surface,
        i18n.t("function.right", right=right, total=len(labels)),
        (w - px(8), px(4)),
        12,
        palette.TEXT_DIM,
        anchor="topright",
    )
    if images.ndim != 3:
        return
    cols = 4
    rows = (len(images) + cols - 1) // cols
    top = px(8) + text.line_height(12)
    cell_w = (w - px(16)) // cols
    cell_h = (h - top - px(2)) // max(rows, 1)
    side = max(8, min(cell_w - px(8), cell_h - px(4) - text.line_height(11)))
    for k, img in enumerate(images):
        r, c = divmod(k, cols)
        x = px(8) + c * cell_w + (cell_w - side) // 2
        y = top + r * cell_h
        # Inputs are standardized per pixel: ink shows as above-average values.
        grey = np.clip(img / 2.0 * 255, 0, 255).astype(np.uint8)
        rgb = np.repeat(grey.T[:, :, None], 3, axis=2)
        pic = pygame.transform.scale(pygame.surfarray.make_surface(rgb), (side, side))
        surface.blit(pic, (x, y))
        ok = int(predicted[k]) == int(labels[k])
        colour = palette.GOOD if ok else palette.ERROR
        pygame.draw.rect(surface, colour, (x - 1, y - 1, side + 2, side + 2), lw())
        caption = f"{int(predicted[k])}"
        if not ok:
            full = caption + i18n.t("function.is", label=int(labels[k]))
            # the true digit where it fits its cell (the red frame says "wrong" either way)
            if text.font(11, text.kind_for(full, "sans")).size(full)[0] <= cell_w - px(2):
                caption = full
        text.blit(surface, caption, (x + side // 2, y + side + 1), 11, colour, anchor="midtop")
