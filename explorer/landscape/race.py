"""A race of balls on a loss surface, one optimizer each.

All balls' gradients come from one autograd call per step (the surface is elementwise); each ball
then takes its own optimizer's step on a 2-element tensor: a registered ``UpdateRule`` through
``optim.apply_rule``, the one step path its ``RuleOptimizer`` uses to train networks (the
ball's state lives in that optimizer), a registered torch class as itself. So a ball moves exactly as torch would move
it, step after step, for as many steps as asked: "converged" is a mark (the first step the ball
settled), not a stop, because torch keeps stepping a settled parameter and adaptive optimizers can
burst out again. With ``stacked=True`` the balls of one rule step together as one tensor
(``landscape/stacked.py``: the same bits, many times the balls per second; what tuning needs).
Nothing a plugin does can stop the race: a ball whose rule raises is frozen with
the reason; one that blows up is marked diverged, one that leaves the map downhill escaped. A
reason is a ``Reason(code, fields)`` (``landscape/reasons.py``): worded from the catalogue, in
English by ``str()``, in the UI's language by the app.
"""

from __future__ import annotations

import csv
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import torch

from explorer import optim
from explorer.landscape import surface as S
from explorer.landscape.reasons import Reason
from explorer.landscape.stacked import Stacker
from explorer.plugins import Registry, default_registry, plugin_fault
from explorer.schedules import lr_curve
from explorer.specs import OptimizerSpec, ScheduleSpec, SurfaceSpec, outside_notes
from explorer.step_budget import OverBudget, budget, clock

if TYPE_CHECKING:
    from explorer.landscape.schedule_curves import ScheduleCurves

# The balls a race gets when nobody picks: the lecture's classics.
DEFAULT_OPTIMIZERS = ("sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam")
LOSS_CHUNK = 4096  # trajectory rows per full-data loss evaluation (bounds its memory)
ROWS_BYTES = 1 << 25  # a race's trajectory is made this big at the start, at most (it grows after)
# What a step draws ahead (``Race.draws``): mini-batch indices (balls, batch), Gaussian gradient
# noise (balls, 2), or nothing.
Draws = torch.Tensor | np.ndarray | None


class Status(enum.StrEnum):
    RUNNING = "running"  # moving
    CONVERGED = "converged"  # settled at a minimum; still stepping, as torch would
    SADDLE = "stuck at a saddle"  # settled where the Hessian has a negative eigenvalue
    DIVERGED = "diverged"  # the loss grew without bound or became non-finite; stopped
    ESCAPED = "escaped"  # left the map downhill, the loss still falling; stopped
    FROZEN = "frozen"  # its plugin failed; stopped

    @property
    def active(self) -> bool:
        """Still stepping."""
        return self in (Status.RUNNING, Status.CONVERGED, Status.SADDLE)

    @property
    def settled(self) -> bool:
        return self in (Status.CONVERGED, Status.SADDLE)


@dataclass
class BallConfig:
    """What the user chose for one ball."""

    optimizer: str
    hyper: dict[str, float] = field(default_factory=dict)
    schedule: str = "constant"
    schedule_hyper: dict[str, float] = field(default_factory=dict)
    label: str = ""


@dataclass(frozen=True)
class Noise:
    """Gradient noise: ``none``, ``gaussian`` (σ added to each component) or ``minibatch``
    (true mini-batch gradients of size ``batch`` on a data-defined surface)."""

    mode: str = "none"
    sigma: float = 0.1
    batch: int = 8

    def __post_init__(self) -> None:
        if self.mode not in ("none", "gaussian", "minibatch"):
            raise ValueError(
                f"noise mode {self.mode!r} is unknown; use none, gaussian or minibatch"
            )
        if self.sigma < 0 or not math.isfinite(self.sigma):
            raise ValueError("noise sigma must be a finite number ≥ 0")
        if self.batch < 1:
            raise ValueError("mini-batch size must be at least 1")


_warm = False


def warm_optimizers() -> None:
    """Pay torch's lazy imports once per process before any optimizer is made under a step
    budget: a torch optimizer's first ``add_param_group`` imports torch._dynamo, which takes
    longer than ``FIRST_STEP_BUDGET_S`` on a loaded machine; cut short by the budget it froze a
    healthy ball and left the module half made for every later ball. Only the constructor is
    called: where the app has filled those wrappers' caches (``app/main.py``), it imports
    nothing, and the first scene stays free of torch._dynamo."""
    global _warm
    if _warm:
        return
    torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    _warm = True


