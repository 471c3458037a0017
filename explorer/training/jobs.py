"""Work off the UI thread for scenes that are not one training run: ``JobRunner.submit(key, fn,
*args)`` runs ``fn(ctx, *args)`` in a worker, and ``result(key)`` hands back the newest answer
without ever waiting. Its workers are lanes of the one worker mechanism
(``explorer.training.workers``), as the Trainer's are: the same spawned process with one torch
thread and a lowered priority (a spare started ahead, when there is one), the same
length-prefixed frames read without blocking (so a worker that dies mid-answer never freezes the
UI), the same plugins loaded in the worker, and the same sentence for whatever goes wrong.

- The newest job per key wins: a job waiting behind a newer one of the same key is skipped, and
  a running job can ask ``ctx.cancelled()`` to stop early.
- Each ``lane`` (by default the key) has its own worker, so a long job (the Dropout scene's
  ensemble) never holds up a short one (its live net's next mini-batch).
- ``ctx.progress(done, total)`` says how far a running job is; ``progress(key)`` hands the
  newest back until the job answers, so a waiting panel can say "epoch 12 of 40".
- ``ctx.state`` is a dict kept in the worker between jobs (a live net that steps a mini-batch
  per job); ``ctx.registry`` is the worker's plugin registry.
- A dead worker turns every unanswered job into an error sentence; the next ``submit`` starts a
  new worker (whose ``ctx.state`` is empty: jobs rebuild what they need from their arguments);
  such an answer has ``lost`` set, so a scene can say so or pick up where it was.
- backend ``thread`` runs the same loop in a daemon thread (tests, headless rendering); a job
  submitted ``in_thread`` runs in a thread lane even when the backend is ``process`` (work on this
  process's own objects, such as the Landscape race's next step).
"""

from __future__ import annotations

import collections
import pickle
import queue
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from explorer.plugins import Registry, default_registry
from explorer.training.worker import sentence
from explorer.training.workers import (
    Command,
    Link,
    ProcessLane,
    ThreadLane,
    Unreadable,
    check_backend,
    start_lane,
)

PROGRESS = "progress"  # the error field of a message that says how far a job is, not its end
# (job number, key, value, error: "" when it succeeded, or PROGRESS with (done, total))
Answer = tuple[int, str | None, Any, str]


@dataclass(frozen=True)
class JobResult:
    job: int  # the number ``submit`` returned
    value: Any = None
    error: str = ""  # one sentence when the job failed (then ``value`` is None)
    lost: bool = False  # its worker ended before it answered (``error`` says how)


class JobContext:
    """What a job function gets as its first argument."""

    def __init__(
        self,
        registry: Callable[[], Registry],
        cancelled: Callable[[], bool],
        progress: Callable[[int, int], None] = lambda done, total: None,
    ) -> None:
        self._registry = registry
        self.cancelled = cancelled
        self.progress = progress  # (done, total): how far the job is, for a waiting panel to say
        self.state: dict[str, Any] = {}

    @property
    def registry(self) -> Registry:
        return self._registry()


def keep_freed_memory() -> bool:
    """Let glibc keep freed memory in the process instead of giving it back at once. A net
    surface's grid allocates and frees megabyte tensors over and over; handed back each time,
    every reuse page-faults: measured 0.96 s → 0.32 s for a first 128×128 moons grid
    (``dl-explorer bench netgrid``). For worker processes only; False where not glibc."""
    import ctypes
    import sys

    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL("libc.so.6")
        m_trim_threshold, m_mmap_threshold = -1, -3
        return bool(libc.mallopt(m_mmap_threshold, 64 << 20)) and bool(
            libc.mallopt(m_trim_threshold, 256 << 20)
        )
    except (OSError, AttributeError):  # musl or another libc: nothing to tune
        return False


def serve(
    get: Callable[..., Any], emit: Callable[[Answer], None], registry: Callable[[], Registry]
) -> None:
    """The worker's loop: run jobs in order until a ``stop``; skip any job a newer one of the
    same key replaces. ``get(block)`` reads commands, ``emit`` sends answers."""
    backlog: collections.deque[Command] = collections.deque()

    def drain() -> None:
        while True:
            try:
                backlog.append(get(block=False))
            except queue.Empty:
                return

    current: list[str | None] = [None]
    number_now = [0]

    def cancelled() -> bool:
        drain()
        return any(c[0] == "stop" or c[2] == current[0] for c in backlog)

    def progress(done: int, total: int) -> None:
        emit((number_now[0], current[0], (int(done), int(total)), PROGRESS))

    ctx = JobContext(registry, cancelled, progress)
    while True:
        if not backlog:
            backlog.append(get(block=True))
        drain()
        cmd = backlog.popleft()
        if cmd[0] == "stop":
            return
        _, number, key, fn, args = cmd
        if any(c[0] == "job" and c[2] == key for c in backlog):
            emit((number, key, None, "superseded"))
            continue
        current[0], number_now[0] = key, number
        try:
            value = fn(ctx, *args)
        except Exception as exc:  # noqa: BLE001 - a job's failure is its answer, in a sentence
            emit((number, key, None, sentence(exc, "the computation failed")))
        else:
            emit((number, key, value, ""))
        current[0] = None


def nothing(ctx: JobContext) -> None:
    """A job that does nothing: sent under a key, it supersedes the job running there (a scene
    that shows a prepared run stops computing what it no longer shows)."""


def _cannot_travel(fn: Callable[..., Any], args: tuple[Any, ...]) -> str:
    """Why ``fn`` and ``args`` cannot be sent to a worker process ("" when they can): a lambda, a
    nested function, an open file... would otherwise be lost on the way, unanswered."""
    try:
        pickle.dumps((fn, args))
    except Exception as exc:  # noqa: BLE001 - any pickling failure: the job cannot travel
        return (
            f"the job {getattr(fn, '__qualname__', fn)!r} cannot be sent to a worker process "
            f"({type(exc).__name__}: {exc}); use a module-level function and plain arguments"
        )
    return ""


