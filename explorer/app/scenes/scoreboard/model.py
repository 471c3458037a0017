"""The Scoreboard's model (no pygame): the latest benchmark as ``dl-explorer benchmark`` left it
(``explorer.benchmark.report.latest_path()``), read again on ``reload``. A missing file is the
normal first state (the scene says how to make one); an unreadable one is one sentence."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ScoreboardSetup:
    """What a user can set: which task the table and the tuned settings show ("": all)."""

    task: str = ""


@dataclass(frozen=True)
class Board:
    """What the scene draws: the profile curves, one row per optimizer and task, the tuned
    settings. ``problem`` is the sentence shown instead when the file could not be read."""

    suite: str = ""
    optimizers: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    tau: tuple[float, ...] = ()
    rho: dict[str, tuple[float, ...]] = field(default_factory=dict)
    score: dict[str, float] = field(default_factory=dict)
    rows: tuple[dict[str, Any], ...] = ()
    # a surface task → the Landscape settings of its race: surface, noise (and batch or sigma)
    races: dict[str, dict[str, Any]] = field(default_factory=dict)
    budget: int = 0
    seeds: int = 0
    problem: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def _race(task: dict[str, Any]) -> dict[str, Any]:
    """The Landscape settings a surface task ran under: its surface and its gradient noise."""
    noise = str(task.get("noise") or "none")
    values: dict[str, Any] = {"surface": str(task["surface"]), "noise": noise}
    if noise == "minibatch" and task.get("batch") is not None:
        values["batch"] = int(task["batch"])
    if noise == "gaussian" and task.get("sigma") is not None:
        values["sigma"] = float(task["sigma"])
    return values


def read_board(path) -> Board:
    """The board in ``path`` (an empty one where no benchmark has run yet)."""
    from explorer.app.ui.i18n import t

    if not path.exists():
        return Board()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        prof = data["profiles"]
        rows = tuple(dict(r) for r in data["rows"])
        return Board(
            suite=str(data.get("suite", "")),
            optimizers=tuple(str(o) for o in data["optimizers"]),
            tasks=tuple(dict.fromkeys(str(r["task"]) for r in rows)),
            tau=tuple(float(x) for x in prof["tau"]),
            rho={o: tuple(float(v) for v in r) for o, r in prof["rho"].items()},
            score={o: float(s) for o, s in prof["score"].items() if s is not None},
            rows=rows,
            races={
                str(k["name"]): _race(k)
                for k in data.get("tasks", [])
                if k.get("kind") == "surface" and k.get("surface")
            },
            budget=int(data.get("budget", 0)),
            seeds=int(data.get("seeds", 0)),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = type(exc).__name__ if not str(exc) else str(exc)
        return Board(problem=t("scoreboard.unreadable", path=str(path), reason=reason))


class ScoreboardModel:
    """The latest benchmark. Nothing runs in the background: ``reload`` reads the file again."""

    def __init__(self, registry) -> None:
        self.registry = registry
        self.task = ""  # the task the table and the tuned settings show ("": all)
        self.board = Board()
        self.reload()

    @staticmethod
    def path():
        from explorer.benchmark.report import latest_path

        return latest_path()

    def reload(self) -> None:
        self.board = read_board(self.path())
        if self.task not in self.board.tasks:
            self.task = ""  # the new benchmark has no such task: all of them

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
        pass

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

    def readouts(self) -> dict[str, Any]:
        b = self.board
        best = max(b.score, key=lambda o: b.score[o]) if b.score else ""
        return {"optimizers": len(b.optimizers), "tasks": len(b.tasks), "best": best}

    def wait(self, timeout: float) -> None:
        pass

    def close(self) -> None:
        pass