def _plugin_error(spec: OptimizerSpec, exc: BaseException) -> Reason:
    who = f"{spec.plugin}/{spec.name}"
    if isinstance(exc, OverBudget):
        return Reason("plugin_slow", {"who": who, "seconds": exc.seconds})
    if isinstance(exc, ValueError) and type(exc).__name__ == "RuleError":
        return Reason("plugin_refused", {"who": who, "message": str(exc)})
    return Reason("plugin_raised", {"who": who, "error": type(exc).__name__, "message": str(exc)})


class Ball:
    """One optimizer on the surface: its settings, its torch optimizer, status and reason.

    Hyperparameters run as given (a value outside the slider's range gets a note in ``notes``);
    a value the maths forbids is refused with ValueError before the race starts.
    """

    def __init__(self, config: BallConfig, spec: OptimizerSpec, label: str) -> None:
        self.config = config
        self.spec = spec
        self.label = label
        self.hyper = spec.values(config.hyper)
        self.notes = outside_notes(spec.hyper, config.hyper, f"{label}")
        self.status = Status.RUNNING
        self.reason: Reason | None = None
        self.converged_at: int | None = None  # the first step the ball settled (a mark)
        self.moved_again_at: int | None = None  # the last step it left a settled point
        self.stopped_at: int | None = None
        self.grad = np.zeros(2)
        self.last_step = np.zeros(2)
        self.lr = self.hyper.get("lr", float("nan"))
        self.state: dict[str, Any] = {}
        self.lr_schedule: np.ndarray | None = None
        self._param: torch.Tensor | None = None
        self._opt: torch.optim.Optimizer | None = None

    def reset(self, position: torch.Tensor) -> None:
        self.status, self.reason = Status.RUNNING, None
        self.converged_at = self.moved_again_at = self.stopped_at = None
        self.grad = np.zeros(2)
        self.last_step = np.zeros(2)
        self.state = {}
        self._param = position.clone().requires_grad_(True)
        warm_optimizers()
        try:
            with budget(first=True):  # an __init__ or init() that sleeps or loops: frozen, said
                self._opt = self.spec.make([self._param], **self.config.hyper)
                state = self._opt.state[self._param]
                rule = getattr(self._opt, "rule", None)
                if rule is not None:  # the rule's state exists from the start, for drawing
                    state.update(rule.init(self._param.detach()))
            self.state = state
        except BaseException as exc:  # noqa: BLE001 - the plugin's fault
            if not plugin_fault(exc):  # a real Ctrl-C or SIGTERM ends the race
                raise
            self._opt = None
            self.freeze(_plugin_error(self.spec, exc), 0)

    def freeze(self, reason: Reason, t: int) -> None:
        self.status, self.reason, self.stopped_at = Status.FROZEN, reason, t

    def step(self, grad: torch.Tensor, param: torch.Tensor, lr: float | None) -> torch.Tensor:
        """The position after this ball's optimizer steps from ``param`` with ``grad``."""
        hyper = self.hyper if lr is None else self.hyper | {"lr": lr}
        rule = getattr(self._opt, "rule", None)
        if rule is not None:  # the rules' one step path, without torch's per-call bookkeeping
            p = param.clone()  # the rule never sees the stored trajectory
            return optim.apply_rule(rule, grad, self.state, p, hyper)
        assert self._opt is not None and self._param is not None  # reset made them, or froze
        group = self._opt.param_groups[0]
        group.update(self.spec.arguments(hyper))
        with torch.no_grad():
            self._param.copy_(param)
        self._param.grad = grad.clone()
        self._opt.step()
        self.state = self._opt.state[self._param]
        return self._param.detach().clone()


