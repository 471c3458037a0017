"""What "Train in the lab" hands the Network lab for a net task (no pygame): the task's net as
the lab builds it (``explorer.benchmark.lab_nets``) and the task's optimizers at their tuned
settings, the two best on that task side by side (A the faster, B the next); any more are named
as left out, since the lab shows two nets at most."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from explorer.app.ui.i18n import t


@dataclass(frozen=True)
class LabPlan:
    """The lab's setup values (empty when ``refusal`` says why there are none), the optimizers
    shown as A (and B), and those left out."""

    values: dict[str, Any] = field(default_factory=dict)
    shown: tuple[str, ...] = ()
    left: tuple[str, ...] = ()
    refusal: str = ""

    def note(self) -> str:
        """The sentence the tab strip says when the lab opens (which optimizer is which)."""
        if len(self.shown) == 1:
            words = t("scoreboard.lab_one", a=self.shown[0])
        else:
            words = t("scoreboard.lab_two", a=self.shown[0], b=self.shown[1])
        if self.left:
            words += t("scoreboard.lab_left", names=", ".join(self.left))
        return words


def ranked(rows: list[dict[str, Any]], lower_is_better: bool) -> list[dict[str, Any]]:
    """``rows`` of one task, best first: reached the target in fewer steps, then (not reached)
    the better final quality; a diverged run (no final) last."""

    def key(row: dict[str, Any]) -> tuple[float, float]:
        steps = row.get("steps_to_target")
        final = row.get("final")
        if final is None or not math.isfinite(final):
            quality = math.inf
        else:
            quality = final if lower_is_better else -final
        return (math.inf if steps is None else float(steps), quality)

    return sorted(rows, key=key)  # stable: a tie keeps the benchmark's order


def lab_plan(board: Any, task: str, registry: Any) -> LabPlan:
    """The plan for ``task`` of ``board`` (a refusal for no task, a surface's or a net the lab
    cannot build)."""
    from explorer.benchmark.lab_nets import LAB_NETS, NOT_IN_LAB, lab_values
    from explorer.knob_text import Pick, Spec

    net, steps = board.nets.get(task, ("", 0))
    if not net:
        return LabPlan(refusal=t("scoreboard.lab_needs_task"))
    if net not in LAB_NETS:
        why = NOT_IN_LAB.get(net, "unknown")
        return LabPlan(refusal=t(f"scoreboard.lab_not_{why}", task=board.label(task)))
    rows = ranked([r for r in board.rows if r["task"] == task], lower_is_better=False)
    if not rows:
        return LabPlan(refusal=t("scoreboard.lab_needs_task"))
    specs = [
        Spec(str(r["optimizer"]), {k: float(v) for k, v in (r.get("tuned") or {}).items()})
        for r in rows
    ]
    values = lab_values(LAB_NETS[net], steps, registry)
    values["optimizer"] = specs[0]
    values["compare"] = Pick("optimizer", specs[1]) if len(specs) > 1 else None
    return LabPlan(
        values,
        tuple(s.name for s in specs[:2]),
        tuple(s.name for s in specs[2:]),
    )
