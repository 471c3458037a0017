"""The Landscape scene: optimizers racing on a loss surface, with every knob on screen."""

from __future__ import annotations

import time

import numpy as np
import pygame

from explorer.app.scenes.landscape.ball_renderer import arrow_refs, arrows_to_draw, magnitudes
from explorer.app.scenes.landscape.controls import LandscapeControls
from explorer.app.scenes.landscape.help import help_sheet
from explorer.app.scenes.landscape.inspector_view import render_panel
from explorer.app.scenes.landscape.layout import compute_layout
from explorer.app.scenes.landscape.legend_renderer import least_covered_corner, render_legend
from explorer.app.scenes.landscape.loss_chart import render_chart
from explorer.app.scenes.landscape.map_background import MapPicture, grid_request, render_map
from explorer.app.scenes.landscape.map_input import MapInput
from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.app.scenes.landscape.numbers_panel import render_numbers
from explorer.app.scenes.landscape.painter import paint
from explorer.app.scenes.landscape.schedule_preview import render_schedule
from explorer.app.scenes.landscape.trail_renderer import TrailCache
from explorer.app.scenes.landscape.view3d import View3D
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px
from explorer.app.ui.scene import ModelScene
from explorer.app.ui.view import View
from explorer.app.ui.widget_events import UI_EVENTS
from explorer.landscape import surface as S
from explorer.landscape.grid_jobs import grid_job, is_slow
from explorer.landscape.race import Status

PANEL_REFRESH_S = 0.2  # numbers and legend redraw at most 5 times a second while racing
CHART_REFRESH_S = 0.1


