"""Training off the caller's thread: ``Trainer`` steers a run and hands out its newest snapshot
without ever waiting for the training.

Two backends run the same loop (``explorer.training.worker``):

- ``process`` (for the app): a spawned process with one torch thread. The UI keeps its frame rate
  and the training its speed, because they no longer share the GIL (see ``dl-explorer bench
  train``). Snapshots travel as deltas (new losses and epochs only) and only as fast as the UI
  reads them: each one read returns a credit, so an idle UI never piles up messages. They come
  over a pipe as length-prefixed frames that the UI reads without blocking, keeping whatever part
  of a frame has arrived until the rest does: a snapshot (often larger than the pipe's buffer)
  half-written by a worker that died never blocks the UI, and the dead worker becomes a sentence
  at the next read.
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
import struct
import sys
import threading
import time
import weakref
from collections.abc import Iterable
from functools import partial
from typing import Any, NamedTuple

import torch

from explorer.plugins import Registry, default_registry, load_plugins
from explorer.training.config import TrainConfig
from explorer.training.session import Plugins, _LossBuffer, check_config
from explorer.training.snapshot import Snapshot
from explorer.training.worker import LatestSink, check_activation, run_worker, sentence

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
    UI wins when cores are short (costs nothing when a core is free), and ``plugin_dirs`` (by
    default the registry's own) are loaded by the worker, so a plugin loaded from a file trains
    there too. ``step_budget``: seconds one step may take before the run is stopped with the
    reason (the app's budget for a slow plugin).
    """

    def __init__(
        self,
        config: TrainConfig,
        registry: Registry | None = None,
        *,
        backend: str = "thread",
        publish_hz: float = 30.0,
        torch_threads: int = 1,
        plugin_dirs: Iterable[str | os.PathLike] | None = None,
        nice: int = 10,
        step_budget: float | None = None,
    ) -> None:
        if backend not in BACKENDS:
            raise ValueError(f"backend {backend!r} is unknown; use {' or '.join(BACKENDS)}")
        self.registry = registry or default_registry()
        plugins = check_config(config, self.registry)  # mistakes surface here, not in the worker
        check_activation(plugins.activation)
        self.config = config
        self.backend = backend
        self._number = 0
        self._stopped = False
        interval = 1.0 / max(publish_hz, 1e-3)
        if plugin_dirs is None:
            plugin_dirs = self.registry.plugin_dirs
        if backend == "thread":
            self._impl: _ThreadBackend | _ProcessBackend = _ThreadBackend(
                config, plugins, self.registry, interval, step_budget
            )
        else:
            self._impl = _ProcessBackend(
                config,
                plugins,
                interval,
                torch_threads,
                [str(d) for d in plugin_dirs],
                nice,
                self.registry.third_party,
                step_budget,
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

    def save_path(self, file: str | os.PathLike) -> int:
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

    def reset(self, config: TrainConfig | None = None) -> None:
        """Start over from step 0, with ``config`` if given (checked here: a mistake raises)."""
        plugins = None
        if config is not None:
            plugins = check_config(config, self.registry)
            check_activation(plugins.activation)
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
        self,
        config: TrainConfig,
        plugins: Plugins,
        registry: Registry,
        interval: float,
        step_budget: float | None = None,
    ) -> None:
        self.commands: queue.Queue = queue.Queue()
        self.sink = LatestSink()
        self.thread = threading.Thread(
            target=_guarded,
            args=(self.sink, run_worker, config, plugins, partial(check_config, registry=registry),
                  self.commands),
            kwargs={"sink": self.sink, "publish_interval": interval, "step_budget": step_budget},
            name="dl-explorer-trainer",
            daemon=True,
        )  # fmt: skip
        self.thread.start()
        # A trainer dropped without stop() still ends its thread.
        self._finalizer = weakref.finalize(self, self.commands.put, ("stop", None, -1))

    def portable(self, plugins: Plugins | None) -> Plugins | None:
        return plugins

    def send(self, cmd: tuple) -> None:
        self.commands.put(cmd)

    def latest(self) -> Snapshot:
        snap = self.sink.latest
        if not self.thread.is_alive() and not snap.finished:
            snap = dataclasses.replace(snap, state="error",
                                       message="the training thread ended without a reason")  # fmt: skip
            self.sink.latest = snap
        return snap

    def alive(self) -> bool:
        return self.thread.is_alive()

    def close(self, timeout: float) -> None:
        self.thread.join(timeout)


