"""The loop a background trainer runs, the same in a thread and in a process: control commands
in, snapshots out. Commands are ``(kind, argument, number)`` tuples; every published snapshot
says (``ack``) the number of the last command applied, so a caller can wait for its own."""

from __future__ import annotations

import dataclasses
import queue
import time
from collections.abc import Callable
from typing import Any, Protocol

from explorer.training.config import TrainConfig
from explorer.training.session import Plugins, TrainingSession
from explorer.training.snapshot import Snapshot

Command = tuple[str, Any, int]


class Sink(Protocol):
    """Where snapshots go. ``publish`` may decline (a process sink out of credit) and sets
    ``pending`` until a later ``publish`` succeeds."""

    pending: bool

    def publish(self, make: Callable[[], Snapshot]) -> None: ...

    def credit(self, n: int) -> None: ...


class LatestSink:
    """The thread backend's sink: keep a reference to the newest snapshot (atomic under the GIL)."""

    pending = False

    def __init__(self) -> None:
        self.latest: Snapshot = Snapshot("starting")

    def publish(self, make: Callable[[], Snapshot]) -> None:
        self.latest = make()

    def credit(self, n: int) -> None:
        pass


def run_worker(
    config: TrainConfig,
    plugins: Plugins | None,
    resolve: Callable[[TrainConfig], Plugins],
    commands: Any,
    sink: Sink,
    publish_interval: float = 1 / 30,
    parent_alive: Callable[[], bool] | None = None,
) -> None:
    """Train in the calling thread until a ``stop`` command. ``commands`` is a queue (``get``
    with ``block``); between commands the run is idle, running, paused, done or in error.
    ``parent_alive`` (in a worker process) is polled so an orphaned worker ends itself."""
    run, ack = 0, 0
    state, message = "starting", ""
    steps_left: int | None = None
    session: TrainingSession | None = None

    def build(cfg: TrainConfig, found: Plugins | None) -> None:
        nonlocal session, state, message
        session, message = None, ""
        try:
            session = TrainingSession(cfg, plugins=found or resolve(cfg))
            state = "idle"
        except Exception as exc:  # noqa: BLE001 - a plugin's or the user's mistake, reported
            state, message = "error", _reason(exc)

    def make() -> Snapshot:
        if session is None:
            return Snapshot(state, run=run, message=message, ack=ack, config=config.to_dict())
        snap = session.snapshot(state, run=run)
        return dataclasses.replace(snap, ack=ack, message=message or snap.message)

    build(config, plugins)
    sink.publish(make)
    last = checked = time.perf_counter()
    wait = None if parent_alive is None else 0.5
    while True:
        changed = False
        try:
            cmd = commands.get(block=state != "running", timeout=wait)
        except queue.Empty:
            cmd = None
        if parent_alive is not None and time.perf_counter() - checked > 0.5:
            checked = time.perf_counter()
            if not parent_alive():
                return
        if cmd is not None:
            kind, arg, number = cmd
            if kind == "credit":
                sink.credit(arg)
            else:
                ack, changed = number, True
            if kind == "stop":
                state = "stopped"
                sink.publish(make)
                return
            if kind in ("start", "resume") and state in ("idle", "paused"):
                state, steps_left = "running", None
            elif kind == "pause" and state == "running":
                state, steps_left = "paused", None
            elif kind == "step" and state in ("idle", "paused"):
                state, steps_left = "running", max(1, int(arg))
            elif kind == "reset":
                new_config, found = arg
                config = new_config or config
                run += 1
                build(config, found)
        if state == "running" and session is not None:
            epoch = session.epoch
            try:
                session.step(1)
            except Exception as exc:  # noqa: BLE001
                state, message = "error", _reason(exc)
            else:
                if session.done:
                    state = "done"
                elif steps_left is not None:
                    steps_left -= 1
                    if steps_left <= 0:
                        state, steps_left = "paused", None
            changed = changed or state != "running" or session.epoch != epoch
        now = time.perf_counter()
        if changed or sink.pending or (state == "running" and now - last >= publish_interval):
            sink.publish(make)
            last = now


def _reason(exc: BaseException) -> str:
    return str(exc) if isinstance(exc, ValueError | LookupError) else f"{type(exc).__name__}: {exc}"