class LandscapeScene(ModelScene):
    def __init__(self, model: LandscapeModel, size: tuple[int, int]) -> None:
        self.layout = compute_layout(size)
        super().__init__(model, self.layout.size)
        self.view = View(tuple(self.layout.plot), model.spec.domain)
        self.inspect_mode = False
        self.mouse = (0, 0)
        self.drag: dict | None = None
        self.picture: MapPicture | None = None
        self._picture_key = None
        self._surface_version = model.surface_version
        self._panels_key = None
        self._panels_clock = -1e9
        self._chart_key = None
        self._chart_clock = -1e9
        self._inspector_key = None
        self.legend = self.numbers = self.chart = self.inspector_panel = None
        self.legend_pos = (0, 0)
        self._legend_key = None
        self._schedule_key = None
        self.schedule_picture = None
        self._start_grad = (None, np.zeros(2))
        self.trails = TrailCache()
        self.view3d = View3D()  # key V: the surface as a lit mesh (view3d.py)
        self._arrows_key = None
        self.arrows: list[tuple] = []  # (ball index, grad, step, state view) to draw
        self.exits: dict[int, tuple[float, float]] = {}  # diverged ball → where it left
        self.arrow_refs: dict[str, float] = {}
        self.controls = LandscapeControls(self)
        self.input = MapInput(self)
        self.controls_hidden = False
        self.prepare()

    # -- actions the controls and keys share ----------------------------------------------------
    def switch_surface(self, name: str) -> None:
        try:
            self.model.request_surface(name)  # a net: surface is built in a worker first
        except Exception as exc:  # noqa: BLE001 - a plugin surface failing to build
            self.model.notify(t("landscape.surface_failed", name=repr(name), reason=exc), "error")

    def apply_expression(self, text: str) -> None:
        if not text.strip():
            self.model.expr_error = ""
            return
        self.model.try_expression(text)

    def receive(self, handoff) -> None:
        """Show another scene's net: ``handoff.surface`` (built in a worker), with the training
        path ``handoff.follow()`` drawn on it and extended live."""
        self.model.follow(handoff.surface, handoff.follow)
        self.model.request_surface(handoff.surface)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Block until a slow surface (a real net's loss) is built and its full map computed
        in the worker (headless rendering and tests: the first frame has its map)."""
        m, end = self.model, time.monotonic() + timeout
        while time.monotonic() < end:
            m.update(0.0)  # takes a built surface in (no time passes: no race steps)
            self.prepare()  # asks for the map, takes it in, asks for the full one
            if not m.pending_surface and self._grid_asked is None:
                break
            time.sleep(0.01)

    def toggle_inspect_mode(self) -> None:
        self.inspect_mode = not self.inspect_mode

    def help_sheet(self):
        return help_sheet(self)

    def idle(self) -> bool:
        """Nothing moves without input: paused, not dragged, no text cursor, no notice to expire."""
        m = self.model
        return not (
            m.playing
            or self.drag is not None
            or self.controls.text_focused()
            or m.live_messages()
            or m.pending_surface  # a worker builds a surface
            or self._grid_asked is not None  # ... or computes a map
            or self._path_grew  # the lab's path grew since the last frame
        )

    # -- a slow surface's map, computed in a worker ------------------------------------------
    _grid_asked = None  # (picture key, job number, grid request, coarse) of the grid computed
    _coarse_key = None  # the picture key whose coarse first map is on screen

    def _ask_for_grid(self, key) -> None:
        if self._grid_asked is not None and self._grid_asked[0] == key:
            return
        m = self.model
        new_surface = (
            self.picture is None or self._picture_key is None or self._picture_key[0] != key[0]
        ) and (self._coarse_key is None or self._coarse_key[0] != key[0])
        # a new surface: a ninth of the points first (a map within a second or two), then all
        coarse = new_surface and self._coarse_key != key
        request = grid_request(m.spec, self.view, coarse)
        job = m.jobs.submit("grid", grid_job, m.spec.name, *request)
        self._grid_asked = (key, job, request, coarse)
        if new_surface:
            self.picture = None  # a new surface: the map area says what it computes meanwhile

    def _take_grid(self) -> None:
        key, job, _, coarse = self._grid_asked
        answer = self.model.jobs.result("grid")
        if answer is None or answer.job != job:
            return
        self._grid_asked = None
        m = self.model
        if key[0] != m.surface_version:
            return
        grid = None if answer.error else answer.value
        self.picture = render_map(
            m.spec, self.view, self.layout.map_area, self.text, grid, coarse=coarse
        )
        if answer.error:
            self.picture.error = answer.error
        if coarse and not answer.error:
            self._coarse_key = key  # shown: now the full map
            self._ask_for_grid(key)
        else:
            self._picture_key = key

    _waiting_since: tuple[str, float] | None = None  # (what, the model clock it began)

    def waiting_text(self) -> str:
        """What the map area says instead of a map ("" when it has one): the surface a worker
        builds, or the map of the new surface being computed. Nothing of the previous surface
        (map, legend, inspector marks, notices) stays on screen meanwhile, as if current."""
        m = self.model
        if m.pending_surface:
            what = t("landscape.waiting_build", name=m.pending_surface)
        elif self.picture is None and self._grid_asked is not None:
            what = t("landscape.waiting_map", name=m.spec.name)
        else:
            return ""
        since = self._waiting_since[1] if self._waiting_since else m.clock
        return what + t("landscape.waiting_for", seconds=f"{max(0.0, m.clock - since):.0f}")

    def _note_waiting(self) -> None:
        """Remember when the current wait began (``waiting_text`` counts the seconds)."""
        m = self.model
        what = m.pending_surface or (
            m.spec.name if self.picture is None and self._grid_asked is not None else ""
        )
        if not what:
            self._waiting_since = None
        elif self._waiting_since is None or self._waiting_since[0] != what:
            self._waiting_since = (what, m.clock)

    def switch_surface_by(self, delta: int) -> None:
        """The previous / next surface in menu order (every surface, however many)."""
        names = list(self.model.registry.surfaces)
        if names:
            here = names.index(self.model.spec.name) if self.model.spec.name in names else -1
            self.switch_surface(names[(here + delta) % len(names)])

    def start_at(self, x: float, y: float) -> None:
        """Every ball starts at (x, y). After every ball had stopped, the race runs again at
        once (as "Start a ball here" does); a race paused by hand stays paused."""
        m = self.model
        over = bool(m.race.balls) and not any(b.status is Status.RUNNING for b in m.race.balls)
        m.set_start(x, y)
        if over and not m.playing:
            m.play()

    def start_along_path(self, direction: int) -> None:
        """, and . (a clicker's keys too): every ball starts from the lab's training path's
        previous / next recorded point (a twentieth of the path a press), from where they
        start now."""
        path = self.model.run_path
        if path is None or not len(path):
            return
        sx, sy = self.model.race.start
        here = int(np.argmin(np.hypot(path[:, 0] - sx, path[:, 1] - sy)))
        k = min(max(here + direction * max(1, len(path) // 20), 0), len(path) - 1)
        self.start_at(*path[k])

    # -- events -----------------------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if event.type == pygame.USEREVENT:  # pygame_gui's deprecated duplicates of its events
            return True
        if hasattr(event, "pos") and event.type in (
            pygame.MOUSEMOTION,
            pygame.MOUSEBUTTONDOWN,
            pygame.MOUSEBUTTONUP,
        ):
            self.mouse = tuple(event.pos)
        if self.drag is not None and event.type == pygame.MOUSEBUTTONUP and event.button == 1:
            return self.input.mouse_up(event)  # a drag ends wherever the button is let go
        # While dragging the map, motion belongs to the drag, not to widgets under the pointer.
        dragging = self.drag is not None and event.type == pygame.MOUSEMOTION
        consumed = not dragging and self.manager.process_events(event)
        if event.type in UI_EVENTS:  # composite widgets (sliders, menus) needed it first
            self.controls.handle(event)
            return True
        if consumed:
            return True
        if event.type == pygame.KEYDOWN:
            return self.input.key(event)
        if event.type == pygame.MOUSEBUTTONDOWN:
            return self.input.mouse_down(event)
        if event.type == pygame.MOUSEMOTION and self.drag is not None:
            self.input.drag_to(event.pos)
            return True
        if event.type == pygame.MOUSEWHEEL:
            return self.input.wheel(event)
        if event.type in (pygame.WINDOWFOCUSLOST, pygame.WINDOWLEAVE):
            self.drag = None
        return False

    # -- time -------------------------------------------------------------------------------------
    def update(self, dt: float) -> None:
        self.manager.update(dt)
        self.controls.apply_pending()
        self.model.update(dt)

    def resize(self, size: tuple[int, int]) -> None:
        self.layout = compute_layout(size)
        self.view.set_rect(tuple(self.layout.plot))
        self.renew_manager(self.layout.size)
        self.drag = None
        self.controls.build()
        self._panels_key = self._chart_key = self._inspector_key = self._legend_key = None
        self._schedule_key = None

    _path_seen = 0  # the followed path's version last prepared
    _path_grew = False

    def prepare(self) -> None:
        m = self.model
        self._path_grew = m.run_path is not None and m.path_version != self._path_seen
        self._path_seen = m.path_version
        if self._surface_version != m.surface_version:
            self._surface_version = m.surface_version
            self.view.set_domain(m.spec.domain)
        key = (m.surface_version, self.view.key(), self.layout.size, px(100))
        if key != self._picture_key:
            if is_slow(m.spec):  # a real net's loss: its grid is computed in a worker
                self._ask_for_grid(key)
            else:
                self.picture = render_map(m.spec, self.view, self.layout.map_area, self.text)
                self._picture_key = key
        if self._grid_asked is not None:
            self._take_grid()
        self._note_waiting()
        if not self.controls_hidden:  # a lesson's presenter hides them (synced when shown)
            self.controls.sync()
        if self._start_grad[0] != (m.race_version, m.surface_version):
            try:
                g = S.gradient(m.spec, *m.race.start)
            except Exception:  # noqa: BLE001 - the arrow is just not drawn
                g = np.zeros(2)
            self._start_grad = (
                (m.race_version, m.surface_version),
                g if np.all(np.isfinite(g)) else np.zeros(2),
            )
        self.trails.update(self.view, (m.race_version, m.surface_version), m.race.positions)
        self._refresh_arrows()
        self._refresh_panels()
        self._refresh_chart()
        self._refresh_inspector()
        sched_key = (
            m.schedule,
            tuple(sorted(m.schedule_values().items())),
            self.controls.schedule_rect.size,
        )
        if sched_key != self._schedule_key:
            self._schedule_key = sched_key
            self.schedule_picture = render_schedule(
                m.schedule_preview(), self.controls.schedule_rect.size, self.text, m.schedule
            )

    def _refresh_arrows(self) -> None:
        m, race = self.model, self.model.race
        key = (
            m.race_version,
            m.surface_version,
            race.t,
            self.view.scale,
            id(self.picture),
            tuple(sorted(m.arrows_for.items())),
            tuple(b.status for b in race.balls),
        )
        if key == self._arrows_key:
            return
        self._arrows_key = key
        self.exits = {
            i: m.exit_point(i)
            for i, b in enumerate(race.balls)
            if b.status in (Status.DIVERGED, Status.ESCAPED)
        }
        self.arrows = arrows_to_draw(race, m.arrows_for, self._start_grad[1])
        floor = 0.1 * (self.picture.grad_scale if self.picture else 1.0)
        self.arrow_refs = arrow_refs(
            [magnitudes(g, s, st, self.view.scale) for _, g, s, st in self.arrows],
            {"*": floor, "step": 0.5},
        )

    def _refresh_panels(self) -> None:
        m = self.model
        race = m.race
        key = (
            m.race_version,
            race.t,
            m.selected,
            m.surface_version,
            tuple(b.status for b in race.balls),
            tuple(repr(b.lr) for b in race.balls),  # a rate typed while paused shows at once
            tuple(self.layout.size),
            px(100),
        )
        if key == self._panels_key:
            return
        same_race = self._panels_key is not None and self._panels_key[::3] == key[::3]
        if m.playing and m.clock - self._panels_clock < PANEL_REFRESH_S and same_race:
            return  # a new race or surface is shown at once, never the old one's numbers
        self._panels_key, self._panels_clock = key, m.clock
        rows = m.readout()
        if race.t == 0:
            g = self._start_grad[1]
            rows = [r.__class__(**{**r.__dict__, "grad_norm": float(np.hypot(*g))}) for r in rows]
        L = self.layout
        title = t("landscape.legend_title", surface=m.surface_title(), step=race.t)
        self.legend = render_legend(rows, self.text, title)
        self.numbers = render_numbers(rows, L.numbers.size, self.text, m.selected, m.spec.axes)
        self._place_legend()

    def _place_legend(self) -> None:
        """The map corner where the legend hides the least: not over the start, the minima or
        the balls (chosen when the race restarts, so it does not jump about mid-race)."""
        m, plot = self.model, self.layout.plot
        key = (m.race_version, m.surface_version, self.view.key(), tuple(self.exits))
        if key == self._legend_key or self.legend is None:
            return
        self._legend_key = key
        points = [m.race.start, *m.spec.minima, *self.exits.values()]  # and diverged balls' marks
        if len(m.race.balls):
            points += [tuple(p) for p in m.race.positions[-1]]
        screen_pts = [self.view.point_to_screen(float(x), float(y)) for x, y in points]
        self.legend_pos = least_covered_corner(plot, self.legend.get_size(), screen_pts)

    def _refresh_chart(self) -> None:
        """Like the panels, at most 10 times a second, but never in the same frame as them."""
        m, race, L = self.model, self.model.race, self.layout
        key = (m.race_version, race.t, m.surface_version, tuple(L.size), len(race.balls), px(100))
        if key == self._chart_key:
            return
        fresh_panels = self._panels_clock == m.clock
        same_race = self._chart_key is not None and self._chart_key[::2] == key[::2]
        if (
            m.playing
            and same_race
            and (m.clock - self._chart_clock < CHART_REFRESH_S or fresh_panels)
        ):
            return
        self._chart_key, self._chart_clock = key, m.clock
        colours = [palette.ball_colour(m.colour_index(b.label)) for b in race.balls]
        floor = None
        if m.spec.minima:
            try:
                floor = min(S.value(m.spec, *p) for p in m.spec.minima)
            except Exception:  # noqa: BLE001 - no floor: the chart falls back to log or symlog
                floor = None
        losses = race.known_losses() if m.stepping_ahead else race.losses  # never a net pass here
        self.chart = render_chart(losses, colours, floor, L.chart.size, self.text, m.horizon)

    def _refresh_inspector(self) -> None:
        m, rect = self.model, self.controls.inspector_rect
        key = (id(m.inspection), m.inspect_error, rect.size)
        if key != self._inspector_key:
            self._inspector_key = key
            self.inspector_panel = render_panel(m.inspection, m.inspect_error, rect.size, self.text)

    # -- drawing (reads only) ----------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        paint(self, screen)

    # -- lessons ------------------------------------------------------------------------------
    def highlight_rects(self) -> dict[str, pygame.Rect]:
        """The parts a lesson step can outline: the map, the numbers panel, the loss chart, the
        Hessian inspector, the schedule preview, and ``ball:NAME`` (where that ball is drawn)."""
        L, m = self.layout, self.model
        out = {
            "map": pygame.Rect(L.plot),
            "numbers": pygame.Rect(L.numbers),
            "chart": pygame.Rect(L.chart),
            "inspector": pygame.Rect(self.controls.inspector_rect),
            "schedule": pygame.Rect(self.controls.schedule_rect),
        }
        race = m.race
        if race.balls:
            pts = self.view.to_screen(race.positions[-1])
            r = px(16)
            for i, ball in enumerate(race.balls):
                at = self.view.point_to_screen(*self.exits[i]) if i in self.exits else pts[i]
                box = pygame.Rect(0, 0, 2 * r, 2 * r)
                box.center = (int(at[0]), int(at[1]))
                if L.plot.colliderect(box):
                    out.setdefault(f"ball:{ball.label}", box)
        return out
