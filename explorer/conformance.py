"""``plugins check``: does an optimizer plugin behave like an optimizer? One verdict per check."""

from __future__ import annotations

import copy
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from explorer.optim import RuleError
from explorer.specs import OptimizerSpec


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    detail: str


def _bowl(p: torch.Tensor) -> torch.Tensor:
    return 0.5 * (p**2).sum()


def _rosenbrock(p: torch.Tensor) -> torch.Tensor:
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


def _run(spec: OptimizerSpec, f: Callable, start: list[float], steps: int, **hyper: float):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = spec.make([p], **hyper)
    losses = []
    for _ in range(steps):
        opt.zero_grad()
        loss = f(p)
        losses.append(loss.item())
        loss.backward()
        opt.step()
    losses.append(f(p).item())
    return p.detach().clone(), losses


def _downhill(
    spec: OptimizerSpec, f: Callable, start: list[float], steps: int, label: str
) -> Check:
    """Passes at the default lr, or at a smaller one inside the plugin's range (reported)."""
    lr0 = spec.defaults().get("lr")
    # the default first, then ten times larger and smaller within the slider's range (Adam's
    # default 0.001 moves a ball only 0.3 in 300 steps: correct, but not downhill enough)
    lrs = [lr0] + ([lr0 * 10, lr0 / 10, lr0 * 100, lr0 / 100] if lr0 else [])
    low = spec.hyper["lr"].low if "lr" in spec.hyper else 0.0
    high = spec.hyper["lr"].high if "lr" in spec.hyper else math.inf
    tried = []
    for lr in lrs:
        if lr is not None and not low <= lr <= high:
            continue
        hyper = {} if lr is None else {"lr": lr}
        _, losses = _run(spec, f, start, steps, **hyper)
        finite = all(math.isfinite(v) for v in losses)
        tried.append(f"lr={lr:g}" if lr is not None else "defaults")
        if finite and losses[-1] < 0.5 * losses[0]:
            at = f" at lr={lr:g}" if lr is not None else ""
            return Check(
                f"goes downhill on {label}",
                True,
                f"loss {losses[0]:.4g} → {losses[-1]:.4g} in {steps} steps{at}",
            )
    return Check(
        f"goes downhill on {label}",
        False,
        f"the loss did not halve in {steps} steps (tried {', '.join(tried)})",
    )


def check_optimizer(spec: OptimizerSpec) -> list[Check]:
    """Run every check on one optimizer; a check that raises fails with the exception's text."""
    checks: list[Check] = []

    def guarded(name: str, fn: Callable[[], Check]) -> None:
        try:
            checks.append(fn())
        except Exception as exc:  # noqa: BLE001 - the plugin's failure is the finding
            checks.append(Check(name, False, f"raised {type(exc).__name__}: {exc}"))

    guarded(
        "goes downhill on the bowl", lambda: _downhill(spec, _bowl, [1.5, -1.0], 300, "the bowl")
    )
    guarded(
        "goes downhill on Rosenbrock",
        lambda: _downhill(spec, _rosenbrock, [-1.2, 1.0], 500, "Rosenbrock"),
    )
    guarded("stays finite", lambda: _finite(spec))
    guarded("is deterministic", lambda: _deterministic(spec))
    guarded("leaves grad and param alone", lambda: _grad_untouched(spec))
    guarded("works for any tensor shape", lambda: _shapes(spec))
    guarded("round-trips state_dict", lambda: _state_dict(spec))
    return checks


def _finite(spec: OptimizerSpec) -> Check:
    p, losses = _run(spec, _bowl, [3.0, -2.0, 0.5], 200)
    ok = all(math.isfinite(v) for v in losses) and bool(torch.isfinite(p).all())
    return Check(
        "stays finite", ok, "200 steps on a 3-D bowl" + ("" if ok else ": non-finite values")
    )


def _diverged(name: str, spec: OptimizerSpec, steps: int) -> Check:
    """A check that could not be judged because the runs blew up: say that, not "NaN ≠ NaN"."""
    return Check(
        name,
        False,
        f"the runs diverged (the weights became NaN or inf within {steps} steps on Rosenbrock "
        f"at lr={_small_lr(spec):g}, a tenth of the default): the update is unstable there",
    )


