"""A benchmark while it runs, for the Scoreboard: the results so far in a file beside the latest
one (``running_path``), rewritten as each study ends and kept fresh by a heartbeat, removed when
the benchmark ends however it ends.

The file is results.json's shape with ``running = {done, of}`` added: rows for the studies that
have ended, profiles over the tasks every optimizer has finished (a profile over a task only
some have finished would rank by who happened to run first). A benchmark killed outright leaves
the file behind: its heartbeat stops, and a reader takes a file older than ``STALE_S`` for a
benchmark that no longer runs. The heartbeat touches the file (its modification time) rather
than rewriting it, so a reader polling the times learns of it at the cost of a ``stat``.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
import time
from pathlib import Path
from typing import Any

from explorer.atomic_write import write_text
from explorer.benchmark.report import clean, profiles, task_rows, task_table

HEARTBEAT_S = 5.0
STALE_S = 30.0  # six heartbeats missed: the benchmark has stopped


def running_path(latest: Path) -> Path:
    """``benchmark-latest.json`` → ``benchmark-latest.running.json``, in the same folder."""
    return latest.with_name(f"{latest.stem}.running{latest.suffix or '.json'}")


def is_fresh(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is a running benchmark's file: there, and touched within ``STALE_S``."""
    try:
        mtime = path.stat().st_mtime
    except OSError:
        return False
    return (time.time() if now is None else now) - mtime <= STALE_S


class LiveResults:
    """Writes ``path`` for the benchmark of ``optimizers`` on ``suite`` as its studies end."""

    def __init__(
        self, path: Path, suite: Any, optimizers: list[str], budget: int, seeds: int
    ) -> None:
        self.path = path
        self.suite = suite
        self.head = {
            "suite": suite.name,
            "tasks": task_table(suite),
            "optimizers": list(optimizers),
            "budget": budget,
            "seeds": seeds,
        }
        self.total = len(optimizers) * len(suite.tasks)
        self.results: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._beat = threading.Thread(target=self._heartbeat, name="benchmark-heartbeat")
        self._beat.daemon = True  # a killed benchmark's file goes stale by itself

    def __enter__(self) -> LiveResults:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write()
        self._beat.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._beat.join(timeout=HEARTBEAT_S)
        with self._lock:
            self.path.unlink(missing_ok=True)

    def finished(self, index: int, result: dict[str, Any]) -> None:
        """One study has ended (``engine.Finished``): the file shows it."""
        with self._lock:
            self.results.append(result)
        self._write()

    def summary(self) -> dict[str, Any]:
        """What the file holds now."""
        with self._lock:
            results = list(self.results)
        rows = task_rows(results, self.suite)
        names = self.head["optimizers"]
        ended: dict[str, set[str]] = {}
        for row in rows:
            ended.setdefault(row["task"], set()).add(row["optimizer"])
        complete = [r for r in rows if ended[r["task"]] >= set(names)]
        none: dict[str, Any] = {"tau": [], "rho": {}, "score": {}}
        return {
            **self.head,
            "rows": rows,
            "profiles": profiles(complete, names) if complete else none,
            "running": {"done": len(results), "of": self.total},
        }

    def _write(self) -> None:
        text = json.dumps(clean(self.summary()), indent=1)
        with self._lock:
            if not self._stop.is_set():
                write_text(self.path, text, "the running benchmark")

    def _heartbeat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            with self._lock:
                if self._stop.is_set():
                    return  # the file is gone or going: never made again
                with contextlib.suppress(OSError):  # removed from under us: no run is seen
                    os.utime(self.path)
