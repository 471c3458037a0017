"""The Scoreboard's model (no pygame): the latest benchmark as ``dl-explorer benchmark`` left it
(``explorer.benchmark.report.latest_path()``), or the one running now (``benchmark.live``: its
results so far, shown as such). It looks at the two files' times every ``POLL_S`` of model time
(a ``stat`` each) and reads them again when they change, so a benchmark finished in a terminal
shows up while the scene is open. A missing file is the normal first state (the scene says how
to make one); an unreadable one is one sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from explorer.app.scenes.scoreboard.board import Board, read_board

POLL_S = 1.0


@dataclass(frozen=True)
class ScoreboardSetup:
    """What a user can set: which task the table and the tuned settings show ("": all)."""

    task: str = ""


def _stamp(path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


class ScoreboardModel:
    """The latest benchmark, or the running one. ``version`` goes up whenever what is shown
    changes (the scene then redraws, and rebuilds its task menu when the tasks changed)."""

    def __init__(self, registry) -> None:
        self.registry = registry
        self.task = ""  # the task the table and the tuned settings show ("": all)
        self.board = Board()
        self.version = 0
        self._stamps: tuple[Any, ...] | None = None
        self._since_poll = 0.0
        self.reload()

    @staticmethod
    def path():
        from explorer.benchmark.report import latest_path

        return latest_path()

    @classmethod
    def running_path(cls):
        from explorer.benchmark.live import running_path

        return running_path(cls.path())

    def _look(self, now: float | None = None) -> tuple[Any, ...]:
        """The files' times and sizes, and whether the running one is still fresh."""
        from explorer.benchmark.live import is_fresh

        running = self.running_path()
        return _stamp(self.path()), _stamp(running), is_fresh(running, now)

    def reload(self, now: float | None = None) -> None:
        """Read the running benchmark's file while it is fresh, else the latest one."""
        self._stamps = self._look(now)
        fresh = self._stamps[2]
        board = read_board(self.running_path()) if fresh else Board()
        if not fresh or board.problem:  # a file caught half-renamed: the latest meanwhile
            board = read_board(self.path())
        if board != self.board:
            self.board = board
            self.version += 1
        if self.task not in self.board.tasks:
            self.task = ""  # the new benchmark has no such task: all of them

    def poll(self, now: float | None = None) -> bool:
        """Read again if either file changed (or the running one went stale); whether it did."""
        if self._look(now) == self._stamps:
            return False
        before = self.version
        self.reload(now)
        return self.version != before

    @staticmethod
    def readout_names() -> frozenset[str]:
        return frozenset({"optimizers", "tasks", "best"})

    def setup(self) -> ScoreboardSetup:
        return ScoreboardSetup(self.task)

    def apply(self, setup: ScoreboardSetup) -> None:
        if setup.task and setup.task not in self.board.tasks:
            known = ", ".join(self.board.tasks) or "none: no benchmark has run yet"
            raise ValueError(
                f"the latest benchmark has no task {setup.task!r} (its tasks: {known})"
            )
        self.task = setup.task

    def update(self, dt: float) -> None:
        self._since_poll += dt
        if self._since_poll >= POLL_S:
            self._since_poll = 0.0
            self.poll()

    def race_values(self) -> dict[str, Any] | None:
        """The Landscape's settings that race the chosen task's optimizers, each at its tuned
        setting, on the task's surface with its noise (None: no task chosen, or a net's)."""
        from explorer.knob_text import Spec

        race = self.board.races.get(self.task)
        if race is None:
            return None
        rows = [r for r in self.board.rows if r["task"] == self.task]
        optimizers = tuple(
            Spec(str(r["optimizer"]), {k: float(v) for k, v in (r.get("tuned") or {}).items()})
            for r in rows
        )
        return {**race, "optimizers": optimizers}

    def lab_plan(self):
        """What "Train in the lab" hands the Network lab for the chosen task (``lab_plan``)."""
        from explorer.app.scenes.scoreboard.lab_plan import lab_plan

        return lab_plan(self.board, self.task, self.registry)

    def readouts(self) -> dict[str, Any]:
        b = self.board
        best = max(b.score, key=lambda o: b.score[o]) if b.score else ""
        return {"optimizers": len(b.optimizers), "tasks": len(b.tasks), "best": best}

    def wait(self, timeout: float) -> None:
        pass

    def close(self) -> None:
        pass