def _deterministic(spec: OptimizerSpec) -> Check:
    a, _ = _run(spec, _rosenbrock, [-1.2, 1.0], 50, lr=_small_lr(spec))
    b, _ = _run(spec, _rosenbrock, [-1.2, 1.0], 50, lr=_small_lr(spec))
    if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
        return _diverged("is deterministic", spec, 50)
    same = torch.equal(a, b)
    return Check(
        "is deterministic",
        same,
        "two runs agree bit for bit"
        if same
        else f"two identical runs ended at {a.tolist()} and {b.tolist()}",
    )


def _small_lr(spec: OptimizerSpec) -> float:
    h = spec.hyper["lr"]
    return h.clamp(h.default / 10)


def _grad_untouched(spec: OptimizerSpec) -> Check:
    p = torch.tensor([0.5, -1.5, 2.0], dtype=torch.float64, requires_grad=True)
    opt = spec.make([p])
    problems = []
    for _ in range(3):
        opt.zero_grad()
        _bowl(p).backward()
        before = p.grad.clone()
        try:
            opt.step()
        except RuleError as exc:  # the step path itself caught it
            text = str(exc)
            problems.append(
                "p.grad was changed in place"
                if "grad in place" in text
                else "update() changed param in place; return the step instead"
                if "param in place" in text
                else text
            )
            break
        if not torch.equal(p.grad, before):
            problems.append("p.grad was changed in place")
            break
    ok = not problems
    return Check(
        "leaves grad and param alone",
        ok,
        "neither is changed in place" if ok else problems[0],
    )


def _shapes(spec: OptimizerSpec) -> Check:
    bad = []
    for shape in [(), (3,), (4, 5), (2, 3, 4)]:
        torch.manual_seed(0)
        p = torch.randn(shape, dtype=torch.float64, requires_grad=True)
        opt = spec.make([p])
        for _ in range(3):
            opt.zero_grad()
            _bowl(p).backward()
            opt.step()
        if p.shape != torch.Size(shape) or not bool(torch.isfinite(p).all()):
            bad.append(str(shape))
    ok = not bad
    return Check(
        "works for any tensor shape",
        ok,
        "shapes (), (3,), (4, 5), (2, 3, 4)" if ok else f"failed for {', '.join(bad)}",
    )


def _state_dict(spec: OptimizerSpec) -> Check:
    torch.manual_seed(0)
    p = torch.randn(4, dtype=torch.float64, requires_grad=True)
    opt = spec.make([p], lr=_small_lr(spec))

    def run(param, optimizer, n):
        for _ in range(n):
            optimizer.zero_grad()
            _rosenbrock(param[:2]).backward()
            optimizer.step()

    run(p, opt, 5)
    saved, q = copy.deepcopy(opt.state_dict()), p.detach().clone().requires_grad_(True)
    opt2 = spec.make([q], lr=_small_lr(spec))
    opt2.load_state_dict(saved)
    run(p, opt, 5)
    run(q, opt2, 5)
    if not (torch.isfinite(p).all() and torch.isfinite(q).all()):
        return _diverged("round-trips state_dict", spec, 10)
    ok = torch.allclose(p, q, rtol=0, atol=1e-12)
    return Check(
        "round-trips state_dict",
        ok,
        "a reloaded optimizer continues identically"
        if ok
        else "after load_state_dict the next steps differ from the original's",
    )


# -- the other kinds: quick checks a plugin author and the hot reload both use -------------------
def check_surface_spec(spec) -> list[Check]:
    from explorer.landscape import surface as S

    checks = []
    points = [("start", p) for p in spec.starts] + [("minimum", p) for p in spec.minima]
    if not points:
        (x0, x1), (y0, y1) = spec.domain
        points = [("centre", ((x0 + x1) / 2, (y0 + y1) / 2))]
    bad = []
    for what, (x, y) in points:
        try:
            v = S.value(spec, float(x), float(y))
            g = S.gradient(spec, float(x), float(y))
        except Exception as exc:  # noqa: BLE001 - the plugin's failure is the finding
            bad.append(f"at the {what} ({x:g}, {y:g}) it raised {type(exc).__name__}: {exc}")
            continue
        if not (math.isfinite(v) and all(math.isfinite(c) for c in g)):
            bad.append(f"at the {what} ({x:g}, {y:g}) the value or gradient is not finite")
        elif what == "minimum" and math.hypot(*g) > 1e-4 * max(1.0, abs(v)):
            bad.append(f"the gradient at the minimum ({x:g}, {y:g}) is {math.hypot(*g):.3g}, not 0")
    checks.append(
        Check(
            "finite, differentiable, minima are flat",
            not bad,
            f"{len(points)} points" if not bad else bad[0],
        )
    )
    return checks


