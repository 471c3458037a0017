"""Training off the caller's thread: ``Trainer`` steers a run and hands out its newest snapshot
without ever waiting for the training.

The run's loop (``explorer.training.worker.run_worker``) runs in a lane of the one worker
mechanism (``explorer.training.workers``): a ``process`` lane for the app (a spawned process with
one torch thread: the UI keeps its frame rate and the training its speed, because they no longer
share the GIL; see ``dl-explorer bench train``), a ``thread`` lane for tests, scripts and
notebooks (no start-up cost, but it competes with the caller for the GIL). Both run the same
code: snapshots travel as deltas (new losses and epochs only) and only as fast as the caller
reads them: each one read returns a credit, so an idle UI never piles up messages.

A configuration is checked once, here, on its way to the worker (``session.prepare``); a
``Checked`` one (the Network lab checks before it restarts anything) is not checked again, and
the worker trusts what it is sent.
"""

from __future__ import annotations

import dataclasses
import os
import pickle
import time
import weakref
from collections.abc import Callable, Iterable
from typing import Any

from explorer.plugins import Registry, default_registry
from explorer.training.config import TrainConfig
from explorer.training.session import Checked, Plugins, _LossBuffer, lookup, prepare
from explorer.training.snapshot import EpochRecord, Snapshot
from explorer.training.worker import run_worker, sentence
from explorer.training.workers import BACKENDS as BACKENDS  # re-exported (and the two below)
from explorer.training.workers import (
    Command,
    Link,
    ProcessLane,
    Unreadable,
    check_backend,
    start_lane,
)
from explorer.training.workers import discard_spares as discard_spares
from explorer.training.workers import prestart as prestart

ACTIVE = ("starting", "running")


