"""Balls of one optimizer stepping as one stacked tensor: the race's fast path (``Race(stacked=True)``).

The per-ball race calls a rule's ``update`` once per ball per step on a 2-element tensor; tuning an
optimizer races hundreds of balls for thousands of steps, and those calls are most of the time.
Here the balls of one rule step together: their positions, gradients and state as ``(k, 2)``
tensors, the learning rate as a ``(k, 1)`` tensor, the rule's own ``update`` (or ``apply``) called once. The maths
a rule writes is elementwise, so each row gets exactly the bits its ball would get alone.

Only the learning rate stacks as a tensor; the other hyperparameters group the balls by value and
reach the rule as the floats the per-ball path passes. That is a measured choice, not caution:
``lr`` enters every rule through products and quotients (IEEE-exact in torch as in Python), while
``β₂`` meets a square root (``(1 − β₂ᵗ) ** 0.5``) that torch and Python round differently in the
last bit a few times in a thousand, and the race promises torch's bits.

Every step goes through ``optim.apply_rule``, the per-ball race's one step path. Nothing here
trusts a plugin: a group's first stacked step is checked against its balls stepped one at a time
(whose result the balls keep); a rule that branches on a value (``if lr:``), calls ``math.*`` on one, returns the wrong shape, raises, or mixes
the rows (``grad.norm()``) fails that check and its balls step one at a time for good. A group
whose call raises later hands its balls back to the per-ball path at that step, where the ball at
fault is frozen with the reason, as always. Torch classes (no rule) always step per ball.

The gradient is the race's (``Race._gradients``): where the surface writes its gradient out
(``SurfaceSpec.grad``: autograd's own operations, tested to the bit) the stacked race takes it
without building a graph, and leaves the losses to be filled in blocks of rows when read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch

from explorer import optim
from explorer.plugins import plugin_fault
from explorer.step_budget import budget

if TYPE_CHECKING:
    from explorer.landscape.race import Ball

# One step of one ball the per-ball way: (ball index, gradient row, position row, step) → the new
# position, or None where the ball froze (``Race._ball_step``).
BallStep = Callable[[int, torch.Tensor, torch.Tensor, int], torch.Tensor | None]


@dataclass
class Group:
    """Balls of one rule with equal hyperparameters but ``lr`` and the same kind of state."""

    rows: list[int]  # the balls' indices in the race
    rule: optim.UpdateRule
    fixed: dict[str, float]  # every hyperparameter but lr, as the per-ball path passes them
    lr: np.ndarray | None  # (k, T) the rate at each step (one column when constant); None: no lr
    state: dict[str, Any]
    shapes: dict[str, tuple[int, ...]]  # each tensor entry's shape in one ball's state
    checked: bool = False  # its stacked step matched the per-ball one
    at: np.ndarray | slice = field(init=False)  # where its rows go in an (n, 2) array
    everyone: bool = field(init=False)
    lr_fixed: torch.Tensor | None = field(init=False)

    def __post_init__(self) -> None:
        self._rows()

    def _rows(self) -> None:
        """What stepping needs of ``rows`` and ``lr``, made once, not once a step."""
        n = self.rows[-1] + 1 if self.rows else 0
        self.everyone = self.rows == list(range(n))  # the first n balls in order: no gather
        # a slice, or an index array made once: a list of rows is converted on every use
        self.at = slice(0, n) if self.everyone else np.array(self.rows, dtype=np.intp)
        self.lr_fixed = None
        if self.lr is not None and self.lr.shape[1] == 1:
            self.lr_fixed = torch.from_numpy(np.ascontiguousarray(self.lr))

    def lr_at(self, t: int) -> torch.Tensor | None:
        if self.lr is None or self.lr_fixed is not None:
            return self.lr_fixed
        column = self.lr[:, min(t, self.lr.shape[1] - 1)]
        return torch.from_numpy(np.ascontiguousarray(column)).unsqueeze(1)

    def take(self, rows: torch.Tensor, array: np.ndarray) -> torch.Tensor:
        """This group's rows of ``rows`` (every ball's; ``array`` is the same memory)."""
        if self.everyone:  # no copy, and the whole tensor where the group is every ball
            return rows if rows.shape[0] == len(self.rows) else rows[: len(self.rows)]
        return torch.from_numpy(array[self.at])  # numpy gathers a few rows faster than torch

    def row_state(self, j: int) -> dict[str, Any]:
        """Row ``j``'s state as one ball's state (tensors copied, shaped as alone)."""
        out: dict[str, Any] = {}
        for key, value in self.state.items():
            if key in self.shapes and isinstance(value, torch.Tensor):
                out[key] = value[j].reshape(self.shapes[key]).clone()
            else:
                out[key] = value
        return out

    def keep(self, mask: np.ndarray) -> None:
        """Only the rows where ``mask`` is true stay."""
        index = torch.from_numpy(np.flatnonzero(mask))
        self.rows = [r for r, m in zip(self.rows, mask.tolist(), strict=True) if m]
        if self.lr is not None:
            self.lr = self.lr[mask]
        for key in self.shapes:
            self.state[key] = self.state[key].index_select(0, index)
        self._rows()


def _state_kind(state: dict[str, Any]) -> tuple[Any, ...] | None:
    """What must be equal for two balls' states to stack: the keys, each tensor's shape and
    dtype, every other value itself (a step count). None: a state that cannot stack."""
    kind: list[Any] = []
    for key in sorted(state):
        value = state[key]
        if isinstance(value, torch.Tensor):
            if value.dim() > 1 or value.numel() not in (1, 2):
                return None
            kind.append((key, "tensor", tuple(value.shape), value.dtype))
        elif isinstance(value, int | float | bool | str | None):
            kind.append((key, "value", type(value).__name__, value))
        else:
            return None
    return tuple(kind)


def _stack_state(states: Sequence[dict[str, Any]]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The balls' states as one: tensor entries stacked to (k, 2), or (k, 1) for one number."""
    first = states[0]
    stacked: dict[str, Any] = {}
    shapes: dict[str, tuple[int, ...]] = {}
    for key, value in first.items():
        if isinstance(value, torch.Tensor):
            rows = torch.stack([s[key].reshape(-1) for s in states])
            stacked[key], shapes[key] = rows, tuple(value.shape)
        else:
            stacked[key] = value
    return stacked, shapes


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, torch.Tensor) or isinstance(b, torch.Tensor):
        if not (isinstance(a, torch.Tensor) and isinstance(b, torch.Tensor)):
            return False
        return a.shape == b.shape and a.dtype == b.dtype and bool(torch.equal(a, b))
    return bool(a == b)


