"""The Activation scene: every activation plugin's f(z) and f′(z) with the saturated stretches
shaded; Maxout as the linear pieces a trained net learned; and a trained ReLU net seen, for one
input, as the thinner linear network of its active units."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pygame

from explorer.app.scenes.activations.activation_plots import GridPicture, render_detail, render_grid
from explorer.app.scenes.activations.controls import ActivationControls
from explorer.app.scenes.activations.help import help_sheet
from explorer.app.scenes.activations.maxout_plots import render_pieces
from explorer.app.scenes.activations.model import ActivationsModel
from explorer.app.scenes.activations.relu_thinner_view import (
    ReluNetPicture,
    render_map,
    render_net,
    render_numbers,
)
from explorer.app.ui import palette
from explorer.app.ui.frame import MIN_SIZE, tab_h, toolbar_h
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.scene import ModelScene
from explorer.app.ui.text_slot import CaptionLook
from explorer.app.ui.widget_events import widget_event
from explorer.training.activation_training import RELU_CONFIG, Results
from explorer.training.relu_regions import Thinner, thinner_at

PAD, TITLE_H = 8, 26  # at UI scale 1
NUMBERS_LINES = 5


@dataclass(frozen=True)
class ActivationLayout:
    size: tuple[int, int]
    toolbar: pygame.Rect
    panels: dict[str, pygame.Rect]  # "grid", "detail", "maxout", "relu": framed and titled
    areas: dict[str, pygame.Rect]  # what the pictures fill inside them


def compute_layout(size: tuple[int, int]) -> ActivationLayout:
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    pad, title_h = px(PAD), px(TITLE_H)
    toolbar = pygame.Rect(0, tab_h(), w, toolbar_h())
    top = toolbar.bottom + pad
    top_h = int((h - top - 2 * pad) * 0.47)
    grid_w = int((w - 3 * pad) * 0.6)
    grid = pygame.Rect(pad, top, grid_w, top_h)
    detail = pygame.Rect(grid.right + pad, top, w - grid_w - 3 * pad, top_h)
    bottom_y = grid.bottom + pad
    maxout_w = int((w - 3 * pad) * 0.45)
    maxout = pygame.Rect(pad, bottom_y, maxout_w, h - bottom_y - pad)
    relu = pygame.Rect(maxout.right + pad, bottom_y, w - maxout_w - 3 * pad, maxout.h)

    def body(r: pygame.Rect) -> pygame.Rect:
        return pygame.Rect(
            r.x + px(10), r.y + title_h + px(4), r.w - px(20), r.h - title_h - px(12)
        )

    rb = body(relu)
    side = min(rb.h - px(18), int(rb.w * 0.4))
    right = rb.x + side + px(14)
    numbers_h = (NUMBERS_LINES - 1) * px(17) + px(22)  # the last row whole, Chinese glyphs too
    areas = {
        "grid": body(grid),
        "detail": body(detail),
        "maxout": body(maxout),
        "map": pygame.Rect(rb.x, rb.y, side, side),
        "net": pygame.Rect(right, rb.y, rb.right - right, rb.h - numbers_h - px(6)),
        "numbers": pygame.Rect(right, rb.bottom - numbers_h, rb.right - right, numbers_h),
    }
    panels = {"grid": grid, "detail": detail, "maxout": maxout, "relu": relu}
    return ActivationLayout((w, h), toolbar, panels, areas)


class ActivationScene(ModelScene):
    def __init__(self, model: ActivationsModel, size: tuple[int, int] = (1280, 720)) -> None:
        self.layout = compute_layout(size)
        super().__init__(model, self.layout.size)
        self.thinner: Thinner | None = None
        self.thinner_error = ""
        self.results = Results()
        self.grid: GridPicture | None = None
        self.relu_drawing: ReluNetPicture | None = None
        self.maxout_frames: list = []
        self.pictures: dict[str, pygame.Surface] = {}
        self._keys: dict[str, tuple] = {}
        self.controls = ActivationControls(self)
        self.prepare()

    # -- what the controls call (they read the model itself) ---------------------------------
    def select(self, name: str) -> None:
        self.model.select(name)

    def step_selection(self, delta: int) -> None:
        self.model.step_selection(delta)

    def set_pieces(self, pieces: int) -> None:
        self.model.set_pieces(pieces)

    def retrain(self) -> None:
        self.model.retrain()

    def choose_input(self, point) -> None:
        self.model.choose_input(point)

    def status_text(self) -> str:
        return self.model.status_text()

    def help_sheet(self):
        return help_sheet(self)

    def idle(self) -> bool:
        """Both nets trained: nothing changes until the user does something."""
        return self.model.results.done

    # -- events -------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if widget_event(self.manager, self.controls.handle, event):
            return True
        if event.type == pygame.KEYDOWN:
            return self._key(event.key)
        if event.type == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 0) == 1:
            return self._click(event.pos)
        return False

    def _key(self, key: int) -> bool:
        if key in (pygame.K_RIGHT, pygame.K_DOWN):
            self.step_selection(1)
        elif key in (pygame.K_LEFT, pygame.K_UP):
            self.step_selection(-1)
        elif key == pygame.K_r:
            self.retrain()
        else:
            return False
        return True

    def _click(self, pos) -> bool:
        for name in self.model.curves:
            if self.cell_rect(name).collidepoint(pos):
                self.select(name)
                return True
        net, area = self.results.relu, self.layout.areas["map"]
        if net is not None and area.collidepoint(pos):
            u = (pos[0] - area.x + 0.5) / area.w
            v = (pos[1] - area.y + 0.5) / area.h
            self.choose_input(net.to_world(u, v))
            return True
        return False

    # -- where things are on screen (clicks and tests) -----------------------------------------
    def cell_rect(self, name: str) -> pygame.Rect:
        if self.grid is None or name not in self.grid.cells:
            return pygame.Rect(0, 0, 0, 0)
        area = self.layout.areas["grid"]
        return self.grid.cells[name].move(area.topleft)

    def grid_point(self, name: str, z: float, v: float) -> tuple[int, int]:
        """The screen pixel of (z, value) in ``name``'s small plot."""
        area = self.layout.areas["grid"]
        return self.grid.frames[name].moved(*area.topleft).point(z, v)

    def maxout_frame(self, unit: int):
        return self.maxout_frames[unit].moved(*self.layout.areas["maxout"].topleft)

    def unit_centre(self, layer: int, unit: int) -> tuple[int, int]:
        x, y = self.relu_drawing.centres[layer][unit]
        area = self.layout.areas["net"]
        return area.x + x, area.y + y

    # -- time ---------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self.manager.update(dt)
        self.model.update(dt)

    def resize(self, size: tuple[int, int]) -> None:
        self.layout = compute_layout(size)
        self.renew_manager(self.layout.size)
        self.controls.build()
        self._keys.clear()

    def _stale(self, name: str, key: tuple) -> bool:
        if self._keys.get(name) == key:
            return False
        self._keys[name] = key
        return True

    def prepare(self) -> None:
        self.controls.sync()
        A, text = self.layout.areas, self.text
        self.results = r = self.model.results
        if self._stale("grid", (self.model.selected, A["grid"].size)):
            self.grid = render_grid(self.model.curves, A["grid"].size, self.model.selected, text)
        if self._stale("detail", (self.model.selected, A["detail"].size)):
            curve = self.model.curves.get(self.model.selected)
            self.pictures["detail"] = render_detail(curve, A["detail"].size, text)
        self._how_far = {name: self._progress(name) for name in ("relu", "maxout")}
        how_far = self._how_far["maxout"]
        if self._stale("maxout", (id(r.maxout), r.maxout_error, r.done, A["maxout"].size, how_far)):
            status = r.maxout_error or (
                t("activations.training_maxout", k=self.model.pieces) + how_far
                if not r.done
                else t("activations.no_maxout")
            )
            picture, self.maxout_frames = render_pieces(
                r.maxout, status, A["maxout"].size, text, error=bool(r.maxout_error)
            )
            self.pictures["maxout"] = picture
        self._prepare_relu(r)

    _how_far: dict[str, str] = {}  # net → how far its training is, in words ("" unknown)

    def _progress(self, name: str) -> str:
        """How far the net ``name`` is while it trains (" epoch 12 of 40"), or what it waits for
        while the other net trains first (they share one worker); "" once it is in."""
        m = self.model
        if getattr(m.results, name) is not None or not m.jobs.busy(name):
            return ""
        done = m.jobs.progress(name)
        if done is None:
            return t("activations.queued") if m.jobs.progress("relu") and name == "maxout" else ""
        return t("activations.epoch_of", epoch=done[0], epochs=done[1])

    def _prepare_relu(self, r: Results) -> None:
        A, net = self.layout.areas, r.relu
        point = None if self.model.input_point is None else tuple(self.model.input_point)
        if self._stale("thinner", (id(net), point)):
            self.thinner, self.thinner_error = None, ""
            if net is not None:
                x = net.x[0] if point is None else np.array(point)
                try:
                    self.thinner = thinner_at(net, x)
                except Exception as exc:  # noqa: BLE001 - shown instead of the numbers
                    self.thinner_error = t("activations.thinner_error", reason=exc)
        if net is None:
            self.relu_drawing = None
            return
        th = self.thinner
        if self._stale("relu", (id(net), id(th), A["map"].size, A["net"].size)):
            self.pictures["map"] = render_map(net, th, A["map"].w)
            self.relu_drawing = render_net(net, th, A["net"].size, self.text)
            self.pictures["numbers"] = render_numbers(th, A["numbers"].size, self.text)

    # -- lessons ------------------------------------------------------------------------------
    def highlight_rects(self) -> dict[str, list[pygame.Rect]]:
        """The panels a lesson step can outline: the activation curves (the grid and its detail),
        ReLU's thinner network and the maxout pieces."""
        panels = self.layout.panels
        parts = {"curves": ("grid", "detail"), "thinner": ("relu",), "maxout": ("maxout",)}
        return {name: [pygame.Rect(panels[k]) for k in keys] for name, keys in parts.items()}

    # -- drawing (reads only) -----------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        L, text, r = self.layout, self.text, self.results
        self.draw_toolbar(screen, L.toolbar)
        titles = {
            "grid": t("activations.title_grid"),
            "detail": t("activations.title_selected", name=self.model.selected),
            "maxout": t("activations.title_maxout", k=self.model.pieces),
            "relu": t("activations.title_relu"),
        }
        notes = {
            "maxout": self._acc_note(r.maxout, r.maxout_error),
            "relu": self._acc_note(r.relu, r.relu_error),
        }
        for name, rect in L.panels.items():
            screen.fill(palette.PANEL, rect)
            pygame.draw.rect(screen, palette.PANEL_LINE, rect, lw(), border_radius=px(4))
            note = notes.get(name, "")
            note_w = (
                text.font(13, text.kind_for(note, "sans")).size(note)[0] + px(16) if note else 0
            )
            title = text.ellipsize(titles[name], 15, rect.w - px(20) - note_w, "bold")
            mid = rect.y + px(TITLE_H) // 2 + px(3)
            text.blit(screen, title, (rect.x + px(10), mid), 15, palette.TEXT, "bold", "midleft")
            if note:
                text.blit(
                    screen,
                    note,
                    (rect.right - px(10), mid),
                    13,
                    palette.TEXT_DIM,
                    anchor="midright",
                )
        if self.grid is not None:
            screen.blit(self.grid.surface, L.areas["grid"])
        if not self.model.curves:
            text.blit(
                screen,
                t("activations.no_plugin"),
                L.areas["grid"].topleft,
                13,
                palette.TEXT_DIM,
            )
        for name in ("detail", "maxout"):
            if name in self.pictures:
                screen.blit(self.pictures[name], L.areas[name])
        self._draw_relu(screen)
        label = CaptionLook(13, palette.TEXT_DIM)  # headers too; a value is WARN until trained
        value = CaptionLook(13, palette.TEXT if r.done else palette.WARN)
        self.draw_widgets(screen, self.controls.captions, {"label": label, "value": value})

    def _acc_note(self, net, error: str) -> str:
        if net is not None:
            acc = net.accuracy
            return (
                t("activations.trained")
                if acc is None
                else t("activations.val_accuracy", acc=f"{acc:.0%}")
            )
        return "" if error else (t("activations.training") if not self.results.done else "")

    def _draw_relu(self, screen: pygame.Surface) -> None:
        A, text, r = self.layout.areas, self.text, self.results
        if r.relu is None:
            message = r.relu_error or t(
                "activations.training_relu", units=relu_units()
            ) + self._how_far.get("relu", "")
            colour = palette.ERROR if r.relu_error else palette.TEXT_DIM
            width = A["net"].right - A["map"].x
            step = text.line_height(13)
            for k, row in enumerate(text.wrap(message, 13, width)[:4]):
                text.blit(screen, row, (A["map"].x, A["map"].y + px(4) + step * k), 13, colour)
            return
        screen.blit(self.pictures["map"], A["map"])
        hint = t("activations.map_hint")
        text.blit(
            screen,
            text.ellipsize(hint, 12, A["map"].w),
            (A["map"].x, A["map"].bottom + px(3)),
            12,
            palette.TEXT_DIM,
        )
        if self.relu_drawing is not None:
            screen.blit(self.relu_drawing.surface, A["net"])
        if self.thinner_error:
            text.blit(
                screen,
                text.ellipsize(self.thinner_error, 12, A["numbers"].w),
                A["numbers"].topleft,
                12,
                palette.ERROR,
            )
        elif "numbers" in self.pictures:
            screen.blit(self.pictures["numbers"], A["numbers"])


def relu_units() -> str:
    """The ReLU net's units per layer, input to output ("2, 6, 6, 2"): two inputs (the map is a
    plane), the configured hidden layers, two classes."""
    return ", ".join(map(str, (2, *[RELU_CONFIG.width] * RELU_CONFIG.depth, 2)))
