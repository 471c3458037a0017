"""The one worker mechanism: every piece of work that runs off the UI thread runs in a *lane*
started here, and every lane looks the same from the caller's side whatever runs in it.

A lane runs a *role* (a module-level function ``role(link, *args)``: the trainer's loop, the job
runner's loop) and talks to it with commands in (``send``) and messages out (``receive``):

- ``process`` lanes (the app): a spawned process with one torch thread and a lowered priority, so
  the UI keeps its frame rate. Commands go over a ``multiprocessing`` queue (``put`` never
  blocks); messages come back over a pipe as length-prefixed frames that the UI reads without
  blocking, keeping whatever part of a frame has arrived until the rest does: a message (often
  larger than the pipe's buffer) half-written by a worker that died never blocks the UI, and the
  dead worker becomes a sentence (``why``) at the next read. A worker watches its parent and ends
  the moment the parent is gone (a ``kill -9`` of the app leaves no orphan).
- ``thread`` lanes (tests, headless rendering, and work that needs this process's objects): a
  daemon thread running the same role; messages are handed over as they are.

Two process workers are kept *spare* per setting (started ahead: torch imported, the plugins
loaded, the first step's one-off costs paid), so the next lane starts at once, and so do both nets
of a side-by-side pair; the process that takes one lets the next spare start a little later.
Every process lane joins the one pool (``explorer.training.pool``), which lets the scene on
screen compute first and holds the lanes of hidden scenes, so the lanes never outnumber the
cores. Nothing here knows what a role does: the
trainer (``explorer.training.trainer``) and the job runner (``explorer.training.jobs``) are both
built on it, and it imports neither.
"""

from __future__ import annotations

import collections
import contextlib
import multiprocessing as mp
import os
import pickle
import queue
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from multiprocessing.queues import Queue as ProcessQueue
from typing import Any, NamedTuple, Protocol

from explorer.plugins import Registry, default_registry, load_plugins
from explorer.training.frames import FrameReader, write_frame
from explorer.training.pool import POOL, threads_per_worker
from explorer.training.worker import sentence

BACKENDS = ("thread", "process")
STOP = ("stop", None, -1)  # the command that ends every role's loop
REPLENISH_S = 4.0  # after a spare is taken, the next one starts this much later
SPARES = 2  # workers kept ready per setting: both nets of a side-by-side pair start at once

Command = tuple[Any, ...]  # (what, payload, number): the roles' own vocabulary
SpareKey = tuple[tuple[str, ...], bool, int, int]  # plugin folders, third party, threads, nice


class Link(Protocol):
    """What a role gets to talk with its caller (the same in a thread and in a process)."""

    in_process: bool  # True in a worker process of its own

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        """The next command (``queue.Empty`` when none came in time)."""

    def emit(self, message: Any) -> None:
        """Send a message to the caller (a process lane pickles it into one frame)."""

    def registry(self) -> Registry:
        """The plugin registry of this worker (a process loads the caller's plugin folders)."""


@dataclass(frozen=True)
class Unreadable:
    """A message that arrived but could not be read back (the caller decides what it means)."""

    why: str


def check_backend(backend: str) -> None:
    if backend not in BACKENDS:
        raise ValueError(f"backend {backend!r} is unknown; use {' or '.join(BACKENDS)}")


def start_lane(
    role: Callable[..., None],
    *args: Any,
    backend: str = "process",
    registry: Registry | None = None,
    nice: int = 10,
    torch_threads: int | None = None,
    plugin_dirs: Iterable[str | os.PathLike[str]] | None = None,
    name: str = "dl-explorer-worker",
    owner: str | None = None,
) -> ThreadLane | ProcessLane:
    """Run ``role(link, *args)`` in a new lane and return its caller's side. A process lane
    (``nice``, ``torch_threads``; it loads ``plugin_dirs``, by default the registry's own, so a
    plugin loaded from a file works there too) takes the spare started ahead for these settings
    when there is one (``prestart``); ``role`` must then be a module-level function and ``args``
    picklable. It joins the pool under ``owner`` (by default the scene on screen);
    ``torch_threads`` None: the pool's share of the cores (``pool.threads_per_worker``)."""
    check_backend(backend)
    registry = registry or default_registry()
    if backend == "thread":
        return ThreadLane(role, args, registry, name)
    dirs = registry.plugin_dirs if plugin_dirs is None else plugin_dirs
    threads = torch_threads or threads_per_worker()
    key = (tuple(str(d) for d in dirs), registry.third_party, threads, nice)
    spare = take_spare(key) or _launch(key, warm=False)
    spare.commands.put(("role", (role, args), 0))
    lane = ProcessLane(spare)
    POOL.join(lane, spare.gate, owner, nice)
    return lane


