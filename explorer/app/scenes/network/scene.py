"""The Network lab: a real PyTorch net (or two, side by side) training live, drawn as it learns.

Training runs in a worker (a process in the app); the scene only reads its newest snapshot each
frame and redraws the pictures that changed, one picture per frame at most, so the frame time
stays flat however fast the net trains.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass

import pygame

from explorer.app.scenes.network import maps_view, per_layer, plane_view
from explorer.app.scenes.network.controls import NetworkControls
from explorer.app.scenes.network.data_panel import DataPanel
from explorer.app.scenes.network.function_picture import render_function
from explorer.app.scenes.network.gradient_bars import render_gradient_bars, shared_range
from explorer.app.scenes.network.help import help_sheet
from explorer.app.scenes.network.hessian_view import render_hessian
from explorer.app.scenes.network.maps_view import big_maps_columns
from explorer.app.scenes.network.message_text import message_text
from explorer.app.scenes.network.model import NetworkModel
from explorer.app.scenes.network.network_view import NetPicture, render_network
from explorer.app.scenes.network.neuron_card import draw_card, unit_under
from explorer.app.scenes.network.neuron_pictures import NeuronTiles
from explorer.app.scenes.network.plane_lab import PlaneLab
from explorer.app.scenes.network.side_message import draw_side_message
from explorer.app.scenes.network.training_curves import render_curves
from explorer.app.scenes.network.weight_histograms import render_weight_histograms
from explorer.app.ui import palette
from explorer.app.ui.frame import MIN_SIZE, tab_h, toolbar_h
from explorer.app.ui.handoff import SliceHandoff
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.scene import ModelScene
from explorer.app.ui.widget_events import widget_event

PANELS = ("net", "grads", "curves", "function")
# what the bottom-left chart shows (its title, clicked, or w switches; c asks for the Hessian)
CHARTS = ("gradients", "weights", "hessian")


@dataclass(frozen=True)
class NetLayout:
    size: tuple[int, int]
    toolbar: pygame.Rect
    side: pygame.Rect
    main: pygame.Rect
    columns: tuple[dict[str, pygame.Rect], ...]  # per net: title, net, grads, curves, function


def compute_layout(size: tuple[int, int], nets: int, big_maps: bool = False) -> NetLayout:
    """Where each panel goes. ``big_maps`` (N, or the words over the net): the network takes
    the main area's height so its units' maps are drawn at their full size (48 px for a 4 × 8
    net at 1280 × 720); one net has its other panels in a column beside it, two nets have
    theirs shorter below."""
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    side_w = max(px(360), min(px(420), int(w * 0.3)))
    toolbar = pygame.Rect(0, tab_h(), w, toolbar_h())
    top = toolbar.bottom
    side = pygame.Rect(w - side_w, top, side_w, h - top)
    main = pygame.Rect(0, top, w - side_w, h - top)
    if big_maps:
        return NetLayout((w, h), toolbar, side, main, big_maps_columns(main, nets))
    columns = []
    m4, m6, m8 = px(4), px(6), px(8)
    title_h = px(20)
    if nets == 1:
        title = pygame.Rect(main.x + m8, main.y + m4, main.w - 2 * m8, title_h)
        net_h = int((main.h - title_h - m4) * 0.54)
        net = pygame.Rect(main.x + m8, title.bottom, main.w - 2 * m8, net_h)
        row_y = net.bottom + m6
        row_h = main.bottom - row_y - m8
        fn_w = min(row_h, int(main.w * 0.3))
        grads_w = int((main.w - 2 * m8 - fn_w - 2 * m6) * 0.45)
        grads = pygame.Rect(main.x + m8, row_y, grads_w, row_h)
        curves_w = main.w - 2 * m8 - fn_w - 2 * m6 - grads_w
        curves = pygame.Rect(grads.right + m6, row_y, curves_w, row_h)
        function = pygame.Rect(curves.right + m6, row_y, fn_w, row_h)
        columns.append(
            {"title": title, "net": net, "grads": grads, "curves": curves, "function": function}
        )
    else:
        col_w = (main.w - 3 * m8) // 2
        for k in range(2):
            x = main.x + m8 + k * (col_w + m8)
            title = pygame.Rect(x, main.y + m4, col_w, title_h)
            net_h = int((main.h - title_h - m4) * 0.40)
            net = pygame.Rect(x, title.bottom, col_w, net_h)
            mid_h = int((main.h - title_h - m4) * 0.30)
            grads = pygame.Rect(x, net.bottom + m6, col_w - mid_h - m6, mid_h)
            function = pygame.Rect(grads.right + m6, net.bottom + m6, mid_h, mid_h)
            curves = pygame.Rect(x, grads.bottom + m6, col_w, main.bottom - grads.bottom - m6 - m8)
            columns.append(
                {"title": title, "net": net, "grads": grads, "curves": curves, "function": function}
            )
    return NetLayout((w, h), toolbar, side, main, tuple(columns))


def in_pieces(model: NetworkModel, size: tuple[int, int]) -> Generator[None, None, NetworkScene]:
    """The scene ``NetworkScene(model, size)`` is, built a piece at a time (a lesson's next
    scene, between the frames of the step before): its manager, then its widgets."""
    scene = NetworkScene(model, size, build=False)  # (no widget yet)
    yield
    yield from scene.controls.build_pieces()
    return scene


class NetworkScene(ModelScene):
    def __init__(self, model: NetworkModel, size: tuple[int, int], build: bool = True) -> None:
        self.layout = compute_layout(size, len(model.configs()), model.big_maps)
        super().__init__(model, self.layout.size)
        self.pictures: dict[tuple[int, str], pygame.Surface] = {}
        self.nets: dict[int, NetPicture] = {}
        self.tiles: dict[int, NeuronTiles] = {}  # per net: its units' maps, made once a snapshot
        self.hover: tuple[int, int, int] | None = None  # (net, hidden layer, unit) under the mouse
        self._card: tuple[tuple, pygame.Surface | None] = ((), None)
        self._keys: dict[tuple[int, str], tuple] = {}
        self._layout_key = (self.layout.size, len(model.configs()), self.big_maps)
        self._next = 0
        self._status = ""
        self._rate = (0.0, 0, 0.0)  # (time, step, steps per second)
        self.chart = "gradients"  # the bottom-left chart: one of CHARTS
        self.data_panel = DataPanel(self)  # your own points, over the nets (d)
        self.planes = PlaneLab(model)  # "Optimizers on one plane", "Between two minima"
        self.controls = NetworkControls(self, build)
        self.controls_hidden = False  # a lesson's presenter hides them (synced when shown)

    @property
    def big_maps(self) -> bool:
        """The view for the units' maps (maps_view): N, the words over the net, or a setup's
        ``big_maps`` (a lesson step's): the model keeps it with the rest of the setup."""
        return self.model.big_maps

    # -- actions ------------------------------------------------------------------------------
    def help_sheet(self):
        return help_sheet(self)

    def idle(self) -> bool:
        """Paused, and every net has done what it was told (its last snapshot is in)."""
        return not self.model.playing and self.model.settled()

    def show_chart(self, chart: str | None = None) -> None:
        """Show ``chart`` in the bottom-left panel; None: the next one (the Hessian only once
        it was asked for)."""
        if chart is None:
            have = any(s.hessian for s in self.model.snapshots) or self.model.hessian_busy()
            charts = CHARTS if have else CHARTS[:2]
            chart = (
                charts[(charts.index(self.chart) + 1) % len(charts)]
                if self.chart in charts
                else charts[0]
            )
        self.chart = chart
        maps_view.chart_asked(self)

    def hessian_here(self) -> None:
        """Pause, ask for the Hessian at these weights, and show it."""
        self.model.ask_hessian()
        self.chart = "hessian"
        maps_view.chart_asked(self)

    def chart_title_rects(self) -> list[pygame.Rect]:
        """The bottom-left chart's title strip, per net: a click there switches the chart."""
        strip = px(5) + self.text.line_height(13)
        return [
            pygame.Rect(c["grads"].x, c["grads"].y, c["grads"].w, strip)
            for c in self.layout.columns
        ]

    def toggle_side_by_side(self) -> None:
        m = self.model
        m.set_side_by_side(not m.side_by_side)

    # -- events -------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if widget_event(self.manager, self.controls.handle, event):
            return True
        if plane_view.handle(self, event):  # its picture lies over the nets
            return True
        if self.data_panel.handle_event(event):
            return True
        if event.type == pygame.KEYDOWN:
            return self._key(event)
        if per_layer.covers(self.controls, event):  # its panel lies over the nets
            self.hover = None
            return True
        on_title = (
            event.type == pygame.MOUSEBUTTONDOWN
            and event.button == 1
            and any(r.collidepoint(event.pos) for r in self.chart_title_rects())
        )
        if on_title:
            self.show_chart()
        switch = maps_view.switch_rect(self)
        if event.type == pygame.MOUSEBUTTONDOWN and switch and switch.collidepoint(event.pos):
            maps_view.toggle(self)
            return True
        if event.type == pygame.MOUSEMOTION:
            self.hover = unit_under(self, event.pos)
        return on_title

    def _key(self, event) -> bool:
        if self.controls.text_focused():
            return False  # typing a value: keys are not shortcuts
        m, key = self.model, event.key
        if key == pygame.K_SPACE:
            m.toggle_play()
        elif key == pygame.K_RIGHT:
            m.step(1)
        elif key == pygame.K_e:
            m.step(max((s.steps_per_epoch for s in m.snapshots), default=1) or 1)
        elif key == pygame.K_r:
            m.reset()
        elif key == pygame.K_s:
            self.toggle_side_by_side()
        elif key == pygame.K_b:
            m.set(batch_norm=not m.config.batch_norm)
        elif key == pygame.K_w:
            self.show_chart("gradients" if self.chart == "weights" else "weights")
        elif key == pygame.K_c:
            self.hessian_here()
        elif key == pygame.K_l:
            m.toggle_sharpness()
        elif key == pygame.K_d:
            self.data_panel.toggle()
        elif key == pygame.K_n:
            maps_view.toggle(self)
        else:
            return False
        return True

    # -- time ---------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self.manager.update(dt)
        self.controls.apply_pending()
        self.model.update(dt)
        plane_view.update(self)
        self._clock += dt  # how long a net has been built is said in seconds
        if self.model.hessian_busy():  # asked here, by a key or by a lesson: its answer shows
            self.chart = "hessian"
        if self.model.landscape_pending:
            self._open_landscape()

    def update_hidden(self, dt: float) -> None:
        """Behind another tab the run goes on as it would here (a set speed, or two nets in
        lockstep, get their steps from ``update``), so the Landscape's path keeps growing."""
        self.model.update(dt)

    # -- "Landscape of this net" -----------------------------------------------------------------
    def landscape_of_this_net(self) -> None:
        """Save net A's path so far (in its worker); once written, the Landscape opens on the
        plane through its weights, with the path drawn and extended as it trains."""
        self.model.save_landscape()

    def _open_landscape(self) -> None:
        ready = self.model.landscape_ready()
        if not ready or not ready[0] or self.app is None:
            return  # still writing, or the reason is the lab's message
        surface, file = ready
        model = self.model
        why = self.app.open_scene("landscape", SliceHandoff(surface, lambda: model.path_on(file)))
        if why:
            model.notify(why, "error")

    def close(self) -> None:
        self.planes.close()
        super().close()

    def resize(self, size: tuple[int, int]) -> None:
        self.layout = compute_layout(size, len(self.model.configs()), self.big_maps)
        self._layout_key = (self.layout.size, len(self.model.configs()), self.big_maps)
        self.renew_manager(self.layout.size)
        self.controls.build()
        self._keys.clear()

    def wait_ready(self, timeout: float = 60.0) -> None:
        self.controls.flush()
        self.model.wait(timeout)
        self._keys.clear()
        self.prepare(all_panels=True)

    def prepare(self, all_panels: bool = False) -> None:
        m = self.model
        nets = len(m.configs())
        if (self.layout.size, nets, self.big_maps) != self._layout_key:
            # one net or two, big maps or not: only the main area changes; the widgets stay
            self.layout = compute_layout(self.layout.size, nets, self.big_maps)
            self._layout_key = (self.layout.size, nets, self.big_maps)
            self._keys.clear()
        if not self.controls_hidden:  # hidden: rebuilt when shown, not on a lesson's →
            self.controls.sync()
        stale = []
        for i, snap in enumerate(m.snapshots[:nets]):
            cols = self.layout.columns[i]
            for name in PANELS:
                rect = cols[name]
                if not rect.w:
                    continue  # a panel the layout leaves out (big maps, two nets)
                key = (m.version, snap.run, snap.step, snap.state, len(snap.epochs), rect.size)
                if name == "function":
                    key = (id(snap.function), rect.size, m.version, px(100))
                elif name == "grads":
                    key = (*key, self._grad_range(), px(100), self.chart, self._hessian_key(snap))
                elif name == "net":
                    key = (*key, px(100), self._building_text(i, snap))
                else:
                    key = (*key, px(100))  # a new UI scale redraws every picture
                if self._keys.get((i, name)) != key:
                    stale.append((i, name, key))
        if not all_panels and stale:
            # one picture per frame, taking turns, so no frame pays for all of them
            stale.sort(key=lambda s: (PANELS.index(s[1]) - self._next) % len(PANELS))
            stale = stale[:1]
            if stale[0][1] == "net" and maps_view.maps_first(self, stale[0][0]):
                stale = []  # this frame made the units' maps: the net is drawn with them next
            else:
                self._next = (PANELS.index(stale[0][1]) + 1) % len(PANELS)
        for i, name, key in stale:
            self._render(i, name)
            self._keys[(i, name)] = key
        self._update_status()

    _clock = 0.0  # seconds of frames this scene has had
    _building: dict[int, str] = {}  # net → what its panel says while its worker builds it
    _build_began: dict[tuple[int, int], float] = {}  # (net, run) → the clock it began

    def _building_text(self, i: int, snap) -> str:
        """What net ``i``'s panel says while its worker starts and builds it: which net, on
        which data, for how long ("" once it is built, or when it failed)."""
        self._building, self._build_began = dict(self._building), dict(self._build_began)
        if snap.sizes or snap.state == "error":
            self._building.pop(i, None)
            return ""
        c = self.model.configs()[i]
        began = self._build_began.setdefault((i, snap.run), self._clock)
        words = t(
            "network.building_what",
            depth=c.depth,
            width=c.width,
            activation=c.activation,
            dataset=c.dataset,
            seconds=f"{max(0.0, self._clock - began):.0f}",
        )
        self._building[i] = words
        return words

    def _render(self, i: int, name: str) -> None:
        snap = self.model.snapshots[i]
        size = self.layout.columns[i][name].size
        if name == "net":
            tiles = self.tiles.setdefault(i, NeuronTiles())
            picture = render_network(snap, size, self.text, self._building.get(i, ""), tiles)
            self.nets[i] = picture
            self.pictures[(i, name)] = picture.surface
        elif name == "grads" and self.chart == "weights":
            self.pictures[(i, name)] = render_weight_histograms(snap, size, self.text)
        elif name == "grads" and self.chart == "hessian":
            self.pictures[(i, name)] = render_hessian(
                snap, size, self.text, self.model.hessian_busy(), self._hessian_seconds()
            )
        elif name == "grads":
            self.pictures[(i, name)] = render_gradient_bars(
                snap, size, self.text, self._grad_range()
            )
        elif name == "curves":
            self.pictures[(i, name)] = render_curves(snap, size, self.text)
        else:
            self.pictures[(i, name)] = render_function(snap.function, size, self.text)

    def _hessian_key(self, snap) -> tuple:
        if self.chart != "hessian":
            return ()
        return (repr(snap.hessian), self.model.hessian_busy(), self._hessian_seconds())

    _hessian_began: float | None = None  # the clock when "Hessian here" was last asked

    def _hessian_seconds(self) -> str:
        """How long the Hessian asked for has been computed, in words ("" when none is)."""
        if not self.model.hessian_busy():
            self._hessian_began = None
            return ""
        if self._hessian_began is None:
            self._hessian_began = self._clock
        return t("network.hessian_for", seconds=f"{self._clock - self._hessian_began:.0f}")

    def _grad_range(self) -> tuple[int, int] | None:
        """Side by side, one y-axis for both gradient charts."""
        snaps = self.model.snapshots[: len(self.layout.columns)]
        return shared_range(snaps) if len(snaps) > 1 else None

    def _update_status(self) -> None:
        m = self.model
        if not m.snapshots:
            return
        snap, step = m.snapshots[0], m.step_count()  # side by side: one counter for both
        now = time.perf_counter()
        t0, step0, rate = self._rate
        if now - t0 >= 0.5:
            rate = (step - step0) / (now - t0) if step >= step0 and t0 else 0.0
            self._rate = (now, step, max(rate, 0.0))
        epochs = int(snap.config.get("epochs") or 0)
        epoch = min(s.epoch for s in m.snapshots)
        bits = [
            t("network.status_epoch", epoch=epoch, epochs=epochs),
            t("network.status_step", step=step),
        ]
        if m.playing and self._rate[2] > 0:
            bits.append(t("network.status_rate", rate=f"{self._rate[2]:.0f}"))
        bits.append(t("network.status_device", device=m.device()))
        self._status = "  ·  ".join(bits)

    # -- drawing (reads only) -----------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        L, m, text = self.layout, self.model, self.text
        self.draw_toolbar(screen, L.toolbar)
        screen.fill(palette.PANEL, L.side)
        pygame.draw.line(screen, palette.PANEL_LINE, L.side.topleft, L.side.bottomleft, lw())
        labels = m.labels()
        switch_x = maps_view.draw_switch(self, screen)
        for i, cols in enumerate(L.columns):
            if i >= len(m.snapshots):
                break
            snap = m.snapshots[i]
            right = switch_x if i == 0 else cols["title"].right
            self._draw_title(screen, cols["title"], labels[i], snap, right)
            for name in PANELS:
                picture = self.pictures.get((i, name))
                if picture is not None:
                    screen.blit(picture, cols[name], area=pygame.Rect((0, 0), cols[name].size))
            if cols["grads"].w:
                self._draw_chart_switch(screen, cols["grads"])
        if plane_view.covering(self):
            plane_view.draw(self, screen)
        sr = self.controls.status_rect
        text.blit(
            screen,
            text.ellipsize(self._status, 14, sr.w),
            (sr.x, sr.centery),
            14,
            palette.TEXT,
            anchor="midleft",
        )
        draw_side_message(self, screen)
        if self.data_panel.is_open:
            self.data_panel.draw(screen)  # over the nets; its widgets are drawn over it
        else:
            draw_card(self, screen)  # in the nets' area: no caption lies under it
        per_layer.draw_back(self.controls, screen)  # an activation per layer: its panel
        self.draw_widgets(screen, self.controls.captions)

    def _draw_chart_switch(self, screen, rect: pygame.Rect) -> None:
        """A dotted line under the bottom-left chart's title: click it (or w) to switch."""
        title = {
            "gradients": "grads.title",
            "weights": "network.weights_title",
            "hessian": "network.hessian_title",
        }[self.chart]
        text = t(title)
        width = self.text.font(13, self.text.kind_for(text, "bold")).size(text)[0]
        y = rect.y + px(5) + self.text.line_height(13)
        for x in range(rect.x + px(8), rect.x + px(8) + width, px(4)):
            pygame.draw.line(screen, palette.TEXT_DIM, (x, y), (x + px(1), y), lw())

    def _draw_title(self, screen, rect, label: str, snap, right: int) -> None:
        text = self.text
        label = text.ellipsize(label, 14, right - rect.x - px(8), "bold")
        r = text.blit(screen, label, (rect.x, rect.centery), 14, palette.TEXT, "bold", "midleft")
        bits = []
        if snap.last is not None:
            last = snap.last
            acc = (
                t("network.title_acc", acc=f"{last.train_acc:.0%}")
                if last.train_acc is not None
                else ""
            )
            bits.append(t("network.title_loss", loss=f"{last.train_loss:.3g}") + acc)
        if snap.init:
            bits.append(t("network.title_init", init=snap.init))
        dropped = [p.dropped_fraction for p in snap.layers if p.dropped_fraction is not None]
        if dropped:
            bits.append(t("network.title_dropped", share=f"{sum(dropped) / len(dropped):.0%}"))
        if snap.state == "error":
            bits = [message_text(snap.message)]
        elif snap.finished and snap.message:
            bits.append(message_text(snap.message))
        colour = palette.ERROR if snap.state == "error" else palette.TEXT_DIM
        info = text.ellipsize("   ".join(bits), 12, right - r.right - px(12))
        text.blit(screen, info, (r.right + px(12), rect.centery), 12, colour, anchor="midleft")

    # -- lessons ------------------------------------------------------------------------------
    def highlight_rects(self) -> dict[str, list[pygame.Rect]]:
        """The parts a lesson step can outline (one rect per net in side-by-side mode): the
        network drawing, the gradient bars, the training curves and the function picture."""
        parts = {
            "network": "net",
            "gradient_bars": "grads",
            "curves": "curves",
            "function": "function",
        }
        out = {}
        for name, key in parts.items():
            rects = [pygame.Rect(col[key]) for col in self.layout.columns if key in col]
            if rects:
                out[name] = rects
        return out
