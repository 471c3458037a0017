"""The Dropout scene: a small net trained live with dropout, drawn in training mode (a new thinner
network every mini-batch) next to evaluation mode; the two scaling conventions with numbers; and
dropout as an ensemble (all 2^M thinned networks averaged vs the weight-scaled network, exact for a
linear net, close for a sigmoid one). The model (``model.py``) sends every computation to a worker
as a job; the scene only draws its newest answers."""

from __future__ import annotations

from dataclasses import dataclass

import pygame
import pygame_gui

from explorer.app.scenes.dropout.controls import DropoutControls
from explorer.app.scenes.dropout.ensemble_chart import render_ensemble
from explorer.app.scenes.dropout.model import DropoutModel, DropoutSetup
from explorer.app.scenes.dropout.scaling_table import render_scaling
from explorer.app.scenes.dropout.thinned_net_view import NetDrawing, render_net
from explorer.app.ui import palette
from explorer.app.ui.frame import MIN_SIZE, TAB_H, TOOLBAR_H
from explorer.app.ui.scene import Scene
from explorer.app.ui.text import Text
from explorer.app.ui.theme import load_theme
from explorer.app.ui.widget_events import widget_event
from explorer.training.dropout_numbers import ENSEMBLE_ACTIVATIONS

PAD, TITLE_H = 8, 26


@dataclass(frozen=True)
class DropoutLayout:
    size: tuple[int, int]
    toolbar: pygame.Rect
    panels: dict[str, pygame.Rect]  # "nets", "scaling", "ensemble": framed, titled panels
    areas: dict[str, pygame.Rect]  # what the pictures fill inside them


def compute_layout(size: tuple[int, int]) -> DropoutLayout:
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    toolbar = pygame.Rect(0, TAB_H, w, TOOLBAR_H)
    top = toolbar.bottom + PAD
    top_h = int((h - top - 2 * PAD) * 0.55)
    left_w = int((w - 3 * PAD) * 0.57)
    nets = pygame.Rect(PAD, top, left_w, top_h)
    scaling = pygame.Rect(nets.right + PAD, top, w - left_w - 3 * PAD, top_h)
    ensemble = pygame.Rect(PAD, nets.bottom + PAD, w - 2 * PAD, h - nets.bottom - 2 * PAD)

    def body(r: pygame.Rect) -> pygame.Rect:
        return pygame.Rect(r.x + 10, r.y + TITLE_H + 4, r.w - 20, r.h - TITLE_H - 12)

    nb = body(nets)
    half = (nb.w - 12) // 2
    pic_h = nb.h - 18 - 52
    eb = body(ensemble)
    ens_half = (eb.w - 24) // 2
    areas = {
        "train": pygame.Rect(nb.x, nb.y + 18, half, pic_h),
        "eval": pygame.Rect(nb.x + half + 12, nb.y + 18, half, pic_h),
        "dropped": pygame.Rect(nb.x, nb.bottom - 48, nb.w, 48),
        "scaling": body(scaling),
        "linear": pygame.Rect(eb.x, eb.y, ens_half, eb.h),
        "sigmoid": pygame.Rect(eb.x + ens_half + 24, eb.y, ens_half, eb.h),
    }
    panels = {"nets": nets, "scaling": scaling, "ensemble": ensemble}
    return DropoutLayout((w, h), toolbar, panels, areas)