# -- thread lanes --------------------------------------------------------------------------------
class _ThreadLink:
    in_process = False

    def __init__(self, registry: Registry) -> None:
        self.commands: queue.Queue[Command] = queue.Queue()
        self.messages: collections.deque[Any] = collections.deque()
        self._registry = registry

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        return self.commands.get(block=block, timeout=timeout)

    def emit(self, message: Any) -> None:
        self.messages.append(message)

    def registry(self) -> Registry:
        return self._registry


class ThreadLane:
    """A role in a daemon thread of this process (see the module's docstring)."""

    def __init__(
        self,
        role: Callable[..., None],
        args: tuple[Any, ...],
        registry: Registry,
        name: str = "dl-explorer-worker",
    ) -> None:
        self.link = _ThreadLink(registry)
        self._crash = [""]  # shared with the thread, which holds no reference to the lane
        self.thread = threading.Thread(
            target=_run_role, args=(role, self.link, args, self._crash), name=name, daemon=True
        )
        self.thread.start()
        # a lane dropped without close() still ends its thread
        self._finalizer = weakref.finalize(self, self.link.commands.put, STOP)

    def send(self, cmd: Command) -> None:
        self.link.commands.put(cmd)

    def receive(self) -> list[Any]:
        out, messages = [], self.link.messages
        while messages:
            out.append(messages.popleft())
        return out

    def alive(self) -> bool:
        return self.thread.is_alive()

    def why(self) -> str:
        return self._crash[0] or "the background thread ended without a reason"

    def close(self, timeout: float = 5.0, wait: bool = True) -> None:
        self.link.commands.put(STOP)
        if wait:
            self.thread.join(timeout)


def _run_role(
    role: Callable[..., None], link: _ThreadLink, args: tuple[Any, ...], crash: list[str]
) -> None:
    try:
        role(link, *args)
    except BaseException as exc:  # noqa: BLE001 - the thread ends either way; why() says why
        crash[0] = sentence(exc)


# -- process lanes -------------------------------------------------------------------------------
class _Spare(NamedTuple):
    process: BaseProcess
    commands: ProcessQueue[Command]
    reader: Connection
    frames: FrameReader | None
    gate: Any  # set: the pool lets it go on; clear: it waits at its next word


class ProcessLane:
    """A role in a worker process of its own (see the module's docstring). ``working``
    tells the pool whether the role has work now (its caller knows: a run going, a job
    unanswered); by default it always has."""

    def __init__(self, spare: _Spare) -> None:
        self.process, self.commands, self.reader, self.frames, self.gate = spare
        self._finalizer = weakref.finalize(self, _shutdown, *spare)
        self.closed = False
        self.working: Callable[[], bool] = lambda: True

    def send(self, cmd: Command) -> None:
        if self.process.is_alive():
            self.commands.put(cmd)

    def receive(self) -> list[Any]:
        if self.closed:  # its pipe is closed, and the number may already be another file's
            return []
        if self.frames is not None:
            raw = self.frames.read()
        else:  # Windows: a pipe handle, not a file descriptor
            raw = []
            with contextlib.suppress(EOFError, OSError):
                while self.reader.poll(0):
                    raw.append(self.reader.recv_bytes())
        out: list[Any] = []
        for frame in raw:
            try:
                out.append(pickle.loads(frame))
            except Exception as exc:  # noqa: BLE001 - a message we cannot read: the caller says so
                out.append(Unreadable(sentence(exc, "a message from the worker was unreadable")))
        return out

    def alive(self) -> bool:
        return self.process.is_alive()

    def why(self) -> str:
        return death(self.process.exitcode)

    def close(self, timeout: float = 5.0, wait: bool = True) -> None:
        """End the worker: asked, then insisted on (``_shutdown``). ``wait`` False: it ends in
        the background, so the UI never waits for it. A worker still starting, or inside a
        step, reads its stop only seconds later: turning side by side off (``validation-and-
        mismatch`` step 3) froze the → for the 2 s ``_shutdown`` gives it before insisting."""
        self.closed = True  # asked to end: its end is no death
        POOL.leave(self)  # a held worker must get to read its stop
        if wait:
            self._finalizer()
        else:
            threading.Thread(target=self._finalizer, name="dl-explorer-stop", daemon=True).start()


