"""Training off the caller's thread: ``Trainer`` steers a run and hands out its newest snapshot
without ever waiting for the training.

Two backends run the same loop (``explorer.training.worker``):

- ``process`` (for the app): a spawned process with one torch thread. The UI keeps its frame rate
  and the training its speed, because they no longer share the GIL (see ``dl-explorer bench
  train``). Snapshots travel as deltas (new losses and epochs only) and only as fast as the UI
  reads them: each one read returns a credit, so an idle UI never piles up messages.
- ``thread`` (for tests, scripts, notebooks): a daemon thread in this process; no start-up cost,
  but it competes with the caller for the GIL.
"""

from __future__ import annotations

import contextlib
import dataclasses
import multiprocessing as mp
import os
import pickle
import queue
import signal
import threading
import time
import weakref
from collections.abc import Iterable
from functools import partial
from typing import Any

import torch

from explorer.plugins import Registry, default_registry, load_plugins
from explorer.training.config import TrainConfig
from explorer.training.session import Plugins, _LossBuffer, check_config
from explorer.training.snapshot import Snapshot
from explorer.training.worker import LatestSink, run_worker

BACKENDS = ("thread", "process")
ACTIVE = ("starting", "running")


class Trainer:
    """A training run in the background.

    ``start()`` trains to the end of the budget; ``pause()`` / ``resume()``; ``step(n)`` takes n
    steps from a paused (or not yet started) run and pauses again; ``reset(config)`` starts over
    (the same numbers for the same seed), optionally with new settings; ``stop()`` ends the
    worker. ``latest()`` never blocks. ``wait()``, ``fit()`` and ``run_epochs(n)`` block, for
    scripts and tests. Use it as a context manager, or call ``stop()``, to clean up.

    ``publish_hz``: snapshots per second while running (also one at every epoch end and every
    change of state). Process backend only: ``torch_threads`` for the worker (1: more threads
    take the UI's core on a 2-core machine), ``nice`` lowers the worker's CPU priority so that the
    UI wins when cores are short (costs nothing when a core is free), and ``plugin_dirs`` are
    loaded by the worker when a plugin cannot be sent to it (one loaded from a file).
    """

    def __init__(
        self,
        config: TrainConfig,
        registry: Registry | None = None,
        *,
        backend: str = "thread",
        publish_hz: float = 30.0,
        torch_threads: int = 1,
        plugin_dirs: Iterable[str | os.PathLike] = (),
        nice: int = 10,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is unknown; use {' or '.join(BACKENDS)}")
        self.registry = registry or default_registry()
        plugins = check_config(config, self.registry)  # mistakes surface here, not in the worker
        self.config = config
        self.backend = backend
        self._number = 0
        self._stopped = False
        interval = 1.0 / max(publish_hz, 1e-3)
        if backend == "thread":
            self._impl: _ThreadBackend | _ProcessBackend = _ThreadBackend(
                config, plugins, self.registry, interval
            )
        else:
            self._impl = _ProcessBackend(
                config, plugins, interval, torch_threads, [str(d) for d in plugin_dirs], nice
            )

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

    def reset(self, config: TrainConfig | None = None) -> None:
        """Start over from step 0, with ``config`` if given (checked here: a mistake raises)."""
        plugins = None
        if config is not None:
            plugins = check_config(config, self.registry)
            self.config = config
        self._send("reset", (config, self._impl.portable(plugins)))

    def stop(self, timeout: float = 5.0) -> None:
        """End the worker (the run is kept in ``latest()`` as stopped)."""
        if not self._stopped:
            self._send("stop")
            self._stopped = True
            self._impl.close(timeout)

    close = stop

    def __enter__(self) -> Trainer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- reading ----------------------------------------------------------------------------
    def latest(self) -> Snapshot:
        """The newest snapshot; returns at once."""
        snap = self._impl.latest()
        if self._stopped and not snap.finished:
            snap = dataclasses.replace(snap, state="stopped")
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


class _ThreadBackend:
    def __init__(
        self, config: TrainConfig, plugins: Plugins, registry: Registry, interval: float
    ) -> None:
        self.commands: queue.Queue = queue.Queue()
        self.sink = LatestSink()
        self.thread = threading.Thread(
            target=run_worker,
            args=(config, plugins, partial(check_config, registry=registry), self.commands),
            kwargs={"sink": self.sink, "publish_interval": interval},
            name="dl-explorer-trainer",
            daemon=True,
        )
        self.thread.start()
        # A trainer dropped without stop() still ends its thread.
        self._finalizer = weakref.finalize(self, self.commands.put, ("stop", None, -1))

    def portable(self, plugins: Plugins | None) -> Plugins | None:
        return plugins

    def send(self, cmd: tuple) -> None:
        self.commands.put(cmd)

    def latest(self) -> Snapshot:
        return self.sink.latest

    def alive(self) -> bool:
        return self.thread.is_alive()

    def close(self, timeout: float) -> None:
        self.thread.join(timeout)


class _ProcessBackend:
    def __init__(
        self,
        config: TrainConfig,
        plugins: Plugins,
        interval: float,
        torch_threads: int,
        plugin_dirs: list[str],
        nice: int,
    ) -> None:
        ctx = mp.get_context("spawn")  # fork is unsafe once torch has started its threads
        self.commands = ctx.Queue()
        self.results = ctx.Queue()
        self.process = ctx.Process(
            target=_child_main,
            args=(
                config,
                self.portable(plugins),
                plugin_dirs,
                self.commands,
                self.results,
                torch_threads,
                interval,
                nice,
            ),
            name="dl-explorer-trainer",
            daemon=True,
        )
        self.process.start()
        self._finalizer = weakref.finalize(self, _shutdown, self.process, self.commands)
        self._assembler = _Assembler()

    def portable(self, plugins: Plugins | None) -> Plugins | None:
        """``plugins`` if it can be sent to the worker process; else None, and the worker looks
        the names up in its own registry (plugin files loaded by path cannot be pickled)."""
        if plugins is None:
            return None
        try:
            pickle.dumps(plugins)
        except Exception:  # noqa: BLE001 - any pickling failure means: send names only
            return None
        return plugins

    def send(self, cmd: tuple) -> None:
        if self.process.is_alive():
            self.commands.put(cmd)

    def latest(self) -> Snapshot:
        got = 0
        while True:
            try:
                delta = self.results.get_nowait()
            except (queue.Empty, EOFError, OSError):
                break
            self._assembler.add(delta)
            got += 1
        if got:
            self.send(("credit", got, 0))
        snap = self._assembler.snapshot
        if not self.process.is_alive() and not snap.finished:
            code = self.process.exitcode
            snap = dataclasses.replace(
                snap, state="error", message=f"the training process exited (code {code})"
            )
            self._assembler.snapshot = snap
        return snap

    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self, timeout: float) -> None:
        self.process.join(timeout)
        self._finalizer()


