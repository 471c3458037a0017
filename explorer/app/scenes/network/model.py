"""The Network lab's state, without pygame: the settings the user chose, one trainer per net (two
in side-by-side mode) and their newest snapshots.

Every change of a setting restarts the run(s) with the new configuration; a mistake (a value the
backend refuses, a broken plugin) becomes a message and the previous run goes on. Everything is
checked before any worker starts; a worker that died is replaced by the next change or reset.

Side by side is a fair race: the two nets take the same mini-batches (same data, same seed) in
lockstep, a chunk of steps each, the next chunk only once both are done with the last one.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer import setups
from explorer.app.scenes.network.message_text import message_text
from explorer.app.ui import i18n
from explorer.knob_text import Pick, Spec
from explorer.plugins import Registry
from explorer.setups import SetupError, knob
from explorer.training import INITS, Checked, Snapshot, TrainConfig, Trainer, prepare
from explorer.training.config import LOSSES, NORMALIZE, apply_suggested, describe_suggested
from explorer.training.worker import sentence

# What side-by-side mode can vary, and the B side's default value for each.
COMPARE_KEYS = ("activation", "init", "batch_norm", "dropout", "optimizer", "depth")
COMPARE_DEFAULT_B = {
    "activation": "relu",
    "init": "small",
    "batch_norm": True,
    "dropout": 0.5,
    "optimizer": "adam",
    "depth": 2,
}
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
DEPTH_RANGE = (0, 64)
WIDTH_RANGE = (1, 1024)


@dataclass(frozen=True)
class NetworkSetup:
    """Everything a user can set in the Network lab (the keys of ``--set`` and of a setup file,
    named as ``train``'s options). ``compare`` = KEY:VALUE shows a second net, B, that differs
    from A in that one setting; ``off`` shows one net."""

    dataset: str = knob(DEFAULT.dataset, names="datasets")
    batch_size: int = knob(DEFAULT.batch_size, low=1, high=4096)
    depth: int = knob(DEFAULT.depth, low=DEPTH_RANGE[0], high=DEPTH_RANGE[1])
    width: int = knob(DEFAULT.width, low=WIDTH_RANGE[0], high=WIDTH_RANGE[1])
    activation: str = knob(DEFAULT.activation, names="activations")
    init: str = knob(DEFAULT.init, choices=INITS)
    batch_norm: bool = knob(DEFAULT.batch_norm)
    dropout: float = knob(DEFAULT.dropout, low=0.0, below=1.0)
    input_dropout: float = knob(DEFAULT.input_dropout, low=0.0, below=1.0)
    l1: float = knob(DEFAULT.l1, low=0.0)
    l2: float = knob(DEFAULT.l2, low=0.0)
    patience: int | None = knob(DEFAULT.patience, low=1, high=1000, none="off")
    epochs: int = knob(DEFAULT.epochs, low=1, high=10_000)
    loss: str = knob(DEFAULT.loss, choices=LOSSES, doc="auto, ce (cross-entropy) or mse")
    normalize: str = knob(DEFAULT.normalize, choices=NORMALIZE)
    optimizer: Spec = knob(
        Spec(DEFAULT.optimizer, dict(DEFAULT.optimizer_hyper)), names="optimizers"
    )
    schedule: Spec = knob(Spec(DEFAULT.schedule), names="schedules")
    seed: int = knob(DEFAULT.seed, low=0, high=2**32 - 1)
    speed: float | None = knob(None, low=SPEED_RANGE[0], high=SPEED_RANGE[1], none="max")
    compare: Pick | None = knob(None, keys=COMPARE_KEYS, none="off")


# seconds one training step may take in the app: a plugin that stalls (sleeps, loops) is stopped
# with the reason. The frame never waits on the worker anyway; this keeps the lab usable. The
# biggest net the lab offers (12 × 128, batch 256, batch norm, dropout) takes ~40 ms a step on a
# busy 2-core machine, an epoch's last step a little more (it evaluates both splits).
STEP_BUDGET = 1.0
CHUNK_S = 0.1  # side by side at full speed: each lockstep chunk aims at this long


class NetworkModel:
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
        self._make = make_trainer or self._default_trainer
        if compare not in COMPARE_KEYS:
            raise ValueError(f"side by side compares one of {', '.join(COMPARE_KEYS)}, not "
                             f"{compare!r}")  # fmt: skip
        self.config = config
        self.side_by_side = side_by_side
        self.compare = compare
        self.compare_value = COMPARE_DEFAULT_B[compare] if compare_value is None else compare_value
        self._checked = self.validate(self.configs())  # every mistake before any worker starts
        self._chunk = 1  # lockstep steps per chunk
        self._chunk_sent = 0.0
        self._manual = 0  # lockstep: steps asked for by hand, not yet handed out
        self.playing = False
        self.speed: float | None = None
        self._budget = 0.0
        self.message = ""
        self.message_kind = "info"
        self.version = 0  # goes up whenever the runs restart
        self._landscape: tuple[int, str, str, int] | None = None  # a path being saved
        self.trainers: list[Trainer] = []
        self.snapshots: list[Snapshot] = []
        self._hessian_wanted = False  # "Hessian here" pressed, sent once every net is still
        self._hessian_asked: list[int] = []  # per trainer: the command number that asked
        self._hessian_told: set = set()  # answers already put into words
        self._told_lost = -1  # the version whose lost worker was put into words
        self._restart()

    # -- configurations ---------------------------------------------------------------------
    def _default_trainer(self, config: Checked) -> Trainer:
        return Trainer(config, self.registry, backend=self.backend, publish_hz=30.0,
                       step_budget=STEP_BUDGET if self.backend == "process" else None)  # fmt: skip

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
        compare = compare or self.compare
        value = self.compare_value if value is None else value
        if compare == "activation" and value == config.activation:
            value = "sigmoid" if value != "sigmoid" else "relu"  # B must differ from A
        if compare == "optimizer":
            spec = self.registry.optimizer(str(value))
            lr = {"lr": spec.hyper["lr"].default} if "lr" in spec.hyper else {}
            return config.replace(optimizer=spec.name, optimizer_hyper=lr)
        return config.replace(**{compare: value})

    def labels(self) -> list[str]:
        if not self.side_by_side:
            return [describe(self.config)]
        a, b = self.configs()
        return [f"A · {_show(self.compare, a)}", f"B · {_show(self.compare, b)}"]

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
    def _restart(self) -> None:
        if [c.config for c in self._checked] != self.configs():  # ``config`` set from outside
            self._checked = self.validate(self.configs())
        configs = self._checked  # checked when they were set: not again on their way
        # a worker that died (or was stopped) is replaced, never told to reset
        keep = len(self.trainers) == len(configs) and all(t.alive for t in self.trainers)
        if keep:
            for trainer, cfg in zip(self.trainers, configs, strict=True):
                trainer.reset(cfg)
        else:
            self.close()
            made: list[Trainer] = []
            try:
                for cfg in configs:
                    made.append(self._make(cfg))
            except BaseException:
                for t in made:  # all or nothing: no worker left running behind an error
                    t.stop()
                raise
            self.trainers = made
        self._chunk, self._manual = 1, 0
        self._hessian_wanted, self._hessian_asked = False, []
        self.snapshots = [t.latest() for t in self.trainers]
        self.version += 1
        self.message = ""
        if self.playing:
            self._go()

    @property
    def lockstep(self) -> bool:
        """Two nets: ``update`` hands out the steps, the same number to each, in turn."""
        return len(self.trainers) > 1

    def _go(self) -> None:
        """Let one trainer run free; two, or a set speed, get their steps from ``update``."""
        self._budget = 0.0
        if self.speed is None and not self.lockstep:
            for t in self.trainers:
                t.start()  # starts an idle run, resumes a paused one

    def play(self) -> None:
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
        self.playing = False
        self._chunk_sent = 0.0
        self._revive()
        if self.lockstep:  # handed out by ``update`` once both nets are between chunks
            self._manual += n
            self.update()
            return
        for t in self.trainers:
            t.pause()
            t.step(n)

    def reset(self) -> None:
        self._restart()

    def update(self, dt: float = 0.0) -> None:
        """Read the newest snapshots (never waits); at a set speed, hand out the steps due."""
        self.snapshots = [t.latest() for t in self.trainers]
        self._tell_lost()
        if self.playing and all(s.finished for s in self.snapshots):
            self.playing = False
        self._hessian_update()
        pairs = [(t, s) for t, s in zip(self.trainers, self.snapshots, strict=True)
                 if not s.finished]  # fmt: skip
        ready = all(s.ack >= t.sent and s.state in ("idle", "paused") for t, s in pairs)
        if self._manual and ready:
            for t, _ in pairs:
                t.step(self._manual)
            self._manual = 0
        if not self.playing or (self.speed is None and not self.lockstep):
            return
        if self.speed is None:  # lockstep at full speed: chunks sized to about CHUNK_S each
            if ready and pairs:
                now = time.perf_counter()
                if self._chunk_sent:
                    took = max(now - self._chunk_sent, 1e-3)
                    self._chunk = int(min(max(self._chunk * min(max(CHUNK_S / took, 0.5), 2.0),
                                              1), 1000))  # fmt: skip
                self._chunk_sent = now
                for t, _ in pairs:
                    t.step(self._chunk)
            return
        # at most a quarter second of steps waits: a trainer that lags drops steps, not frames
        self._budget = min(self._budget + dt * self.speed, max(1.0, 0.25 * self.speed))
        due = int(self._budget)
        if due < 1 or not ready:
            return
        self._budget -= due
        for t, _ in pairs:
            t.step(due)

    def _tell_lost(self) -> None:
        """A net whose worker ended is said once, in one sentence; side by side the race stops
        there (one net running on alone is no fair race) and the button says so."""
        lost = [k for k, t in enumerate(self.trainers) if not t.alive]
        if not lost or self._told_lost == self.version:
            return
        self._told_lost = self.version
        self.playing, self._manual = False, 0
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
        self.snapshots = [t.wait(timeout) for t in self.trainers]
        if self._manual or self._hessian_wanted:
            self.update()
            self.snapshots = [t.wait(timeout) for t in self.trainers]
        self._hessian_update()

    # -- Hessian here --------------------------------------------------------------------------
    def ask_hessian(self) -> None:
        """Pause, and ask every net (side by side: both, each its own) for the Hessian of its
        training loss at its weights now. Sent once each net has done what it was told (a
        lockstep chunk under way ends first), so the answer is at the step the run shows."""
        if self.hessian_busy():
            return
        self.pause()
        self._hessian_wanted = True
        self.notify(i18n.t("network.hessian_asking"))
        self.update()

    def hessian_busy(self) -> bool:
        """Asked and not yet answered (by a net whose worker is alive)."""
        if self._hessian_wanted:
            return True
        for t, s, asked in zip(self.trainers, self.snapshots, self._hessian_asked, strict=False):
            if t.alive and (s.ack < asked or (s.hessian or {}).get("computing")):
                return True
        return False

    def _hessian_update(self) -> None:
        pairs = list(zip(self.trainers, self.snapshots, strict=False))
        if self._hessian_wanted and all(
            not t.alive or (s.ack >= t.sent and s.state not in ("running", "starting"))
            for t, s in pairs
        ):
            self._hessian_wanted = False
            for t, _ in pairs:
                t.hessian()
            self._hessian_asked = [t.sent for t, _ in pairs]
        if not self._hessian_asked or self.hessian_busy():
            return
        answers = [s.hessian for s in self.snapshots]
        key = (self.version, tuple(repr(a) for a in answers))
        if key in self._hessian_told:
            return
        self._hessian_told = {key}
        errors = [a["error"] for a in answers if a and "error" in a]
        if errors:
            self.notify(errors[0], "error")
            return
        names = ["A", "B"] if len(answers) > 1 else [""]
        said = [hessian_sentence(a, n) for a, n in zip(answers, names, strict=False) if a]
        if said:
            self.notify("\n".join(said))

    def notify(self, text: str, kind: str = "info") -> None:
        self.message, self.message_kind = text, kind

    def close(self) -> None:
        for t in self.trainers:
            t.stop()
        self.trainers = []

    # -- "Landscape of this net" --------------------------------------------------------------
    def save_landscape(self) -> None:
        """Ask net A's worker to save its weights' path so far as a run file: the plane of a
        ``net:DATASET?run=ID`` surface through its weights now (``TrainingSession.save_path``).
        ``landscape_ready()`` says when it is written."""
        from explorer.training.weight_path import runs_dir

        if not self.trainers:
            self.notify("no net is training", "error")
            return
        run_id = uuid.uuid4().hex[:10]
        file = str(runs_dir() / f"{run_id}.pt")
        number = self.trainers[0].save_path(file)
        surface = f"net:{self.config.dataset}?run={run_id}"
        self._landscape = (number, file, surface, self.version)
        self.notify(i18n.t("network.landscape_saving"))

    @property
    def landscape_pending(self) -> bool:
        return self._landscape is not None

    def landscape_ready(self) -> tuple[str, str] | None:
        """After ``save_landscape``: None while the worker writes; then ``(surface, file)``, or
        ``("", why)`` when nothing was written (the why is also the lab's message)."""
        if self._landscape is None:
            return None
        number, file, surface, version = self._landscape
        snap = self.snapshots[0] if self.snapshots else None
        if version != self.version or snap is None:
            self._landscape = None
            return "", self._fail(i18n.t("network.landscape_restarted"))
        if snap.ack < number:
            if snap.state == "error" or not self.trainers[0].alive:
                self._landscape = None
                return "", self._fail(snap.message or i18n.t("network.landscape_failed"))
            return None
        self._landscape = None
        if snap.path_file != file:
            return "", self._fail(snap.path_note or i18n.t("network.landscape_failed"))
        a, b = snap.path_explained or (float("nan"), float("nan"))
        self.notify(i18n.t("network.landscape_saved", n=len(snap.path_xy), a=f"{a:.0%}",
                           b=f"{b:.0%}"))  # fmt: skip
        return surface, file

    def _fail(self, why: str) -> str:
        self.notify(why, "error")
        return why

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
        c, reg = self.config, self.registry
        value = self.compare_value
        if self.compare == "optimizer":
            value = Spec(str(value))
        elif self.compare == "dropout":
            value = float(value)
        return NetworkSetup(
            dataset=c.dataset,
            batch_size=c.batch_size,
            depth=c.depth,
            width=c.width,
            activation=c.activation,
            init=c.init,
            batch_norm=c.batch_norm,
            dropout=float(c.dropout),
            input_dropout=float(c.input_dropout),
            l1=float(c.l1),
            l2=float(c.l2),
            patience=c.patience,
            epochs=c.epochs,
            loss=c.loss,
            normalize=c.normalize,
            optimizer=Spec(
                c.optimizer, _floats(reg.optimizer(c.optimizer).defaults(), c.optimizer_hyper)
            ),
            schedule=Spec(
                c.schedule, _floats(reg.schedule(c.schedule).defaults(), c.schedule_hyper)
            ),
            seed=c.seed,
            speed=self.speed,
            compare=Pick(self.compare, value) if self.side_by_side else None,
        )

    def apply(self, setup: NetworkSetup) -> None:
        """Put ``setup`` in place and restart the run(s); everything is checked first (SetupError,
        one sentence: the current run goes on untouched)."""
        setups.check(setup, self.registry)
        c = self.config
        config = c.replace(
            dataset=setup.dataset,
            n=c.n if setup.dataset == c.dataset else None,
            noise=c.noise if setup.dataset == c.dataset else None,
            batch_size=setup.batch_size,
            depth=setup.depth,
            width=setup.width,
            activation=setup.activation,
            pieces=c.pieces if setup.activation == c.activation else None,
            init=setup.init,
            batch_norm=setup.batch_norm,
            dropout=setup.dropout,
            input_dropout=setup.input_dropout,
            l1=setup.l1,
            l2=setup.l2,
            patience=setup.patience,
            epochs=setup.epochs,
            loss=setup.loss,
            normalize=setup.normalize,
            optimizer=setup.optimizer.name,
            optimizer_hyper=dict(setup.optimizer.values),
            schedule=setup.schedule.name,
            schedule_hyper=dict(setup.schedule.values),
            seed=setup.seed,
        )
        side = setup.compare is not None
        compare, value = self.compare, self.compare_value
        if side:
            compare, value = setup.compare.key, setup.compare.value
            if isinstance(value, Spec):
                if value.values:
                    raise SetupError(
                        f'compare.optimizer = "{value.text()}" sets hyperparameters; valid: an '
                        "optimizer name (B uses its default rate)",
                        "compare",
                    )
                value = value.name
        try:
            checked = self.validate(
                [config, self.variant(config, compare, value)] if side else [config]
            )
        except (ValueError, LookupError) as exc:
            raise SetupError(sentence(exc), None) from None
        # -- everything is valid: change
        self.config, self._checked = config, checked
        self.side_by_side, self.compare, self.compare_value = side, compare, value
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


def describe(config: TrainConfig) -> str:
    if config.depth == 0:
        bits = [i18n.t("network.no_hidden")]
    else:
        bits = [f"{config.depth} × {config.width} {config.activation}"]
    if config.batch_norm:
        bits.append(i18n.t("network.batch_norm"))
    if config.dropout:
        bits.append(i18n.t("network.dropout_value", p=f"{config.dropout:g}"))
    return i18n.t("network.list_separator").join(bits)


def _show(key: str, config: TrainConfig) -> str:
    value = getattr(config, key)
    if key == "batch_norm":
        return i18n.t("network.batch_norm") if value else i18n.t("network.no_batch_norm")
    if key == "depth":
        return i18n.t("network.hidden_layers", n=value)
    if key == "dropout":
        return i18n.t("network.dropout_value", p=f"{value:g}")
    if key == "init":
        return i18n.t("network.title_init", init=value)
    return str(value)


def _floats(defaults: dict, given) -> dict[str, float]:
    return {k: float(v) for k, v in (defaults | dict(given)).items()}


# -- live numbers (lesson captions and ``expect`` conditions) ----------------------------------
# Per net; the B net of side-by-side mode gives the same with a ``b.`` prefix.
NET_NUMBERS = (
    "epoch", "step", "train_loss", "val_loss", "train_acc", "val_acc", "best_val_loss",
    "best_epoch", "stopped", "finished", "diverged", "grad_ratio", "grad_first", "grad_last",
    "sparsity", "batch_loss", "lr", "hessian_min_ratio", "hessian_saddle",
)  # fmt: skip


def readout_names() -> frozenset[str]:
    """Every live number a Network lab can provide, before it runs (A's, and B's as ``b.*``)."""
    return frozenset(NET_NUMBERS) | frozenset(f"b.{k}" for k in NET_NUMBERS)


def snapshot_readouts(snap: Snapshot, prefix: str = "") -> dict[str, Any]:
    """One net's live numbers from its snapshot: losses and accuracies of the last finished epoch
    (on the whole split), ``best_val_loss`` / ``best_epoch`` so far, ``stopped`` (early stopping
    ended the run), ``grad_ratio`` = first layer's gradient norm / last layer's (the epoch's mean,
    else the last step's: what the gradient bars show), ``sparsity`` = the share of weights with
    |w| < 1e-3 among all the net's weights, ``hessian_min_ratio`` and ``hessian_saddle`` once the
    Hessian was asked for ("Hessian here") and computed. A number the run has not produced is
    absent."""
    out: dict[str, Any] = {
        "epoch": snap.epoch,
        "step": snap.step,
        "stopped": snap.stopped_early is not None,
        "finished": snap.finished,
        "diverged": bool(snap.diverged),
    }
    last = snap.last
    if last is not None:
        for key in ("train_loss", "train_acc", "val_loss", "val_acc", "lr"):
            value = getattr(last, key)
            if value is not None:
                out[key] = float(value)
        vals = [(r.val_loss, r.epoch) for r in snap.epochs if r.val_loss is not None]
        if vals:
            best = min(vals)
            out["best_val_loss"] = float(best[0])
            out["best_epoch"] = int(snap.best_epoch if snap.best_epoch is not None else best[1])
    norms = list(last.grad_norms) if last is not None else [p.grad_norm for p in snap.layers]
    if len(norms) >= 2:
        out["grad_first"], out["grad_last"] = float(norms[0]), float(norms[-1])
        if norms[-1] > 0:
            out["grad_ratio"] = float(norms[0] / norms[-1])
    if len(snap.losses):
        out["batch_loss"] = float(snap.losses[-1])
    total = sum(p.n_weights for p in snap.layers)
    if total:  # every weight of the net, counted in the worker (not the truncated matrices)
        out["sparsity"] = sum(p.n_small for p in snap.layers) / total
    out |= hessian_readouts(snap.hessian)
    return {prefix + k: v for k, v in out.items()}


def hessian_readouts(hessian: dict[str, Any] | None) -> dict[str, Any]:
    """``hessian_min_ratio`` (the share of positive eigenvalues) and ``hessian_saddle`` (some
    direction curves down) of the last computed Hessian; nothing before one is done."""
    if not hessian or "minimum_ratio" not in hessian:
        return {}
    return {
        "hessian_min_ratio": float(hessian["minimum_ratio"]),
        "hessian_saddle": hessian["kind"] == "saddle",
    }


# the kinds of point hessian.Spectrum tells apart, in words
HESSIAN_KINDS = {
    "saddle": "network.hessian_kind_saddle",
    "minimum": "network.hessian_kind_minimum",
    "minimum or flat valley": "network.hessian_kind_minimum_or_flat_valley",
    "maximum": "network.hessian_kind_maximum",
    "flat": "network.hessian_kind_flat",
}


def hessian_sentence(hessian: dict[str, Any], name: str = "") -> str:
    """For the message under the panel: what the Hessian says, in the UI's language (side by
    side, ``name`` "A" or "B": a shorter line each)."""
    kind = i18n.t(HESSIAN_KINDS[hessian["kind"]])
    return i18n.t(
        "network.hessian_short" if name else "network.hessian_summary",
        name=name,
        step=hessian["step"],
        kind=kind,
        down=f"{hessian['negative']:.0%}",
        ratio=f"{hessian['minimum_ratio']:.3f}",
    )
