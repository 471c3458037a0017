"""Everything the Landscape scene shows and lets the user change, without pygame.

The scene turns clicks and keys into calls here; tests call the same methods. The model owns the
``Race`` and rebuilds it when the surface or the set of optimizers changes; everything else
(hyperparameters, schedule, noise, start) is changed on the running race.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer import setups
from explorer.app.scenes.landscape.schedule_curves import ScheduleCurves
from explorer.app.ui.i18n import LANGUAGES, t
from explorer.knob_text import Spec
from explorer.landscape import surface as S
from explorer.landscape.critical import CriticalPoint, analyze
from explorer.landscape.grid_jobs import is_slow
from explorer.landscape.race import DEFAULT_OPTIMIZERS, BallConfig, Noise, Race, Status
from explorer.landscape.rates import suggested_lr
from explorer.plugins import Registry
from explorer.setups import SetupError, knob
from explorer.specs import SurfaceSpec

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_SPEED = 120.0  # steps per second
SPEED_RANGE = (1.0, 2000.0)
RUN_LENGTH = 2000  # steps a run lasts before pausing (and the horizon schedules decay over)
PATH_POLL_S = 0.25  # how often a followed training path is read again
MAX_STEPS = 200_000
SIM_BUDGET_S = 0.006  # simulation time allowed per update, whatever speed is asked for
MAX_STEPS_PER_UPDATE = 400
SIGMA_RANGE = (1e-3, 10.0)
BATCH_RANGE = (1, 200)
ARROW_KINDS = ("gradient", "step", "state", "squares")
NOISE_MODES = ("none", "gaussian", "minibatch")
SEED_RANGE = (0, 2**32 - 1)


@dataclass(frozen=True)
class LandscapeSetup:
    """Everything a user can set in the Landscape: what ``dl-explorer open``, ``--set``, Ctrl+S /
    Ctrl+O, ``render --setup`` and lessons read and write. A ball's hyperparameters left out take
    the surface's suggested rate and the optimizer's defaults."""

    surface: str = knob(DEFAULT_SURFACE, names="surfaces", doc="a surface or expr:FORMULA")
    start: tuple[float, float] | None = knob(None, none="auto", follows="surface", within="surface")
    optimizers: tuple[Spec, ...] = knob(
        tuple(Spec(n) for n in DEFAULT_OPTIMIZERS), names="optimizers", follows="surface"
    )
    schedule: Spec = knob(Spec("constant"), names="schedules")
    noise: str = knob("none", choices=NOISE_MODES)
    sigma: float = knob(0.3, low=SIGMA_RANGE[0], high=SIGMA_RANGE[1])
    batch: int = knob(8, low=BATCH_RANGE[0], high=BATCH_RANGE[1])
    arrows: tuple[str, ...] = knob(("gradient", "state", "squares"), choices=ARROW_KINDS)
    arrows_hidden: tuple[str, ...] = knob((), names="optimizers", doc="balls drawn without arrows")
    seed: int = knob(0, low=SEED_RANGE[0], high=SEED_RANGE[1])
    speed: float = knob(DEFAULT_SPEED, low=SPEED_RANGE[0], high=SPEED_RANGE[1])


def _default_start(spec: SurfaceSpec) -> tuple[float, float]:
    if spec.starts:
        x, y = spec.starts[0]
        return float(x), float(y)
    (x0, x1), (y0, y1) = spec.domain
    return (x0 + x1) / 2, (y0 + y1) / 2


def snap_to_critical(spec: SurfaceSpec, x: float, y: float, radius: float) -> tuple[float, float]:
    """A critical point (minimum, saddle or maximum: Newton finds them all) within ``radius`` of
    (x, y), or (x, y) itself if Newton's method does not settle there."""
    p = np.array([x, y], dtype=float)
    for _ in range(30):
        g = S.gradient(spec, *p)
        h = S.hessian(spec, *p)
        if not (np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
            return x, y
        try:
            delta = np.linalg.solve(h, g)
        except np.linalg.LinAlgError:
            return x, y
        p = p - delta
        if np.hypot(*(p - (x, y))) > radius:
            return x, y
        if np.hypot(*delta) < 1e-12 * max(1.0, radius):
            break
    g = S.gradient(spec, *p)
    if np.all(np.isfinite(g)) and np.hypot(*g) < 1e-6 * max(1.0, np.abs(S.hessian(spec, *p)).max()):
        return float(p[0]), float(p[1])
    return x, y


@dataclass
class Message:
    text: str
    level: str  # "info" | "error"
    until: float


@dataclass(frozen=True)
class BallReadout:
    """One row of the numbers panel, as numbers (the scene formats them)."""

    index: int
    label: str
    colour_index: int
    x: float
    y: float
    loss: float
    grad_norm: float
    step_norm: float
    lr: float
    status: str
    reason: str
    stopped_at: int | None  # diverged, escaped or frozen at this step
    converged_at: int | None = None  # the first step the ball settled (a mark; it still steps)
    moved_again_at: int | None = None  # the last step a settled ball started moving again


RACE_OVER_NOTICES = ("every ball has stopped", "paused after ")


def _race_over_notices() -> tuple[str, ...]:
    """How the race-over notices begin, in every language (a notice outlives a Ctrl+L)."""
    return RACE_OVER_NOTICES + tuple(
        text
        for lang in LANGUAGES
        for text in (
            t("landscape.all_stopped", lang=lang),
            t("landscape.paused_after", lang=lang).split("%{")[0],
        )
    )


class LandscapeModel:
    def __init__(
        self,
        registry: Registry,
        surface: str | None = None,
        optimizers: Iterable[str] | None = None,
        *,
        hyper: dict[str, dict[str, float]] | None = None,
        start: tuple[float, float] | None = None,
        schedule: str = "constant",
        schedule_hyper: dict[str, float] | None = None,
        noise: Noise | None = None,
        seed: int = 0,
        speed: float = DEFAULT_SPEED,
        timer: Callable[[], float] = time.perf_counter,
        backend: str = "thread",
        ahead: bool | None = None,
    ) -> None:
        self.registry = registry
        self.backend = backend  # where slow surfaces are built: "process" in the app
        # a slow surface's race steps computed on a helper thread (the app; headless rendering
        # and tests step in the frame, so the same frames show the same steps)
        self.ahead = backend == "process" if ahead is None else ahead
        self._jobs = None  # a JobRunner, made the first time a slow surface is asked for
        self.pending_surface = ""  # a family surface being built in a worker
        # the path a Network-lab run took, on the surface of that run (``follow``)
        self._follow: tuple[str, Callable[[], np.ndarray | None]] | None = None
        self._path: np.ndarray | None = None
        self.path_live = False  # the lab still extends it (False: frozen where it was)
        self.path_version = 0  # goes up when the followed path changes
        self._polled = -1.0
        self._helper = None  # a thread computing a slow surface's next race step (_run_ahead)
        self._ahead = None  # ((race, step), future) of the gradients being computed
        self.timer = timer
        self.seed = seed
        self.optimizer_names = list(registry.optimizers)
        wanted = list(optimizers) if optimizers is not None else list(DEFAULT_OPTIMIZERS)
        self.enabled = [n for n in wanted if n in registry.optimizers]
        if optimizers is None and not self.enabled:
            self.enabled = self.optimizer_names[:6]
        self.pinned = {k: dict(v) for k, v in (hyper or {}).items()}
        self.hyper: dict[str, dict[str, float]] = {
            name: spec.defaults() for name, spec in registry.optimizers.items()
        }
        self.arrows_for = {name: True for name in self.optimizer_names}
        self.arrow_kinds = {"gradient": True, "step": False, "state": True, "squares": True}
        self.schedule = registry.schedule(schedule).name
        self.schedule_hyper = dict(schedule_hyper or {})
        self.noise = noise or Noise()
        self.sigma = self.noise.sigma if self.noise.mode == "gaussian" else 0.3
        self.batch = self.noise.batch if self.noise.mode == "minibatch" else 8
        self.speed = float(min(max(speed, SPEED_RANGE[0]), SPEED_RANGE[1]))
        self.playing = False
        self.horizon = RUN_LENGTH
        self.selected = 0
        self.inspection: CriticalPoint | None = None
        self.inspect_error = ""
        self.expr_error = ""
        self.messages: list[Message] = []
        self.clock = 0.0
        self.surface_version = 0
        self.race_version = 0
        self.step_cost = 5e-4  # seconds per race step, measured as it runs
        self.rate = 0.0  # steps per second actually achieved
        self._owed = 0.0
        self._curves = ScheduleCurves()
        self.spec: SurfaceSpec
        self.race: Race
        self.start: tuple[float, float]
        if surface is not None:
            self.set_surface(surface, start=start)
        else:  # the first screen: rosenbrock, or whatever surface works
            for name in [DEFAULT_SURFACE, *registry.surfaces, "expr:x**2 + y**2"]:
                try:
                    self.set_surface(name, start=start)
                    break
                except (ValueError, LookupError) as exc:
                    if name in registry.surfaces:
                        self.notify(str(exc), "error", 12)
        for failure in registry.failures:
            self.notify(f"plugin {failure.plugin} failed to load: {failure.reason}", "error", 12)

    # -- messages -----------------------------------------------------------------------------
    def notify(self, text: str, level: str = "info", seconds: float = 5.0) -> None:
        self.messages = [m for m in self.messages if m.text != text][-3:]
        self.messages.append(Message(text, level, self.clock + seconds))

    def live_messages(self) -> list[Message]:
        return [m for m in self.messages if m.until > self.clock]

    # -- surface ------------------------------------------------------------------------------
    def set_surface(self, name: str, start: tuple[float, float] | None = None) -> None:
        """Switch surface (a registered name or ``expr:FORMULA``). A bad name or formula, or a
        surface whose function raises, leaves everything as it was and raises ValueError or
        UnknownName with one sentence."""
        spec = self.registry.surface(name)
        try:
            probe = start if start is not None else _default_start(spec)
            S.check_surface(spec, probe)
        except Exception as exc:  # noqa: BLE001 - a plugin's or a formula's function raising
            raise ValueError(f"surface {spec.name!r} cannot be used: {exc}") from None
        self.spec = spec
        self.expr_error = ""
        for opt_name, opt in self.registry.optimizers.items():
            lr = suggested_lr(opt, spec)
            if lr is not None:
                self.hyper[opt_name]["lr"] = lr
            self.hyper[opt_name].update(self._valid(opt_name, self.pinned.get(opt_name, {})))
        if self.noise.mode == "minibatch" and not spec.has_data:
            self.noise = Noise()
            self.notify(t("landscape.noise_off"))
        self.start = start if start is not None else _default_start(spec)
        self.inspection, self.inspect_error = None, ""
        self.surface_version += 1
        self._build_race()

    def try_expression(self, text: str) -> bool:
        """Switch to the formula ``text``; on a bad formula keep the surface and say why."""
        text = text.strip()
        if text.startswith("expr:"):
            text = text[5:]
        try:
            self.set_surface(f"expr:{text}")
        except ValueError as exc:
            self.expr_error = str(exc)
            return False
        return True

    def _valid(self, opt_name: str, values: dict[str, float]) -> dict[str, float]:
        """The pinned values the maths allows (run as given, never clamped); others are said."""
        spec = self.registry.optimizers[opt_name].hyper
        out = {}
        for k, v in values.items():
            if k in spec:
                try:
                    out[k] = spec[k].check(v, k, opt_name)
                except ValueError as exc:
                    self.notify(str(exc), "error", 10)
        return out

    # -- the race -----------------------------------------------------------------------------
    def _configs(self, names: list[str]) -> list[BallConfig]:
        return [BallConfig(n, dict(self.hyper[n]), label=n) for n in names]

    def _build_race(self) -> None:
        """A fresh race with the enabled optimizers; one whose plugin cannot start is left out."""
        names = list(self.enabled)
        race = self._try_race(names)
        if race is None:
            good = []
            for n in names:
                if self._try_race([n], report=True) is not None:
                    good.append(n)
            self.enabled = good
            race = self._try_race(good) or Race(
                self.spec, [], self.start, noise=self.noise, registry=self.registry
            )
        self.race = race
        self.race_version += 1
        self.horizon = RUN_LENGTH
        self._owed = 0.0
        self.selected = min(self.selected, max(0, len(race.balls) - 1))
        self._apply_schedule_all()

    def _try_race(self, names: list[str], report: bool = False) -> Race | None:
        try:
            return Race(
                self.spec,
                self._configs(names),
                self.start,
                noise=self.noise,
                seed=self.seed,
                total_steps=RUN_LENGTH,
                registry=self.registry,
            )
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the app down
            if report and names:
                plugin = self.registry.optimizers[names[0]].plugin
                self.notify(
                    f"{plugin}/{names[0]} could not start: {type(exc).__name__}: {exc}",
                    "error",
                    12,
                )
            return None

    def ball_index(self, name: str) -> int | None:
        for i, ball in enumerate(self.race.balls):
            if ball.spec.name == name:
                return i
        return None

    def colour_index(self, name: str) -> int:
        """A ball's colour: its optimizer's place in the menu (one registered later takes the
        next colour, never the first ball's)."""
        names = self.optimizer_names
        return names.index(name) if name in names else len(names)

    def set_enabled(self, name: str, on: bool) -> None:
        """Add or remove an optimizer's ball (the race restarts from the same start)."""
        if name not in self.registry.optimizers or (name in self.enabled) == on:
            return
        selected_name = self.selected_name()
        if on:
            self.enabled.append(name)
            self.enabled.sort(key=self.optimizer_names.index)
            selected_name = name
        else:
            self.enabled.remove(name)
        self._build_race()
        idx = self.ball_index(selected_name) if selected_name else None
        self.selected = idx if idx is not None else 0

    def selected_name(self) -> str | None:
        if 0 <= self.selected < len(self.race.balls):
            return self.race.balls[self.selected].spec.name
        return None

    def select(self, index: int) -> None:
        if 0 <= index < len(self.race.balls):
            self.selected = index

    def set_hyper(self, name: str, key: str, value: float) -> bool:
        """Change one optimizer's hyperparameter, mid-run if it is racing. A value the maths
        forbids is refused with a message (False); one outside the slider's range runs as given,
        with a note."""
        spec = self.registry.optimizers[name]
        if key not in spec.hyper:
            raise ValueError(f"{name} has no hyperparameter {key!r}")
        try:
            value = spec.hyper[key].check(value, key, name)
        except ValueError as exc:
            self.notify(str(exc), "error", 8)
            return False
        if spec.hyper[key].outside_range(value):
            h = spec.hyper[key]
            self.notify(
                t(
                    "landscape.outside_range",
                    name=name,
                    setting=f"{key}={value:g}",
                    low=f"{h.low:g}",
                    high=f"{h.high:g}",
                )
            )
        self.hyper[name][key] = value
        i = self.ball_index(name)
        if i is None:
            return
        ball = self.race.balls[i]
        if key == "lr" and self.schedule != "constant":
            # Race.set_hyper would recompute the schedule with the slow exact path.
            ball.hyper["lr"] = ball.config.hyper["lr"] = value
            self._apply_schedule(i)
        else:
            self.race.set_hyper(i, key, value)
        return True

    def set_schedule(self, name: str, hyper: dict[str, float] | None = None) -> None:
        spec = self.registry.schedule(name)
        try:
            values = spec.values({k: v for k, v in (hyper or {}).items() if k in spec.hyper})
        except ValueError as exc:
            self.notify(str(exc), "error", 8)
            return
        self.schedule = spec.name
        self.schedule_hyper = {k: values[k] for k in (hyper or {}) if k in spec.hyper}
        self._apply_schedule_all()

    def set_schedule_hyper(self, key: str, value: float) -> None:
        spec = self.registry.schedule(self.schedule)
        if key in spec.hyper:
            try:
                self.schedule_hyper[key] = spec.hyper[key].check(value, key, spec.name)
            except ValueError as exc:
                self.notify(str(exc), "error", 8)
                return
            self._apply_schedule_all()

    def schedule_values(self) -> dict[str, float]:
        spec = self.registry.schedule(self.schedule)
        return spec.defaults() | self.schedule_hyper

    def _apply_schedule_all(self) -> None:
        for i in range(len(self.race.balls)):
            self._apply_schedule(i)

    def _apply_schedule(self, i: int) -> None:
        ball = self.race.balls[i]
        ball.config.schedule = self.schedule
        ball.config.schedule_hyper = dict(self.schedule_hyper)
        if self.schedule == "constant" or "lr" not in ball.hyper:
            ball.lr_schedule = None
            return
        try:
            ball.lr_schedule = self._curves.curve(
                self.registry.schedule(self.schedule),
                self.schedule_values(),
                self.race.total_steps,
                ball.hyper["lr"],
            )
        except Exception as exc:  # noqa: BLE001 - a schedule plugin that fails
            plugin = self.registry.schedule(self.schedule).plugin
            self.notify(
                f"schedule {plugin}/{self.schedule} failed ({type(exc).__name__}: {exc}); "
                "back to constant",
                "error",
                10,
            )
            self.schedule, self.schedule_hyper = "constant", {}
            for ball in self.race.balls:
                ball.config.schedule, ball.lr_schedule = "constant", None

    def schedule_preview(self) -> np.ndarray | None:
        """lr / lr₀ over the run for the current schedule (None for constant)."""
        if self.schedule == "constant":
            return None
        try:
            return self._curves.unit_curve(
                self.registry.schedule(self.schedule), self.schedule_values(), RUN_LENGTH
            )
        except Exception:  # noqa: BLE001 - already reported by _apply_schedule
            return None

    def set_noise(self, mode: str, value: float | None = None) -> None:
        """``none``, ``gaussian`` (value = σ) or ``minibatch`` (value = batch size)."""
        if mode == "minibatch" and not self.spec.has_data:
            self.notify(
                t("landscape.minibatch_needs_data", surface=self.spec.name),
                "error",
            )
            return
        if mode == "gaussian" and value is not None:
            self.sigma = min(max(float(value), SIGMA_RANGE[0]), SIGMA_RANGE[1])
        if mode == "minibatch" and value is not None:
            self.batch = int(min(max(round(value), BATCH_RANGE[0]), BATCH_RANGE[1]))
        self.noise = Noise(mode, sigma=self.sigma, batch=self.batch)
        self.race.noise = self.noise

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = float(min(max(steps_per_second, SPEED_RANGE[0]), SPEED_RANGE[1]))

    # -- running ------------------------------------------------------------------------------
    def play(self) -> None:
        if not self.race.balls:
            self.notify(t("landscape.tick_one"))
            return
        if not self._any_running():
            self.notify(t("landscape.all_stopped_hint"))
            return
        if self.race.t >= self.horizon:
            self.horizon = self.race.t + RUN_LENGTH
        self.playing = True

    def pause(self) -> None:
        self.playing = False
        self._owed = 0.0

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step_once(self) -> None:
        self.pause()
        self._run_steps(1)

    def reset(self) -> None:
        self.pause()
        self._reset_race(self.start)

    def set_start(self, x: float, y: float) -> None:
        """A new start for every ball; the race restarts (and keeps playing if it was)."""
        if not (math.isfinite(x) and math.isfinite(y)):
            return
        self.start = (float(x), float(y))
        self._reset_race(self.start)

    def _reset_race(self, start: tuple[float, float]) -> None:
        try:
            self.race.reset(start)
        except Exception as exc:  # noqa: BLE001 - a plugin's init() raising
            self.notify(f"reset failed: {type(exc).__name__}: {exc}", "error")
            self._build_race()
        self.horizon = RUN_LENGTH
        self._owed = 0.0
        self.race_version += 1
        # a new race: the old one's "every ball has stopped" / "paused after" notices are stale
        self.messages = [x for x in self.messages if not x.text.startswith(_race_over_notices())]

    def _any_running(self) -> bool:
        return any(b.status.active for b in self.race.balls)

    def update(self, dt: float) -> int:
        """Advance model time by ``dt`` seconds; returns the race steps taken."""
        self.clock += dt
        if self.pending_surface:
            self._take_built_surface()
        if self._follow is not None and self.clock - self._polled >= PATH_POLL_S:
            self._poll_path()
        if not self.playing:
            self.rate *= 0.9
            return 0
        self._owed += self.speed * dt
        n = int(self._owed)
        self._owed -= n
        cap = max(1, min(MAX_STEPS_PER_UPDATE, int(SIM_BUDGET_S / max(self.step_cost, 1e-6))))
        if n > cap:  # more than fits in the frame: run slower than asked instead of stuttering
            n, self._owed = cap, 0.0
        n = min(n, self.horizon - self.race.t, MAX_STEPS - self.race.t)
        done = self._run_steps(n) if n > 0 else 0
        self.rate = 0.9 * self.rate + 0.1 * (done / dt if dt > 0 else 0.0)
        if self.race.t >= self.horizon or self.race.t >= MAX_STEPS:
            self.pause()
            if self.race.t < MAX_STEPS:
                self.notify(t("landscape.paused_after", steps=self.race.t, more=RUN_LENGTH))
        elif not self._any_running():
            self.pause()
            self.notify(t("landscape.all_stopped"))
        return done

    def _run_steps(self, n: int) -> int:
        if self.stepping_ahead:
            return self._run_ahead()
        t0, before = self.timer(), self.race.t
        moved = [b.moved_again_at for b in self.race.balls]
        try:
            self.race.step(n)
        except Exception as exc:  # noqa: BLE001 - e.g. a surface plugin failing mid-race
            self.pause()
            self.notify(f"the race stopped: {type(exc).__name__}: {exc}", "error", 10)
        done = self.race.t - before
        self._say_moving_again(moved)
        if done > 0:
            per_step = (self.timer() - t0) / done
            self.step_cost = 0.8 * self.step_cost + 0.2 * per_step
        return done

    def _say_moving_again(self, before: list) -> None:
        """A notice for each ball that started moving again in the steps just taken (once a
        run: it may flap); ``before``: each ball's ``moved_again_at`` before them."""
        for ball, was in zip(self.race.balls, before, strict=True):
            if was is None and ball.moved_again_at is not None:
                self.notify(t("landscape.moving_again", name=ball.label,
                              step=ball.moved_again_at, settled=ball.converged_at))  # fmt: skip

    def _run_ahead(self) -> int:
        """A slow surface (a real net's loss: ~20 ms a step for six balls on the digits net):
        each step's gradients are computed on a helper thread while frames are drawn (torch lets
        go of the GIL), and the step is taken on the frame after they are ready. One step a frame
        at most; the same numbers as stepping here."""
        race, done = self.race, 0
        ahead = self._ahead
        if ahead is not None and ahead[0] == (id(race), race.t) and ahead[1].done():
            self._ahead = None
            before = race.t
            moved = [b.moved_again_at for b in race.balls]
            try:
                race.step_with(ahead[1].result())
            except Exception as exc:  # noqa: BLE001 - e.g. a surface plugin failing mid-race
                self.pause()
                self.notify(f"the race stopped: {type(exc).__name__}: {exc}", "error", 10)
            done = race.t - before
            self._say_moving_again(moved)
        key = (id(race), race.t)
        if (self._ahead is None or self._ahead[0] != key) and self._any_running():
            if self._helper is None:
                from concurrent.futures import ThreadPoolExecutor

                self._helper = ThreadPoolExecutor(1, thread_name_prefix="race-gradients")
            P, draws = race.positions[-1].copy(), race.draws()  # the generator stays here
            self._ahead = (key, self._helper.submit(race.gradients_at, P, draws))
        return done

    # -- inspector ----------------------------------------------------------------------------
    def inspect(self, x: float, y: float, snap: float = 0.0) -> None:
        """The Hessian at (x, y); with ``snap`` > 0, at the critical point Newton's method finds
        within that distance, if any (a click is never exactly on a saddle)."""
        try:
            if snap > 0:
                x, y = snap_to_critical(self.spec, float(x), float(y), snap)
            self.inspection = analyze(self.spec, float(x), float(y))
            self.inspect_error = ""
        except Exception as exc:  # noqa: BLE001 - SurfaceError, non-finite point
            self.inspection = None
            self.inspect_error = str(exc)

    def inspect_ball(self, index: int) -> None:
        """The Hessian where a ball is now (a stalled ball: is it a minimum or a saddle?)."""
        if 0 <= index < len(self.race.balls):
            self.selected = index
            x, y = self.race.positions[-1, index]
            self.inspect(x, y)

    def close_inspector(self) -> None:
        self.inspection, self.inspect_error = None, ""

    def start_from_inspection(self, nudge_fraction: float = 0.01) -> None:
        """Start every ball at the inspected point, nudged along the escape direction if any."""
        cp = self.inspection
        if cp is None:
            return
        (x0, x1), (y0, y1) = self.spec.domain
        nudge = nudge_fraction * max(x1 - x0, y1 - y0)
        escape = cp.escape_direction
        dx, dy = (0.0, 0.0) if escape is None else (nudge * escape[0], nudge * escape[1])
        self.set_start(cp.x + dx, cp.y + dy)
        self.play()

    # -- reading ------------------------------------------------------------------------------
    def exit_point(self, index: int) -> tuple[float, float]:
        """Where a diverged ball left the surface's domain (its last point inside it); the race
        keeps the ball at its last finite point, which can be far off the map."""
        path = self.race.positions[:, index]
        (x0, x1), (y0, y1) = self.spec.domain
        inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
        inside &= np.isfinite(path).all(axis=1)
        k = np.flatnonzero(inside)
        x, y = path[k[-1]] if k.size else path[-1]
        return float(x), float(y)

    @property
    def stepping_ahead(self) -> bool:
        """The race's gradients come from a helper thread (a slow surface in the app)."""
        return self.ahead and is_slow(self.spec)

    def readout(self) -> list[BallReadout]:
        """Each ball's numbers now. Stepping ahead, the newest row whose loss is known: the
        newest position's loss comes with its gradients from the helper thread, and computing
        it here would cost the frame a pass of a real net over its data."""
        rows = []
        known = self.race.known_losses()
        if self.stepping_ahead and len(known):
            pos, losses = self.race.positions[len(known) - 1], known[-1]
        else:
            pos, losses = self.race.positions[-1], self.race.losses[-1]
        for i, ball in enumerate(self.race.balls):
            rows.append(
                BallReadout(
                    index=i,
                    label=ball.label,
                    colour_index=self.colour_index(ball.spec.name),
                    x=float(pos[i, 0]),
                    y=float(pos[i, 1]),
                    loss=float(losses[i]),
                    grad_norm=float(np.hypot(*ball.grad)),
                    step_norm=float(np.hypot(*ball.last_step)),
                    lr=float(ball.lr),
                    status=str(ball.status),
                    reason=ball.reason,
                    stopped_at=ball.stopped_at,
                    converged_at=ball.converged_at,
                    moved_again_at=ball.moved_again_at,
                )
            )
        return rows

    def surface_title(self) -> str:
        if self.spec.name.startswith("expr:"):
            return "custom"
        return self.spec.name

    def export_csv(self, folder: Path | str = ".") -> Path | None:
        name = re.sub(r"[^A-Za-z0-9_]+", "_", self.surface_title()).strip("_") or "surface"
        stamp = time.strftime("%Y%m%d-%H%M%S")
        path = Path(folder) / f"dl-explorer-{name}-{stamp}.csv"
        try:
            self.race.to_csv(path)
        except (OSError, ValueError) as exc:  # OutputError: a full disk, a vanished folder
            self.notify(f"could not write the CSV: {exc}", "error")
            return None
        rows = len(self.race.positions) * len(self.race.balls)
        self.notify(f"wrote {rows} rows (optimizer,step,x,y,loss) to {path.resolve()}")
        return path

    # -- the setup (everything a user can set) -------------------------------------------------
    def setup(self) -> LandscapeSetup:
        start = (float(self.start[0]), float(self.start[1]))
        return LandscapeSetup(
            surface=self.spec.name,
            start=None if start == _default_start(self.spec) else start,
            optimizers=tuple(
                Spec(n, {k: float(v) for k, v in self.hyper[n].items()}) for n in self.enabled
            ),
            schedule=Spec(self.schedule, {k: float(v) for k, v in self.schedule_values().items()}),
            noise=self.noise.mode,
            sigma=float(self.sigma),
            batch=int(self.batch),
            arrows=tuple(k for k in ARROW_KINDS if self.arrow_kinds.get(k)),
            arrows_hidden=tuple(
                n for n in self.optimizer_names if not self.arrows_for.get(n, True)
            ),
            seed=int(self.seed),
            speed=float(self.speed),
        )

    def apply(self, setup: LandscapeSetup) -> None:
        """Put ``setup`` in place: everything is checked first (SetupError, one sentence, and
        nothing changes), then the race is rebuilt once."""
        setups.check(setup, self.registry)
        spec = self.registry.surface(setup.surface)
        start = setup.start if setup.start is not None else _default_start(spec)
        try:
            S.value(spec, *start)
        except Exception as exc:  # noqa: BLE001 - a plugin's or a formula's function raising
            raise SetupError(
                f'surface = "{setup.surface}" cannot be evaluated at {start}: {exc}; valid: a '
                "surface and a start where it is defined",
                "surface",
            ) from None
        if setup.noise == "minibatch" and not spec.has_data:
            raise SetupError(
                f'noise = "minibatch" needs a data-defined surface and {spec.name} is a formula; '
                "valid: none or gaussian here, or minibatch on linear_regression",
                "noise",
            )
        hyper = {}
        for name, opt in self.registry.optimizers.items():
            values = opt.defaults()
            lr = suggested_lr(opt, spec)
            if lr is not None and "lr" in values:
                values["lr"] = lr
            hyper[name] = values | self._valid(name, self.pinned.get(name, {}))
        for ball in setup.optimizers:
            hyper[ball.name] |= dict(ball.values)  # checked above: run as given
        sched = self.registry.schedule(setup.schedule.name)
        # -- everything is valid: change
        self.spec, self.expr_error, self.start = spec, "", (float(start[0]), float(start[1]))
        self.hyper = hyper
        self.enabled = [ball.name for ball in setup.optimizers]
        self.schedule = sched.name
        self.schedule_hyper = {k: float(v) for k, v in setup.schedule.values.items()}
        self.sigma, self.batch = float(setup.sigma), int(setup.batch)
        self.noise = Noise(setup.noise, sigma=self.sigma, batch=self.batch)
        self.arrow_kinds = {k: k in setup.arrows for k in ARROW_KINDS}
        self.arrows_for = {n: n not in setup.arrows_hidden for n in self.optimizer_names}
        self.seed, self.speed = int(setup.seed), float(setup.speed)
        self.inspection, self.inspect_error = None, ""
        self.surface_version += 1
        self._build_race()

    # -- slow surfaces (a family's, e.g. net:), built in a worker ----------------------------------
    @property
    def jobs(self):
        if self._jobs is None:
            from explorer.training.jobs import JobRunner

            self._jobs = JobRunner(self.registry, backend=self.backend)
        return self._jobs

    def request_surface(self, name: str) -> bool:
        """Switch to ``name``. A family's surface other than a formula (``net:moons`` trains a
        real net first) is built in a worker while the app goes on, then switched to; True when
        the switch happened at once."""
        prefix, colon, _ = name.partition(":")
        if not (colon and prefix in self.registry.families and prefix != "expr"):
            self.set_surface(name)
            return True
        from explorer.landscape.grid_jobs import build_job

        self.pending_surface = name
        self.jobs.submit("surface", build_job, name)
        self.notify(f"building {name}: training the net, a few seconds (cached after)", "info", 30)
        return False

    def _take_built_surface(self) -> None:
        answer = self.jobs.result("surface")
        if answer is None or self.jobs.busy("surface"):
            return
        name, self.pending_surface = self.pending_surface, ""
        self.messages = [m for m in self.messages if not m.text.startswith(f"building {name}")]
        if answer.error:
            self.notify(f"{name}: {answer.error}", "error", 12)
            return
        try:
            self.set_surface(name)  # the worker left it in the cache: quick now
        except (ValueError, LookupError) as exc:
            self.notify(str(exc), "error", 12)

    # -- the path a Network-lab run took -----------------------------------------------------
    def follow(self, surface: str, source: Callable[[], np.ndarray | None]) -> None:
        """Draw the training path ``source()`` gives ((T, 2) on ``surface``'s plane; None once
        the run moved on) whenever ``surface`` is shown, extended as the run goes on."""
        self._follow, self._path, self.path_live = (surface, source), None, False
        self._poll_path()

    def _poll_path(self) -> None:
        self._polled = self.clock
        try:
            path = self._follow[1]()
        except Exception:  # noqa: BLE001 - the lab closed or restarted: keep the last path
            path = None
        if path is None:
            self.path_live = False
            return
        path = np.asarray(path, dtype=float).reshape(-1, 2)
        if (
            self._path is None
            or path.shape != self._path.shape
            or not np.array_equal(path, self._path)
        ):
            self.path_version += 1  # drawn again (a finished run's path is not: the app idles)
        self._path, self.path_live = path, True

    @property
    def run_path(self) -> np.ndarray | None:
        """(T, 2): the followed run's path, while its surface is the one shown."""
        if self._follow is None or self._path is None or self.spec.name != self._follow[0]:
            return None
        return self._path

    def close(self) -> None:
        if self._helper is not None:
            self._helper.shutdown(wait=True, cancel_futures=True)
            self._helper, self._ahead = None, None
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None

    # -- live numbers (lesson captions and ``expect`` conditions) --------------------------------
    @staticmethod
    def readout_names(registry: Registry) -> frozenset[str]:
        """Every live number a Landscape can provide, before it runs: ``step`` and, for each
        optimizer a lesson may race, ``NAME.loss`` … (see ``BALL_NUMBERS``)."""
        return frozenset({"step"} | {f"{n}.{k}" for n in registry.optimizers for k in BALL_NUMBERS})

    def readouts(self, names: Iterable[str] | None = None) -> dict[str, float | int | bool]:
        """The live numbers of the race now: ``step`` and per ball ``NAME.loss`` (full-data loss),
        ``.x`` ``.y``, ``.grad`` (‖∇L‖), ``.step_size``, ``.lr`` (this step's rate), the status
        flags ``.settled`` ``.converged`` ``.saddle`` ``.escaped`` ``.diverged`` ``.frozen``,
        ``.settled_at`` (the first step it settled; absent until it has), ``.max_abs_x`` /
        ``.max_abs_y`` (the largest |x| / |y| of its path so far), ``.distance`` (to the nearest
        known minimum) and ``.min_eig`` / ``.max_eig`` (the Hessian's eigenvalues where it is).
        ``names``: compute only these (the Hessian is the costly one); a number the race does not
        have (a ball not racing) is absent, never invented."""
        wanted = None if names is None else set(names)

        def want(key: str) -> bool:
            return wanted is None or key in wanted

        race = self.race
        out: dict[str, float | int | bool] = {}
        if want("step"):
            out["step"] = int(race.t)
        if not race.balls:
            return out
        pos = race.positions
        losses = race.losses[-1] if any(want(f"{b.spec.name}.loss") for b in race.balls) else None
        minima = np.array(self.spec.minima, dtype=float).reshape(-1, 2)
        seen: set[str] = set()
        for i, ball in enumerate(race.balls):
            name = ball.spec.name
            if name in seen:  # the same optimizer twice: the first ball answers to its name
                continue
            seen.add(name)
            x, y = (float(v) for v in pos[-1, i])
            status = ball.status
            simple = {
                "x": lambda x=x: x,
                "y": lambda y=y: y,
                "loss": lambda i=i: float(losses[i]),
                "grad": lambda b=ball: float(np.hypot(*b.grad)),
                "step_size": lambda b=ball: float(np.hypot(*b.last_step)),
                "lr": lambda b=ball: float(b.lr),
                "settled": lambda s=status: bool(s.settled),
                "converged": lambda s=status: s is Status.CONVERGED,
                "saddle": lambda s=status: s is Status.SADDLE,
                "escaped": lambda s=status: s is Status.ESCAPED,
                "diverged": lambda s=status: s is Status.DIVERGED,
                "frozen": lambda s=status: s is Status.FROZEN,
                "max_abs_x": lambda i=i: float(np.nanmax(np.abs(pos[:, i, 0]))),
                "max_abs_y": lambda i=i: float(np.nanmax(np.abs(pos[:, i, 1]))),
            }
            for key, read in simple.items():
                if want(f"{name}.{key}"):
                    out[f"{name}.{key}"] = read()
            if want(f"{name}.settled_at") and ball.converged_at is not None:
                out[f"{name}.settled_at"] = int(ball.converged_at)
            if want(f"{name}.distance") and len(minima):
                out[f"{name}.distance"] = float(
                    np.min(np.hypot(minima[:, 0] - x, minima[:, 1] - y))
                )
            if want(f"{name}.min_eig") or want(f"{name}.max_eig"):
                try:
                    eig = np.linalg.eigvalsh(S.hessian(self.spec, x, y))
                except Exception:  # noqa: BLE001 - off the surface's domain: no curvature
                    eig = None
                if eig is not None and np.all(np.isfinite(eig)):
                    out[f"{name}.min_eig"], out[f"{name}.max_eig"] = float(eig[0]), float(eig[-1])
        if wanted is not None:
            out = {k: v for k, v in out.items() if k in wanted}
        return out

    def warm(self, setup: LandscapeSetup) -> None:
        """Compute ahead what applying ``setup`` will need (its schedule's curve), so that a
        lesson's next step appears at once; a schedule that fails is left for ``apply``."""
        try:
            spec = self.registry.schedule(setup.schedule.name)
            values = spec.defaults() | {k: float(v) for k, v in setup.schedule.values.items()}
            if spec.name != "constant":
                self._curves.curve(spec, values, RUN_LENGTH, 1.0)
        except Exception:  # noqa: BLE001 - only a head start
            pass


# What ``readouts`` gives for each ball, as ``NAME.KEY``.
BALL_NUMBERS = (
    "loss", "x", "y", "grad", "step_size", "lr", "settled", "converged", "saddle", "escaped",
    "diverged", "frozen", "settled_at", "max_abs_x", "max_abs_y", "distance", "min_eig", "max_eig",
)  # fmt: skip
