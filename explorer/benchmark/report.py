"""What a benchmark says: per task the steps to the target, success over seeds, final quality and
the tuned setting; across tasks AlgoPerf-style performance profiles; a sensitivity plot.

Performance profile (Dolan & Moré; AlgoPerf's aggregate): on each task an optimizer's cost is
its median steps to the target over the seeds (infinite when fewer than half the seeds reach
it); its ratio is that cost over the best optimizer's on the task; ρ(τ) is the fraction of tasks
whose ratio is at most τ. The score is ρ integrated over τ from 1 to ``TAU_MAX`` = 4, divided by
3: 1 means best on every task, 0 means within 4× of the best on none. Steps, not seconds:
seconds depend on the machine and its load, steps do not, so the profile is the same anywhere.
"""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from explorer.atomic_write import atomic_path, write_text

TAU_MAX = 4.0
TAUS = np.round(np.linspace(1.0, TAU_MAX, 301), 4)


def task_rows(results: list[dict[str, Any]], suite: Any) -> list[dict[str, Any]]:
    """One row per optimizer and task: what the table shows and the CSV holds."""
    rows = []
    for r in results:
        task = suite.task(r["task"])
        seeds = r.get("seeds") or []
        reached = [s["reached_at"] for s in seeds if s.get("reached_at") is not None]
        seconds = [s["seconds"] for s in seeds if s.get("seconds") is not None]
        finals = [s["final"] for s in seeds if s.get("final") is not None]
        finals = [f for f in finals if isinstance(f, float) and math.isfinite(f)]
        ok = len(reached) * 2 >= len(seeds) > 0
        rows.append(
            {
                "task": r["task"],
                "optimizer": r["optimizer"],
                "target": task.target,
                "quality": task.quality,
                "steps_budget": task.steps,
                "success": f"{len(reached)}/{len(seeds)}",
                "success_rate": len(reached) / len(seeds) if seeds else 0.0,
                "steps_to_target": float(np.median(reached)) if ok else None,
                "seconds_to_target": float(np.median(seconds)) if ok and seconds else None,
                "final": float(np.median(finals)) if finals else None,
                "tuned": r.get("best"),
                "failed_trials": sum(1 for t in r.get("trials", []) if t.get("failed")),
                "note": r.get("note", ""),
            }
        )
    return rows


def task_table(suite: Any) -> list[dict[str, Any]]:
    """The suite's tasks as results.json lists them (the Scoreboard races a surface task and
    trains a net task from these)."""
    keys = ("name", "kind", "stresses", "target", "quality", "steps", "surface", "noise")
    keys += ("batch", "sigma", "net")
    return [{k: getattr(t, k) for k in keys} for t in suite.tasks]


def profiles(rows: list[dict[str, Any]], optimizers: list[str]) -> dict[str, Any]:
    """ρ(τ) per optimizer on ``TAUS``, and its integral to τ = 4 (normalised to [0, 1])."""
    tasks = sorted({r["task"] for r in rows}, key=[r["task"] for r in rows].index)
    cost = {(r["task"], r["optimizer"]): r["steps_to_target"] for r in rows}
    ratios: dict[str, list[float]] = {o: [] for o in optimizers}
    for task in tasks:
        costs = [cost.get((task, o)) for o in optimizers]
        finite = [max(c, 1.0) for c in costs if c is not None]
        best = min(finite) if finite else None
        for o, c in zip(optimizers, costs, strict=True):
            ratios[o].append(math.inf if c is None or best is None else max(c, 1.0) / best)
    rho = {o: [float(np.mean([r <= tau for r in ratios[o]])) for tau in TAUS] for o in optimizers}
    score = {o: float(np.trapezoid(rho[o], TAUS) / (TAU_MAX - 1.0)) for o in optimizers}
    return {"tau": [float(t) for t in TAUS], "rho": rho, "score": score, "ratios": ratios}


