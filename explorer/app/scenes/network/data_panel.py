"""The Data panel: your own 2-D points, drawn over the lab's nets (the Data… button, or d).

Click to add a point of the chosen class (or, for regression, the chosen target), drag one to
move it, right-click one (or click it with the eraser) to erase it. Each point is drawn in its
class's colour (the decision map's), filled for training, a ring for validation, a cross for
test: the split the trainer will cut with this seed and share. Apply hands the points to the
trainer the way ``--data`` does (``data_points.apply_points``) and closes the panel; the net
retrains from its initialization. The points themselves and what applying them means live in
``data_points`` (no pygame); the widgets in ``data_panel_widgets``.
"""

from __future__ import annotations

import numpy as np
import pygame

from explorer.app.scenes.network.data_points import (
    TARGETS,
    NotPlanar,
    PointsEditor,
    apply_points,
)
from explorer.app.scenes.network.function_picture import class_colour
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.training.worker import sentence

ROW_H = 30  # each of the two rows of widgets, at scale 1
PICK_PX = 9  # how near (screen pixels at scale 1) a click must be to take a point


class DataPanel:
    """Open (``editor`` set) or closed; the rects it draws in follow the scene's layout."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.editor: PointsEditor | None = None
        self.dragging: int | None = None

    @property
    def is_open(self) -> bool:
        return self.editor is not None

    # -- opening and closing ------------------------------------------------------------------
    def toggle(self) -> None:
        if self.is_open:
            self.close()
        else:
            self.open()

    def open(self) -> bool:
        """Start from the lab's own points; data that is not 2-D is one sentence."""
        model = self.scene.model
        try:
            self.editor = PointsEditor.of_config(model.config, model.registry)
        except NotPlanar as exc:
            model.notify(t("data.not_2d", dataset=exc.dataset, n=exc.features), "error")
            return False
        except Exception as exc:  # noqa: BLE001 - one sentence (a CSV gone since), the lab goes on
            model.notify(sentence(exc), "error")
            return False
        self.scene.controls.build()
        return True

    def close(self) -> None:
        self.editor, self.dragging = None, None
        self.scene.controls.build()

    def apply(self) -> bool:
        """The points become the lab's dataset; the panel closes once the lab took them."""
        if self.editor is None:
            return False
        if apply_points(self.scene.model, self.editor):
            self.close()
            return True
        return False

    # -- where things are ---------------------------------------------------------------------
    @property
    def rect(self) -> pygame.Rect:
        """The whole panel: over the nets' area."""
        return self.scene.layout.main.inflate(-px(8), -px(8))

    def row_y(self, k: int) -> int:
        """The top of widget row ``k`` (0, 1)."""
        return self.rect.y + px(6) + k * px(ROW_H + 4)

    @property
    def plot(self) -> pygame.Rect:
        """The square the points are drawn in, under the rows and above the counts line."""
        r = self.rect
        top = self.row_y(2) + px(4)
        bottom = r.bottom - px(8) - self.scene.text.line_height(13) * 2
        side = max(px(40), min(r.w - px(16), bottom - top))
        return pygame.Rect(r.centerx - side // 2, top, side, side)

    def to_screen(self, xy: np.ndarray) -> np.ndarray:
        x0, x1, y0, y1 = self.editor.view if self.editor else (0.0, 1.0, 0.0, 1.0)
        p = self.plot
        sx = p.x + (xy[..., 0] - x0) / (x1 - x0) * p.w
        sy = p.bottom - (xy[..., 1] - y0) / (y1 - y0) * p.h
        return np.stack([sx, sy], axis=-1)

    def to_data(self, pos: tuple[int, int]) -> tuple[float, float]:
        x0, x1, y0, y1 = self.editor.view if self.editor else (0.0, 1.0, 0.0, 1.0)
        p = self.plot
        return (
            x0 + (pos[0] - p.x) / p.w * (x1 - x0),
            y0 + (p.bottom - pos[1]) / p.h * (y1 - y0),
        )

    def _under(self, pos: tuple[int, int]) -> int | None:
        e = self.editor
        if e is None or not e.count:
            return None
        d = np.hypot(*(self.to_screen(e.xy) - np.asarray(pos, float)).T)
        i = int(np.argmin(d))
        return i if d[i] <= px(PICK_PX) else None

    # -- the mouse ----------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        """Clicks, drags and right-clicks on the plot; True if the panel used the event."""
        e = self.editor
        if e is None:
            return False
        if event.type == pygame.MOUSEBUTTONUP and self.dragging is not None:
            self.dragging = None
            return True
        if event.type == pygame.MOUSEMOTION and self.dragging is not None:
            if not getattr(event, "buttons", (1,))[0]:  # released over a widget, which took it
                self.dragging = None
                return False
            x, y = self.to_data(self._inside(event.pos))
            e.move(self.dragging, x, y)
            return True
        if event.type != pygame.MOUSEBUTTONDOWN or not self.plot.collidepoint(event.pos):
            return event.type == pygame.MOUSEBUTTONDOWN and self.rect.collidepoint(event.pos)
        hit = self._under(event.pos)
        if event.button == 3 or (event.button == 1 and e.erasing):
            if hit is not None:
                e.erase(hit)
        elif event.button == 1:
            if hit is not None:
                self.dragging = hit
            elif not e.add(*self.to_data(event.pos)):
                self.scene.model.notify(t("data.full", n=e.count), "error")
        return True

    def _inside(self, pos: tuple[int, int]) -> tuple[int, int]:
        p = self.plot
        return (min(max(pos[0], p.left), p.right), min(max(pos[1], p.top), p.bottom))

    # -- drawing ------------------------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        e = self.editor
        if e is None:
            return
        r, p, text = self.rect, self.plot, self.scene.text
        pygame.draw.rect(screen, palette.PANEL, r)
        pygame.draw.rect(screen, palette.PANEL_LINE, r, lw())
        pygame.draw.rect(screen, palette.BACKGROUND, p)
        self._draw_axes(screen, p)
        roles = e.roles()
        at = self.to_screen(e.xy).round().astype(int) if e.count else np.zeros((0, 2), int)
        marks = zip(at.tolist(), e.labels.tolist(), roles.tolist(), strict=True)
        for spot, label, role in marks:
            _mark(screen, role, self._colour(label), tuple(spot))
        pygame.draw.rect(screen, palette.PANEL_LINE, p, lw())
        self._draw_class_swatches(screen)
        y = p.bottom + px(4)
        shown = text.ellipsize(self._counts_line(roles), 13, r.w - px(16))
        text.blit(screen, shown, (r.x + px(8), y), 13, palette.TEXT_DIM)
        self._draw_legend(screen, r.x + px(8), y + text.line_height(13), r.right - px(8))

    def _draw_legend(self, screen: pygame.Surface, x: int, y: int, right: int) -> None:
        """Training filled, validation a ring, test a cross: drawn, as the points are (not
        glyphs, which a font may lack), then what the mouse does, as far as there is room."""
        text = self.scene.text
        half = text.line_height(13) // 2
        for role, key in enumerate(("data.legend_train", "data.legend_val", "data.legend_test")):
            _mark(screen, role, palette.TEXT_DIM, (x + px(4), y + half))
            rect = text.blit(screen, t(key), (x + px(12), y), 13, palette.TEXT_DIM)
            x = rect.right + px(14)
        hint = text.ellipsize(t("data.hint"), 13, right - x)
        if hint.strip("…"):
            text.blit(screen, hint, (x, y), 13, palette.TEXT_DIM)

    def _draw_class_swatches(self, screen: pygame.Surface) -> None:
        """A bar in its class's colour under each class button."""
        widgets = getattr(self.scene.controls, "data_widgets", None)
        for name, button in (widgets.buttons if widgets else {}).items():
            if name.startswith("class_"):
                k = CLASS_NAMES.index(name[len("class_") :])
                r = button.rect
                screen.fill(class_colour(k), (r.x + px(4), r.bottom, r.w - px(8), px(3)))

    def _colour(self, label: float) -> tuple[int, int, int]:
        e = self.editor
        if e is None or e.task == "classification":
            return class_colour(int(label))
        lut = palette.colormap_lut()
        low, high = self.target_range()
        k = int(np.clip((label - low) / (high - low), 0.0, 1.0) * (len(lut) - 1))
        return tuple(int(c) for c in lut[k])  # type: ignore[return-value]

    def target_range(self) -> tuple[float, float]:
        """The targets the colours span: the points' and the menu's, whichever reach further."""
        e = self.editor
        values = np.concatenate([e.labels, TARGETS]) if e is not None else np.array(TARGETS)
        return float(values.min()), float(values.max())

    def _draw_axes(self, screen: pygame.Surface, p: pygame.Rect) -> None:
        """x = 0 and y = 0, where they cross the window, faint."""
        x0, x1, y0, y1 = self.editor.view if self.editor else (0.0, 1.0, 0.0, 1.0)
        colour = palette.PANEL_LINE
        if x0 < 0 < x1:
            sx = int(self.to_screen(np.array([0.0, y0]))[0])
            pygame.draw.line(screen, colour, (sx, p.top), (sx, p.bottom), lw())
        if y0 < 0 < y1:
            sy = int(self.to_screen(np.array([x0, 0.0]))[1])
            pygame.draw.line(screen, colour, (p.left, sy), (p.right, sy), lw())

    def _counts_line(self, roles: np.ndarray) -> str:
        e = self.editor
        assert e is not None
        split = t(
            "data.split_counts",
            train=int((roles == 0).sum()),
            val=int((roles == 1).sum()),
            test=int((roles == 2).sum()),
        )
        if e.task != "classification":
            low, high = self.target_range()
            targets = t("data.count_targets", n=e.count, low=f"{low:.3g}", high=f"{high:.3g}")
            return targets + "  ·  " + split
        counts = e.counts()
        shown = range(min(e.classes, len(CLASS_NAMES)))
        classes = "  ".join(f"{CLASS_NAMES[k]} {counts.get(float(k), 0)}" for k in shown)
        return t("data.count_points", n=e.count, classes=classes) + "  ·  " + split


CLASS_NAMES = "ABCDEFGHIJ"


def _mark(screen: pygame.Surface, role: int, colour, at: tuple[int, int]) -> None:
    """A training point filled, a validation point a ring, a test point a cross."""
    radius = px(4)
    if role == 0:
        pygame.draw.circle(screen, colour, at, radius)
    elif role == 1:
        pygame.draw.circle(screen, colour, at, radius, lw(1.5))
    else:
        (sx, sy), d = at, radius
        pygame.draw.line(screen, colour, (sx - d, sy - d), (sx + d, sy + d), lw(1.5))
        pygame.draw.line(screen, colour, (sx - d, sy + d), (sx + d, sy - d), lw(1.5))