class Race:
    """Balls racing on ``surface`` from ``start``; ``step(n)`` advances them all.

    ``positions``/``losses`` hold the trajectory: row t is the position after t steps
    (row 0 is the start) and the full-data loss there, whatever the gradient noise.
    """

    def __init__(
        self,
        surface: SurfaceSpec,
        balls: Sequence[BallConfig],
        start: tuple[float, float] | None = None,
        *,
        noise: Noise = Noise(),
        seed: int = 0,
        total_steps: int = 2000,
        registry: Registry | None = None,
        grad_tol: float = 1e-5,
        curves: ScheduleCurves | None = None,
        stacked: bool = False,
    ) -> None:
        self.registry = registry or default_registry()
        self.stacked = stacked  # balls of one rule step as one tensor (landscape/stacked.py)
        self._stack: Stacker | None = None
        self.curves = curves  # fast lr curves shared across races (the app); None: exact ones
        self.surface = surface
        self.noise = noise
        self.seed = seed
        self.total_steps = max(1, int(total_steps))
        self.grad_tol = grad_tol
        if noise.mode == "minibatch" and not surface.has_data:
            raise ValueError(
                f"mini-batch noise needs a data-defined surface; {surface.name!r} is a formula "
                "(try the 'linear_regression' surface, or gaussian noise)"
            )
        (x0, x1), (y0, y1) = surface.domain
        self._center = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        self._span = max(x1 - x0, y1 - y0)
        self.start = start if start is not None else self.default_start()
        S.check_surface(surface, self.start)
        self.balls = [self._make_ball(c, i, balls) for i, c in enumerate(balls)]
        self.reset(self.start)

    # -- setup -------------------------------------------------------------------------------
    def _make_ball(self, config: BallConfig, i: int, all_configs: Sequence[BallConfig]) -> Ball:
        spec = self.registry.optimizer(config.optimizer)
        label = config.label or spec.name
        if not config.label and sum(c.optimizer == config.optimizer for c in all_configs) > 1:
            label += "(" + ",".join(f"{k}={v:g}" for k, v in config.hyper.items()) + ")"
            if label.endswith("()"):
                label = f"{spec.name}#{i + 1}"
        ball = Ball(config, spec, label)
        self._schedule_ball(ball)
        return ball

    def _schedule_ball(self, ball: Ball) -> None:
        sched = self.registry.schedule(ball.config.schedule)
        values = sched.values(ball.config.schedule_hyper)  # a forbidden value: one sentence
        ball.lr_schedule = None
        if sched.name == "constant" or "lr" not in ball.hyper:
            return
        try:
            ball.lr_schedule = self._curve(sched, ball.hyper["lr"], values)
        except BaseException as exc:  # noqa: BLE001 - the schedule plugin's fault
            if not plugin_fault(exc):  # a real Ctrl-C or SIGTERM ends the race
                raise
            who, error = f"{sched.plugin}/{sched.name}", type(exc).__name__
            reason = Reason("schedule_raised", {"who": who, "error": error, "message": str(exc)})
            ball.freeze(reason, getattr(self, "t", 0))

    def _curve(self, sched: ScheduleSpec, lr: float, values: dict[str, float]) -> np.ndarray:
        """The learning rate at each step, the torch scheduler stepped for this ``lr``: from the
        shared cache when the race has one (``landscape/schedule_curves.py``)."""
        if self.curves is None:
            return lr_curve(sched, lr, self.total_steps, **values)
        return self.curves.curve(sched, values, self.total_steps, lr)

    def default_start(self) -> tuple[float, float]:
        if self.surface.starts:
            start = self.surface.starts[0]
            return float(start[0]), float(start[1])
        return float(self._center[0]), float(self._center[1])

    def reset(self, start: tuple[float, float] | None = None) -> None:
        """Every ball back to ``start`` (default: the last start) with fresh optimizer state."""
        if start is not None:
            self.start = (float(start[0]), float(start[1]))
        n = len(self.balls)
        self.t = 0
        self._gen = torch.Generator().manual_seed(self.seed)
        for ball in self.balls:
            frozen = ball.reason if ball.status is Status.FROZEN and ball.stopped_at == 0 else None
            ball.reset(torch.tensor(self.start, dtype=S.DTYPE))
            if frozen and ball.status is not Status.FROZEN:  # e.g. its schedule failed
                ball.freeze(frozen, 0)
        rows = max(1024, min(self.total_steps + 1, ROWS_BYTES // (16 * max(1, n))))
        self._pos = np.full((rows, n, 2), np.nan)  # room for the whole race: no copies as it grows
        self._loss = np.full((rows, n), np.nan)
        self._settled = np.zeros((rows, n), dtype=bool)
        self._unresolved: list[tuple[Ball, np.ndarray, Reason]] = []  # see ``_settle``
        self._pos[0] = self.start
        self._loss[0] = self._full_loss(self._pos[0])
        self._loss_rows = 1  # rows whose loss is filled in
        self._stack = None
        self._restack()

    def _restack(self) -> None:
        """The stacked groups made again from the balls as they are now (a ball changed)."""
        if not self.stacked:
            return
        if self._stack is not None:
            self._stack.sync()
        self._stack = Stacker(self.balls, self.total_steps)

    def restart_ball(self, index: int, spec: OptimizerSpec) -> None:
        """Ball ``index`` starts again from the start with ``spec`` (a reloaded plugin) and fresh
        state, at the current step: its record so far is the start (it waited there), so its
        trail begins anew. The other balls go on untouched."""
        old = self.balls[index]
        ball = Ball(old.config, spec, old.label)
        self._schedule_ball(ball)
        ball.reset(torch.tensor(self.start, dtype=S.DTYPE))
        self._fill_losses()
        self.balls[index] = ball
        self._pos[: self.t + 1, index] = self.start
        self._loss[: self.t + 1, index] = self._loss[0, index]
        self._settled[: self.t + 1, index] = False
        self._restack()

    def set_hyper(self, index: int, name: str, value: float) -> None:
        """Change one ball's hyperparameter mid-run; a value the maths forbids is refused."""
        ball = self.balls[index]
        if name not in ball.spec.hyper:
            raise ValueError(f"{ball.spec.name} has no hyperparameter {name!r}")
        ball.hyper[name] = ball.spec.hyper[name].check(value, name, ball.spec.name)
        ball.config.hyper[name] = ball.hyper[name]
        if name == "lr":
            self._schedule_ball(ball)
            if ball.lr_schedule is None:  # on a schedule, ``lr`` stays the last step's rate
                ball.lr = ball.hyper["lr"]
        self._restack()

    def set_schedule(self, index: int, schedule: str, **hyper: float) -> None:
        ball = self.balls[index]
        ball.config.schedule = self.registry.schedule(schedule).name
        ball.config.schedule_hyper = dict(hyper)
        self._schedule_ball(ball)
        self._restack()

    def set_schedule_all(self, schedule: str, **hyper: float) -> None:
        """Every ball on ``schedule``. A schedule plugin that raises (or a value it forbids) puts
        every ball back on constant and the exception goes to the caller, who says why (the
        Landscape's menu), instead of freezing the balls."""
        sched = self.registry.schedule(schedule)
        try:
            values = sched.values(hyper)
            for ball in self.balls:
                ball.config.schedule, ball.config.schedule_hyper = sched.name, dict(hyper)
                scheduled = sched.name != "constant" and "lr" in ball.hyper
                ball.lr_schedule = (
                    self._curve(sched, ball.hyper["lr"], values) if scheduled else None
                )
        except BaseException:  # put the balls back, whatever the fault, then let it go on
            for ball in self.balls:
                ball.config.schedule, ball.lr_schedule = "constant", None
            raise
        finally:
            self._restack()

    # -- reading -----------------------------------------------------------------------------
    @property
    def positions(self) -> np.ndarray:
        """(steps + 1, balls, 2) trajectory."""
        return self._pos[: self.t + 1]

    @property
    def losses(self) -> np.ndarray:
        """(steps + 1, balls) full-data loss at each trajectory point."""
        self._fill_losses()
        return self._loss[: self.t + 1]

    def known_losses(self) -> np.ndarray:
        """The rows of ``losses`` already computed, without computing more (on a slow surface
        the newest row costs a pass of a real net over its data)."""
        return self._loss[: self._loss_rows]

    @property
    def settled(self) -> np.ndarray:
        """(steps + 1, balls): whether each ball was settled at each step."""
        return self._settled[: self.t + 1]

    def _full_loss(self, P: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            T = torch.from_numpy(np.ascontiguousarray(P))
            return S.loss(self.surface, T[..., 0], T[..., 1]).numpy().copy()

    def _fill_losses(self) -> None:
        """The full-data loss for every trajectory row that has none yet, in chunks."""
        end = self.t + 1
        while self._loss_rows < end:
            a, b = self._loss_rows, min(end, self._loss_rows + LOSS_CHUNK)
            try:
                self._loss[a:b] = self._full_loss(self._pos[a:b])
            except S.SurfaceError:
                self._loss[a:b] = np.nan
            self._loss_rows = b

    # -- stepping ----------------------------------------------------------------------------
    def step(self, n: int = 1, *, stop_when_settled: bool = False) -> None:
        """``n`` steps for every active ball (fewer only if none is active, or, with
        ``stop_when_settled``, once every active ball has settled)."""
        try:
            with clock():  # the balls' step budgets share one timer (a clock read a call)
                if self._stack is not None:
                    self._step_stacked(n, stop_when_settled)
                    return
                for _ in range(n):
                    active = [b.status for b in self.balls if b.status.active]
                    if not active or (stop_when_settled and all(s.settled for s in active)):
                        break
                    self._step_once()
        finally:
            self._resolve_settled()

    def _step_stacked(self, n: int, stop_when_settled: bool) -> None:
        """``step`` with the balls' statuses kept as masks between steps (no per-ball loop),
        and their state handed back once at the end."""
        assert self._stack is not None
        active = np.array([b.status.active for b in self.balls], dtype=bool)
        try:
            for _ in range(n):
                settled = self._settled[self.t]
                if not np.count_nonzero(active) or (stop_when_settled and settled[active].all()):
                    break
                active = self._step_once(masks=active)
        finally:
            self._stack.sync()

    def draws(self) -> Draws:
        """The random numbers the next step uses (its mini-batches, or its gradient noise),
        drawn now from the race's generator: a step computed on another thread gets them from
        here, so the generator is only ever used by the race's own thread."""
        if self.noise.mode == "minibatch":
            shape = (len(self.balls), self.noise.batch)
            return torch.randint(self.surface.n_samples, shape, generator=self._gen)
        if self.noise.mode == "gaussian" and self.noise.sigma > 0:
            return torch.randn((len(self.balls), 2), generator=self._gen, dtype=S.DTYPE).numpy()
        return None

    def gradients_at(
        self, P: np.ndarray, draws: Draws = None
    ) -> tuple[np.ndarray, np.ndarray] | BaseException:
        """Every ball's gradient and loss at positions ``P`` (n, 2) with the step's ``draws``,
        or the exception that computing them raised: what ``step_with`` takes. A caller may
        compute it on another thread while this one draws frames (a slow surface: a real net's
        loss), with ``P`` copied from ``positions[-1]`` and ``draws()`` taken first."""
        try:
            G, L = self._gradients(P, draws)
            assert L is not None  # asked for
            return G, L
        except Exception as exc:  # noqa: BLE001 - handed to step_with, raised or reported there
            return exc

    def step_with(self, computed: tuple[np.ndarray, np.ndarray] | BaseException) -> None:
        """One step from gradients computed ahead (``gradients_at(positions[-1])``)."""
        if not isinstance(computed, S.SurfaceError) and isinstance(computed, BaseException):
            raise computed
        try:
            with clock():
                self._step_once(computed)
        finally:
            if self._stack is not None:
                self._stack.sync()
            self._resolve_settled()

    def _gradients(
        self, P: np.ndarray | None = None, draws: Draws = None, *, loss: bool = True
    ) -> tuple[np.ndarray, np.ndarray | None]:
        """Every ball's gradient (n, 2) and loss (n,) from one autograd call. The stacked race
        takes the surface's written-out ``grad`` where it has one (the same bits, no graph), and
        without ``loss`` leaves the loss (None) to ``losses``, which fills thousands of rows in
        one call instead of one a step."""
        P = self._pos[self.t] if P is None else P
        draws = self.draws() if draws is None else draws
        if (
            self._stack is not None
            and self.surface.grad is not None
            and self.noise.mode != "minibatch"
        ):
            # the surface's gradient written out, autograd's bits without a graph each step:
            # x and y need no gradient, so none is recorded (no ``no_grad`` to enter and leave)
            x = torch.from_numpy(P[:, 0].copy())  # copies: the formula never sees the trajectory
            y = torch.from_numpy(P[:, 1].copy())
            L = None
            if loss:
                with torch.no_grad():
                    L = S.loss(self.surface, x, y)
            gx, gy = self.surface.grad(x, y)
            stacked = torch.stack([gx, gy], dim=1)
            G = (stacked.detach() if stacked.requires_grad else stacked).numpy()
            if self.noise.mode == "gaussian" and self.noise.sigma > 0:
                G += self.noise.sigma * cast(np.ndarray, draws)
            return G, None if L is None else L.numpy()
        x = torch.from_numpy(P[:, 0].copy())
        y = torch.from_numpy(P[:, 1].copy())
        x.requires_grad_(True)
        y.requires_grad_(True)
        with torch.enable_grad():
            if self.noise.mode == "minibatch":
                L = S.batch_loss(self.surface, x, y, cast(torch.Tensor, draws))
            else:
                L = S.loss(self.surface, x, y)
            gx, gy = S.grad_xy(self.surface, L, x, y)
        G = torch.stack([gx, gy], dim=1).numpy()  # the same copy as numpy's stack, in fewer µs
        if self.noise.mode == "gaussian" and self.noise.sigma > 0:
            G += self.noise.sigma * cast(np.ndarray, draws)
        return G, None if L is None else L.detach().numpy()

    def _step_once(
        self,
        computed: tuple[np.ndarray, np.ndarray] | S.SurfaceError | None = None,
        masks: np.ndarray | None = None,
    ) -> np.ndarray:
        """One step of every active ball; the balls active after it (a mask)."""
        t = self.t
        try:
            if isinstance(computed, S.SurfaceError):
                raise computed
            G, L = computed if computed is not None else self._gradients(loss=False)
        except S.SurfaceError as exc:
            for ball in self.balls:
                if ball.status.active:
                    ball.freeze(Reason("surface_failed", {"message": str(exc)}), t)
            return np.zeros(len(self.balls), dtype=bool)
        if L is not None and self.noise.mode != "minibatch" and self._loss_rows == t:
            # it came with the gradient
            self._loss[t] = L
            self._loss_rows = t + 1
        P = self._pos[t]
        if masks is None:
            active = np.array([ball.status.active for ball in self.balls], dtype=bool)
        else:
            active = masks.copy()
        if self._stack is not None:
            new = self._stack.step(G, P, t, active, self._stacked_ball_step)
        else:
            new = P.copy()
            Gs = torch.from_numpy(G).unbind(0)
            Ps = torch.from_numpy(P).unbind(0)
            for i, ball in enumerate(self.balls):
                if active[i]:
                    moved = self._ball_step(ball, Gs[i], Ps[i], t)
                    if moved is None:
                        active[i] = False
                    else:
                        new[i] = moved.numpy()
        steps = new - P
        far = np.abs(new - self._center)
        # NaN and ±inf compare false: ``inside`` is finite and on the map
        inside = np.maximum(far[:, 0], far[:, 1]) <= 10 * self._span
        g_norm, s_norm = np.hypot(G[:, 0], G[:, 1]), np.hypot(steps[:, 0], steps[:, 1])
        if self.noise.mode == "none":
            calm = (g_norm < self.grad_tol) & (s_norm < 1e-7 * self._span)
        else:
            calm = np.zeros(len(self.balls), dtype=bool)
        # A settled ball moves again only past a 100× wider margin: a ball ringing down into its
        # minimum (momentum) passes through near-zero steps without having settled and left.
        moving = (g_norm > 100 * self.grad_tol) | (s_norm > 1e-5 * self._span)
        if self._stack is not None:
            return self._events(G, P, new, steps, active, inside, calm, moving)
        for i in np.flatnonzero(active).tolist():
            ball = self.balls[i]
            ball.grad, ball.last_step = G[i], steps[i]
            if not inside[i]:
                self._leave(ball, P[i], new[i], t + 1, bool(np.isfinite(new[i]).all()))
                new[i] = P[i]  # marked where it left, not at infinity
            elif calm[i] and not ball.status.settled:
                self._settle(ball, new[i], t + 1)
            elif moving[i] and ball.status.settled:
                ball.status, ball.moved_again_at = Status.RUNNING, t + 1
                ball.reason = Reason("moving_again", {"step": t + 1, "settled": ball.converged_at})
        self.t = t + 1
        self._grow()
        self._pos[self.t] = new
        self._settled[self.t] = [b.status.settled for b in self.balls]
        return np.array([b.status.active for b in self.balls], dtype=bool)

    def _events(
        self,
        G: np.ndarray,
        P: np.ndarray,
        new: np.ndarray,
        steps: np.ndarray,
        active: np.ndarray,
        inside: np.ndarray,
        calm: np.ndarray,
        moving: np.ndarray,
    ) -> np.ndarray:
        """The stacked race's end of a step: the per-ball loop above, run only for the balls
        something happened to (left the map, settled, moved again); the others' gradient and
        step are handed to them at the end of ``step`` (``_stack.sync``)."""
        assert self._stack is not None
        t = self.t
        settled = self._settled[t] & active
        # left the map, or settled (calm), or a settled ball moving again
        changed = (~inside | np.where(settled, moving, calm)) & active
        for i in np.flatnonzero(changed).tolist() if np.count_nonzero(changed) else ():
            ball = self.balls[i]
            ball.grad, ball.last_step = G[i], steps[i]
            if not inside[i]:
                self._leave(ball, P[i], new[i], t + 1, bool(np.isfinite(new[i]).all()))
                new[i] = P[i]  # marked where it left, not at infinity
                self._stack.release(i)
                active[i] = False
            elif calm[i] and not ball.status.settled:
                self._settle(ball, new[i], t + 1)
            elif moving[i] and ball.status.settled:
                ball.status, ball.moved_again_at = Status.RUNNING, t + 1
                ball.reason = Reason("moving_again", {"step": t + 1, "settled": ball.converged_at})
            settled[i] = ball.status.settled
        self._stack.last(G, steps, active)
        self.t = t + 1
        self._grow()
        self._pos[self.t] = new
        self._settled[self.t] = settled
        return active

    def _stacked_ball_step(
        self, i: int, g: torch.Tensor, p: torch.Tensor, t: int
    ) -> torch.Tensor | None:
        return self._ball_step(self.balls[i], g, p, t)

    def _ball_step(
        self, ball: Ball, g: torch.Tensor, p: torch.Tensor, t: int
    ) -> torch.Tensor | None:
        lr = None
        if ball.lr_schedule is not None:
            lr = float(ball.lr_schedule[min(t, len(ball.lr_schedule) - 1)])
        ball.lr = lr if lr is not None else ball.hyper.get("lr", float("nan"))
        try:
            with budget(first=t == 0):  # an update() that sleeps or loops: frozen, not the app
                return ball.step(g, p, lr)
        except BaseException as exc:  # noqa: BLE001 - the plugin's fault, not the app's
            if not plugin_fault(exc):  # a real Ctrl-C or SIGTERM ends the race
                raise
            ball.freeze(_plugin_error(ball.spec, exc), t)
            return None

    def _settle(self, ball: Ball, at: np.ndarray, t: int) -> None:
        """The ball settled at ``at`` after step ``t``: converged, or stuck at a saddle, which the
        Hessian there tells. The Hessian waits for the end of ``step``: a ball that moves again
        before then (Adam at a minimum rescales rounding noise to full steps, and settles and
        leaves hundreds of times) never needed it, and the race reads no status in between but
        ``settled``, which is the same for both."""
        if ball.converged_at is None:
            ball.converged_at = t
        ball.status = Status.CONVERGED
        ball.reason = Reason("converged", {"tol": self.grad_tol, "step": t})
        self._unresolved.append((ball, at.copy(), ball.reason))

    def _resolve_settled(self) -> None:
        """Every ball still settled where ``_settle`` left it: at a saddle where the Hessian
        there has a negative eigenvalue."""
        pending, self._unresolved = self._unresolved, []
        for ball, at, reason in pending:
            if ball.reason is not reason:  # it moved again (or stopped) since
                continue
            lam, vec = self._curvatures(at)
            if lam is not None and lam[0] < -1e-8 * max(1.0, float(np.abs(lam).max())):
                ball.status = Status.SADDLE
                along = {"x": float(vec[0, 0]), "y": float(vec[1, 0])}
                t = reason.fields["step"]
                ball.reason = Reason("saddle", {"step": t, **along, "curvature": float(lam[0])})

    def _leave(self, ball: Ball, last: np.ndarray, new: np.ndarray, t: int, finite: bool) -> None:
        """The ball left the map: escaped downhill, or diverged."""
        f_last, f_new = (float(v) for v in self._full_loss(np.stack([last, new])))
        if finite and math.isfinite(f_new) and f_new < f_last and f_new < self._loss[0, 0]:
            ball.status, ball.stopped_at = Status.ESCAPED, t
            d = new - last
            d = d / (np.hypot(*d) or 1.0) + 0.0  # + 0.0: no "−0.00"
            ball.reason = Reason("escaped", {"step": t, "x": float(d[0]), "y": float(d[1])})
            return
        reason = Reason("far_away" if finite else "non_finite", {"step": t})
        lam, vec = self._curvatures(last)
        lr = ball.lr
        if lam is not None and math.isfinite(lr) and lr * lam[-1] > 2:
            big = float(lam[-1])
            along = {"x": float(vec[0, -1]), "y": float(vec[1, -1])}
            reason = Reason(
                "overshoots",
                {"lr": lr, "curvature": big, "product": lr * big, **along, "inner": reason},
            )
        ball.status, ball.reason, ball.stopped_at = Status.DIVERGED, reason, t

    def _curvatures(self, point: np.ndarray) -> tuple[np.ndarray | None, np.ndarray]:
        """Hessian eigenvalues (ascending) and eigenvectors (columns) at ``point``."""
        try:
            vals, vecs = np.linalg.eigh(S.hessian(self.surface, *point))
        except Exception:  # noqa: BLE001 - no explanation is better than a crash
            return None, np.zeros((2, 2))
        if not np.all(np.isfinite(vals)):
            return None, np.zeros((2, 2))
        return vals, vecs

    def _grow(self) -> None:
        if self.t < len(self._pos):
            return
        self._pos = np.concatenate([self._pos, np.full_like(self._pos, np.nan)])
        self._loss = np.concatenate([self._loss, np.full_like(self._loss, np.nan)])
        self._settled = np.concatenate([self._settled, np.zeros_like(self._settled)])

    # -- results -----------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """Per ball: final position and loss, distance to the nearest known minimum, the step it
        first settled (``converged_at``) and last started moving again (``moved_again_at``),
        status and the reason (in English: the command line's output)."""
        rows = []
        minima = np.array(self.surface.minima, dtype=float).reshape(-1, 2)
        losses = self.losses
        for i, ball in enumerate(self.balls):
            x, y = self.positions[-1, i]
            dist = (
                float(np.min(np.hypot(minima[:, 0] - x, minima[:, 1] - y))) if len(minima) else None
            )
            rows.append(
                {
                    "optimizer": ball.label,
                    "x": float(x),
                    "y": float(y),
                    "loss": float(losses[-1, i]),
                    "distance": dist,
                    "converged_at": ball.converged_at,
                    "moved_again_at": ball.moved_again_at,
                    "status": str(ball.status),
                    "reason": str(ball.reason or ""),
                }
            )
        return rows

    def to_csv(self, path: str | Path, option: str = "--csv") -> None:
        """Rows ``optimizer,step,x,y,loss,settled``, one per ball per step; step 0 is the start;
        ``settled`` is 1 on the steps where the ball sat settled (the first is its mark).
        Written atomically: an interrupted or failing write leaves the previous file and no
        temporary (OutputError, one sentence naming ``option``, for a full disk)."""
        from explorer.atomic_write import atomic_path

        pos, losses, settled = self.positions, self.losses, self.settled
        with atomic_path(Path(path), option) as tmp, open(tmp, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["optimizer", "step", "x", "y", "loss", "settled"])
            for i, ball in enumerate(self.balls):
                for t in range(len(pos)):
                    w.writerow(
                        [
                            ball.label,
                            t,
                            repr(float(pos[t, i, 0])),
                            repr(float(pos[t, i, 1])),
                            repr(float(losses[t, i])),
                            int(settled[t, i]),
                        ]
                    )