def death(code: int | None) -> str:
    """One sentence for a worker process that ended without saying why."""
    if code is not None and code < 0:
        with contextlib.suppress(ValueError):
            name = signal.Signals(-code).name
            return f"the worker process was killed ({name}) before it could say why"
    return f"the worker process ended (exit code {code}) before it could say why"


def _launch(key: SpareKey, warm: bool = True) -> _Spare:
    plugin_dirs, third_party, torch_threads, nice = key
    ctx = mp.get_context("spawn")  # fork is unsafe once torch has started its threads
    commands = ctx.Queue()  # put() never blocks: a feeder thread writes
    reader, writer = ctx.Pipe(duplex=False)
    gate = ctx.Event()
    gate.set()  # a spare is let go until it joins the pool
    process = ctx.Process(
        target=_child_main,
        args=(list(plugin_dirs), third_party, commands, writer, torch_threads, nice, warm, gate),
        name="dl-explorer-worker",
        daemon=True,
    )
    process.start()
    writer.close()  # the worker holds the only write end: its death is our end of file
    frames = FrameReader(reader.fileno()) if sys.platform != "win32" else None
    return _Spare(process, commands, reader, frames, gate)


def _shutdown(
    process: Any, commands: Any, reader: Any = None, frames: Any = None, gate: Any = None
) -> None:
    """Stop a worker process: ask, then insist. Frames still coming are read and dropped, so a
    worker blocked on a full pipe gets to the stop command."""
    if process.is_alive():
        with contextlib.suppress(Exception):
            if gate is not None:
                gate.set()  # a held worker reads its stop
            commands.put(STOP)
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


# -- spares: process workers started ahead -------------------------------------------------------
_SPARES: dict[SpareKey, list[_Spare]] = {}  # settings → the workers ready for them, oldest first
_SPARE_LOCK = threading.Lock()
_TIMERS: list[threading.Timer] = []


def spare_key(registry: Registry, torch_threads: int | None = None, nice: int = 10) -> SpareKey:
    threads = torch_threads or threads_per_worker()
    return (tuple(registry.plugin_dirs), registry.third_party, threads, nice)


def prestart(
    registry: Registry | None = None, *, torch_threads: int | None = None, nice: int = 10
) -> None:
    """Start workers ahead of need (each imports torch, loads the plugins and pays the first
    training step's one-off costs, then waits): the next process lanes with the same settings
    take them and answer at once. One starts now, the second (``SPARES``) a little later, so
    that they do not share the cores with the app's own start. The app calls this once its
    window is up, so the Network lab opens without the cold start, and a side-by-side pair
    with it."""
    registry = registry or default_registry()
    _replenish(spare_key(registry, torch_threads, nice))


def take_spare(key: SpareKey) -> _Spare | None:
    """A worker started ahead for these settings, if one is alive (it is then no longer
    spare: the caller sends it its role). Another one is started for whoever comes next."""
    with _SPARE_LOCK:
        ready = [s for s in _SPARES.get(key, []) if s.process.is_alive()]
        spare = ready.pop(0) if ready else None
        _SPARES[key] = ready
        if not ready:
            del _SPARES[key]
    if spare is None:
        return None
    # the next one starts a little later: now it would slow down the one just taken (cores)
    _later(key)
    return spare