class _Assembler:
    """Rebuilds whole snapshots from the worker process's deltas."""

    def __init__(self) -> None:
        self.run: int | None = None
        self.snapshot = Snapshot("starting")

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


class _QueueSink:
    """The worker process's sink: sends deltas while it has credit."""

    def __init__(self, results: Any, credits: int = 4) -> None:
        self.results = results
        self.credits = credits
        self.pending = False
        self.run = -1
        self.sent_losses = 0
        self.sent_epochs = 0

    def credit(self, n: int) -> None:
        self.credits += n

    def publish(self, make) -> None:
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
        self.results.put(delta)
        self.credits -= 1
        self.pending = False


def _child_main(
    config: TrainConfig,
    plugins: Plugins | None,
    plugin_dirs: list[str],
    commands: Any,
    results: Any,
    torch_threads: int,
    interval: float,
    nice: int = 0,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(nice)  # when cores are short, the UI's frame comes first
    torch.set_num_threads(max(1, torch_threads))
    results.cancel_join_thread()  # never hang at exit over snapshots nobody will read
    registry: list[Registry] = []

    def resolve(cfg: TrainConfig) -> Plugins:
        if not registry:
            registry.append(load_plugins(plugin_dirs))
        return check_config(cfg, registry[0])

    parent = mp.parent_process()
    run_worker(
        config,
        plugins,
        resolve,
        commands,
        _QueueSink(results),
        interval,
        parent_alive=parent.is_alive if parent is not None else None,
    )


def _shutdown(process: Any, commands: Any) -> None:
    """Stop the worker process: ask, then insist."""
    if process.is_alive():
        with contextlib.suppress(Exception):
            commands.put(("stop", None, -1))
        process.join(2.0)
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    with contextlib.suppress(Exception):
        commands.cancel_join_thread()  # the reader is gone: nothing left to flush
        commands.close()