class DropoutScene(Scene):
    def __init__(
        self,
        registry,
        size: tuple[int, int] = (1280, 720),
        backend: str = "thread",
        setup: DropoutSetup | None = None,
    ) -> None:
        super().__init__()
        self.registry = registry
        self.model = DropoutModel(registry, backend=backend, setup=setup)
        self.text = Text()
        self.layout = compute_layout(size)
        self.manager = pygame_gui.UIManager(
            self.layout.size, load_theme(), enable_live_theme_updates=False
        )
        # cached pictures
        self.pictures: dict[str, pygame.Surface] = {}
        self.drawings: dict[str, NetDrawing] = {}
        self._keys: dict[str, tuple] = {}
        self.controls = DropoutControls(self)
        self.prepare()

    # -- what the controls read and call (the model holds it) --------------------------------
    datasets = property(lambda self: self.model.datasets)
    dataset = property(lambda self: self.model.dataset)
    p = property(lambda self: self.model.p)
    shown_p = property(lambda self: self.model.shown_p)
    rate = property(lambda self: self.model.rate)
    playing = property(lambda self: self.model.playing)
    view = property(lambda self: self.model.view)
    unit = property(lambda self: self.model.unit)
    ensemble = property(lambda self: self.model.ensemble)
    ensemble_error = property(lambda self: self.model.ensemble_error)
    ensemble_ready = property(lambda self: self.model.ensemble_ready)
    batches = property(lambda self: self.model.batches)
    dropped_pairs = property(lambda self: self.model.dropped_pairs)
    total_pairs = property(lambda self: self.model.total_pairs)
    message = property(lambda self: self.model.message)

    def toggle_play(self) -> None:
        self.model.toggle_play()

    def next_batch(self) -> None:
        self.model.next_batch()

    def reset(self) -> None:
        self.model.reset()

    def set_rate(self, rate: float) -> None:
        self.model.set_rate(rate)

    def choose_p(self, p: float) -> None:
        self.model.choose_p(p)

    def choose_dataset(self, name: str) -> None:
        self.model.choose_dataset(name)

    def select_unit(self, unit: int) -> None:
        self.model.select_unit(unit)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until the live net and the ensemble for the current settings are in."""
        self.model.wait(timeout)
        self.prepare()

    def close(self) -> None:
        self.model.close()

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
        if key == pygame.K_SPACE:
            self.toggle_play()
        elif key == pygame.K_RIGHT:
            self.next_batch()
        elif key == pygame.K_r:
            self.reset()
        else:
            return False
        return True

    def _click(self, pos) -> bool:
        """A click on a unit of hidden layer 2 (either drawing) picks the unit of panel 2."""
        for name in ("train", "eval"):
            drawing, area = self.drawings.get(name), self.layout.areas[name]
            if drawing is None or len(drawing.centres) < 3:
                continue
            for u, (cx, cy) in enumerate(drawing.centres[2]):
                if (pos[0] - area.x - cx) ** 2 + (pos[1] - area.y - cy) ** 2 <= (
                    drawing.radius + 5
                ) ** 2:
                    self.select_unit(u)
                    return True
        return False

    # -- time ---------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self.manager.update(dt)
        self.model.update(dt)

    def resize(self, size: tuple[int, int]) -> None:
        self.layout = compute_layout(size)
        self.manager.set_window_resolution(self.layout.size)
        self.controls.build()
        self._keys.clear()

    def prepare(self) -> None:
        self.controls.sync()
        v, A = self.view, self.layout.areas
        if v is None:
            return
        for name in ("train", "eval"):
            key = (id(v), A[name].size)
            if self._keys.get(name) != key:
                self._keys[name] = key
                self.drawings[name] = render_net(v, A[name].size, self.text, name == "train",
                                                 v.scaling.unit)  # fmt: skip
        key = (id(v.scaling), A["scaling"].size)
        if self._keys.get("scaling") != key:
            self._keys["scaling"] = key
            self.pictures["scaling"] = render_scaling(v.scaling, v.x, A["scaling"].size, self.text)
        ready, nets, error = self.ensemble_ready, self.ensemble, self.ensemble_error
        for name in ENSEMBLE_ACTIVATIONS:
            key = (ready, id(nets.get(name)), error, A[name].size)
            if self._keys.get(name) != key:
                self._keys[name] = key
                status = error or f"computing the {name} net's thinned networks…"
                self.pictures[name] = render_ensemble(nets.get(name), status, A[name].size,
                                                      self.text)  # fmt: skip

    # -- drawing (reads only) -----------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        L, text = self.layout, self.text
        screen.fill(palette.BACKGROUND)
        screen.fill(palette.PANEL, L.toolbar)
        pygame.draw.line(screen, palette.PANEL_LINE, L.toolbar.bottomleft, L.toolbar.bottomright)
        titles = {
            "nets": "1 · Training mode vs evaluation mode",
            "scaling": "2 · Two scaling conventions, one expectation",
            "ensemble": "3 · Dropout as an ensemble: the average of all thinned networks vs "
            "the weight-scaled network",
        }
        for name, rect in L.panels.items():
            screen.fill(palette.PANEL, rect)
            pygame.draw.rect(screen, palette.PANEL_LINE, rect, 1, border_radius=4)
            title = text.ellipsize(titles[name], 15, rect.w - 20, "bold")
            text.blit(screen, title, (rect.x + 10, rect.y + 6), 15, palette.TEXT, "bold")
        self._draw_nets(screen)
        for name in ("scaling", *ENSEMBLE_ACTIVATIONS):
            if name in self.pictures:
                screen.blit(self.pictures[name], L.areas[name])
        for slot in self.controls.captions:
            size, colour, kind = (13, palette.TEXT, "mono") if slot.style == "value" else (
                13, palette.TEXT_DIM, "sans")  # fmt: skip
            text.blit(screen, text.ellipsize(slot.text, size, slot.rect.w, kind),
                      (slot.rect.x, slot.rect.y + 2), size, colour, kind)  # fmt: skip
        self.manager.draw_ui(screen)

    def _draw_nets(self, screen: pygame.Surface) -> None:
        L, text, v = self.layout, self.text, self.view
        nets = L.panels["nets"]
        if v is not None:
            status = f"mini-batch {v.step}"
            if v.val_acc is not None:
                status += f"  ·  val acc {v.val_acc:.0%}"
            status += "  ·  playing" if self.playing else "  ·  paused"
            text.blit(screen, status, (nets.right - 10, nets.y + 8), 13, palette.TEXT_DIM,
                      anchor="topright")  # fmt: skip
        for name, label in (
            ("train", "training: this mini-batch's thinned net"),
            ("eval", "evaluation: every unit, nothing scaled"),
        ):
            area = L.areas[name]
            text.blit(screen, text.ellipsize(label, 13, area.w), (area.x, area.y - 18), 13,
                      palette.TEXT)  # fmt: skip
            drawing = self.drawings.get(name)
            if drawing is not None:
                screen.blit(drawing.surface, area)
        rect = L.areas["dropped"]
        if self.message:
            text.blit(screen, text.ellipsize(self.message, 13, rect.w), rect.topleft, 13,
                      palette.ERROR)  # fmt: skip
            return
        if v is None or v.batch_dropped is None:
            return
        mean = self.dropped_pairs / self.total_pairs if self.total_pairs else 0.0
        line1 = (
            f"dropped in this mini-batch: {v.batch_dropped:.1%}  ·  over {self.batches} "
            f"mini-batch{'es' if self.batches != 1 else ''}: {mean:.1%}  ·  p = {v.p:.0%}"
        )
        line2 = (
            f"(of {v.batch_pairs} sample-unit pairs). Drawn: sample 1's mask. Grey units are "
            "dropped, with their links; kept units pass their output on ×1/(1−p). Click a unit "
            "of hidden layer 2 to follow it in panel 2."
        )
        text.blit(screen, text.ellipsize(line1, 13, rect.w), rect.topleft, 13, palette.TEXT)
        for k, line in enumerate(text.wrap(line2, 12, rect.w)[:2]):
            text.blit(screen, line, (rect.x, rect.y + 19 + 15 * k), 12, palette.TEXT_DIM)