class Trainer:
    """A training run in the background.

    ``start()`` trains to the end of the budget; ``pause()`` / ``resume()``; ``step(n)`` takes n
    steps from a paused (or not yet started) run and pauses again; ``reset(config)`` starts over
    (the same numbers for the same seed), optionally with new settings; ``stop()`` ends the
    worker. ``latest()`` never blocks. ``wait()``, ``fit()`` and ``run_epochs(n)`` block, for
    scripts and tests. Use it as a context manager, or call ``stop()``, to clean up.

    ``config`` is checked here (ValueError / LookupError, one sentence, before any worker starts)
    unless it is a ``Checked`` one (``session.prepare``), which is taken as it is.
    ``publish_hz``: snapshots per second while running (also one at every epoch end and every
    change of state). Process backend only: ``torch_threads`` for the worker (1: more threads
    take the UI's core on a 2-core machine), ``nice`` lowers the worker's CPU priority so that the
    UI wins when cores are short (costs nothing when a core is free), and ``plugin_dirs`` (by
    default the registry's own) are loaded by the worker, so a plugin loaded from a file trains
    there too. ``step_budget``: seconds one step may take before the run is stopped with the
    reason (the app's budget for a slow plugin). ``owner``: the scene whose run this is, for the
    worker pool (None: the scene on screen when it starts; a scene that may start runs while
    another is shown, as a lesson's setup applied before its tab is, must name itself).
    """

    def __init__(
        self,
        config: TrainConfig | Checked,
        registry: Registry | None = None,
        *,
        backend: str = "thread",
        publish_hz: float = 30.0,
        torch_threads: int | None = None,
        plugin_dirs: Iterable[str | os.PathLike[str]] | None = None,
        nice: int = 10,
        step_budget: float | None = None,
        owner: str | None = None,
    ) -> None:
        check_backend(backend)
        self.registry = registry or default_registry()
        checked = self._check(config)  # mistakes surface here, not in the worker
        self.config = checked.config
        self.backend = backend
        self._number = 0
        self._stopped = False
        self._assembler = _Assembler()
        self._impl = start_lane(
            _train,
            checked.config,
            self._portable(checked.plugins),
            1.0 / max(publish_hz, 1e-3),
            step_budget,
            backend=backend,
            registry=self.registry,
            nice=nice,
            torch_threads=torch_threads,
            plugin_dirs=plugin_dirs,
            name="dl-explorer-trainer",
            owner=owner,
        )
        if isinstance(self._impl, ProcessLane):  # the pool lets a run that goes on go first
            self._impl.working = _running(weakref.ref(self._assembler))

    def _check(self, config: TrainConfig | Checked) -> Checked:
        """``config`` checked (once: a ``Checked`` one was checked by whoever made it)."""
        return config if isinstance(config, Checked) else prepare(config, self.registry)

    def _portable(self, plugins: Plugins | None) -> Plugins | bytes | None:
        """``plugins`` as they travel: as they are to a thread; pickled for a process, which
        unpickles them after loading the same plugin folders (a file plugin's module name is the
        same in every process), or None when they cannot be pickled at all (the worker then
        looks the names up in its own registry)."""
        if plugins is None or self.backend == "thread":
            return plugins
        try:
            return pickle.dumps(plugins)
        except Exception:  # noqa: BLE001 - any pickling failure means: send names only
            return None

    # -- control (none of these waits) ------------------------------------------------------
    def _send(self, kind: str, arg: Any = None) -> None:
        if self._stopped:
            return
        self._number += 1
        self._impl.send((kind, arg, self._number))

    def start(self) -> None:
        self._send("start")

    def pause(self) -> None:
        self._send("pause")

    def resume(self) -> None:
        self._send("resume")

    def step(self, n: int = 1) -> None:
        self._send("step", int(n))

    def save_path(self, file: str | os.PathLike[str]) -> int:
        """Ask the run to write its weights' path so far as a run file (``net:…?run=ID``;
        see ``TrainingSession.save_path``); returns the command's number: the file is written
        once ``latest().ack`` reaches it (``latest().path_note`` says how it went)."""
        self._send("save_path", os.fspath(file))
        return self._number

    def hessian(self, method: str = "auto") -> None:
        """Ask for the Hessian of the training loss at the weights the run has now (best while
        paused: the answer is at the step it was computed). The worker publishes it as
        ``latest().hessian`` (``{"computing": True}`` meanwhile; a failure as ``{"error": ...}``);
        training waits while it computes."""
        self._send("hessian", method)

    def sharpness(self, every: int) -> None:
        """Track λ_max of the training loss's Hessian every ``every`` steps (0: stop), in the
        worker, from the step the run is at and again from step 0 after every reset; published
        as ``latest().sharpness`` (``SharpnessTracker.summary``)."""
        self._send("sharpness", max(0, int(every)))

    def reset(self, config: TrainConfig | Checked | None = None) -> None:
        """Start over from step 0, with ``config`` if given (checked here unless it is
        ``Checked``: a mistake raises)."""
        plugins = None
        if config is not None:
            checked = self._check(config)
            self.config, plugins = checked.config, checked.plugins
            config = checked.config
        self._send("reset", (config, self._portable(plugins)))

    def stop(self, timeout: float = 5.0, wait: bool = True) -> None:
        """End the worker (the run is kept in ``latest()`` as stopped); ``wait`` False: without
        waiting for it to end (a run the UI no longer needs)."""
        if not self._stopped:
            self._send("stop")
            self._stopped = True
            self._impl.close(timeout, wait)

    close = stop

    def __enter__(self) -> Trainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- reading ----------------------------------------------------------------------------
    def latest(self) -> Snapshot:
        """The newest snapshot; returns at once."""
        alive = self._impl.alive()  # first: whatever it sent before it ended is read below
        got = 0
        for delta in self._impl.receive():
            if isinstance(delta, Unreadable):
                self._assembler.fail(delta.why)
            else:
                self._assembler.add(delta)
            got += 1
        if got and alive and not self._stopped:
            self._impl.send(("credit", got, 0))
        snap = self._assembler.snapshot
        if self._stopped:
            return snap if snap.finished else dataclasses.replace(snap, state="stopped")
        if not alive and not snap.finished:
            snap = self._assembler.fail(self._impl.why())
        return snap

    @property
    def sent(self) -> int:
        """How many commands were sent: a snapshot whose ``ack`` reaches it has applied them all."""
        return self._number

    @property
    def alive(self) -> bool:
        return not self._stopped and self._impl.alive()

    def wait(self, timeout: float | None = None, poll: float = 0.005) -> Snapshot:
        """Block until every command sent so far is applied and the run is not running."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            snap = self.latest()
            if snap.ack >= self._number and snap.state not in ACTIVE:
                return snap
            if not self.alive:  # stopped, or the worker is gone: nothing will change
                return snap
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"training still {snap.state} after {timeout} s")
            time.sleep(poll)

    def fit(self, timeout: float | None = None) -> Snapshot:
        """Train to the end (or early stop) and return the final snapshot."""
        self.start()
        return self.wait(timeout)

    def run_epochs(self, n: int = 1, timeout: float | None = None) -> Snapshot:
        """Train ``n`` more epochs (from a paused run), then pause."""
        snap = self.wait(timeout)
        if snap.steps_per_epoch:
            into = snap.step - snap.epoch * snap.steps_per_epoch
            self.step(n * snap.steps_per_epoch - into)
        return self.wait(timeout)


def _running(assembler: weakref.ref[_Assembler]) -> Callable[[], bool]:
    """Whether the run has work now (the pool's question): starting or running, as last heard
    (a paused or finished run waits for a command and costs nothing)."""
    return lambda: (a := assembler()) is not None and a.snapshot.state in ACTIVE


class _Assembler:
    """Rebuilds whole snapshots from the worker process's deltas."""

    def __init__(self) -> None:
        self.run: int | None = None
        self.snapshot = Snapshot("starting")
        self.epochs: list[EpochRecord]  # with ``losses``, set by the first delta of each run

    def add(self, delta: Snapshot) -> None:
        if delta.run != self.run:
            self.run, self.losses, self.epochs = delta.run, _LossBuffer(), []
        self.losses.extend(delta.losses)
        self.epochs.extend(delta.epochs)
        for layer in delta.layers:
            for array in (layer.mask, layer.weight, layer.bias):
                if array is not None:
                    array.flags.writeable = False
        self.snapshot = dataclasses.replace(
            delta, losses=self.losses.view(), epochs=tuple(self.epochs)
        )

    def fail(self, why: str) -> Snapshot:
        """The run as it was, ended in the error ``why`` (a worker gone, a message unreadable)."""
        self.snapshot = dataclasses.replace(self.snapshot, state="error", message=why)
        return self.snapshot


class _DeltaSink:
    """The worker's sink: sends deltas (new losses and epochs only) while it has credit."""

    def __init__(self, emit: Callable[[Snapshot], None], credits: int = 4) -> None:
        self.emit = emit
        self.credits = credits
        self.pending = False
        self.run = -1
        self.sent_losses = 0
        self.sent_epochs = 0

    def credit(self, n: int) -> None:
        self.credits += n

    def publish(self, make: Callable[[], Snapshot]) -> None:
        if self.credits <= 0:
            self.pending = True
            return
        snap = make()
        if snap.run != self.run:
            self.run, self.sent_losses, self.sent_epochs = snap.run, 0, 0
        delta = dataclasses.replace(
            snap,
            losses=snap.losses[self.sent_losses :].copy(),
            epochs=snap.epochs[self.sent_epochs :],
        )
        self.sent_losses, self.sent_epochs = len(snap.losses), len(snap.epochs)
        self.emit(delta)
        self.credits -= 1
        self.pending = False


def _train(
    link: Link,
    config: TrainConfig,
    plugins: Plugins | bytes | None,
    interval: float,
    step_budget: float | None,
) -> None:
    """The trainer's role in a lane: the run's loop until ``stop``, its last word an error
    snapshot when anything escapes it."""

    def received(blob: Plugins | bytes | None) -> Plugins | None:
        if blob is None or isinstance(blob, Plugins):
            return blob
        try:
            plugins: Plugins = pickle.loads(blob)  # what the caller pickled
            return plugins
        except Exception:  # noqa: BLE001 - a file plugin: its module exists once its folder loads
            link.registry()
            try:
                plugins = pickle.loads(blob)
                return plugins
            except Exception:  # noqa: BLE001 - look the names up instead
                return None

    class _Commands:
        """The lane's commands, each reset's plugins as sent (unpickled here)."""

        def get(self, block: bool = True, timeout: float | None = None) -> Command:
            cmd: Command = link.get(block=block, timeout=timeout)
            if cmd[0] == "reset":
                new_config, blob = cmd[1]
                cmd = ("reset", (new_config, received(blob)), cmd[2])
            return cmd

    sink = _DeltaSink(link.emit)
    try:
        run_worker(
            config,
            received(plugins),
            lambda cfg: lookup(cfg, link.registry()),  # checked by the caller: names only
            _Commands(),
            sink,
            interval,
            step_budget=step_budget,
        )
    except BaseException as exc:  # noqa: BLE001 - the last word: why this worker ends
        last = Snapshot("error", run=sink.run, message=sentence(exc))
        try:
            sink.credits = max(sink.credits, 1)
            sink.publish(lambda: last)
        except Exception:  # noqa: BLE001, S110 - nobody to tell: the lane's end says it
            pass
        raise
