"""The Network lab's state, without pygame: the settings the user chose, one trainer per net (two
in side-by-side mode) and their newest snapshots.

Every change of a setting restarts the run(s) with the new configuration; a mistake (a value the
backend refuses, a broken plugin) becomes a message and the previous run goes on. Everything is
checked before any worker starts; a worker that died is replaced by the next change or reset.

Side by side is a fair race: the two nets take the same mini-batches (same data, same seed) in
lockstep, a chunk of steps each, the next chunk only once both are done with the last one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer import setups
from explorer.app.scenes.network.comparison import (
    COMPARE_DEFAULT_B,
    COMPARE_KEYS,
    describe,
    setup_compare,
    show,
    variant,
)
from explorer.app.scenes.network.hessian_request import HessianRequest
from explorer.app.scenes.network.message_text import message_text
from explorer.app.scenes.network.pacer import Pacer
from explorer.app.scenes.network.path_save import PathSave
from explorer.app.scenes.network.readouts import readout_names, snapshot_readouts
from explorer.app.scenes.network.resume import Resume
from explorer.app.scenes.network.setup_config import config_of, setup_fields
from explorer.app.scenes.network.sharpness_switch import SharpnessSwitch
from explorer.app.scenes.network.view_keys import ViewKeys
from explorer.app.ui import i18n
from explorer.knob_text import Pick, Spec
from explorer.plugins import Registry
from explorer.setups import SetupError, knob
from explorer.training import INITS, Checked, Snapshot, TrainConfig, Trainer, prepare
from explorer.training.config import LOSSES, NORMALIZE, apply_suggested, describe_suggested
from explorer.training.pool import POOL
from explorer.training.ranges import within
from explorer.training.sharpness import MAX_EVERY
from explorer.training.worker import sentence

DEFAULT = TrainConfig(
    dataset="digits",
    depth=8,
    width=32,
    activation="sigmoid",
    optimizer="sgd",
    optimizer_hyper={"lr": 0.1},
    epochs=40,
    batch_size=64,
    device="auto",
)
SPEEDS = (None, 200.0, 50.0, 10.0, 2.0)  # mini-batches per second; None: as fast as it trains
SPEED_RANGE = (0.1, 10_000.0)
MAX_FOLDS = 20  # the largest K of K-fold cross-validation a setup may ask for


@dataclass(frozen=True)
class NetworkSetup:
    """Everything a user can set in the Network lab (the keys of ``--set`` and of a setup file,
    named as ``train``'s options). ``compare`` = KEY:VALUE shows a second net, B, that differs
    from A in that one setting; ``off`` shows one net."""

    dataset: str = knob(DEFAULT.dataset, names="datasets")
    batch_size: int = knob(DEFAULT.batch_size, within=within("batch_size"))
    depth: int = knob(DEFAULT.depth, within=within("depth"))
    width: int = knob(DEFAULT.width, within=within("width"))
    activation: str = knob(DEFAULT.activation, names="activations", listed=True)
    init: str = knob(DEFAULT.init, choices=INITS)
    batch_norm: bool = knob(DEFAULT.batch_norm)
    residual: bool = knob(DEFAULT.residual)
    dropout: float = knob(DEFAULT.dropout, within=within("dropout"))
    input_dropout: float = knob(DEFAULT.input_dropout, within=within("input_dropout"))
    l1: float = knob(DEFAULT.l1, low=0.0)
    l2: float = knob(DEFAULT.l2, low=0.0)
    patience: int | None = knob(DEFAULT.patience, within=within("patience"), none="off")
    epochs: int = knob(DEFAULT.epochs, within=within("epochs"))
    loss: str = knob(DEFAULT.loss, choices=LOSSES, doc="auto, ce (cross-entropy) or mse")
    normalize: str = knob(DEFAULT.normalize, choices=NORMALIZE)
    folds: int = knob(DEFAULT.folds, low=1, high=MAX_FOLDS, doc="K of K-fold validation")
    fold: int = knob(DEFAULT.fold, low=0, high=MAX_FOLDS - 1, doc="the fold that validates, from 0")
    test_shift: float = knob(DEFAULT.test_shift, doc="added to every test input: a mismatch")
    data: str | None = knob(
        None, none="off", file=True, doc="a CSV file of your own points (not dataset)"
    )
    data_sha256: str | None = knob(None, none="off", doc="the CSV's checksum when it was saved")
    val_fraction: float = knob(
        DEFAULT.val_fraction, low=0.0, high=0.6, doc="the share of the samples that validates"
    )
    optimizer: Spec = knob(
        Spec(DEFAULT.optimizer, dict(DEFAULT.optimizer_hyper)), names="optimizers"
    )
    schedule: Spec = knob(Spec(DEFAULT.schedule), names="schedules")
    seed: int = knob(DEFAULT.seed, low=0, high=2**32 - 1)
    speed: float | None = knob(None, low=SPEED_RANGE[0], high=SPEED_RANGE[1], none="max")
    compare: Pick | None = knob(None, keys=COMPARE_KEYS, none="off")
    sharpness: int | None = knob(None, low=1, high=MAX_EVERY, none="off")  # λ_max every k steps
    big_maps: bool = knob(False, doc="the view for what each neuron computes: maps up to 48 px")


# seconds one training step may take in the app: a plugin that stalls (sleeps, loops) is stopped
# with the reason. The frame never waits on the worker anyway; this keeps the lab usable. The
# biggest net the lab offers (12 × 128, batch 256, batch norm, dropout) takes ~40 ms a step on a
# busy 2-core machine, an epoch's last step a little more (it evaluates both splits).
STEP_BUDGET = 1.0


class NetworkModel(SharpnessSwitch, ViewKeys):
    """``configs`` (one, or two in side-by-side mode), their ``trainers`` and ``snapshots``.

    ``backend`` "process" keeps training off the UI's core (the app); "thread" starts at once
    (tests, headless rendering). ``make_trainer`` may replace how trainers are built."""

    def __init__(
        self,
        registry: Registry,
        config: TrainConfig = DEFAULT,
        *,
        backend: str = "process",
        side_by_side: bool = False,
        compare: str = "activation",
        compare_value: Any = None,
        make_trainer: Callable[[Checked], Trainer] | None = None,
    ) -> None:
        self.registry = registry
        self.backend = backend
        if backend == "process":  # behind its tab the run goes on (the Landscape draws its
            POOL.keep_going("network")  # path) while the pool has room for it
        self._make = make_trainer or self._default_trainer
        if compare not in COMPARE_KEYS:
            raise ValueError(
                f"side by side compares one of {', '.join(COMPARE_KEYS)}, not {compare!r}"
            )
        self.config = config
        self.side_by_side = side_by_side
        self.compare = compare
        self.compare_value = COMPARE_DEFAULT_B[compare] if compare_value is None else compare_value
        self._checked = self.validate(self.configs())  # every mistake before any worker starts
        self._pacer = Pacer()  # the steps handed out in the frame
        self.playing = False
        self.speed: float | None = None
        self.message = ""
        self.message_kind = "info"
        self.version = 0  # goes up whenever the runs restart
        self._path_save = PathSave()  # "Landscape of this net": a path being saved
        self.trainers: list[Trainer] = []
        self.snapshots: list[Snapshot] = []
        self._hessian = HessianRequest()  # "Hessian here"
        self._told_lost = -1  # the version whose lost worker was put into words
        self.recorded: list[Snapshot] | None = None  # a prepared step's (``show_recorded``)
        self._resume = Resume()  # Play or a step during a replay: on from the replayed step
        self._restart()

    # -- configurations ---------------------------------------------------------------------
    def _default_trainer(self, config: Checked) -> Trainer:
        return Trainer(
            config,
            self.registry,
            backend=self.backend,
            publish_hz=30.0,
            step_budget=STEP_BUDGET if self.backend == "process" else None,
            owner="network",  # a lesson applies its setup before the lab's tab is shown
        )

    def validate(self, configs: list[TrainConfig]) -> list[Checked]:
        """Raise ValueError (one sentence) unless every configuration can train: the one place
        the Network lab's settings are checked, once per change (the trainers take the
        ``Checked`` configurations as they are)."""
        return [prepare(cfg, self.registry) for cfg in configs]

    def configs(self) -> list[TrainConfig]:
        if not self.side_by_side:
            return [self.config]
        return [self.config, self.variant(self.config)]

    def variant(
        self, config: TrainConfig, compare: str | None = None, value: Any = None
    ) -> TrainConfig:
        """The B side: ``config`` with the compared setting changed (same data, same seed)."""
        value = self.compare_value if value is None else value
        return variant(self.registry, config, compare or self.compare, value)

    def labels(self) -> list[str]:
        if not self.side_by_side:
            return [describe(self.config)]
        a, b = self.configs()
        return [f"A · {show(self.compare, a)}", f"B · {show(self.compare, b)}"]

    def set(self, **changes: Any) -> bool:
        """Change settings of the A side (and so of B); restarts the runs. False (and a message)
        if the backend refuses the new configuration."""
        took: dict[str, Any] = {}
        try:
            config = self.config.replace(**changes)
            new = changes.get("dataset")
            if new is not None and new != self.config.dataset:
                # a dataset picked brings the settings that train it well (the spiral needs a
                # wider ReLU net than the digits' default): knobs changed with it stay
                suggested = getattr(self.registry.dataset(new), "suggested", None) or {}
                config, took = apply_suggested(config, suggested, changes, new)
            checked = self.validate(
                [config, self.variant(config)] if self.side_by_side else [config]
            )
        except Exception as exc:  # noqa: BLE001 - one sentence, the previous run goes on
            self.notify(sentence(exc), "error")
            return False
        self.config, self._checked = config, checked
        self._restart()
        if took:  # said after the restart, which clears the last message
            self.notify(f"{config.dataset}: its suggested settings, {describe_suggested(took)}")
        return True

    def set_side_by_side(self, on: bool, compare: str | None = None, value: Any = None) -> bool:
        old = (self.side_by_side, self.compare, self.compare_value)
        if compare is not None:
            if compare not in COMPARE_KEYS:
                self.notify(i18n.t("network.compare_one_of", keys=", ".join(COMPARE_KEYS)), "error")
                return False
            if compare != self.compare:
                self.compare_value = COMPARE_DEFAULT_B[compare]
            self.compare = compare
        if value is not None:
            self.compare_value = value
        self.side_by_side = bool(on)
        try:
            checked = self.validate(self.configs())
        except Exception as exc:  # noqa: BLE001
            self.side_by_side, self.compare, self.compare_value = old
            self.notify(sentence(exc), "error")
            return False
        self._checked = checked
        self._restart()
        return True

    # -- runs -------------------------------------------------------------------------------
    def show_recorded(self, snapshots: list[Snapshot]) -> None:
        """Show a prepared run's ``snapshots`` (its trainers', bit for bit) until the teacher acts."""
        self.recorded = [
            dataclasses.replace(snap, ack=t.sent)
            for snap, t in zip(snapshots, self.trainers, strict=False)
        ]
        self.snapshots = self.recorded

    def _live(self, then: Callable[[], None]) -> bool:
        """Leave a recorded run: True if the trainers catch up with it first, then ``then``."""
        shown, self.recorded = self.recorded, None
        if shown is not None:
            self._restart()
        return self._resume.begin(shown, self.trainers, then)

    def _restart(self) -> None:
        self.recorded = self._resume.shown = self._resume.then = None
        if [c.config for c in self._checked] != self.configs():  # ``config`` set from outside
            self._checked = self.validate(self.configs())
        configs = self._checked  # checked when they were set: not again on their way
        # a live worker is told to reset; one that died (or was stopped) is replaced; one too
        # many ends: going side by side starts one new worker (the spare started ahead), not two
        keep = [t for t in self.trainers if t.alive][: len(configs)]
        for t in self.trainers:
            if t not in keep:
                t.stop(wait=False)  # (ends in the background: a → never waits for it)
        made: list[Trainer] = []
        try:
            for cfg in configs[len(keep) :]:
                made.append(self._make(cfg))
        except BaseException:
            for t in keep + made:  # all or nothing: no worker left running behind an error
                t.stop()
            self.trainers = []
            raise
        for trainer, cfg in zip(keep, configs, strict=False):
            trainer.reset(cfg)
        self.trainers = keep + made
        self._send_sharpness()  # a new worker does not know it yet; the others keep it
        self._pacer.restart()
        self._hessian.clear()
        self.snapshots = [t.latest() for t in self.trainers]
        self.version, self.message = self.version + 1, ""
        if self.playing:
            self._go()

    @property
    def lockstep(self) -> bool:
        """Two nets: ``update`` hands out the steps, the same number to each, in turn."""
        return len(self.trainers) > 1

    def _go(self) -> None:
        """Let one trainer run free; two, or a set speed, get their steps from ``update``."""
        self._pacer.budget = 0.0
        if self.speed is None and not self.lockstep:
            for t in self.trainers:
                t.start()  # starts an idle run, resumes a paused one

    def play(self) -> None:
        if self._live(self.play):
            return
        self.playing = True
        if not self._revive():
            self._go()

    def _revive(self) -> bool:
        """A net whose worker ended (killed, crashed) has nothing to resume: Play (or a step)
        starts the run(s) again from step 0, as the message said it would. True if it did."""
        if all(t.alive for t in self.trainers):
            return False
        self._restart()
        return True

    def set_speed(self, speed: float | None) -> None:
        """Mini-batches per second while playing (None: as fast as it trains): slow enough to
        watch each mini-batch's thinner network, or flat out."""
        self.speed = None if speed is None else max(0.1, float(speed))
        if self.playing:
            if self.speed is not None and not self.lockstep:  # a free run becomes handed steps
                for t in self.trainers:
                    t.pause()
            self._go()

    def pause(self) -> None:
        self.playing = False
        if self.lockstep:
            return  # the chunk under way ends on the same step for both; none follows
        for t in self.trainers:
            t.pause()

    def toggle_play(self) -> None:
        if self.playing:
            self.pause()
        else:
            self.play()

    def step(self, n: int = 1) -> None:
        """``n`` mini-batches on every net, then paused."""
        if self._live(lambda: self.step(n)):
            return
        self.playing = False
        self._pacer.chunk_sent = 0.0
        self._revive()
        if self.lockstep:  # handed out by ``update`` once both nets are between chunks
            self._pacer.manual += n
            self.update()
            return
        for t in self.trainers:
            t.pause()
            t.step(n)

    def reset(self) -> None:
        self._restart()

    def update(self, dt: float = 0.0) -> None:
        """Read the newest snapshots (never waits); at a set speed, hand out the steps due."""
        if self.recorded is not None:  # a prepared step: the trainers wait at the start
            self.snapshots = self.recorded
            return
        self.snapshots = self._resume.picture([t.latest() for t in self.trainers])
        self._tell_lost()
        self.playing = self.playing and not all(s.finished for s in self.snapshots)
        self._hessian_update()
        pairs = [
            (t, s) for t, s in zip(self.trainers, self.snapshots, strict=True) if not s.finished
        ]
        self._pacer.hand_out(pairs, self.playing, self.speed, self.lockstep, dt)

    def _tell_lost(self) -> None:
        """A net whose worker ended is said once, in one sentence; side by side the race stops
        there (one net running on alone is no fair race) and the button says so."""
        lost = [k for k, t in enumerate(self.trainers) if not t.alive]
        if not lost or self._told_lost == self.version:
            return
        self._told_lost = self.version
        self.playing, self._pacer.manual = False, 0
        for t in self.trainers:
            t.pause()
        k = lost[0]
        reason = message_text(self.snapshots[k].message) or "?"
        if self.lockstep:
            self.notify(i18n.t("network.worker_lost_pair", net="AB"[k], reason=reason), "error")
        else:
            self.notify(i18n.t("network.worker_lost", reason=reason), "error")

    def wait(self, timeout: float = 60.0) -> None:
        """Block until every trainer has applied what it was told (headless rendering, tests)."""
        if self.recorded is not None:
            return
        self.snapshots = [t.wait(timeout) for t in self.trainers]
        if self._pacer.manual or self._hessian.wanted or self._resume.then:
            self.update()
            self.snapshots = [t.wait(timeout) for t in self.trainers]
        self._hessian_update()

    # -- Hessian here --------------------------------------------------------------------------
    def ask_hessian(self) -> None:
        """Pause, and ask every net (side by side: both, each its own) for the Hessian of its
        training loss at its weights now (``HessianRequest``)."""
        if self.hessian_busy():
            return
        self.pause()
        self._hessian.wanted = True
        self.notify(i18n.t("network.hessian_asking"))
        self.update()

    def hessian_busy(self) -> bool:
        """Asked and not yet answered (by a net whose worker is alive)."""
        return self._hessian.busy(self.trainers, self.snapshots)

    def _hessian_update(self) -> None:
        said = self._hessian.update(self.trainers, self.snapshots, self.version)
        if said is not None:
            self.notify(*said)

    def notify(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def close(self) -> None:
        for t in self.trainers:
            t.stop()
        self.trainers = []

    # -- "Landscape of this net" --------------------------------------------------------------
    def save_landscape(self) -> None:
        """Ask net A's worker to save its weights' path so far as a run file (``PathSave``);
        ``landscape_ready()`` says when it is written."""
        if not self.trainers:
            self.notify("no net is training", "error")
            return
        self.notify(self._path_save.start(self.trainers[0], self.config.dataset, self.version))

    @property
    def landscape_pending(self) -> bool:
        return self._path_save.pending

    def landscape_ready(self) -> tuple[str, str] | None:
        """After ``save_landscape``: None while the worker writes; then ``(surface, file)``, or
        ``("", why)`` when nothing was written (the why is also the lab's message)."""
        snap = self.snapshots[0] if self.snapshots else None
        alive = bool(self.trainers) and self.trainers[0].alive
        outcome = self._path_save.outcome(snap, alive, self.version)
        if outcome is None:
            return None
        surface, file, said = outcome
        self.notify(said, "info" if surface else "error")
        return surface, file

    def path_on(self, file: str) -> np.ndarray | None:
        """Net A's training path on the plane saved in ``file`` ((T, 2), growing as it trains);
        None once the run has restarted (its path is on no saved plane). Read from the trainer
        itself: the Landscape asks while the lab's own tab is hidden and not updating."""
        snap = self.trainers[0].latest() if self.trainers else None
        if snap is None or snap.path_file != file:
            return None
        return snap.path_xy

    # -- the setup (everything a user can set) -----------------------------------------------
    def setup(self) -> NetworkSetup:
        compare = (self.compare, self.compare_value) if self.side_by_side else None
        fields = setup_fields(self.config, self.registry, speed=self.speed, compare=compare)
        return NetworkSetup(**fields, sharpness=self.sharpness, big_maps=self.big_maps)

    def apply(self, setup: NetworkSetup) -> None:
        """Put ``setup`` in place and restart the run(s); everything is checked first (SetupError,
        one sentence: the current run goes on untouched)."""
        setups.check(setup, self.registry)
        config = config_of(setup, self.config)
        side, compare, value = setup_compare(setup.compare, self.compare, self.compare_value)
        try:
            checked = self.validate(
                [config, self.variant(config, compare, value)] if side else [config]
            )
        except (ValueError, LookupError) as exc:
            raise SetupError(sentence(exc), None) from None
        # -- everything is valid: change
        self.config, self._checked = config, checked
        self.side_by_side, self.compare, self.compare_value = side, compare, value
        self.sharpness, self.big_maps = setup.sharpness, setup.big_maps  # λ_max: from step 0
        self._restart()
        self.set_speed(setup.speed)

    # -- reading ----------------------------------------------------------------------------
    def step_count(self) -> int:
        """The one step counter: side by side, the steps both nets have taken."""
        return min((s.step for s in self.snapshots), default=0)

    def device(self) -> str:
        devices = {s.device for s in self.snapshots if s.device}
        return ", ".join(sorted(devices)) or i18n.t("network.starting")

    # -- live numbers (lesson captions and ``expect`` conditions) ----------------------------
    @staticmethod
    def readout_names() -> frozenset[str]:
        """Every live number a Network lab can provide, before it runs."""
        return readout_names()

    def readouts(self) -> dict[str, Any]:
        """The live numbers of the run(s) now, from the newest snapshots (A's; B's as ``b.*``;
        see ``snapshot_readouts``)."""
        out: dict[str, Any] = {}
        for snap, prefix in zip(self.snapshots, ("", "b."), strict=False):
            out |= snapshot_readouts(snap, prefix)
        return out

    def settled(self) -> bool:
        """Every net has done what it was told (a lesson waits for this; the scene stops drawing
        while it holds): its snapshot is in and it is not running, or its worker died (said)."""
        return all(
            (s.ack >= t.sent or not t.alive) and s.state not in ("starting", "running")
            for t, s in zip(self.trainers, self.snapshots, strict=False)
        )
