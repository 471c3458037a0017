"""What the Scoreboard shows, read from a benchmark's results.json (no pygame): the profile
curves, one row per optimizer and task, the tuned settings, what each task runs (a surface to
race on the Landscape, a net to train in the lab) and, for a benchmark still running, how far
it has come. Task names are shown in the UI's language where the catalogue knows them (the
built-in tasks); a suite's own task keeps the name its author gave it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from explorer.app.ui.i18n import t


@dataclass(frozen=True)
class Board:
    """What the scene draws. ``problem`` is the sentence shown instead when the file could not
    be read; ``running`` = (studies done, of how many) while the benchmark still runs."""

    suite: str = ""
    optimizers: tuple[str, ...] = ()
    tasks: tuple[str, ...] = ()
    tau: tuple[float, ...] = ()
    rho: dict[str, tuple[float, ...]] = field(default_factory=dict)
    score: dict[str, float] = field(default_factory=dict)
    rows: tuple[dict[str, Any], ...] = ()
    # a surface task → the Landscape settings of its race: surface, noise (and batch or sigma)
    races: dict[str, dict[str, Any]] = field(default_factory=dict)
    nets: dict[str, tuple[str, int]] = field(default_factory=dict)  # a net task → (net, steps)
    budget: int = 0
    seeds: int = 0
    problem: str = ""
    running: tuple[int, int] | None = None

    @property
    def empty(self) -> bool:
        return not self.rows

    def label(self, task: str) -> str:
        """``task`` as the UI names it: a built-in task's words, else its own name."""
        return task_label(task)


def task_label(task: str) -> str:
    key = f"scoreboard.task_names.{task}"
    words = t(key)
    return task if words == key else words


def quality_word(quality: str) -> str:
    """ "loss" / "accuracy" in the UI's language."""
    key = f"scoreboard.quality.{quality}"
    words = t(key)
    return quality if words == key else words


def _race(task: dict[str, Any]) -> dict[str, Any]:
    """The Landscape settings a surface task ran under: its surface and its gradient noise."""
    noise = str(task.get("noise") or "none")
    values: dict[str, Any] = {"surface": str(task["surface"]), "noise": noise}
    if noise == "minibatch" and task.get("batch") is not None:
        values["batch"] = int(task["batch"])
    if noise == "gaussian" and task.get("sigma") is not None:
        values["sigma"] = float(task["sigma"])
    return values


def _running(data: dict[str, Any]) -> tuple[int, int] | None:
    running = data.get("running")
    if running is None:
        return None
    return int(running["done"]), int(running["of"])


def read_board(path) -> Board:
    """The board in ``path`` (an empty one where no benchmark has run yet)."""
    if not path.exists():
        return Board()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        prof = data["profiles"]
        rows = tuple(dict(r) for r in data["rows"])
        tasks = data.get("tasks", [])
        order = [str(k["name"]) for k in tasks]
        names = dict.fromkeys([*(n for n in order if any(r["task"] == n for r in rows))])
        names.update(dict.fromkeys(str(r["task"]) for r in rows))
        return Board(
            suite=str(data.get("suite", "")),
            optimizers=tuple(str(o) for o in data["optimizers"]),
            tasks=tuple(names),
            tau=tuple(float(x) for x in prof["tau"]),
            rho={o: tuple(float(v) for v in r) for o, r in prof["rho"].items()},
            score={o: float(s) for o, s in prof["score"].items() if s is not None},
            rows=rows,
            races={
                str(k["name"]): _race(k)
                for k in tasks
                if k.get("kind") == "surface" and k.get("surface")
            },
            nets={
                str(k["name"]): (str(k["net"]), int(k.get("steps") or 0))
                for k in tasks
                if k.get("kind") == "net" and k.get("net")
            },
            budget=int(data.get("budget", 0)),
            seeds=int(data.get("seeds", 0)),
            running=_running(data),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        reason = type(exc).__name__ if not str(exc) else str(exc)
        return Board(problem=t("scoreboard.unreadable", path=str(path), reason=reason))