class Stacker:
    """The race's balls in stacked groups (two or more balls of one rule) and singles."""

    def __init__(self, balls: Sequence[Ball], total_steps: int) -> None:
        self.balls = balls
        self.groups: list[Group] = []
        self.singles: list[int] = []
        self.fallbacks: list[str] = []  # rules that failed the check (their names, once each)
        self.t: int | None = None  # the last step taken (a scheduled ball's rate then)
        self._last: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        keyed: dict[tuple[Any, ...], list[int]] = {}
        for i, ball in enumerate(balls):
            key = self._key(ball)
            if key is None:
                self.singles.append(i)
            else:
                keyed.setdefault(key, []).append(i)
        for rows in keyed.values():
            if len(rows) == 1:
                self.singles.extend(rows)
            else:
                self.groups.append(self._group(rows, total_steps))
        self.singles.sort()

    def _key(self, ball: Ball) -> tuple[Any, ...] | None:
        rule = getattr(ball._opt, "rule", None)
        if rule is None or not ball.status.active:
            return None
        kind = _state_kind(ball.state)
        if kind is None:
            return None
        fixed = tuple(sorted((k, v) for k, v in ball.hyper.items() if k != "lr"))
        return (id(ball.spec), type(rule), fixed, "lr" in ball.hyper, kind)

    def _group(self, rows: list[int], total_steps: int) -> Group:
        balls = [self.balls[i] for i in rows]
        first = balls[0]
        assert first.spec.rule is not None  # _key grouped rule balls only
        rule = optim.make_rule(cast(type[optim.UpdateRule], first.spec.rule))
        fixed = {k: v for k, v in first.hyper.items() if k != "lr"}
        lr: np.ndarray | None = None
        if "lr" in first.hyper:
            if any(b.lr_schedule is not None for b in balls):
                lr = np.stack([self._curve(b, total_steps) for b in balls])
            else:
                lr = np.array([[b.hyper["lr"]] for b in balls], dtype=np.float64)
        state, shapes = _stack_state([b.state for b in balls])
        return Group(rows, rule, fixed, lr, state, shapes)

    @staticmethod
    def _curve(ball: Ball, total_steps: int) -> np.ndarray:
        if ball.lr_schedule is None:
            return np.full(total_steps, ball.hyper["lr"], dtype=np.float64)
        curve = np.asarray(ball.lr_schedule, dtype=np.float64)
        if len(curve) < total_steps:  # the per-ball path holds the last rate
            curve = np.concatenate([curve, np.full(total_steps - len(curve), curve[-1])])
        return curve[:total_steps]

    # -- stepping ----------------------------------------------------------------------------
    def step(
        self, G: np.ndarray, P: np.ndarray, t: int, active: np.ndarray, one: BallStep
    ) -> np.ndarray:
        """Every active ball's new position (a ball that froze: ``active`` turned false)."""
        new = P.copy()
        self.t = t
        Gt, Pt = torch.from_numpy(G), torch.from_numpy(P)
        singles = list(self.singles)  # a group that breaks up now steps its balls itself
        for group in list(self.groups):
            self._step_group(group, (G, Gt), (P, Pt), new, t, active, one)
        for i in singles:
            if active[i]:
                self._one(i, Gt, Pt, new, t, active, one)
        return new

    def _one(
        self,
        i: int,
        Gt: torch.Tensor,
        Pt: torch.Tensor,
        new: np.ndarray,
        t: int,
        active: np.ndarray,
        one: BallStep,
    ) -> torch.Tensor | None:
        moved = one(i, Gt[i], Pt[i], t)
        if moved is None:
            active[i] = False
            if self._last is not None and self._last[2][i]:  # keeps its last good step's
                self.balls[i].grad, self.balls[i].last_step = self._last[0][i], self._last[1][i]
        else:
            new[i] = moved.numpy()
        return moved

    def _step_group(
        self,
        group: Group,
        grads: tuple[np.ndarray, torch.Tensor],
        points: tuple[np.ndarray, torch.Tensor],
        new: np.ndarray,
        t: int,
        active: np.ndarray,
        one: BallStep,
    ) -> None:
        """``grads`` and ``points``: every ball's, as an array and as a tensor of its memory."""
        (G, Gt), (P, Pt) = grads, points
        p = group.take(Pt, P)
        hyper: dict[str, Any] = dict(group.fixed)
        lr = group.lr_at(t)
        if lr is not None:
            hyper["lr"] = lr
        trial = dict(group.state)  # the rule replaces entries; a failed call leaves none behind
        try:
            with budget(first=not group.checked):
                moved = optim.apply_rule(group.rule, group.take(Gt, G), trial, p, hyper)
        except BaseException as exc:  # noqa: BLE001 - the plugin's; its balls go on one by one
            if not plugin_fault(exc):  # a real Ctrl-C or SIGTERM ends the race
                raise
            moved = None
        if not group.checked:  # the per-ball steps are the truth; the stacked one must match
            self._check(group, moved, trial, Gt, Pt, new, t, active, one)
            return
        if moved is None:  # raised after its check: this step and the rest one ball at a time
            self._dissolve(group, "raised")
            for i in group.rows:
                self._one(i, Gt, Pt, new, t, active, one)
            return
        group.state = trial
        new[group.at] = moved.numpy()

    def _check(
        self,
        group: Group,
        moved: torch.Tensor | None,
        trial: dict[str, Any],
        Gt: torch.Tensor,
        Pt: torch.Tensor,
        new: np.ndarray,
        t: int,
        active: np.ndarray,
        one: BallStep,
    ) -> None:
        agree = moved is not None and set(trial) == set(group.state)
        for j, i in enumerate(group.rows):
            alone = self._one(i, Gt, Pt, new, t, active, one)
            if not agree or alone is None or moved is None:
                agree = False
                continue
            agree = bool(torch.equal(moved[j], alone))
            state = self.balls[i].state
            for key, value in trial.items():
                if not agree:
                    break
                mine = value[j].reshape(group.shapes[key]) if key in group.shapes else value
                agree = key in state and _same(mine, state[key])
        if agree:
            group.checked, group.state = True, trial
        else:  # the balls already stepped one at a time, and go on that way
            self._dissolve(group, "check", sync=False)

    def _dissolve(self, group: Group, why: str, *, sync: bool = True) -> None:
        if sync:
            self.sync_group(group)
        self.groups.remove(group)
        self.singles = sorted(self.singles + group.rows)
        name = self.balls[group.rows[0]].spec.name
        if why != "alone" and name not in self.fallbacks:
            self.fallbacks.append(name)

    # -- handing state back to the balls -----------------------------------------------------
    def sync_group(self, group: Group, rows: Sequence[int] | None = None) -> None:
        """The group's state, row by row, into its balls' own state (what the app draws, and
        where the per-ball path goes on from)."""
        for j, i in enumerate(group.rows):
            if rows is not None and i not in rows:
                continue
            ball = self.balls[i]
            ball.state.clear()
            ball.state.update(group.row_state(j))
            if group.lr is not None and group.lr.shape[1] > 1 and self.t is not None:
                ball.lr = float(group.lr[j, min(self.t, group.lr.shape[1] - 1)])

    def last(self, G: np.ndarray, steps: np.ndarray, active: np.ndarray) -> None:
        """The last step's gradients and steps, handed to the balls still active by ``sync``."""
        self._last = (G, steps, active.copy())

    def sync(self) -> None:
        """Everything the per-ball path keeps on each ball, made true again (end of ``step``)."""
        for group in self.groups:
            if group.checked:
                self.sync_group(group)
        if self._last is not None:
            G, steps, active = self._last
            for i in np.flatnonzero(active).tolist():
                self.balls[i].grad, self.balls[i].last_step = G[i], steps[i]
            self._last = None

    def release(self, i: int) -> None:
        """Ball ``i`` stopped (left the map): its state back to it, its row out of its group."""
        for group in self.groups:
            if i in group.rows:
                if group.checked:
                    self.sync_group(group, [i])
                group.keep(np.array([r != i for r in group.rows]))
                if len(group.rows) < 2:
                    self._dissolve(group, "alone")
                return

    @property
    def stacked_balls(self) -> int:
        return sum(len(g.rows) for g in self.groups)
