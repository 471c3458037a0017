"""The Dropout scene: a small net trained live with dropout, drawn in training mode (a new thinner
network every mini-batch) next to evaluation mode; the two scaling conventions with numbers; and
dropout as an ensemble (all 2^M thinned networks averaged vs the weight-scaled network, exact for a
linear net, close for a sigmoid one). The model (``model.py``) sends every computation to a worker
as a job; the scene only draws its newest answers."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from explorer.app.scenes.dropout.controls import DropoutControls
from explorer.app.scenes.dropout.ensemble_chart import render_ensemble
from explorer.app.scenes.dropout.help import help_sheet
from explorer.app.scenes.dropout.model import DropoutModel
from explorer.app.scenes.dropout.scaling_table import render_scaling
from explorer.app.scenes.dropout.thinned_net_view import ThinnedNetPicture, render_net
from explorer.app.ui import palette
from explorer.app.ui.frame import MIN_SIZE, tab_h, toolbar_h
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.scene import ModelScene
from explorer.app.ui.text_slot import CaptionLook
from explorer.app.ui.widget_events import widget_event
from explorer.training.dropout_numbers import ENSEMBLE_ACTIVATIONS

PAD, TITLE_H = 8, 26  # at UI scale 1
# the panel's captions: values bright, every other caption (its headers too) a dim label
CAPTION_LOOKS = {
    "value": CaptionLook(13, palette.TEXT, "mono"),
    "label": CaptionLook(13, palette.TEXT_DIM),
}


@dataclass(frozen=True)
class DropoutLayout:
    size: tuple[int, int]
    toolbar: pygame.Rect
    panels: dict[str, pygame.Rect]  # "nets", "scaling", "ensemble": framed, titled panels
    areas: dict[str, pygame.Rect]  # what the pictures fill inside them


def compute_layout(size: tuple[int, int]) -> DropoutLayout:
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    pad, title_h = px(PAD), px(TITLE_H)
    toolbar = pygame.Rect(0, tab_h(), w, toolbar_h())
    top = toolbar.bottom + pad
    top_h = int((h - top - 2 * pad) * 0.55)
    left_w = int((w - 3 * pad) * 0.57)
    nets = pygame.Rect(pad, top, left_w, top_h)
    scaling = pygame.Rect(nets.right + pad, top, w - left_w - 3 * pad, top_h)
    ensemble = pygame.Rect(pad, nets.bottom + pad, w - 2 * pad, h - nets.bottom - 2 * pad)

    def body(r: pygame.Rect) -> pygame.Rect:
        return pygame.Rect(
            r.x + px(10), r.y + title_h + px(4), r.w - px(20), r.h - title_h - px(12)
        )

    nb = body(nets)
    half = (nb.w - px(12)) // 2
    label_h, dropped_h = px(18), px(48)
    pic_h = nb.h - label_h - dropped_h - px(4)
    eb = body(ensemble)
    ens_half = (eb.w - px(24)) // 2
    areas = {
        "train": pygame.Rect(nb.x, nb.y + label_h, half, pic_h),
        "eval": pygame.Rect(nb.x + half + px(12), nb.y + label_h, half, pic_h),
        "dropped": pygame.Rect(nb.x, nb.bottom - dropped_h, nb.w, dropped_h),
        "scaling": body(scaling),
        "linear": pygame.Rect(eb.x, eb.y, ens_half, eb.h),
        "sigmoid": pygame.Rect(eb.x + ens_half + px(24), eb.y, ens_half, eb.h),
    }
    panels = {"nets": nets, "scaling": scaling, "ensemble": ensemble}
    return DropoutLayout((w, h), toolbar, panels, areas)


class DropoutScene(ModelScene):
    def __init__(self, model: DropoutModel, size: tuple[int, int] = (1280, 720)) -> None:
        self.layout = compute_layout(size)
        super().__init__(model, self.layout.size)
        # cached pictures
        self.pictures: dict[str, pygame.Surface] = {}
        self.drawings: dict[str, ThinnedNetPicture] = {}
        self._keys: dict[str, tuple] = {}
        self.controls = DropoutControls(self)
        self.prepare()

    # -- what the controls call (they read the model itself) ---------------------------------
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

    def help_sheet(self):
        return help_sheet(self)

    def idle(self) -> bool:
        """Paused, no new p waiting to apply, and the ensemble computed."""
        m = self.model
        return not m.playing and m._pending_p is None and m.ensemble_ready

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
        if self.controls.text_focused():
            return False  # typing a value: keys are not shortcuts
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
        self.renew_manager(self.layout.size)
        self.controls.build()
        self._keys.clear()

    _waits: dict[str, tuple[object, float]] = {}  # panel → (what it waits for, clock it began)

    def waited(self, panel: str, what: object) -> str:
        """Seconds ``panel`` has waited for ``what`` (None: it waits for nothing), as words;
        noted in ``prepare`` so that ``draw`` changes nothing."""
        m = self.model
        began = self._waits.get(panel)
        if what is None:
            self._waits.pop(panel, None)
            return ""
        if began is None or began[0] != what:
            self._waits[panel] = began = (what, m.clock)
        return t("dropout.waited", seconds=f"{max(0.0, m.clock - began[1]):.0f}")

    def live_waiting(self) -> str:
        """What panels 1 and 2 say while the live net has not answered yet ("" once it has)."""
        m = self.model
        restarting = (m._restart_due or m._sent_restart) and not m.live_ready
        if m.message or (m.view is not None and not restarting):
            return ""  # a new net's first mini-batch on the way: the old net is not shown
        return t("dropout.waiting_live", dataset=m.dataset, p=f"{m.p:.0%}")

    def prepare(self) -> None:
        self.controls.sync()
        self._waits = dict(self._waits)  # the class's empty dict is not this scene's
        v, A = self.model.view, self.layout.areas
        waiting = self.live_waiting()
        seconds = self.waited("live", (self.model.dataset, self.model.p) if waiting else None)
        self._live_text = waiting + seconds if waiting else ""
        self._prepare_ensemble(A)
        if v is None:
            return
        for name in ("train", "eval"):
            key = (id(v), A[name].size)
            if self._keys.get(name) != key:
                self._keys[name] = key
                self.drawings[name] = render_net(
                    v, A[name].size, self.text, name == "train", v.scaling.unit
                )
        key = (id(v.scaling), A["scaling"].size)
        if self._keys.get("scaling") != key:
            self._keys["scaling"] = key
            self.pictures["scaling"] = render_scaling(v.scaling, v.x, A["scaling"].size, self.text)

    def _prepare_ensemble(self, A) -> None:
        m = self.model
        ready, nets, error = m.ensemble_ready, m.ensemble, m.ensemble_error
        busy = not ready and not error
        seconds = self.waited("ensemble", m._ensemble_job if busy else None)
        done = m.jobs.progress("ensemble") if busy else None
        for k, name in enumerate(ENSEMBLE_ACTIVATIONS):
            how_far = ""
            if done is not None:  # the nets train in turn: this one's epochs of its share
                each = done[1] // len(ENSEMBLE_ACTIVATIONS)
                epoch = min(max(done[0] - k * each, 0), each)
                how_far = t("dropout.epoch_of", epoch=epoch, epochs=each)
            key = (ready, id(nets.get(name)), error, A[name].size, seconds, how_far)
            if self._keys.get(name) != key:
                self._keys[name] = key
                status = error or t("dropout.computing", name=name) + how_far + seconds
                self.pictures[name] = render_ensemble(
                    nets.get(name), status, A[name].size, self.text, error=bool(error)
                )

    # -- lessons ------------------------------------------------------------------------------
    def highlight_rects(self) -> dict[str, pygame.Rect]:
        """The panels a lesson step can outline: the thinned nets (1), the scaling table (2),
        the ensemble's verdict (3)."""
        panels = self.layout.panels
        parts = {"thinned": "nets", "scaling": "scaling", "ensemble": "ensemble"}
        return {name: pygame.Rect(panels[key]) for name, key in parts.items()}

    # -- drawing (reads only) -----------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        L, text = self.layout, self.text
        self.draw_toolbar(screen, L.toolbar)
        titles = {
            "nets": t("dropout.title_nets"),
            "scaling": t("dropout.title_scaling"),
            "ensemble": t("dropout.title_ensemble"),
        }
        for name, rect in L.panels.items():
            screen.fill(palette.PANEL, rect)
            pygame.draw.rect(screen, palette.PANEL_LINE, rect, lw(), border_radius=px(4))
            room = rect.w - px(20)
            if name == "nets":  # the status sits at the right of this title
                status = self._nets_status()
                room -= text.font(13, text.kind_for(status, "sans")).size(status)[0] + px(16)
            title = text.ellipsize(titles[name], 15, room, "bold")
            mid = rect.y + px(TITLE_H) // 2 + px(3)
            text.blit(screen, title, (rect.x + px(10), mid), 15, palette.TEXT, "bold", "midleft")
        self._draw_nets(screen)
        for name in ("scaling", *ENSEMBLE_ACTIVATIONS):
            if name == "scaling" and self._live_text:  # no picture yet, or the previous net's
                self._draw_waiting(screen, L.areas[name], self._live_text)
            elif name in self.pictures:
                screen.blit(self.pictures[name], L.areas[name])
        self.draw_widgets(screen, self.controls.captions, CAPTION_LOOKS)

    def _draw_nets(self, screen: pygame.Surface) -> None:
        L, text, v = self.layout, self.text, self.model.view
        nets = L.panels["nets"]
        if v is not None and not self._live_text:
            mid = nets.y + px(TITLE_H) // 2 + px(3)
            text.blit(
                screen,
                self._nets_status(),
                (nets.right - px(10), mid),
                13,
                palette.TEXT_DIM,
                anchor="midright",
            )
        for name, label in (
            ("train", t("dropout.label_train")),
            ("eval", t("dropout.label_eval")),
        ):
            area = L.areas[name]
            text.blit(
                screen,
                text.ellipsize(label, 13, area.w),
                (area.x, area.y - px(2)),
                13,
                palette.TEXT,
                anchor="bottomleft",
            )
            drawing = self.drawings.get(name)
            if self._live_text and name == "train":  # one sentence over both drawings
                both = area.union(L.areas["eval"])
                self._draw_waiting(screen, both, self._live_text)
            elif drawing is not None and not self._live_text:
                screen.blit(drawing.surface, area)
        rect = L.areas["dropped"]
        if self.model.message:
            text.blit(
                screen,
                text.ellipsize(self.model.message, 13, rect.w),
                rect.topleft,
                13,
                palette.ERROR,
            )
            return
        if v is None or v.batch_dropped is None or self._live_text:
            return
        mean = self.model.dropped_pairs / self.model.total_pairs if self.model.total_pairs else 0.0
        line1 = t(
            "dropout.dropped_line_one" if self.model.batches == 1 else "dropout.dropped_line",
            share=f"{v.batch_dropped:.1%}",
            batches=self.model.batches,
            mean=f"{mean:.1%}",
            p=f"{v.p:.0%}",
        )
        line2 = t("dropout.dropped_note", pairs=v.batch_pairs)
        text.blit(screen, text.ellipsize(line1, 13, rect.w), rect.topleft, 13, palette.TEXT)
        step = text.line_height(12)
        rows = text.wrap(line2, 12, rect.w)[:2]
        if len(text.wrap(line2, 12, rect.w)) > 2:
            rows[-1] = text.ellipsize(rows[-1] + " …", 12, rect.w)
        for k, line in enumerate(rows):
            text.blit(
                screen,
                line,
                (rect.x, rect.y + text.line_height(13) + step * k),
                12,
                palette.TEXT_DIM,
            )

    def _draw_waiting(self, screen: pygame.Surface, rect: pygame.Rect, words: str) -> None:
        """A panel that waits for its first answer says what it waits for, mid-panel."""
        text, size = self.text, 14
        lines = text.wrap(words, size, rect.w - px(20))[:4]
        step = text.line_height(size)
        y = rect.centery - step * len(lines) // 2
        for k, line in enumerate(lines):
            at = (rect.centerx, y + step * k)
            text.blit(screen, line, at, size, palette.TEXT_DIM, anchor="midtop")

    _live_text = ""  # what panels 1 and 2 wait for and for how long ("" once it is in)

    def _nets_status(self) -> str:
        v = self.model.view
        if v is None:
            return ""
        status = t("dropout.status_batch", step=v.step)
        if v.val_acc is not None:
            status += t("dropout.status_val", acc=f"{v.val_acc:.0%}")
        return status + t(
            "dropout.status_playing" if self.model.playing else "dropout.status_paused"
        )
