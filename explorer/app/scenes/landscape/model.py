"""Everything the Landscape scene shows and lets the user change, without pygame.

The scene turns clicks and keys into calls here; tests call the same methods. ``LandscapeModel``
holds the user's choices (surface, balls and their hyperparameters, schedule, noise, start) and
rebuilds the ``Race`` when the surface or the set of optimizers changes; everything else is
changed on the running race. The rest lives in rooms of its own, each pygame-free:

- ``runner.RaceRunner``: playing the race in model time (speed, frame budget, where a run
  pauses), with ``gradients_ahead.GradientsAhead``, the helper thread of a slow surface;
- ``race_builder.RaceBuilder``: a race from the chosen balls, on the chosen schedule;
- ``ball_labels.BallLabels``: balls by label (``sgd`` and ``sgd_fast``, two sgd balls), the
  optimizer each races, its colour and place;
- ``surface_builds.SurfaceBuilds``: a family's surface built in a worker (``net:moons``);
- ``followed_path.PathFollower``: a Network-lab run's path on its own net's surface;
- ``inspector.Inspector``: the Hessian at a point;
- ``readouts``: the numbers panel's rows and the live numbers lessons read;
- ``landscape_setup``: ``LandscapeSetup``, its ranges and its checks.

The learning-rate curves of a schedule come from the race (``Race(curves=...)``, a cache shared
across races), so a slider changing ``lr`` mid-run never recomputes the torch scheduler.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from explorer.app.scenes.landscape import readouts as R
from explorer.app.scenes.landscape.ball_labels import BallLabels
from explorer.app.scenes.landscape.followed_path import PATH_POLL_S, PathFollower
from explorer.app.scenes.landscape.inspector import Inspector, snap_to_critical
from explorer.app.scenes.landscape.landscape_setup import (
    ARROW_KINDS,
    BATCH_RANGE,
    DEFAULT_SPEED,
    DEFAULT_SURFACE,
    NOISE_MODES,
    RUN_LENGTH,
    SEED_RANGE,
    SIGMA_RANGE,
    SPEED_RANGE,
    LandscapeSetup,
    ball_settings,
    checked_hyper,
    checked_surface,
    noise_values,
    setup_of,
)
from explorer.app.scenes.landscape.landscape_setup import default_start as _default_start
from explorer.app.scenes.landscape.notices import RACE_OVER_NOTICES, Message, Notices
from explorer.app.scenes.landscape.race_builder import RaceBuilder
from explorer.app.scenes.landscape.readouts import BALL_NUMBERS, BallReadout
from explorer.app.scenes.landscape.runner import (
    MAX_STEPS,
    MAX_STEPS_PER_UPDATE,
    SIM_BUDGET_S,
    RaceRunner,
)
from explorer.app.scenes.landscape.schedule_choice import ScheduleChoice
from explorer.app.scenes.landscape.surface_builds import SurfaceBuilds, usable_surface
from explorer.app.ui.i18n import t
from explorer.landscape.critical import CriticalPoint
from explorer.landscape.race import DEFAULT_OPTIMIZERS, Noise
from explorer.plugins import Registry
from explorer.specs import SurfaceSpec

__all__ = [  # what other modules import from here (the names moved to the rooms stay here)
    "ARROW_KINDS",
    "BALL_NUMBERS",
    "BATCH_RANGE",
    "DEFAULT_SPEED",
    "DEFAULT_SURFACE",
    "MAX_STEPS",
    "MAX_STEPS_PER_UPDATE",
    "NOISE_MODES",
    "PATH_POLL_S",
    "RACE_OVER_NOTICES",
    "RUN_LENGTH",
    "SEED_RANGE",
    "SIGMA_RANGE",
    "SIM_BUDGET_S",
    "SPEED_RANGE",
    "BallReadout",
    "LandscapeModel",
    "LandscapeSetup",
    "Message",
    "snap_to_critical",
]


def _room(room: str, name: str, doc: str = "") -> property:
    """``name`` of the room ``room`` (the runner, the inspector …), read and set on the model as
    callers always did."""
    return property(
        lambda self: getattr(getattr(self, room), name),
        lambda self, value: setattr(getattr(self, room), name, value),
        doc=doc,
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
        self.clock = 0.0
        # a slow surface's race steps computed on a helper thread (the app; headless rendering
        # and tests step in the frame, so the same frames show the same steps)
        self._runner = RaceRunner(
            self.notify, timer, backend == "process" if ahead is None else ahead
        )
        self._notices = Notices()
        self._builds = SurfaceBuilds(
            registry, backend, self.notify, self.set_surface, self._notices.forget_starting
        )
        self._inspector = Inspector()
        self._races = RaceBuilder(registry, self.notify)  # races share one cache of lr curves
        self._paths = PathFollower()  # the path a Network-lab run took (``follow``)
        self.seed = seed
        self.optimizer_names = list(registry.optimizers)
        wanted = list(optimizers) if optimizers is not None else list(DEFAULT_OPTIMIZERS)
        # the racing balls by label: an optimizer's name, or a label of its own for a second
        # ball of one optimizer (``sgd_fast``), whose optimizer ``kinds`` says
        self.enabled = [n for n in wanted if n in registry.optimizers]
        if optimizers is None and not self.enabled:
            self.enabled = self.optimizer_names[:6]
        self._labels = BallLabels(self.optimizer_names)  # which optimizer a label races
        self.pinned = {k: dict(v) for k, v in (hyper or {}).items()}
        self.hyper: dict[str, dict[str, float]] = {  # by label, every optimizer's kept too
            name: spec.defaults() for name, spec in registry.optimizers.items()
        }
        self.arrows_for = {name: True for name in self.optimizer_names}
        self.arrow_kinds = {"gradient": True, "step": False, "state": True, "squares": True}
        self._schedule = ScheduleChoice(registry, self._races, self.notify, schedule)
        self.schedule_hyper = dict(schedule_hyper or {})
        self.noise = noise or Noise()
        self.sigma = self.noise.sigma if self.noise.mode == "gaussian" else 0.3
        self.batch = self.noise.batch if self.noise.mode == "minibatch" else 8
        self.speed = float(min(max(speed, SPEED_RANGE[0]), SPEED_RANGE[1]))
        self.selected = 0
        self.expr_error = ""
        self.surface_version = 0
        self.race_version = 0
        self.spec: SurfaceSpec
        self.start: tuple[float, float]
        if surface is not None:
            self.set_surface(surface, start=start)
        else:  # the first screen: rosenbrock, or whatever surface works
            self._builds.first([DEFAULT_SURFACE, *registry.surfaces, "expr:x**2 + y**2"], start)
        for failure in registry.failures:
            self.notify(f"plugin {failure.plugin} failed to load: {failure.reason}", "error", 12)

    # -- what the rooms hold, read (and set) here as before ------------------------------------
    race = _room("_runner", "race", "The race now (a new one when the surface or balls change).")
    playing = _room("_runner", "playing")
    horizon = _room("_runner", "horizon", "The step this run pauses at.")
    rate = _room("_runner", "rate", "Race steps per second actually achieved.")
    step_cost = _room("_runner", "step_cost", "Seconds per race step, measured as it runs.")
    timer = _room("_runner", "timer", "The clock step costs are measured with.")
    ahead = _room("_runner", "ahead", "A slow surface's steps computed on a helper thread.")
    stepping_ahead = _room("_runner", "stepping_ahead", "Stepping ahead now (a slow surface).")
    _ahead = property(lambda self: self._runner.gradients.pending)  # a step being computed
    inspection: CriticalPoint | None = _room("_inspector", "inspection")
    inspect_error = _room("_inspector", "error")
    pending_surface = _room("_builds", "pending", "A family's surface being built.")
    jobs = _room("_builds", "jobs", "The worker slow surfaces are built in.")
    path_live = _room("_paths", "live", "The followed run's lab still extends its path.")
    path_version = _room("_paths", "version", "Goes up when the followed path changes.")
    kinds = _room("_labels", "kinds", "A label of its own (sgd_fast) → the optimizer it races.")
    messages: list[Message] = _room("_notices", "items", "The notices, oldest first.")
    schedule = _room("_schedule", "name", "The learning-rate schedule's name.")
    schedule_hyper = _room("_schedule", "hyper", "Its values the user set (the rest: defaults).")

    # -- messages -----------------------------------------------------------------------------
    def notify(
        self, text: str, level: str = "info", seconds: float = 5.0, *, of_race: bool = False
    ) -> None:
        """Show ``text`` for ``seconds``; ``of_race``: it is about the race now, and goes when
        the race restarts or is rebuilt."""
        self._notices.add(text, level, self.clock + seconds, of_race)

    def live_messages(self) -> list[Message]:
        return self._notices.live(self.clock)

    # -- surface ------------------------------------------------------------------------------
    def set_surface(self, name: str, start: tuple[float, float] | None = None) -> None:
        """Switch surface (a registered name or ``expr:FORMULA``). A bad name or formula, or a
        surface whose function raises, leaves everything as it was and raises ValueError or
        UnknownName with one sentence."""
        spec = usable_surface(self.registry, name, start)
        self.spec = spec
        self.expr_error = ""
        self._races.retune(self.hyper, spec, self.pinned, self.optimizer_of)
        if self.noise.mode == "minibatch" and not spec.has_data:
            self.noise = Noise()
            self.notify(t("landscape.noise_off"))
        self.start = start if start is not None else _default_start(spec)
        self._inspector.close()
        self.surface_version += 1
        self._build_race()

    def try_expression(self, text: str) -> bool:
        """Switch to the formula ``text``; on a bad formula keep the surface and say why."""
        self.expr_error = self._builds.expression(text)
        return not self.expr_error

    def request_surface(self, name: str) -> bool:
        """Switch to ``name``. A family's surface other than a formula (``net:moons`` trains a
        real net first) is built in a worker while the app goes on, then switched to; True when
        the switch happened at once."""
        return self._builds.request(name)

    # -- the race -----------------------------------------------------------------------------
    def _build_race(self) -> None:
        """A fresh race with the enabled optimizers; one whose plugin cannot start is left out."""
        settings = (self.hyper, self.start, self.noise, self.seed, self.optimizer_of)
        race, self.enabled = self._races.build(self.spec, list(self.enabled), *settings)
        self._runner.begin(race)
        self._notices.forget_race()
        self.race_version += 1
        self.selected = min(self.selected, max(0, len(race.balls) - 1))
        self._schedule.apply(self.race)

    def ball_index(self, label: str) -> int | None:
        labels = [ball.label for ball in self.race.balls]
        return labels.index(label) if label in labels else None

    def optimizer_of(self, label: str) -> str:
        """The optimizer a ball's label races (``sgd_fast`` → ``sgd``; a name → itself)."""
        return self._labels.optimizer_of(label)

    def colour_index(self, label: str) -> int:
        """A ball's colour (``BallLabels.colour_index``)."""
        return self._labels.colour_index(label)

    def set_enabled(self, label: str, on: bool) -> None:
        """Add or remove a ball (the race restarts from the same start); a labelled ball taken
        off is gone (its optimizer's own tick stays)."""
        known = label in self.registry.optimizers or label in self.kinds
        if not known or (label in self.enabled) == on:
            return
        selected_name = label if on else self.selected_name()
        self._labels.toggle(label, on, self.enabled, self.hyper)
        self._build_race()
        idx = self.ball_index(selected_name) if selected_name else None
        self.selected = idx if idx is not None else 0

    def add_copy(self, label: str) -> str | None:
        """A second ball of ``label``'s optimizer with the same hyperparameters, labelled
        ``sgd_2`` …, racing at once and selected (its sliders are its own); its label."""
        if label not in self.enabled:
            return None
        new = self._labels.copy(label, self.hyper, self.arrows_for)
        self.set_enabled(new, True)
        return new if new in self.enabled else None

    def rename(self, label: str, new: str) -> str | None:
        """Call the ball ``label`` ``new`` (what lessons read as ``new.loss``); the sentence why
        not, or None when done. The race goes on."""
        new = new.strip()
        if new == label:
            return None
        refusal = self._labels.refusal(label, new, self.enabled)
        if refusal:
            return refusal
        self._labels.rename_with(label, new, self.hyper, self.arrows_for)
        self.enabled[self.enabled.index(label)] = new
        i = self.ball_index(label)
        if i is not None:
            ball = self.race.balls[i]
            ball.label = ball.config.label = new
        self.race_version += 1
        return None

    def selected_name(self) -> str | None:
        """The selected ball's label."""
        if 0 <= self.selected < len(self.race.balls):
            return self.race.balls[self.selected].label
        return None

    def select(self, index: int) -> None:
        if 0 <= index < len(self.race.balls):
            self.selected = index

    def set_hyper(self, name: str, key: str, value: float) -> bool:
        """Change one ball's hyperparameter (``name``: its label), mid-run if it is racing. A
        value the maths forbids is refused with a message (False); one outside the slider's
        range runs as given, with a note."""
        spec = self.registry.optimizers[self.optimizer_of(name)]
        if key not in spec.hyper:
            raise ValueError(f"{name} has no hyperparameter {key!r}")
        try:
            value, note = checked_hyper(spec, name, key, value)
        except ValueError as exc:
            self.notify(str(exc), "error", 8)
            return False
        if note:
            self.notify(note)
        self.hyper[name][key] = value
        i = self.ball_index(name)
        if i is not None:  # racing: an lr change takes the schedule's curve from the cache
            self.race.set_hyper(i, key, value)
        return True

    # -- schedule, noise, speed ---------------------------------------------------------------
    def set_schedule(self, name: str, hyper: dict[str, float] | None = None) -> None:
        """Race on the schedule ``name`` (``ScheduleChoice.choose``), mid-run."""
        if self._schedule.choose(name, hyper):
            self._schedule.apply(self.race)

    def schedule_values(self) -> dict[str, float]:
        return self._schedule.values()

    def schedule_preview(self) -> np.ndarray | None:
        """lr / lr₀ over the run for the current schedule (None for constant)."""
        return self._schedule.preview()

    def set_noise(self, mode: str, value: float | None = None) -> None:
        """``none``, ``gaussian`` (value = σ) or ``minibatch`` (value = batch size)."""
        if mode == "minibatch" and not self.spec.has_data:
            self.notify(t("landscape.minibatch_needs_data", surface=self.spec.name), "error")
            return
        self.sigma, self.batch = noise_values(mode, value, self.sigma, self.batch)
        self.noise = Noise(mode, sigma=self.sigma, batch=self.batch)
        self.race.noise = self.noise

    def set_speed(self, steps_per_second: float) -> None:
        self.speed = float(min(max(steps_per_second, SPEED_RANGE[0]), SPEED_RANGE[1]))

    # -- running ------------------------------------------------------------------------------
    def play(self) -> None:
        self._runner.play()

    def pause(self) -> None:
        self._runner.pause()

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
        self._runner.restarted()
        self.race_version += 1
        self._notices.forget_race()

    def update(self, dt: float) -> int:
        """Advance model time by ``dt`` seconds; returns the race steps taken."""
        self.clock += dt
        if self.pending_surface:
            self._builds.take_built()
        self._paths.update(self.clock)
        return self._runner.advance(dt, self.speed, self._run_steps)

    def _run_steps(self, n: int) -> int:
        """``n`` race steps now (``bench frames`` wraps this to time the simulation)."""
        return self._runner.run_steps(n)

    # -- inspector ----------------------------------------------------------------------------
    def inspect(self, x: float, y: float, snap: float = 0.0) -> None:
        """The Hessian at (x, y); with ``snap`` > 0, at the critical point Newton's method finds
        within that distance, if any (a click is never exactly on a saddle)."""
        self._inspector.inspect(self.spec, x, y, snap)

    def inspect_ball(self, index: int) -> None:
        """The Hessian where a ball is now (a stalled ball: is it a minimum or a saddle?)."""
        if 0 <= index < len(self.race.balls):
            self.selected = index
            x, y = self.race.positions[-1, index]
            self.inspect(x, y)

    def close_inspector(self) -> None:
        self._inspector.close()

    def start_from_inspection(self, nudge_fraction: float = 0.01) -> None:
        """Start every ball at the inspected point, nudged along the escape direction if any."""
        point = self._inspector.start_point(self.spec, nudge_fraction)
        if point is not None:
            self.set_start(*point)
            self.play()

    # -- reading ------------------------------------------------------------------------------
    def exit_point(self, index: int) -> tuple[float, float]:
        """Where a diverged ball left the surface's domain (its last point inside it)."""
        return R.exit_point(self.race, self.spec, index)

    def readout(self) -> list[BallReadout]:
        """Each ball's numbers now (stepping ahead: the newest row whose loss is known)."""
        return R.ball_rows(self.race, self.colour_index, self.stepping_ahead)

    def surface_title(self) -> str:
        if self.spec.name.startswith("expr:"):
            return "custom"
        return self.spec.name

    def export_csv(self, folder: Path | str = ".") -> Path | None:
        """The race as a CSV file in ``folder`` (None, said, when it cannot be written)."""
        return R.export_csv(self.race, self.surface_title(), folder, self.notify)

    # -- the setup (everything a user can set) -------------------------------------------------
    def setup(self) -> LandscapeSetup:
        """Everything the user set, as a setup file writes it (``landscape_setup.setup_of``)."""
        return setup_of(self)

    def apply(self, setup: LandscapeSetup) -> None:
        """Put ``setup`` in place: everything is checked first (SetupError, one sentence, and
        nothing changes), then the race is rebuilt once."""
        spec, start = checked_surface(setup, self.registry)
        hyper = self._races.fresh_hyper(spec, self.pinned)
        kinds = ball_settings(setup, hyper)  # checked above: run as given
        sched = self.registry.schedule(setup.schedule.name)
        # -- everything is valid: change
        self.spec, self.expr_error, self.start = spec, "", start
        self.hyper, self.kinds = hyper, kinds
        self.enabled = [ball.key for ball in setup.optimizers]
        self.schedule = sched.name
        self.schedule_hyper = {k: float(v) for k, v in setup.schedule.values.items()}
        self.sigma, self.batch = float(setup.sigma), int(setup.batch)
        self.noise = Noise(setup.noise, sigma=self.sigma, batch=self.batch)
        self.arrow_kinds = {k: k in setup.arrows for k in ARROW_KINDS}
        self.arrows_for = {
            n: n not in setup.arrows_hidden for n in [*self.optimizer_names, *self.kinds]
        }
        self.seed, self.speed = int(setup.seed), float(setup.speed)
        self._inspector.close()
        self.surface_version += 1
        self._build_race()

    def warm(self, setup: LandscapeSetup) -> None:
        """Compute ahead what applying ``setup`` will need, so a lesson's next step is quick."""
        self._races.warm(setup)

    # -- the path a Network-lab run took -----------------------------------------------------
    def follow(self, surface: str, source: Callable[[], np.ndarray | None]) -> None:
        """Draw the training path ``source()`` gives ((T, 2) on ``surface``'s plane; None once
        the run moved on) whenever ``surface`` is shown, extended as the run goes on."""
        self._paths.follow(surface, source, self.clock)

    @property
    def run_path(self) -> np.ndarray | None:
        """(T, 2): the followed run's path, while its surface is the one shown."""
        return self._paths.path_on(self.spec.name)

    # -- live numbers (lesson captions and ``expect`` conditions) --------------------------------
    @staticmethod
    def readout_names(registry: Registry) -> frozenset[str]:
        """Every live number a Landscape can provide, before it runs (``number_names``)."""
        return R.number_names(registry)

    def readouts(self, names: Iterable[str] | None = None) -> dict[str, float | int | bool]:
        """The live numbers of the race now (``live_numbers``); ``names``: only these."""
        return R.live_numbers(self.race, self.spec, names)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until a slow surface (a real net's loss) is built (headless; the SceneModel's)."""
        end = time.monotonic() + timeout
        while self.pending_surface and time.monotonic() < end:
            self.update(0.0)  # takes a built surface in (no time passes: no race steps)
            time.sleep(0.01)

    def close(self) -> None:
        self._runner.close()
        self._builds.close()
