"""A race of balls on a loss surface, one optimizer each.

All balls' gradients come from one autograd call per step (the surface is elementwise); each ball
then takes its own optimizer's step. Plugin rules are called directly with the ball's state, so
the same ``UpdateRule`` that trains networks moves the ball; a registered ``torch.optim.Optimizer``
class runs as itself on a 2-element tensor. Nothing a plugin does can stop the race: a ball whose
rule raises is frozen with the reason, one that blows up is marked diverged with the reason.
"""

from __future__ import annotations

import csv
import enum
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.landscape import surface as S
from explorer.plugins import Registry, default_registry
from explorer.schedules import lr_curve
from explorer.specs import OptimizerSpec, SurfaceSpec


class Status(enum.StrEnum):
    RUNNING = "running"
    CONVERGED = "converged"
    DIVERGED = "diverged"
    FROZEN = "frozen"


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


class Ball:
    """One optimizer on the surface: its settings, state, status and the reason for it."""

    def __init__(self, config: BallConfig, spec: OptimizerSpec, label: str) -> None:
        self.config = config
        self.spec = spec
        self.label = label
        self.hyper = {
            k: spec.hyper[k].clamp(v) for k, v in (spec.defaults() | config.hyper).items()
        }
        self.status = Status.RUNNING
        self.reason = ""
        self.converged_at: int | None = None
        self.stopped_at: int | None = None
        self.grad = np.zeros(2)
        self.last_step = np.zeros(2)
        self.lr = self.hyper.get("lr", float("nan"))
        self.state: dict[str, Any] = {}
        self.rule = spec.rule() if spec.rule is not None else None
        self._param: torch.Tensor | None = None
        self._opt: torch.optim.Optimizer | None = None
        self.lr_schedule: np.ndarray | None = None

    def reset(self, position: torch.Tensor) -> None:
        self.status, self.reason = Status.RUNNING, ""
        self.converged_at = self.stopped_at = None
        self.grad = np.zeros(2)
        self.last_step = np.zeros(2)
        if self.rule is not None:
            self.state = self.rule.init(position.clone())
        else:
            self._param = position.clone().requires_grad_(True)
            self._opt = self.spec.optimizer_class([self._param], **self.hyper)
            self.state = self._opt.state[self._param]

    def step(self, grad: torch.Tensor, param: torch.Tensor, lr: float | None) -> torch.Tensor:
        """The step this ball's optimizer takes for ``grad`` at ``param``."""
        hyper = self.hyper if lr is None else self.hyper | {"lr": lr}
        if self.rule is not None:
            return self.rule.update(grad, self.state, param, **hyper)
        group = self._opt.param_groups[0]
        group.update(hyper)
        with torch.no_grad():
            self._param.copy_(param)
        self._param.grad = grad.clone()
        self._opt.step()
        self.state = self._opt.state[self._param]
        return self._param.detach() - param


