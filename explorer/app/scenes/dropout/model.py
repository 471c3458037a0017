"""The Dropout scene's state and rules, without pygame: a small net trained live with dropout (a
new thinned network every mini-batch), and the ensemble of all thinned networks of two small nets.
Every computation runs off the UI thread as a job (``explorer.training.jobs``); the model only
sends jobs and takes in their newest answers, so ``update`` never waits.

Everything a user can set is a ``DropoutSetup`` (``setup()`` / ``apply()``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from explorer.app.ui.i18n import t
from explorer.plugins import Registry
from explorer.training.config import SEED_MAX
from explorer.training.dropout_numbers import (
    LIVE_CONFIG,
    EnsembleNet,
    LiveView,
    ensemble_job,
    live_job,
)
from explorer.training.jobs import JobRunner, nothing

P_RANGE = (0.05, 0.9)  # the dropout rates the scene shows (2^12 thinned nets stay countable)
SPEED_RANGE = (0.5, 30.0)  # mini-batches per second
SETTLE_S = 0.25  # a new p from the slider restarts the nets once the slider rests
MAX_STEPS_PER_JOB = 8  # a live job that lags drops steps, never piles them up
MAX_LOST = 2  # live workers lost in a row before the scene stops starting new ones


@dataclass(frozen=True)
class DropoutSetup:
    """Everything a user can set in the Dropout scene."""

    p: float = LIVE_CONFIG.dropout  # the dropout rate of every hidden layer
    dataset: str = LIVE_CONFIG.dataset
    speed: float = 3.0  # mini-batches per second while playing
    playing: bool = True
    seed: int = LIVE_CONFIG.seed


def usable_datasets(registry: Registry) -> list[str]:
    """The 2-input classification datasets (the drawings show two inputs, the table two classes)."""
    names = [
        name
        for name, spec in registry.datasets.items()
        if spec.task == "classification" and getattr(spec, "input_dim", 2) == 2
    ]
    return names or [LIVE_CONFIG.dataset]


class DropoutModel:
    """The live net's newest ``view`` and counters, the ``ensemble`` nets, and the settings."""

    def __init__(
        self, registry: Registry, backend: str = "process", setup: DropoutSetup | None = None
    ) -> None:
        self.registry = registry
        self.jobs = JobRunner(registry, backend=backend, owner="dropout")
        self.datasets = usable_datasets(registry)
        base = setup or DropoutSetup()
        if base.dataset not in self.datasets:
            base = DropoutSetup(**{**_as_dict(base), "dataset": self.datasets[0]})
        self.validate(base)
        self.p = self.shown_p = base.p
        self.dataset = base.dataset
        self.rate = base.speed
        self.playing = base.playing
        self.seed = base.seed
        self.clock = 0.0
        self._acc = 0.0
        self._manual = 0  # mini-batches asked for by hand, not yet sent
        self._restart_due = True
        self._pending_p: tuple[float, float] | None = None  # (p, when to apply)
        self.unit: int | None = None
        self._unit_due = False
        self.view: LiveView | None = None
        self.dropped_pairs = self.total_pairs = self.batches = 0
        self.done = False
        self.message = ""
        self._resume_due = False  # the live net's worker was lost: a new one picks up
        self._told_resume = False  # the message says so (kept until the next restart)
        self.ensemble: dict[str, EnsembleNet] = {}
        self.ensemble_error = ""
        self._ensemble_job = 0
        # a prepared lesson step: what it recorded, shown instead of the jobs' answers until the
        # teacher does anything (``show_recorded``); None: the jobs' own
        self.recorded: dict | None = None
        self._at = 0  # leaving a replay: the live net is rebuilt at this mini-batch
        self._start_ensemble()
        self._send_live()

    # -- setups -----------------------------------------------------------------------------
    def setup(self) -> DropoutSetup:
        p = self._pending_p[0] if self._pending_p is not None else self.p
        return DropoutSetup(
            p=p, dataset=self.dataset, speed=self.rate, playing=self.playing, seed=self.seed
        )

    def validate(self, setup: DropoutSetup) -> None:
        """Raise ValueError (one sentence naming the key and the valid values) unless
        ``setup`` can be applied."""
        if not isinstance(setup, DropoutSetup):
            raise ValueError(f"a Dropout setup is a DropoutSetup, not {type(setup).__name__}")
        lo, hi = P_RANGE
        if not _number(setup.p) or not lo <= setup.p <= hi:
            raise ValueError(f"p must be a dropout rate from {lo:g} to {hi:g}, not {setup.p!r}")
        if setup.dataset not in self.datasets:
            raise ValueError(
                f"dataset must be one of {', '.join(self.datasets)}, not {setup.dataset!r}"
            )
        lo, hi = SPEED_RANGE
        if not _number(setup.speed) or not lo <= setup.speed <= hi:
            raise ValueError(
                f"speed must be from {lo:g} to {hi:g} mini-batches a second, not {setup.speed!r}"
            )
        if not isinstance(setup.playing, bool):
            raise ValueError(f"playing must be true or false, not {setup.playing!r}")
        if (
            not isinstance(setup.seed, int)
            or isinstance(setup.seed, bool)
            or not (0 <= setup.seed <= SEED_MAX)
        ):
            raise ValueError(f"seed must be a whole number from 0 to 2^63 − 1, not {setup.seed!r}")

    def apply(self, setup: DropoutSetup) -> None:
        """Put ``setup`` in place: all of it, or (ValueError) nothing."""
        self.validate(setup)
        self._leave_recording()
        new_net = (setup.p, setup.dataset, setup.seed) != (self.p, self.dataset, self.seed)
        self._pending_p = None
        self.p = self.shown_p = setup.p
        self.dataset, self.seed = setup.dataset, setup.seed
        self.rate, self.playing = setup.speed, setup.playing
        if new_net:
            self._restart()

    # -- a prepared run --------------------------------------------------------------------
    def recorded_state(self) -> dict:
        """What the scene draws and the lesson reads (recorded with each frame of a prepared
        run)."""
        return {
            "view": self.view,
            "unit": self.unit,
            "done": self.done,
            "dropped_pairs": self.dropped_pairs,
            "total_pairs": self.total_pairs,
            "batches": self.batches,
            "ensemble": dict(self.ensemble),
            "ensemble_error": self.ensemble_error,
        }

    def show_recorded(self, state: dict, setup: DropoutSetup | None = None) -> None:
        """Show a prepared run's recorded ``state`` (its setup put in place first, nothing
        computed for it) until the teacher does anything: then the live net is rebuilt where
        the replay was (the same numbers: a run is deterministic) and goes on from there. The
        jobs still running for what was shown before are superseded: they would only compete
        for the cores."""
        if setup is not None:
            self.validate(setup)
            self.p = self.shown_p = setup.p
            self.dataset, self.seed, self.rate = setup.dataset, setup.seed, setup.speed
        self._pending_p = None
        self.playing = False
        self.recorded = state
        self.view, self.unit, self.done = state["view"], state["unit"], state["done"]
        self.dropped_pairs, self.total_pairs = state["dropped_pairs"], state["total_pairs"]
        self.batches = state["batches"]
        self.ensemble, self.ensemble_error = dict(state["ensemble"]), state["ensemble_error"]
        self._ensemble_job = -1  # the recording's: no job of this model answers it
        self._restart_due = self._unit_due = self._resume_due = False
        self._acc, self._manual, self.message = 0.0, 0, ""
        for key in ("live", "ensemble"):
            if self.jobs.busy(key):
                self.jobs.submit(key, nothing)

    def _leave_recording(self) -> None:
        """The teacher did something: from the replay's mini-batch on, computed live."""
        if self.recorded is None:
            return
        self.recorded = None
        self._restart_due = True
        self._at = self.view.step if self.view is not None else 0
        if not self.ensemble and not self.ensemble_error:  # recorded before it was in
            self._start_ensemble()

    # -- actions ----------------------------------------------------------------------------
    def _restart(self) -> None:
        self.recorded, self._at = None, 0
        self._restart_due = True
        self._forget_loss()
        self._acc, self._manual = 0.0, 0
        self.unit, self._unit_due = None, False
        self.done = False
        self._start_ensemble()
        self._send_live()

    def pause(self) -> None:
        self.playing = False

    def toggle_play(self) -> None:
        self._leave_recording()
        self.playing = not self.playing
        self._acc = 0.0

    def next_batch(self) -> None:
        self._leave_recording()
        self.playing = False
        self._manual += 1
        self._send_live()

    def reset(self) -> None:
        self.recorded, self._at = None, 0
        self._restart_due = True
        self._forget_loss()
        self._acc, self._manual = 0.0, 0
        self.done = False
        self._send_live()

    def set_rate(self, rate: float) -> None:
        lo, hi = SPEED_RANGE
        self.rate = min(max(float(rate), lo), hi)

    def choose_p(self, p: float) -> None:
        """From the slider: applied once it rests for ``SETTLE_S``."""
        self._leave_recording()
        self.shown_p = p
        self._pending_p = (p, self.clock + SETTLE_S)

    def choose_dataset(self, name: str) -> None:
        if name in self.datasets and name != self.dataset:
            self.dataset = name
            self._restart()

    def select_unit(self, unit: int) -> None:
        if unit != self.unit:
            self._leave_recording()
            self.unit, self._unit_due = unit, True
            self._send_live()

    def apply_pending(self, force: bool = False) -> None:
        if self._pending_p is None or (not force and self.clock < self._pending_p[1]):
            return
        p, self._pending_p = self._pending_p[0], None
        if p != self.p:
            self.p = p
            self._restart()

    def _forget_loss(self) -> None:
        """A restart leaves no lost worker to speak of."""
        self._resume_due = False
        if self._told_resume:
            self.message, self._told_resume = "", False

    # -- jobs -------------------------------------------------------------------------------
    def _start_ensemble(self) -> None:
        self.ensemble, self.ensemble_error = {}, ""
        self._ensemble_retried = False
        self._ensemble_job = self.jobs.submit(
            "ensemble", ensemble_job, self.dataset, self.p, self.seed
        )

    def _send_live(self) -> None:
        """Send the live net what is due, unless a live job is still running (it is short)."""
        steps = min(self._manual + int(self._acc), MAX_STEPS_PER_JOB)
        due = self._restart_due or steps or self._unit_due or self._resume_due
        if not due or self.jobs.busy("live"):
            return
        if self.done and not self._restart_due:
            steps = 0
        self._acc = min(self._acc - int(self._acc), 1.0)  # steps past MAX_STEPS_PER_JOB drop
        self._manual = 0
        keep_unit = (self._unit_due or self._resume_due) and not self._restart_due
        unit = self.unit if keep_unit or self._at else None
        at = 0 if self._restart_due or self.view is None else self.view.step
        if self._restart_due and self._at:  # a replay left: the net rebuilt where it was
            at, self._at = self._at, 0
        self.jobs.submit(
            "live", live_job, self.dataset, self.p, self.seed, steps, unit, self._restart_due, at
        )
        self._sent_restart = self._restart_due
        self._restart_due = self._unit_due = self._resume_due = False

    def _take_answers(self) -> None:
        live = self.jobs.result("live")
        if live is not None and live is not self._last_live:
            self._last_live = live
            self._lost = self._lost + 1 if live.lost else 0
            if live.lost and self._lost > MAX_LOST:  # it dies every time: say so and stop
                self.message, self.playing = t("dropout.could_not_train", reason=live.error), False
            elif live.lost and self._sent_restart:
                self._restart_due = True  # lost on its way to a new net: ask again
            elif live.lost:
                # its worker died: a new one rebuilds the net where it was (the same numbers,
                # a run is deterministic), and the user is told, not left to wonder
                at = self.view.step if self.view is not None else 0
                self.message = t("dropout.worker_lost", reason=live.error, step=at)
                self._resume_due = self._told_resume = True
            elif live.error:
                self.message, self.playing = t("dropout.could_not_train", reason=live.error), False
            elif live.value is not None:
                r = live.value
                if not self._told_resume:
                    self.message = ""
                self.view, self.unit, self.done = r.view, r.unit, r.done
                self.dropped_pairs, self.total_pairs = r.dropped_pairs, r.total_pairs
                self.batches = r.batches
                if r.done:
                    self.playing = False
        ens = self.jobs.result("ensemble")
        if ens is not None and ens.job == self._ensemble_job and ens is not self._last_ensemble:
            self._last_ensemble = ens
            if ens.lost and not self._ensemble_retried:  # its worker died: once more, anew
                self._start_ensemble()
                self._ensemble_retried = True
            elif ens.error:
                self.ensemble_error = t("dropout.error", reason=ens.error)
            elif ens.value is not None:
                self.ensemble = ens.value

    _last_live = _last_ensemble = None
    _sent_restart = False  # the live job under way builds a new net
    _lost = 0  # live jobs lost with their worker in a row
    _ensemble_retried = False  # the ensemble's job was lost with its worker and sent again

    @property
    def ensemble_ready(self) -> bool:
        """The ensemble for the current settings is in (or failed)."""
        if self._ensemble_job == -1:  # a prepared run's
            return True
        last = self._last_ensemble
        return last is not None and last.job == self._ensemble_job

    @property
    def live_ready(self) -> bool:
        return not self.jobs.busy("live")

    def update(self, dt: float) -> None:
        """Advance the clock, hand out the mini-batches due, take in answers; never waits."""
        self.clock += dt
        if self.recorded is not None:  # a prepared step: nothing is computed for it
            return
        self.apply_pending()
        if self.playing and not self.done:
            self._acc += dt * self.rate
        self._take_answers()
        self._send_live()

    def wait(self, timeout: float = 60.0, ensemble: bool = True) -> None:
        """Block until every job sent (and due) is answered, the ensemble's too unless
        ``ensemble`` is False: headless rendering and tests."""
        if self.recorded is not None:
            return
        self.apply_pending(force=True)
        key = None if ensemble else "live"
        for _ in range(3):  # a step asked for while a job ran goes out once that job is done
            self.jobs.wait(key, timeout=timeout)
            self._take_answers()
            self._send_live()
        self.jobs.wait(key, timeout=timeout)
        self._take_answers()

    def close(self) -> None:
        self.jobs.close()

    # -- live numbers (lesson captions and ``expect`` conditions) -----------------------------
    @staticmethod
    def readout_names() -> frozenset[str]:
        return frozenset(DROPOUT_NUMBERS)

    def readouts(self) -> dict[str, float | int | bool]:
        """``p``; ``batches`` trained and ``dropped_fraction`` (dropped / all sample-unit pairs
        over every mini-batch so far); per ensemble net (``linear``, ``sigmoid``) ``X_gap`` (the
        largest gap between the average of all 2^M thinned networks and the weight-scaled one)
        and ``X_networks`` (2^M). A number not computed yet is absent."""
        out: dict[str, float | int | bool] = {"p": float(self.p), "batches": int(self.batches)}
        if self.total_pairs:
            out["dropped_fraction"] = self.dropped_pairs / self.total_pairs
        for name, net in (self.ensemble or {}).items():
            out[f"{name}_gap"] = net.result.max_abs_diff
            out[f"{name}_networks"] = net.result.n_networks
        return out


def _number(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _as_dict(setup: DropoutSetup) -> dict:
    return {f.name: getattr(setup, f.name) for f in fields(setup)}


DROPOUT_NUMBERS = (
    "p",
    "batches",
    "dropped_fraction",
    "linear_gap",
    "sigmoid_gap",
    "linear_networks",
    "sigmoid_networks",
)