def write_all(out: Path, summary: dict[str, Any]) -> list[Path]:
    """results.json, tasks.csv, profiles.csv/png and sensitivity.png under ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    written = [out / "results.json", out / "tasks.csv", out / "profiles.csv"]
    write_text(written[0], json.dumps(clean(summary), indent=1), "--out")
    write_tasks_csv(written[1], summary["rows"], "--out")
    prof = summary["profiles"]
    with atomic_path(written[2], "--out") as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        names = list(prof["rho"])
        w.writerow(["tau", *names])
        for i, tau in enumerate(prof["tau"]):
            w.writerow([tau, *(prof["rho"][n][i] for n in names)])
    from explorer.benchmark.plots import profile_png, sensitivity_png

    written.append(profile_png(out / "profiles.png", prof))
    sens = sensitivity_png(out / "sensitivity.png", summary["results"])
    if sens is not None:
        written.append(sens)
    return written


def write_tasks_csv(path: Path, rows: list[dict[str, Any]], what: str) -> None:
    """One line per task and optimizer: every column of ``task_rows`` but the tuned setting,
    then that setting as ``k=v`` words (a benchmark's tasks.csv, ``plugins score --csv``);
    ``what`` names the option a write failure is blamed on."""
    with atomic_path(path, what) as tmp, open(tmp, "w", newline="") as fh:
        w = csv.writer(fh)
        keys = [k for k in rows[0] if k != "tuned"] if rows else []
        w.writerow([*keys, "tuned"])
        for row in rows:
            tuned = " ".join(f"{k}={v:.6g}" for k, v in (row["tuned"] or {}).items())
            w.writerow([*(row[k] for k in keys), tuned])


def clean(value: Any) -> Any:
    """``value`` as strict JSON holds it: an infinite or NaN number becomes null."""
    if isinstance(value, dict):
        return {k: clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean(v) for v in value]
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


def latest_path() -> Path:
    """Where the latest benchmark's results.json is copied for the Scoreboard scene:
    ``DL_EXPLORER_BENCHMARK`` if set, else the user's data folder."""
    import os

    override = os.environ.get("DL_EXPLORER_BENCHMARK")
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("dl-explorer")) / "benchmark-latest.json"


def print_summary(summary: dict[str, Any], out: Any) -> None:
    """The rich table: per task, each optimizer's steps to target, success and final quality."""
    from rich.table import Table

    names = summary["optimizers"]
    rows = {(r["task"], r["optimizer"]): r for r in summary["rows"]}
    table = Table(title=f"suite {summary['suite']}: steps to target (median over seeds)")
    table.add_column("task (target)")
    for name in names:
        table.add_column(name)
    for task in summary["tasks"]:
        cells = []
        steps = [rows[(task["name"], n)]["steps_to_target"] for n in names]
        best = min((s for s in steps if s is not None), default=None)
        for name in names:
            row = rows[(task["name"], name)]
            final = "—" if row["final"] is None else f"{row['final']:.3g}"
            if row["steps_to_target"] is None:
                text = f"[red]not reached[/red] {row['success']}\n{task['quality']} {final}"
            else:
                seconds = row["seconds_to_target"]
                when = f"{row['steps_to_target']:g} steps" + (
                    f" ({seconds:.2f} s)" if seconds is not None else ""
                )
                mark = "green" if row["steps_to_target"] == best else "default"
                text = f"[{mark}]{when}[/{mark}] {row['success']}\n{task['quality']} {final}"
            cells.append(text)
        table.add_row(f"{task['name']} ({task['quality']} {task['target']:g})", *cells)
    out.print(table)
    tuned = Table(title="tuned settings")
    tuned.add_column("task")
    for name in names:
        tuned.add_column(name)
    for task in summary["tasks"]:
        cells = []
        for name in names:
            setting = rows[(task["name"], name)]["tuned"] or {}
            cells.append(" ".join(f"{k}={v:.3g}" for k, v in setting.items()) or "—")
        tuned.add_row(task["name"], *cells)
    out.print(tuned)
    score = summary["profiles"]["score"]
    ranking = sorted(names, key=lambda n: -score[n])
    out.print(
        "performance profile, ρ(τ) integrated to τ = 4 (1 = fastest on every task): "
        + ", ".join(f"{n} {score[n]:.2f}" for n in ranking),
        highlight=False,
    )
    out.print(
        f"budget {summary['budget']} trials per optimizer and task, {summary['seeds']} seed(s); "
        f"{summary['engine']}; {summary['seconds']:.1f} s",
        style="dim",
        highlight=False,
    )