def check_schedule_spec(spec) -> list[Check]:
    from explorer.schedules import lr_curve

    try:
        lrs = lr_curve(spec, 0.1, 200)
    except Exception as exc:  # noqa: BLE001
        return [Check("makes a torch scheduler", False, f"raised {type(exc).__name__}: {exc}")]
    ok = bool(all(math.isfinite(v) and v >= 0 for v in lrs))
    return [
        Check(
            "learning rates finite and ≥ 0",
            ok,
            f"200 steps from 0.1: ends at {lrs[-1]:.3g}" if ok else "a rate is negative or NaN",
        )
    ]


def check_activation_spec(spec) -> list[Check]:
    try:
        module = spec.factory()
        z = torch.linspace(-4, 4, 8 * spec.pieces).reshape(2, -1).requires_grad_(True)
        out = module(z)
        out.sum().backward()
    except Exception as exc:  # noqa: BLE001
        return [Check("runs forward and backward", False, f"raised {type(exc).__name__}: {exc}")]
    want = (2, z.shape[1] // spec.pieces)
    ok = tuple(out.shape) == want and bool(torch.isfinite(out).all() & torch.isfinite(z.grad).all())
    detail = f"shape {tuple(z.shape)} → {tuple(out.shape)}"
    return [Check("runs forward and backward", ok, detail if ok else f"{detail}, expected {want}")]


def check_dataset_spec(spec) -> list[Check]:
    try:
        X, y = spec.loader(n=50, noise=spec.default_noise, seed=0)
        X2, _ = spec.loader(n=50, noise=spec.default_noise, seed=0)
    except Exception as exc:  # noqa: BLE001
        return [Check("loads", False, f"raised {type(exc).__name__}: {exc}")]
    problems = []
    if tuple(X.shape) != (50, spec.input_dim):
        problems.append(f"X has shape {tuple(X.shape)}, expected (50, {spec.input_dim})")
    if spec.task == "classification" and (
        y.dtype != torch.long or y.shape != (50,) or int(y.max()) >= spec.n_classes
    ):
        problems.append(f"y must be 50 class indices below {spec.n_classes}")
    if not torch.equal(X, X2):
        problems.append("the same seed gave different data")
    return [
        Check(
            "loads 50 samples, right shapes, same seed same data",
            not problems,
            "ok" if not problems else problems[0],
        )
    ]


KIND_CHECKS = {
    "optimizers": check_optimizer,
    "surfaces": check_surface_spec,
    "schedules": check_schedule_spec,
    "activations": check_activation_spec,
    "datasets": check_dataset_spec,
}


@dataclass
class FileReport:
    """What ``plugins check FILE`` finds: the file's own registry, its load failures and the
    checks of everything it registers (``checks[(kind, name)]``)."""

    registry: object
    checks: dict = field(default_factory=dict)

    @property
    def problems(self) -> list[str]:
        out = [str(f) for f in self.registry.failures]
        for (kind, name), checks in self.checks.items():
            out += [f"{kind[:-1]} {name!r}: {c.name}: {c.detail}" for c in checks if not c.passed]
        if not self.checks and not out:
            out.append("registers nothing")
        return out

    @property
    def passed(self) -> bool:
        return not self.problems


def load_file(path) -> object:
    """A registry holding only what the plugin file at ``path`` registers (and its failures)."""
    from explorer.plugins import KINDS, PluginHost

    host = PluginHost()
    host.load_file(Path(path))
    for kind in KINDS:
        host._collect(kind)
    return host.registry


def check_file(path, kinds=None) -> FileReport:
    """Load the plugin file at ``path`` alone and run the checks of every kind it registers."""
    from explorer.plugins import describe_fault, plugin_fault

    registry = load_file(path)
    report = FileReport(registry)
    for kind, run in KIND_CHECKS.items():
        if kinds is not None and kind not in kinds:
            continue
        for name, spec in getattr(registry, kind).items():
            try:
                report.checks[(kind, name)] = run(spec)
            except BaseException as exc:  # the plugin's code ran inside the checks
                if not plugin_fault(exc):
                    raise
                report.checks[(kind, name)] = [
                    Check("runs", False, f"the checks stopped: it raised {describe_fault(exc)}")
                ]
    return report