def _later(key: SpareKey) -> None:
    timer = threading.Timer(REPLENISH_S, _replenish, (key,))
    timer.daemon = True
    _TIMERS.append(timer)
    timer.start()


def _replenish(key: SpareKey) -> None:
    """Start one spare for ``key`` if fewer than ``SPARES`` are ready (the next one later)."""
    with _SPARE_LOCK:
        ready = [s for s in _SPARES.get(key, []) if s.process.is_alive()]
        if len(ready) < SPARES:
            ready.append(_launch(key))
        _SPARES[key] = ready
        more = len(ready) < SPARES
    if more:
        _later(key)


def discard_spares() -> None:
    """End every worker started ahead and not taken (the app calls this on its way out)."""
    while _TIMERS:
        _TIMERS.pop().cancel()
    while _SPARES:
        _, ready = _SPARES.popitem()
        for spare in ready:
            spare.process.terminate()  # it holds no work: nothing to finish
            spare.process.join(2.0)
            _shutdown(*spare)


# -- inside the worker process -------------------------------------------------------------------
class _ProcessLink:
    in_process = True

    def __init__(
        self, commands: Any, fd: int, plugin_dirs: list[str], third_party: bool, gate: Any = None
    ) -> None:
        self.commands = commands
        self.gate = gate  # the pool's: cleared while this worker's scene waits its turn
        self.fd = fd
        self._plugin_dirs = plugin_dirs
        self._third_party = third_party
        self._registry: Registry | None = None

    def get(self, block: bool = True, timeout: float | None = None) -> Any:
        if self.gate is not None:
            self.gate.wait()  # held by the pool: wait here, between two steps of the work
        return self.commands.get(block=block, timeout=timeout)

    def emit(self, message: Any) -> None:
        if self.gate is not None:
            self.gate.wait()
        try:
            payload = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception as exc:  # noqa: BLE001 - a message that cannot travel: say why instead
            payload = pickle.dumps(Unreadable(sentence(exc, "a message could not be sent")))
        write_frame(self.fd, payload)

    def registry(self) -> Registry:
        if self._registry is None:
            self._registry = load_plugins(self._plugin_dirs, third_party=self._third_party)
        return self._registry


def watch_parent(parent: Any = None, on_gone: Callable[[], None] | None = None) -> bool:
    """End this worker process the moment its parent is gone (killed with ``kill -9`` too): a
    daemon thread waits on the parent's sentinel, a pipe whose end of file is the parent's death,
    so a worker blocked anywhere (waiting for a command, inside a long job) still ends. False
    when there is no parent process to watch."""
    parent = parent or mp.parent_process()
    if parent is None:
        return False
    from multiprocessing.connection import wait

    def watch() -> None:
        wait([parent.sentinel])
        (on_gone or (lambda: os._exit(0)))()  # nobody is left to read a last word

    threading.Thread(target=watch, name="dl-explorer-parent-watch", daemon=True).start()
    return True


def _child_main(
    plugin_dirs: list[str],
    third_party: bool,
    commands: Any,
    writer: Any,
    torch_threads: int,
    nice: int,
    warm: bool,
    gate: Any,
) -> None:
    watch_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    with contextlib.suppress(AttributeError, OSError):  # no os.nice on Windows
        os.nice(nice)  # when cores are short, the UI's frame comes first
    import torch

    torch.set_num_threads(max(1, torch_threads))
    link = _ProcessLink(commands, writer.fileno(), plugin_dirs, third_party, gate)
    if warm:  # started ahead: get ready while nobody waits
        with contextlib.suppress(Exception):
            _warm_up(link.registry())
    kind, arg, _ = link.get()
    if kind != "role":
        return  # stopped before it was given anything to do
    role, args = arg
    role(link, *args)


def _warm_up(registry: Registry) -> None:
    """The first training step in a process costs about a second of one-off work (lazy
    imports, kernels): pay it while nobody waits."""
    from explorer.training.config import TrainConfig
    from explorer.training.session import TrainingSession

    tiny = TrainConfig(dataset="moons", n=16, depth=1, width=2, epochs=1, device="cpu")
    TrainingSession(tiny, registry).step(1)