class Race:
    """Balls racing on ``surface`` from ``start``; ``step(n)`` advances them all.

    ``positions``/``losses`` hold the trajectory: row t is the position after t steps
    (row 0 is the start) and the loss there.
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
    ) -> None:
        self.registry = registry or default_registry()
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
        self.balls = [self._make_ball(c, i, balls) for i, c in enumerate(balls)]
        (x0, x1), (y0, y1) = surface.domain
        self._center = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
        self._span = max(x1 - x0, y1 - y0)
        self.start = start if start is not None else self.default_start()
        self.reset(self.start)

    # -- setup -------------------------------------------------------------------------------
    def _make_ball(self, config: BallConfig, i: int, all_configs: Sequence[BallConfig]) -> Ball:
        spec = self.registry.optimizer(config.optimizer)
        unknown = set(config.hyper) - set(spec.hyper)
        if unknown:
            raise ValueError(
                f"optimizer {spec.name!r} has no hyperparameter {', '.join(sorted(unknown))}; "
                f"valid: {', '.join(spec.hyper)}"
            )
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
        if sched.name == "constant" or "lr" not in ball.hyper:
            ball.lr_schedule = None
        else:
            ball.lr_schedule = lr_curve(
                sched, ball.hyper["lr"], self.total_steps, **ball.config.schedule_hyper
            )

    def default_start(self) -> tuple[float, float]:
        if self.surface.starts:
            return tuple(float(v) for v in self.surface.starts[0])
        return tuple(float(v) for v in self._center)

    def reset(self, start: tuple[float, float] | None = None) -> None:
        """Every ball back to ``start`` (default: the last start) with fresh optimizer state."""
        if start is not None:
            self.start = (float(start[0]), float(start[1]))
        n = len(self.balls)
        self.t = 0
        self._gen = torch.Generator().manual_seed(self.seed)
        for ball in self.balls:
            ball.reset(torch.tensor(self.start, dtype=S.DTYPE))
        self._pos = np.empty((1024, n, 2))
        self._loss = np.empty((1024, n))
        self._pos[0] = self.start
        self._loss[0] = self._full_loss(self._pos[0])

    def set_hyper(self, index: int, name: str, value: float) -> None:
        """Change one ball's hyperparameter mid-run (clamped to the plugin's range)."""
        ball = self.balls[index]
        if name not in ball.spec.hyper:
            raise ValueError(f"{ball.spec.name} has no hyperparameter {name!r}")
        ball.hyper[name] = ball.spec.hyper[name].clamp(value)
        if name == "lr":
            self._schedule_ball(ball)

    def set_schedule(self, index: int, schedule: str, **hyper: float) -> None:
        ball = self.balls[index]
        ball.config.schedule = self.registry.schedule(schedule).name
        ball.config.schedule_hyper = dict(hyper)
        self._schedule_ball(ball)

    # -- reading -----------------------------------------------------------------------------
    @property
    def positions(self) -> np.ndarray:
        """(steps + 1, balls, 2) trajectory."""
        return self._pos[: self.t + 1]

    @property
    def losses(self) -> np.ndarray:
        """(steps + 1, balls) loss at each trajectory point."""
        return self._loss[: self.t + 1]

    def _full_loss(self, P: np.ndarray) -> np.ndarray:
        with torch.no_grad():
            P = torch.from_numpy(P)
            return S.loss(self.surface, P[:, 0], P[:, 1]).numpy().copy()

    # -- stepping ----------------------------------------------------------------------------
    def step(self, n: int = 1) -> None:
        for _ in range(n):
            if not any(b.status is Status.RUNNING for b in self.balls):
                break
            self._step_once()
        # Losses normally arrive with the next step's gradients; the newest row needs its own.
        self._loss[self.t] = self._full_loss(self._pos[self.t])

    def _gradients(self) -> tuple[np.ndarray, np.ndarray]:
        """Every ball's gradient (n, 2) and loss (n,) from one autograd call."""
        x = torch.from_numpy(self._pos[self.t, :, 0].copy()).requires_grad_(True)
        y = torch.from_numpy(self._pos[self.t, :, 1].copy()).requires_grad_(True)
        with torch.enable_grad():
            if self.noise.mode == "minibatch":
                idx = torch.randint(
                    self.surface.n_samples, (len(self.balls), self.noise.batch), generator=self._gen
                )
                L = S.batch_loss(self.surface, x, y, idx)
            else:
                L = S.loss(self.surface, x, y)
            L.backward(torch.ones_like(L))
        if x.grad is None or y.grad is None:  # a formula without x or without y
            zeros = torch.zeros_like(x)
            x.grad, y.grad = (
                (zeros if x.grad is None else x.grad),
                (zeros if y.grad is None else y.grad),
            )
        G = np.stack([x.grad.numpy(), y.grad.numpy()], axis=1)
        if self.noise.mode == "gaussian" and self.noise.sigma > 0:
            G += self.noise.sigma * torch.randn(G.shape, generator=self._gen, dtype=S.DTYPE).numpy()
        return G, L.detach().numpy()

    def _step_once(self) -> None:
        t = self.t
        try:
            G, L = self._gradients()
        except S.SurfaceError as exc:
            for ball in self.balls:
                if ball.status is Status.RUNNING:
                    self._stop(ball, Status.FROZEN, str(exc))
            return
        if self.noise.mode != "minibatch":  # the loss at row t came with its gradient
            self._loss[t] = L
        P = self._pos[t]
        steps = np.zeros_like(P)
        running = np.array([ball.status is Status.RUNNING for ball in self.balls])
        Gs = torch.from_numpy(G).unbind(0)
        Ps = torch.from_numpy(P).unbind(0)
        with torch.no_grad():
            for i, ball in enumerate(self.balls):
                if running[i]:
                    step = self._ball_step(ball, Gs[i], Ps[i], t)
                    if step is None:
                        running[i] = False
                    else:
                        steps[i] = step.numpy()
        new = P + steps
        ok = np.isfinite(new).all(axis=1) & (
            np.abs(new - self._center).max(axis=1) <= 10 * self._span
        )
        new[~(running & ok)] = P[~(running & ok)]  # stopped and diverging balls stay put
        if self.noise.mode == "none":
            settled = (np.hypot(G[:, 0], G[:, 1]) < self.grad_tol) & (
                np.hypot(steps[:, 0], steps[:, 1]) < 1e-7 * self._span
            )
        else:
            settled = np.zeros(len(self.balls), dtype=bool)
        for i in np.flatnonzero(running):
            ball = self.balls[i]
            ball.grad, ball.last_step = G[i], steps[i]
            if not ok[i]:
                self._diverge(ball, P[i], t + 1, bool(np.isfinite(steps[i]).all()))
            elif settled[i]:
                ball.converged_at = t + 1
                self._stop(ball, Status.CONVERGED, f"gradient below {self.grad_tol:g}")
        self.t = t + 1
        self._grow()
        self._pos[self.t] = new

    def _ball_step(
        self, ball: Ball, g: torch.Tensor, p: torch.Tensor, t: int
    ) -> torch.Tensor | None:
        lr = None
        if ball.lr_schedule is not None:
            lr = float(ball.lr_schedule[min(t, len(ball.lr_schedule) - 1)])
        ball.lr = lr if lr is not None else ball.hyper.get("lr", float("nan"))
        try:
            step = ball.step(g, p, lr)
        except Exception as exc:  # noqa: BLE001 - the plugin's fault, never the app's
            self._stop(
                ball,
                Status.FROZEN,
                f"{ball.spec.plugin}/{ball.spec.name} raised {type(exc).__name__}: {exc}",
            )
            return None
        if not isinstance(step, torch.Tensor) or step.shape != p.shape:
            got = tuple(step.shape) if isinstance(step, torch.Tensor) else type(step).__name__
            self._stop(
                ball,
                Status.FROZEN,
                f"{ball.spec.plugin}/{ball.spec.name} returned "
                f"{got}; update() must return a tensor shaped like the parameter (2,)",
            )
            return None
        return step if step.dtype == S.DTYPE else step.to(S.DTYPE)

    def _stop(self, ball: Ball, status: Status, reason: str) -> None:
        ball.status, ball.reason = status, reason
        ball.stopped_at = self.t + (status is Status.CONVERGED)

    def _diverge(self, ball: Ball, last: np.ndarray, t: int, finite: bool) -> None:
        where = "became non-finite" if not finite else "left the domain far behind"
        reason = f"{where} at step {t}"
        lam, vec = self._top_curvature(last)
        lr = ball.lr
        if lam is not None and math.isfinite(lr) and lr * lam > 2:
            reason = (
                f"learning rate {lr:.3g} × largest curvature {lam:.3g} = {lr * lam:.3g} > 2 along "
                f"({vec[0]:+.2f}, {vec[1]:+.2f}): each step overshoots further ({reason})"
            )
        self._stop(ball, Status.DIVERGED, reason)
        ball.stopped_at = t

    def _top_curvature(self, point: np.ndarray) -> tuple[float | None, np.ndarray]:
        try:
            vals, vecs = np.linalg.eigh(S.hessian(self.surface, *point))
        except Exception:  # noqa: BLE001 - no explanation is better than a crash
            return None, np.zeros(2)
        if not np.all(np.isfinite(vals)):
            return None, np.zeros(2)
        return float(vals[-1]), vecs[:, -1]

    def _grow(self) -> None:
        if self.t < len(self._pos):
            return
        self._pos = np.concatenate([self._pos, np.empty_like(self._pos)])
        self._loss = np.concatenate([self._loss, np.empty_like(self._loss)])

    # -- results -----------------------------------------------------------------------------
    def summary(self) -> list[dict[str, Any]]:
        """Per ball: final position and loss, distance to the nearest known minimum, status."""
        rows = []
        minima = np.array(self.surface.minima, dtype=float).reshape(-1, 2)
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
                    "loss": float(self.losses[-1, i]),
                    "distance": dist,
                    "converged_at": ball.converged_at,
                    "status": str(ball.status),
                    "reason": ball.reason,
                }
            )
        return rows

    def to_csv(self, path: str | Path) -> None:
        """Rows ``optimizer,step,x,y,loss``, one per ball per step; step 0 is the start."""
        pos, losses = self.positions, self.losses
        with open(path, "w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["optimizer", "step", "x", "y", "loss"])
            for i, ball in enumerate(self.balls):
                for t in range(len(pos)):
                    w.writerow(
                        [
                            ball.label,
                            t,
                            repr(float(pos[t, i, 0])),
                            repr(float(pos[t, i, 1])),
                            repr(float(losses[t, i])),
                        ]
                    )