def _guarded(out: LatestSink, target, *args, **kwargs) -> None:
    """Run the worker loop; whatever escapes it becomes the run's error, never a silent thread."""
    try:
        target(*args, **kwargs)
    except BaseException as exc:  # noqa: BLE001 - the thread ends either way; say why
        last = out.latest
        out.latest = dataclasses.replace(last, state="error", message=sentence(exc),
                                          ack=last.ack)  # fmt: skip


# A frame is an 8-byte big-endian length, then that many bytes of pickle.
_HEADER = struct.Struct(">Q")


class FrameReader:
    """Complete frames from a non-blocking pipe: ``read()`` returns every frame that has fully
    arrived and keeps a partial one for later; it never waits. ``eof`` once the writer is gone."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self.buffer = bytearray()
        self.eof = False

    def read(self) -> list[bytes]:
        while not self.eof:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.eof = True
                break
            if not chunk:
                self.eof = True
                break
            self.buffer += chunk
        frames = []
        buf = self.buffer
        start = 0
        while len(buf) - start >= _HEADER.size:
            (n,) = _HEADER.unpack_from(buf, start)
            if len(buf) - start - _HEADER.size < n:
                break
            frames.append(bytes(buf[start + _HEADER.size : start + _HEADER.size + n]))
            start += _HEADER.size + n
        if start:
            del buf[:start]
        return frames


def write_frame(fd: int, payload: bytes) -> None:
    """Write one whole frame (blocking: only the worker writes)."""
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]


class _ProcessBackend:
    def __init__(
        self,
        config: TrainConfig,
        plugins: Plugins,
        interval: float,
        torch_threads: int,
        plugin_dirs: list[str],
        nice: int,
        third_party: bool = True,
        step_budget: float | None = None,
    ) -> None:
        spare = take_spare((tuple(plugin_dirs), third_party, torch_threads, nice))
        if spare is not None:
            # a worker started ahead (torch imported, first step paid): it trains at once
            self.process, self.commands, reader, self._frames = spare
            self.commands.put(("init", (config, self.portable(plugins), interval, step_budget), 0))
        else:
            self.process, self.commands, reader, self._frames = _launch(
                config, self.portable(plugins), plugin_dirs, third_party, torch_threads,
                interval, nice, step_budget,
            )  # fmt: skip
        self._conn = reader  # keeps the fd open
        self._finalizer = weakref.finalize(
            self, _shutdown, self.process, self.commands, reader, self._frames
        )
        self._assembler = _Assembler()
        self.closed = False

    def portable(self, plugins: Plugins | None) -> bytes | None:
        """``plugins`` pickled for the worker, which unpickles them after loading the same
        plugin folders (a file plugin's module name is the same in every process); None when
        they cannot be pickled at all, and the worker looks the names up in its own registry."""
        if plugins is None:
            return None
        try:
            return pickle.dumps(plugins)
        except Exception:  # noqa: BLE001 - any pickling failure means: send names only
            return None

    def send(self, cmd: tuple) -> None:
        if self.process.is_alive():
            self.commands.put(cmd)

    def _receive(self) -> list[bytes]:
        if self._frames is not None:
            return self._frames.read()
        out = []  # Windows: a pipe handle, not a file descriptor
        with contextlib.suppress(EOFError, OSError):
            while self._conn.poll(0):
                out.append(self._conn.recv_bytes())
        return out

    def latest(self) -> Snapshot:
        got = 0
        for frame in self._receive():
            try:
                delta = pickle.loads(frame)
            except Exception as exc:  # noqa: BLE001 - a frame we cannot read: say so
                delta = dataclasses.replace(self._assembler.snapshot, state="error",
                                            message=sentence(exc, "a snapshot was unreadable"))  # fmt: skip
            self._assembler.add(delta)
            got += 1
        if got:
            self.send(("credit", got, 0))
        snap = self._assembler.snapshot
        if not snap.finished and not self.closed and not self.process.is_alive():
            snap = dataclasses.replace(snap, state="error", message=_death(self.process.exitcode))
            self._assembler.snapshot = snap
        return snap

    def alive(self) -> bool:
        return self.process.is_alive()

    def close(self, timeout: float) -> None:
        self.closed = True  # asked to end: its end is no death
        self._finalizer()


class _Spare(NamedTuple):
    process: Any
    commands: Any
    reader: Any
    frames: FrameReader | None


_SPARES: dict[tuple, _Spare] = {}
_SPARE_LOCK = threading.Lock()
_TIMERS: list[threading.Timer] = []
REPLENISH_S = 4.0  # after a spare is taken, the next one starts this much later


def _launch(config, plugins, plugin_dirs, third_party, torch_threads, interval, nice,
            step_budget) -> _Spare:  # fmt: skip
    ctx = mp.get_context("spawn")  # fork is unsafe once torch has started its threads
    commands = ctx.Queue()  # put() never blocks: a feeder thread writes
    reader, writer = ctx.Pipe(duplex=False)
    process = ctx.Process(
        target=_child_main,
        args=(config, plugins, plugin_dirs, third_party, commands, writer, torch_threads,
              interval, nice, step_budget),
        name="dl-explorer-trainer",
        daemon=True,
    )  # fmt: skip
    process.start()
    writer.close()  # the worker holds the only write end: its death is our end of file
    frames = FrameReader(reader.fileno()) if sys.platform != "win32" else None
    return _Spare(process, commands, reader, frames)


def prestart(registry: Registry | None = None, *, torch_threads: int = 1, nice: int = 10) -> None:
    """Start a training process ahead of need (it imports torch, loads the plugins and pays
    the first step's one-off costs, then waits): the next process-backend ``Trainer`` with the
    same settings takes it and shows its first snapshot at once. The app calls this once its
    window is up, so the Network lab opens without the cold start."""
    registry = registry or default_registry()
    _replenish(spare_key(registry, torch_threads, nice))


def spare_key(registry: Registry, torch_threads: int = 1, nice: int = 10) -> tuple:
    return (tuple(registry.plugin_dirs), registry.third_party, torch_threads, nice)


def take_spare(key: tuple) -> _Spare | None:
    """The worker started ahead for these settings, if one is alive (it is then no longer
    spare: the caller sends it ``init`` to train or ``jobs`` to serve jobs). Another one is
    started for whoever comes next."""
    with _SPARE_LOCK:
        spare = _SPARES.pop(key, None)
    if spare is None or not spare.process.is_alive():
        return None
    # the next one starts a little later: now it would slow down the one just taken (cores)
    timer = threading.Timer(REPLENISH_S, _replenish, (key,))
    timer.daemon = True
    _TIMERS.append(timer)
    timer.start()
    return spare


def _replenish(key: tuple) -> None:
    with _SPARE_LOCK:
        spare = _SPARES.get(key)
        if spare is None or not spare.process.is_alive():
            plugin_dirs, third_party, torch_threads, nice = key
            _SPARES[key] = _launch(None, None, list(plugin_dirs), third_party, torch_threads,
                                   1 / 30, nice, None)  # fmt: skip


def discard_spares() -> None:
    """End every worker started ahead and not taken (the app calls this on its way out)."""
    while _TIMERS:
        _TIMERS.pop().cancel()
    while _SPARES:
        _, spare = _SPARES.popitem()
        spare.process.terminate()  # it holds no run: nothing to finish
        spare.process.join(2.0)
        _shutdown(spare.process, spare.commands, spare.reader, spare.frames)


def _death(code: int | None) -> str:
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            name = signal.Signals(-code).name
            return f"the training process was killed ({name}) before it could say why"
    return f"the training process ended (exit code {code}) before it could say why"


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


class _PipeSink:
    """The worker process's sink: sends deltas while it has credit, as whole frames."""

    def __init__(self, fd: int, credits: int = 4) -> None:
        self.fd = fd
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
        write_frame(self.fd, pickle.dumps(delta, protocol=pickle.HIGHEST_PROTOCOL))
        self.credits -= 1
        self.pending = False


def _child_main(
    config: TrainConfig,
    plugins: bytes | None,
    plugin_dirs: list[str],
    third_party: bool,
    commands: Any,
    writer: Any,
    torch_threads: int,
    interval: float,
    nice: int = 0,
    step_budget: float | None = None,
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(nice)  # when cores are short, the UI's frame comes first
    torch.set_num_threads(max(1, torch_threads))
    sink = _PipeSink(writer.fileno())
    registry: list[Registry] = []

    def the_registry() -> Registry:
        if not registry:
            registry.append(load_plugins(plugin_dirs, third_party=third_party))
        return registry[0]

    if config is None:  # started ahead: get ready, then wait for the run
        with contextlib.suppress(Exception):
            _warm_up(the_registry())
        kind, arg, _ = commands.get()
        if kind == "jobs":  # taken by a job runner instead (explorer.training.jobs)
            from explorer.training.jobs import keep_freed_memory, serve

            keep_freed_memory()  # a worker process of its own: big temporary tensors

            parent = mp.parent_process()
            serve(commands.get, partial(_emit, sink.fd), the_registry,
                  alive=parent.is_alive if parent is not None else None)  # fmt: skip
            return
        if kind != "init":
            return
        config, plugins, interval, step_budget = arg

    def resolve(cfg: TrainConfig) -> Plugins:
        return check_config(cfg, the_registry())

    def unpickle(blob: bytes | None) -> Plugins | None:
        if blob is None:
            return None
        try:
            return pickle.loads(blob)
        except Exception:  # noqa: BLE001 - a file plugin: its module exists once its folder loads
            the_registry()
            try:
                return pickle.loads(blob)
            except Exception:  # noqa: BLE001 - look the names up instead
                return None

    class _Commands:
        """The command queue, with each reset's plugins unpickled here."""

        def get(self, block: bool = True, timeout: float | None = None):
            cmd = commands.get(block=block, timeout=timeout)
            if cmd[0] == "reset":
                new_config, blob = cmd[1]
                cmd = ("reset", (new_config, unpickle(blob)), cmd[2])
            return cmd

    parent = mp.parent_process()
    try:
        run_worker(
            config,
            unpickle(plugins),
            resolve,
            _Commands(),
            sink,
            interval,
            parent_alive=parent.is_alive if parent is not None else None,
            step_budget=step_budget,
        )
    except BaseException as exc:  # noqa: BLE001 - the last word: why this worker ends
        last = Snapshot("error", run=sink.run, message=sentence(exc))
        with contextlib.suppress(Exception):
            sink.credits = max(sink.credits, 1)
            sink.publish(lambda: last)
        raise


def _emit(fd: int, answer: tuple) -> None:
    """A job's answer as one frame (one that cannot be pickled becomes its error)."""
    try:
        payload = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except Exception as exc:  # noqa: BLE001 - an answer that cannot travel: say why
        payload = pickle.dumps((answer[0], answer[1], None, sentence(exc)))
    write_frame(fd, payload)


def _warm_up(registry: Registry) -> None:
    """The first training step in a process costs about a second of one-off work (lazy
    imports, kernels): pay it while nobody waits."""
    from explorer.training.session import TrainingSession

    tiny = TrainConfig(dataset="moons", n=16, depth=1, width=2, epochs=1, device="cpu")
    TrainingSession(tiny, registry).step(1)


def _shutdown(process: Any, commands: Any, reader: Any = None, frames: Any = None) -> None:
    """Stop the worker process: ask, then insist. Frames still coming are read and dropped, so
    a worker blocked on a full pipe gets to the stop command."""
    if process.is_alive():
        with contextlib.suppress(Exception):
            commands.put(("stop", None, -1))
        deadline = time.monotonic() + 2.0
        while process.is_alive() and time.monotonic() < deadline:
            if frames is not None:
                with contextlib.suppress(Exception):
                    frames.read()
            process.join(0.01)
    if process.is_alive():
        process.terminate()
        process.join(2.0)
    with contextlib.suppress(Exception):
        commands.cancel_join_thread()  # the reader is gone: nothing left to flush
        commands.close()
    if reader is not None:
        with contextlib.suppress(Exception):
            reader.close()