def _serve(link: Link) -> None:
    """The job runner's role in a lane."""
    if link.in_process:
        keep_freed_memory()  # a worker process of its own: big temporary tensors
    serve(link.get, link.emit, link.registry)


def _has_work(runner: weakref.ref[JobRunner], lane: str) -> Callable[[], bool]:
    return lambda: (r := runner()) is not None and r.unanswered(lane)


class JobRunner:
    """Jobs for one scene, off the UI thread (see the module's docstring)."""

    def __init__(
        self,
        registry: Registry | None = None,
        *,
        backend: str = "process",
        nice: int = 10,
        torch_threads: int | None = None,
        owner: str | None = None,
    ) -> None:
        check_backend(backend)
        self.registry = registry or default_registry()
        self.backend = backend
        self.nice = nice
        self.torch_threads = torch_threads
        # the scene whose jobs these are, for the worker pool (None: the scene on screen when a
        # lane starts; a lane starts at the first job, which may come while another scene shows)
        self.owner = owner
        self._workers: dict[str, ThreadLane | ProcessLane] = {}
        self._number = 0
        self._asked: dict[str, int] = {}  # key → the newest job submitted
        self._lanes: dict[str, str] = {}  # key → its lane
        self._results: dict[str, JobResult] = {}
        self._progress: dict[str, tuple[int, tuple[int, int]]] = {}  # key → (job, done/total)
        self._closed = False

    def submit(
        self,
        key: str,
        fn: Callable[..., Any],
        *args: Any,
        lane: str | None = None,
        in_thread: bool = False,
    ) -> int:
        """Run ``fn(ctx, *args)`` in the worker of ``lane`` (default: ``key``); never waits.
        ``fn`` must be a module-level function and ``args`` picklable (they may cross to
        another process), unless ``in_thread``: then the lane is a thread of this process
        whatever the backend (a lane keeps the kind it was started with)."""
        if self._closed:
            raise RuntimeError("this job runner is closed")
        lane = lane or key
        worker = self._workers.get(lane)
        if not in_thread and self.backend == "process" and not isinstance(worker, ThreadLane):
            why = _cannot_travel(fn, args)
            if why:  # said as the job's answer, instead of a job that never answers
                self._number += 1
                self._asked[key], self._lanes[key] = self._number, lane
                self._results[key] = JobResult(self._number, None, why)
                return self._number
        if worker is None or not worker.alive():
            self.poll()  # say why the old one ended before replacing it
            worker = self._workers[lane] = start_lane(
                _serve,
                backend="thread" if in_thread else self.backend,
                registry=self.registry,
                nice=self.nice,
                torch_threads=self.torch_threads,
                name="dl-explorer-jobs",
                owner=self.owner,
            )
            if isinstance(worker, ProcessLane):
                worker.working = _has_work(weakref.ref(self), lane)
        self._number += 1
        self._asked[key] = self._number
        self._lanes[key] = lane
        worker.send(("job", self._number, key, fn, args))
        return self._number

    def poll(self) -> None:
        """Take in every answer that has arrived (never waits)."""
        for lane, worker in list(self._workers.items()):
            alive = worker.alive()  # first: whatever it sent before it ended is read below
            for answer in worker.receive():
                if isinstance(answer, Unreadable):
                    continue  # an answer we cannot read is lost, not a crash
                number, key, value, error = answer
                if error == "superseded" or number != self._asked.get(key):
                    continue
                if error == PROGRESS:
                    self._progress[key] = (number, value)
                    continue
                self._results[key] = JobResult(number, value, error)
            if not alive:
                why = worker.why()
                for key, number in self._asked.items():
                    unanswered = self._results.get(key, JobResult(-1)).job != number
                    if self._lanes.get(key) == lane and unanswered:
                        self._results[key] = JobResult(number, None, why, lost=True)
                del self._workers[lane]

    def unanswered(self, lane: str) -> bool:
        """Whether a job of ``lane`` waits for its answer, as last polled (the pool's question:
        a lane with none waits for work and costs nothing)."""
        return any(
            self._lanes.get(k) == lane and self._results.get(k, JobResult(-1)).job != n
            for k, n in self._asked.items()
        )

    def progress(self, key: str) -> tuple[int, int] | None:
        """(done, total) the newest job for ``key`` last said while it runs; None when it said
        nothing yet, or is answered."""
        if not self.busy(key):
            return None
        number, value = self._progress.get(key, (-1, None))
        return value if number == self._asked.get(key) else None

    def result(self, key: str) -> JobResult | None:
        """The newest answer for ``key`` (possibly to an older job: see ``busy``)."""
        self.poll()
        return self._results.get(key)

    def busy(self, key: str | None = None) -> bool:
        """Whether the newest job for ``key`` (any key if None) is still unanswered."""
        self.poll()
        keys = [key] if key is not None else list(self._asked)
        return any(
            k in self._asked and self._results.get(k, JobResult(-1)).job != self._asked[k]
            for k in keys
        )

    def wait(self, key: str | None = None, timeout: float = 60.0) -> None:
        """Block until ``busy(key)`` is False (scripts, tests, headless rendering only)."""
        deadline = time.monotonic() + timeout
        while self.busy(key):
            if time.monotonic() > deadline:
                raise TimeoutError(f"the background work was not done after {timeout:g} s")
            time.sleep(0.005)

    def close(self) -> None:
        self._closed = True
        for worker in self._workers.values():
            worker.close()
        self._workers.clear()
