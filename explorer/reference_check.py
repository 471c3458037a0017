"""``plugins check FILE --against torch.optim.Adam:lr=0.01,betas=0.9/0.999``: step-by-step comparison
of an optimizer with a reference, and the name of the mistake when it matches a known one.

How the two are kept in step (RESYNC). Each case is a loss ``f(p)`` on one float64 tensor. At every
step both optimizers start from the SAME parameter (the reference's current one) and are given the
SAME gradient (computed there); each keeps ITS OWN state. After the step the candidate's new
parameter is compared with the reference's, and then the candidate's parameter is set back to the
reference's for the next step. So:

- no mapping between state names is needed (``m`` in a student's rule, ``exp_avg`` in torch's): a
  state that is wrong shows up in the next parameter, the only thing both sides agree to mean;
- a 1e-16 rounding difference is never amplified by the chaos of a trajectory (Rosenbrock, a
  saddle), because the parameters are resynchronised every step; what remains different is the
  update rule itself;
- the comparison is faithful to what the reference really computes: the reference is the real
  class (``torch.optim.Adam``, or a registered optimizer), run unmodified.

Naming the mistake. For the references whose family is known here (Adam/AdamW, SGD with momentum),
the same resynchronised steps are also taken by a small set of *variants* of that family — the
correct one (which must reproduce the reference, or no name is given) and each classic mistake:
eps inside the square root, no bias correction (of m, of v, of both), bias correction one step
off, weight decay coupled where it should be decoupled (or the reverse), dampening applied to
momentum (or left out), a missing Nesterov look-ahead. A candidate that reproduces a variant on
every case is that mistake. A gradient changed in place is caught directly.
"""

from __future__ import annotations

import contextlib
import difflib
import importlib
import inspect
import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import torch

from explorer.knob_text import BOOL_WORDS, parse_number, unknown
from explorer.optim import RuleError
from explorer.plugins import Registry, UnknownName, describe_fault, plugin_fault
from explorer.specs import OptimizerSpec

DTYPE = torch.float64
STEPS = 60
REL_TOL = 1e-9  # of the reference's step
ABS_TOL = 4e-15  # of the parameter's size: float64 rounding of p + step


class AgainstError(ValueError):
    """An ``--against`` that cannot be used: one sentence."""


@contextlib.contextmanager
def float64_default() -> Iterator[None]:
    """torch's default dtype is float64 inside: torch keeps some optimizer state in the DEFAULT
    dtype whatever the parameter's (NAdam's ``mu_product``, ASGD's ``eta`` and ``mu``), so with
    float32 as the default a correct float64 plugin differs from torch by float32's rounding
    (~1e-8 of a step), as large as a real mistake (Adamax's ε outside the max)."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(DTYPE)
    try:
        yield
    finally:
        torch.set_default_dtype(before)


def low_precision_state(make: Callable[[list[torch.Tensor]], torch.optim.Optimizer]) -> list[str]:
    """The state a reference keeps below float64 for a float64 parameter under float32 as the
    default dtype (step counts aside: whole numbers, exact), e.g. ``['mu_product (float32)']``."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(torch.float32)
    try:
        p = torch.ones(2, dtype=DTYPE, requires_grad=True)
        opt = make([p])
        p.grad = torch.full((2,), 0.5, dtype=DTYPE)
        opt.step()
    except Exception:  # noqa: BLE001 - a reference that fails shows in the comparison itself
        return []
    finally:
        torch.set_default_dtype(before)
    return [
        f"{key} ({str(value.dtype).removeprefix('torch.')})"
        for key, value in opt.state[p].items()
        if key != "step"
        and isinstance(value, torch.Tensor)
        and value.is_floating_point()
        and value.dtype != DTYPE
    ]


# -- the reference -------------------------------------------------------------------------------
@dataclass
class Reference:
    """What ``--against`` names: a class (or a registered optimizer) and its arguments."""

    text: str
    label: str
    make: Callable[[list[torch.Tensor]], torch.optim.Optimizer]
    knobs: dict[str, float]  # flat knob values (betas → beta1, beta2) for matching the candidate
    kwargs: dict[str, Any] = field(default_factory=dict)  # the class's own arguments


def _parse_value(key: str, raw: str, what: str) -> Any:
    raw = raw.strip()
    if raw.lower() in BOOL_WORDS and raw.lower() not in ("0", "1"):
        return BOOL_WORDS[raw.lower()]
    try:
        if "/" in raw:
            return tuple(float(parse_number(p)) for p in raw.split("/"))
        return float(parse_number(raw))
    except ValueError:
        raise AgainstError(
            f"{what}: {key}={raw!r} is not a number (a tuple is written 0.9/0.999)"
        ) from None


def parse_arguments(rest: str, what: str) -> dict[str, Any]:
    """``lr=0.01,betas=0.9/0.999,amsgrad=true`` → keyword arguments."""
    out: dict[str, Any] = {}
    for part in (p.strip() for p in rest.split(",")):
        if not part:
            continue
        key, sep, raw = part.partition("=")
        if not sep or not key.strip():
            raise AgainstError(f"{what}: expected name=value, got {part!r} (e.g. lr=0.01)")
        out[key.strip()] = _parse_value(key.strip(), raw, what)
    return out


def _import_object(path: str) -> Any:
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:cut])
        try:
            obj: Any = importlib.import_module(module_name)
        except ImportError:
            continue
        except BaseException as exc:
            if not plugin_fault(exc):
                raise
            raise AgainstError(
                f"--against {path}: importing {module_name} failed ({describe_fault(exc)})"
            ) from None
        for i, attr in enumerate(parts[cut:]):
            if not hasattr(obj, attr):
                where = ".".join(parts[: cut + i])
                names = [n for n in dir(obj) if not n.startswith("_")]
                close = difflib.get_close_matches(attr, names, n=1)
                hint = f" (did you mean {where}.{close[0]}?)" if close else ""
                raise AgainstError(f"--against {path}: {where} has no {attr!r}{hint}")
            obj = getattr(obj, attr)
        return obj
    raise AgainstError(f"--against {path}: no module {parts[0]!r} can be imported")


def _flat_knobs(kwargs: Mapping[str, Any]) -> dict[str, float]:
    flat: dict[str, float] = {}
    for key, value in kwargs.items():
        if isinstance(value, tuple):
            for i, v in enumerate(value):
                flat[f"{key}_{i + 1}"] = float(v)
            if key == "betas":
                flat.update({f"beta{i + 1}": float(v) for i, v in enumerate(value)})
        elif isinstance(value, bool | int | float):
            flat[key] = float(value)
    return flat


def resolve_reference(text: str, registry: Registry) -> Reference:
    """``torch.optim.Adam:lr=0.01,betas=0.9/0.999`` (an importable class) or ``adam:lr=0.01`` (a
    registered optimizer), checked: AgainstError with one sentence otherwise."""
    head, _, rest = text.partition(":")
    head = head.strip()
    if not head:
        raise AgainstError(f"--against {text!r}: expected CLASS[:k=v,...], e.g. torch.optim.Adam")
    args = parse_arguments(rest, f"--against {head}")
    if "." not in head:
        try:
            spec = registry.optimizer(head)
        except UnknownName as exc:
            raise AgainstError(
                f"--against {head}: {exc} Or give an importable class such as torch.optim.Adam."
            ) from None
        flat = {k: v for k, v in args.items()}
        for k, v in flat.items():
            if isinstance(v, tuple | bool):
                raise AgainstError(f"--against {head}: {k} takes one number")
        try:
            values = spec.values(flat)
        except ValueError as exc:
            raise AgainstError(f"--against {head}: {exc}") from None
        return Reference(text, spec.name, lambda ps: spec.make(ps, **values), dict(values), values)
    cls = _import_object(head)
    if not (isinstance(cls, type) and issubclass(cls, torch.optim.Optimizer)):
        raise AgainstError(
            f"--against {head} is {type(cls).__name__} {getattr(cls, '__name__', cls)!r}, not a "
            "torch.optim.Optimizer class"
        )
    params = inspect.signature(cls.__init__).parameters
    takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
    accepted = [n for n in params if n not in ("self", "params")]
    for key in args:
        if key not in accepted and not takes_any:
            raise AgainstError(
                f"--against {head}: " + unknown("hyperparameter", key, accepted, owner=head)
            )
    defaults = {
        n: p.default
        for n, p in params.items()
        if n in accepted
        and p.default is not inspect.Parameter.empty
        and isinstance(p.default, int | float | tuple)
        and not isinstance(p.default, torch.Tensor)
    }
    kwargs = {k: v for k, v in defaults.items() if not isinstance(v, bool)} | args
    probe = torch.zeros(1, dtype=DTYPE, requires_grad=True)
    try:  # the class's own checks (torch: "Invalid beta parameter at index 0: 1.5")
        opt = cls([probe], **args)
    except BaseException as exc:
        if not plugin_fault(exc):
            raise
        given = f"refused {rest!r}" if rest.strip() else "could not be created"
        raise AgainstError(f"--against {head}: the class {given}: {exc}") from None
    probe.grad = torch.ones(1, dtype=DTYPE)
    try:
        opt.step()
    except TypeError as exc:
        if "closure" in str(exc):
            raise AgainstError(
                f"--against {head}: its step() needs a closure (it evaluates the loss several "
                "times per step); --against compares optimizers that take one gradient per step"
            ) from None
    except Exception:  # noqa: BLE001 - a step that fails shows in the comparison itself
        pass
    # knobs: every argument with a value, switches included (amsgrad=False is 0: a candidate's
    # amsgrad knob then runs switched off, as the reference does)
    knobs = _flat_knobs(defaults | args)
    return Reference(text, head, lambda ps: cls(ps, **args), knobs, kwargs)


# a candidate's knob → the reference's knobs it may stand for (a tuple's parts are ``name_1``,
# ``name_2``: betas=(beta1, beta2), etas=(etaminus, etaplus), step_sizes=(min, max))
ALIASES = {
    "beta1": ("beta1", "betas_1"),
    "beta2": ("beta2", "betas_2"),
    "b1": ("beta1", "betas_1"),
    "b2": ("beta2", "betas_2"),
    "beta": ("momentum", "beta"),
    "momentum": ("momentum", "beta"),
    "mu": ("momentum", "beta"),
    "wd": ("weight_decay",),
    "weight_decay": ("weight_decay", "wd"),
    "etaminus": ("etas_1",),
    "eta_minus": ("etas_1",),
    "etaplus": ("etas_2",),
    "eta_plus": ("etas_2",),
    "step_size_min": ("step_sizes_1",),
    "min_step": ("step_sizes_1",),
    "step_min": ("step_sizes_1",),
    "step_size_max": ("step_sizes_2",),
    "max_step": ("step_sizes_2",),
    "step_max": ("step_sizes_2",),
    "lambd": ("lambd", "lambda_", "lam"),
    "lam": ("lambd",),
    "lambda_": ("lambd",),
    "psi": ("momentum_decay",),
    "rho": ("rho", "alpha"),
    "initial_accumulator": ("initial_accumulator_value",),
}
# how a tuple argument's parts are named on the candidate's side, for the refusal's sentence
TUPLE_PARTS = {
    "betas": ("beta1", "beta2"),
    "etas": ("etaminus", "etaplus"),
    "step_sizes": ("step_size_min", "step_size_max"),
}


def _reference_names(ref: Reference) -> str:
    names = []
    for key, value in ref.kwargs.items():
        if isinstance(value, tuple):
            parts = TUPLE_PARTS.get(key, tuple(f"{key}_{i + 1}" for i in range(len(value))))
            names.append(f"{key} as {'/'.join(parts)}")
        else:
            names.append(key)
    return ", ".join(names) or "none"


def unmapped_knobs(spec: OptimizerSpec, ref: Reference) -> list[str]:
    """The candidate's knobs that stand for none of the reference's arguments."""
    return [
        key
        for key in spec.defaults()
        if not any(name in ref.knobs for name in (key, *ALIASES.get(key, ())))
    ]


def candidate_values(spec: OptimizerSpec, ref: Reference) -> dict[str, float]:
    """The candidate runs with the reference's values wherever the two share a knob (by name, or
    beta1 ↔ betas[0], etaminus ↔ etas[0], beta ↔ momentum, wd ↔ weight_decay …); a knob that
    stands for none of them is refused by ``compare`` (it would silently run at its default)."""
    values = spec.defaults()
    for key in values:
        for name in (key, *ALIASES.get(key, ())):
            if name in ref.knobs:
                values[key] = ref.knobs[name]
                break
    return values


# -- the cases -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Case:
    name: str
    loss: Callable[[torch.Tensor], torch.Tensor]
    start: tuple[float, ...]
    steps: int = STEPS


def _mlp_loss() -> Callable[[torch.Tensor], torch.Tensor]:
    g = torch.Generator().manual_seed(0)
    X = torch.randn(16, 2, generator=g, dtype=DTYPE)
    y = torch.sin(2 * X[:, :1]) * X[:, 1:]

    def loss(p: torch.Tensor) -> torch.Tensor:
        W1, b1 = p[:12].view(2, 6), p[12:18]
        W2, b2 = p[18:24].view(6, 1), p[24:25]
        return ((torch.tanh(X @ W1 + b1) @ W2 + b2 - y) ** 2).mean()

    return loss


MLP_START = tuple(
    float(v) for v in 0.5 * torch.randn(25, generator=torch.Generator().manual_seed(1))
)
TINY_DIRECTION = torch.tensor([1.0, -2.0, 0.5], dtype=DTYPE)


def cases() -> list[Case]:
    return [
        Case("bowl", lambda p: 0.5 * (p**2).sum(), (1.5, -1.0)),
        Case("rosenbrock", lambda p: (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2, (-1.2, 1.0)),
        Case("saddle", lambda p: p[0] ** 2 - p[1] ** 2, (-1.8, 0.02)),
        Case("small MLP", _mlp_loss(), MLP_START),
        Case(
            "tiny gradient (g ~ 1e-8)",
            lambda p: 1e-8 * (TINY_DIRECTION * p).sum(),
            (0.5, -0.3, 0.2),
            30,
        ),
        Case("zero gradient", lambda p: 0.0 * p.sum(), (0.7, -1.2), 3),
    ]


# -- variants of known families, for naming a mistake --------------------------------------------
@dataclass(frozen=True)
class Variant:
    """One member of a family: ``step(p, g, state) -> new p`` (state is its own dict)."""

    label: str  # the mistake's name ("" for the correct member)
    explain: str
    step: Callable[[torch.Tensor, torch.Tensor, dict], torch.Tensor]


def _adam_variant(
    lr,
    b1,
    b2,
    eps,
    wd,
    *,
    decoupled,
    eps_inside=False,
    fix_m=True,
    fix_v=True,
    offset=0,
    amsgrad="",
    decay_after=False,
):
    def step(p, g, s):
        s["t"] = s.get("t", 0) + 1
        if wd and not decoupled:
            g = g + wd * p
        if wd and decoupled and not decay_after:
            p = p * (1 - lr * wd)
        s["m"] = b1 * s.get("m", torch.zeros_like(p)) + (1 - b1) * g
        s["v"] = b2 * s.get("v", torch.zeros_like(p)) + (1 - b2) * g * g
        tb = s["t"] + offset
        bc1 = (1 - b1**tb) if fix_m else 1.0
        bc2 = (1 - b2**tb) if fix_v else 1.0
        v = s["v"]
        if amsgrad == "v":  # torch keeps the largest v and corrects it
            v = s["vmax"] = torch.maximum(s.get("vmax", torch.zeros_like(p)), v)
        # a correction of 0 (t − 1 at the first step) divides by zero as the student's code does
        v_hat = v / bc2 if bc2 else v / torch.zeros(())
        if amsgrad == "v_hat":
            v_hat = s["vmax"] = torch.maximum(s.get("vmax", torch.zeros_like(p)), v_hat)
        denom = (v_hat + eps).sqrt() if eps_inside else v_hat.sqrt() + eps
        m_hat = s["m"] / bc1 if bc1 else s["m"] / torch.zeros(())
        new = p - lr * m_hat / denom
        return new * (1 - lr * wd) if wd and decoupled and decay_after else new

    return step


def adam_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "beta1", "beta2", "eps"} <= set(k):
        return None
    lr, b1, b2, eps, wd = k["lr"], k["beta1"], k["beta2"], k["eps"], k.get("weight_decay", 0.0)
    ams = "v" if k.get("amsgrad") else ""
    families = []
    for decoupled in (False, True):
        a: dict[str, Any] = dict(decoupled=decoupled, amsgrad=ams)
        other = "decoupled (AdamW: θ ← θ − ηλθ)" if not decoupled else "coupled (Adam: g ← g + λθ)"
        own = "coupled (g ← g + λθ)" if not decoupled else "decoupled (θ ← θ − ηλθ)"
        fam = [
            Variant("", "", _adam_variant(lr, b1, b2, eps, wd, **a)),
            Variant(
                "eps inside the square root",
                "the rule divides by √(v̂ + ε) where the reference divides by √v̂ + ε; it shows "
                "where g² is near ε (tiny gradients)",
                _adam_variant(lr, b1, b2, eps, wd, eps_inside=True, **a),
            ),
            Variant(
                "missing bias correction",
                "neither m nor v is divided by (1 − β^t), so the first steps are far too small "
                "(or too large)",
                _adam_variant(lr, b1, b2, eps, wd, fix_m=False, fix_v=False, **a),
            ),
            Variant(
                "missing bias correction of m (the first moment)",
                "m̂ = m / (1 − β₁^t) is left out",
                _adam_variant(lr, b1, b2, eps, wd, fix_m=False, **a),
            ),
            Variant(
                "missing bias correction of v (the second moment)",
                "v̂ = v / (1 − β₂^t) is left out",
                _adam_variant(lr, b1, b2, eps, wd, fix_v=False, **a),
            ),
            Variant(
                "bias correction off by one step (uses t − 1)",
                "the step counter is read before it is increased: 1 − β^(t−1), which is 0 at "
                "the first step",
                _adam_variant(lr, b1, b2, eps, wd, offset=-1, **a),
            ),
            Variant(
                "bias correction off by one step (uses t + 1)",
                "the step counter is increased twice, or starts at 1: 1 − β^(t+1)",
                _adam_variant(lr, b1, b2, eps, wd, offset=1, **a),
            ),
        ]
        if wd:
            fam.append(
                Variant(
                    "weight decay missing",
                    f"the reference decays the weights ({own}, λ = {wd:g}); the rule does not",
                    _adam_variant(lr, b1, b2, eps, 0.0, **a),
                )
            )
            fam.append(
                Variant(
                    f"weight decay {other.split(' (')[0]} where the reference's is {own.split(' (')[0]}",
                    f"the reference's weight decay is {own}; the rule's is {other}",
                    _adam_variant(lr, b1, b2, eps, wd, decoupled=not decoupled, amsgrad=ams),
                )
            )
        if wd and decoupled:
            fam.append(
                Variant(
                    "weight decay applied after the step",
                    "AdamW shrinks θ ← θ(1 − ηλ) first and steps from there; shrinking the "
                    "stepped θ instead differs by ηλ times the step",
                    _adam_variant(lr, b1, b2, eps, wd, decay_after=True, **a),
                )
            )
        if ams:
            fam.append(
                Variant(
                    "AMSGrad's max taken of v̂ instead of v",
                    "torch keeps v_max ← max(v_max, v) and divides by √(v_max / (1 − β₂^t)); "
                    "the rule keeps the max of the bias-corrected v̂, which the shrinking "
                    "correction makes larger early on",
                    _adam_variant(lr, b1, b2, eps, wd, decoupled=decoupled, amsgrad="v_hat"),
                )
            )
            fam.append(
                Variant(
                    "AMSGrad's max left out",
                    "with amsgrad=True torch divides by the largest v so far, not the current v",
                    _adam_variant(lr, b1, b2, eps, wd, decoupled=decoupled),
                )
            )
        families.append(fam)
    return families


def _sgd_variant(lr, mu, damp, nesterov, wd, *, decoupled, first_undamped=True):
    def step(p, g, s):
        if wd and not decoupled:
            g = g + wd * p
        if wd and decoupled:
            p = p - lr * wd * p
        if mu:
            if "buf" not in s:
                s["buf"] = g.clone() if first_undamped else (1 - damp) * g
            else:
                s["buf"] = mu * s["buf"] + (1 - damp) * g
            g = g + mu * s["buf"] if nesterov else s["buf"]
        return p - lr * g

    return step


def sgd_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if "lr" not in k:
        return None
    mu = k.get("momentum", k.get("beta", 0.0))
    damp, nest, wd, lr = k.get("dampening", 0.0), bool(k.get("nesterov", 0.0)), 0.0, k["lr"]
    wd = k.get("weight_decay", 0.0)
    families = []
    for decoupled in (False, True):
        fam = [Variant("", "", _sgd_variant(lr, mu, damp, nest, wd, decoupled=decoupled))]
        if mu and not nest:
            if damp == 0:
                fam.append(
                    Variant(
                        "momentum dampening",
                        f"the rule averages v ← μv + (1 − μ)g where the reference sums "
                        f"v ← μv + g (dampening=0): its steps are {1 - mu:g}× as long",
                        _sgd_variant(lr, mu, mu, nest, wd, decoupled=decoupled),
                    )
                )
                fam.append(
                    Variant(
                        "momentum dampening",
                        "the rule averages v ← μv + (1 − μ)g from v = 0 where the reference "
                        "sums v ← μv + g (dampening=0)",
                        _sgd_variant(
                            lr, mu, mu, nest, wd, decoupled=decoupled, first_undamped=False
                        ),
                    )
                )
            else:
                fam.append(
                    Variant(
                        "momentum dampening left out",
                        f"the reference damps v ← μv + (1 − {damp:g})g; the rule sums v ← μv + g",
                        _sgd_variant(lr, mu, 0.0, nest, wd, decoupled=decoupled),
                    )
                )
            fam.append(
                Variant(
                    "momentum dampening on the first step",
                    "torch starts the momentum buffer at g; the rule starts it at (1 − d)g",
                    _sgd_variant(lr, mu, damp, nest, wd, decoupled=decoupled, first_undamped=False),
                )
            )
        if mu:
            fam.append(
                Variant(
                    "Nesterov look-ahead " + ("missing" if nest else "added"),
                    "θ ← θ − η(g + μv) is Nesterov's step; θ ← θ − ηv is plain momentum",
                    _sgd_variant(lr, mu, damp, not nest, wd, decoupled=decoupled),
                )
            )
        if wd and mu:
            own, other = ("coupled", "decoupled") if not decoupled else ("decoupled", "coupled")
            fam.append(
                Variant(
                    f"weight decay {other} where the reference's is {own}",
                    "coupled: g ← g + λθ before the momentum; decoupled: θ ← θ − ηλθ beside it",
                    _sgd_variant(lr, mu, damp, nest, wd, decoupled=not decoupled),
                )
            )
        families.append(fam)
    return families


def _lion_variant(lr, b1, b2, wd, *, updated_first=False, coupled=False):
    def step(p, g, s):
        m = s.get("m", torch.zeros_like(p))
        if coupled and wd:
            g = g + wd * p
        if updated_first:
            m = b2 * m + (1 - b2) * g
            u = (b1 * m + (1 - b1) * g).sign()
        else:
            u = (b1 * m + (1 - b1) * g).sign()
            m = b2 * m + (1 - b2) * g
        s["m"] = m
        return p - lr * (u + (0.0 if coupled else wd) * p)

    return step


def lion_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    """Lion (sign of an interpolated momentum); only a reference that is Lion matches its
    correct member, so other references never get these names."""
    if not {"lr", "beta1", "beta2"} <= set(k) or "eps" in k:
        return None
    lr, b1, b2, wd = k["lr"], k["beta1"], k["beta2"], k.get("weight_decay", 0.0)
    fam = [
        Variant("", "", _lion_variant(lr, b1, b2, wd)),
        Variant(
            "momentum updated before the sign is taken",
            "Lion's direction is sign(β₁m + (1−β₁)g) with the OLD m; m ← β₂m + (1−β₂)g comes "
            "after it",
            _lion_variant(lr, b1, b2, wd, updated_first=True),
        ),
    ]
    if b1 != b2:
        fam.append(
            Variant(
                "β₁ and β₂ swapped",
                "β₁ interpolates for the sign, β₂ keeps the momentum",
                _lion_variant(lr, b2, b1, wd),
            )
        )
    if wd:
        fam.append(
            Variant(
                "weight decay coupled where the reference's is decoupled",
                "Lion decays θ ← θ − ηλθ beside the sign step; adding λθ to g puts it inside",
                _lion_variant(lr, b1, b2, wd, coupled=True),
            )
        )
    return [fam]


def _zeros(p: torch.Tensor) -> torch.Tensor:
    return torch.zeros_like(p)


def _adamax_variant(lr, b1, b2, eps, wd, *, eps_outside=False, fix=True):
    def step(p, g, s):
        t = s["t"] = s.get("t", 0) + 1
        if wd:
            g = g + wd * p
        s["m"] = b1 * s.get("m", _zeros(p)) + (1 - b1) * g
        if eps_outside:
            s["u"] = torch.maximum(b2 * s.get("u", _zeros(p)), g.abs())
            denom = s["u"] + eps
        else:
            denom = s["u"] = torch.maximum(b2 * s.get("u", _zeros(p)), g.abs() + eps)
        return p - lr / ((1 - b1**t) if fix else 1.0) * s["m"] / denom

    return step


def adamax_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "beta1", "beta2", "eps"} <= set(k):
        return None
    lr, b1, b2, eps, wd = k["lr"], k["beta1"], k["beta2"], k["eps"], k.get("weight_decay", 0.0)
    return [
        [
            Variant("", "", _adamax_variant(lr, b1, b2, eps, wd)),
            Variant(
                "Adamax's ε outside the max",
                "torch keeps u ← max(β₂u, |g| + ε) and divides by u; the rule keeps "
                "max(β₂u, |g|) and divides by u + ε",
                _adamax_variant(lr, b1, b2, eps, wd, eps_outside=True),
            ),
            Variant(
                "missing bias correction",
                "the step is η m / u without the 1 / (1 − β₁^t) of the first moment",
                _adamax_variant(lr, b1, b2, eps, wd, fix=False),
            ),
        ]
    ]


def _nadam_variant(lr, b1, b2, eps, wd, psi, *, decoupled, look_ahead=1, schedule=True):
    def step(p, g, s):
        t = s["t"] = s.get("t", 0) + 1
        if wd and decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        mu = b1 * (1 - 0.5 * 0.96 ** (t * psi)) if schedule else b1
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + look_ahead) * psi)) if schedule else b1
        s["prod"] = s.get("prod", 1.0) * mu
        s["m"] = b1 * s.get("m", _zeros(p)) + (1 - b1) * g
        s["v"] = b2 * s.get("v", _zeros(p)) + (1 - b2) * g * g
        denom = (s["v"] / (1 - b2**t)).sqrt() + eps
        now = lr * (1 - mu) / (1 - s["prod"]) * g / denom
        ahead = lr * mu_next / (1 - s["prod"] * mu_next) * s["m"] / denom
        return p - now - ahead

    return step


def nadam_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "beta1", "beta2", "eps", "momentum_decay"} <= set(k):
        return None
    lr, b1, b2, eps, psi = k["lr"], k["beta1"], k["beta2"], k["eps"], k["momentum_decay"]
    wd, dec = k.get("weight_decay", 0.0), bool(k.get("decoupled_weight_decay", 0.0))
    return [
        [
            Variant("", "", _nadam_variant(lr, b1, b2, eps, wd, psi, decoupled=dec)),
            Variant(
                "NAdam's look-ahead μ_{t+1} taken as μ_t",
                "the momentum part of the step uses the NEXT step's μ_{t+1} = β₁(1 − ½·0.96^((t+1)ψ)) "
                "and the product μ₁…μ_{t+1}",
                _nadam_variant(lr, b1, b2, eps, wd, psi, decoupled=dec, look_ahead=0),
            ),
            Variant(
                "NAdam's momentum schedule left out (μ_t = β₁)",
                "torch warms the momentum up: μ_t = β₁(1 − ½·0.96^(tψ)), ψ = momentum_decay",
                _nadam_variant(lr, b1, b2, eps, wd, psi, decoupled=dec, schedule=False),
            ),
        ]
    ]


def _radam_variant(lr, b1, b2, eps, wd, *, decoupled, threshold=5.0, rectify=True):
    def step(p, g, s):
        t = s["t"] = s.get("t", 0) + 1
        if wd and decoupled:
            p = p * (1 - lr * wd)
        elif wd:
            g = g + wd * p
        s["m"] = b1 * s.get("m", _zeros(p)) + (1 - b1) * g
        s["v"] = b2 * s.get("v", _zeros(p)) + (1 - b2) * g * g
        bc1, bc2 = 1 - b1**t, 1 - b2**t
        m_hat = s["m"] / bc1
        rho_inf = 2 / (1 - b2) - 1
        rho = rho_inf - 2 * t * b2**t / bc2
        if rho <= threshold:
            return p - lr * m_hat
        rect = ((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho)) ** 0.5
        return p - lr * m_hat * bc2**0.5 / (s["v"].sqrt() + eps) * (rect if rectify else 1.0)

    return step


def radam_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "beta1", "beta2", "eps"} <= set(k):
        return None
    lr, b1, b2, eps = k["lr"], k["beta1"], k["beta2"], k["eps"]
    wd, dec = k.get("weight_decay", 0.0), bool(k.get("decoupled_weight_decay", 0.0))
    return [
        [
            Variant("", "", _radam_variant(lr, b1, b2, eps, wd, decoupled=dec)),
            Variant(
                "RAdam's switch at ρ_t > 4 instead of ρ_t > 5",
                "torch takes the plain momentum step η m̂ until ρ_t = ρ∞ − 2tβ₂^t/(1 − β₂^t) "
                "exceeds 5, and the rectified adaptive step after",
                _radam_variant(lr, b1, b2, eps, wd, decoupled=dec, threshold=4.0),
            ),
            Variant(
                "RAdam's rectification factor left out",
                "once ρ_t > 5 torch multiplies the adaptive step by "
                "r_t = √((ρ_t − 4)(ρ_t − 2)ρ∞ / ((ρ∞ − 4)(ρ∞ − 2)ρ_t))",
                _radam_variant(lr, b1, b2, eps, wd, decoupled=dec, rectify=False),
            ),
        ]
    ]


def _asgd_variant(lr, lambd, alpha, t0, wd, *, eta_first=False):
    def step(p, g, s):
        t = s["t"] = s.get("t", 0) + 1
        if wd:
            g = g + wd * p
        eta = lr / (1 + lambd * lr * t) ** alpha if eta_first else s.get("eta", lr)
        p = p * (1 - lambd * eta) - eta * g
        s["eta"] = lr / (1 + lambd * lr * t) ** alpha
        return p

    return step


def asgd_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "lambd", "alpha", "t0"} <= set(k):
        return None
    lr, lambd, alpha, t0 = k["lr"], k["lambd"], k["alpha"], k["t0"]
    wd = k.get("weight_decay", 0.0)
    return [
        [
            Variant("", "", _asgd_variant(lr, lambd, alpha, t0, wd)),
            Variant(
                "ASGD's η updated before it is used",
                "torch steps with the η of the step before (η₁ = lr), then sets "
                "η ← lr / (1 + λ·lr·t)^α for the next step",
                _asgd_variant(lr, lambd, alpha, t0, wd, eta_first=True),
            ),
        ]
    ]


def _rprop_variant(lr, minus, plus, low, high, *, swapped=False, step_on_flip=False):
    def step(p, g, s):
        sign = (g * s.get("prev", _zeros(p))).sign()
        up, down = (minus, plus) if swapped else (plus, minus)
        factor = torch.where(sign > 0, up, torch.where(sign < 0, down, 1.0))
        s["size"] = (s.get("size", torch.full_like(p, lr)) * factor).clamp(low, high)
        if not step_on_flip:  # torch skips a coordinate whose gradient changed sign
            g = torch.where(sign < 0, 0.0, g)
        s["prev"] = g
        return p - g.sign() * s["size"]

    return step


def rprop_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "etas_1", "etas_2", "step_sizes_1", "step_sizes_2"} <= set(k):
        return None
    a = (k["lr"], k["etas_1"], k["etas_2"], k["step_sizes_1"], k["step_sizes_2"])
    return [
        [
            Variant("", "", _rprop_variant(*a)),
            Variant(
                "Rprop's η⁻ and η⁺ swapped",
                "the step grows by η⁺ (etas[1]) while the gradient keeps its sign and shrinks "
                "by η⁻ (etas[0]) when it flips",
                _rprop_variant(*a, swapped=True),
            ),
            Variant(
                "Rprop steps where the gradient changed sign",
                "torch shrinks the step there and skips that coordinate's move (its gradient "
                "is taken as 0, so the next step does not shrink it again)",
                _rprop_variant(*a, step_on_flip=True),
            ),
        ]
    ]


def _rmsprop_variant(lr, alpha, eps, wd, mom, centered, *, mean="", eps_inside=False):
    def step(p, g, s):
        if wd:
            g = g + wd * p
        v = s["v"] = alpha * s.get("v", _zeros(p)) + (1 - alpha) * g * g
        if centered:
            old = s.get("gbar", _zeros(p))
            gbar = s["gbar"] = alpha * old + (1 - alpha) * g
            if mean == "old":
                var = v - old * old
            elif mean == "outside":
                var = None
                avg = v.sqrt() - gbar * gbar
            else:
                var = v - gbar * gbar
        else:
            var = v
        if var is not None:
            avg = (var + eps).sqrt() if eps_inside else var.sqrt()
        if not eps_inside:
            avg = avg + eps
        if mom:
            s["buf"] = mom * s.get("buf", _zeros(p)) + g / avg
            return p - lr * s["buf"]
        return p - lr * g / avg

    return step


def rmsprop_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "alpha", "eps"} <= set(k):
        return None
    a = (k["lr"], k["alpha"], k["eps"], k.get("weight_decay", 0.0), k.get("momentum", 0.0))
    centered = bool(k.get("centered", 0.0))
    fam = [
        Variant("", "", _rmsprop_variant(*a, centered)),
        Variant(
            "eps inside the square root",
            "the rule divides by √(v + ε) where torch divides by √v + ε",
            _rmsprop_variant(*a, centered, eps_inside=True),
        ),
    ]
    if centered:
        fam += [
            Variant(
                "centered RMSprop's mean taken before this gradient joins it",
                "torch updates ḡ ← αḡ + (1 − α)g first, then divides by √(v − ḡ²) + ε",
                _rmsprop_variant(*a, centered, mean="old"),
            ),
            Variant(
                "centered RMSprop's mean subtracted outside the square root",
                "torch divides by √(v − ḡ²) + ε, the root of the variance; the rule by √v − ḡ² + ε",
                _rmsprop_variant(*a, centered, mean="outside"),
            ),
            Variant(
                "centered RMSprop's mean left out",
                "with centered=True torch divides by √(v − ḡ²) + ε, not √v + ε",
                _rmsprop_variant(*a, False),
            ),
        ]
    return [fam]


def _adagrad_variant(lr, decay, eps, wd, start, *, offset=0, eps_inside=False):
    def step(p, g, s):
        t = s["t"] = s.get("t", 0) + 1
        if wd:
            g = g + wd * p
        rate = lr / (1 + (t - 1 + offset) * decay)
        s["sum"] = s.get("sum", torch.full_like(p, start)) + g * g
        std = (s["sum"] + eps).sqrt() if eps_inside else s["sum"].sqrt() + eps
        return p - rate * g / std

    return step


def adagrad_family(k: Mapping[str, float]) -> list[list[Variant]] | None:
    if not {"lr", "lr_decay", "eps"} <= set(k):
        return None
    a = (k["lr"], k["lr_decay"], k["eps"], k.get("weight_decay", 0.0))
    start = k.get("initial_accumulator_value", 0.0)
    fam = [
        Variant("", "", _adagrad_variant(*a, start)),
        Variant(
            "eps inside the square root",
            "the rule divides by √(G + ε) where torch divides by √G + ε",
            _adagrad_variant(*a, start, eps_inside=True),
        ),
    ]
    if k["lr_decay"]:
        fam.append(
            Variant(
                "Adagrad's lr_decay off by one step",
                "torch's rate at step t is η / (1 + (t − 1)·lr_decay): the first step is at η "
                "itself; the rule divides by 1 + t·lr_decay",
                _adagrad_variant(*a, start, offset=1),
            )
        )
    return [fam]


FAMILIES = (
    adam_family,
    sgd_family,
    lion_family,
    adamax_family,
    nadam_family,
    radam_family,
    asgd_family,
    rprop_family,
    rmsprop_family,
    adagrad_family,
)


# -- the comparison ------------------------------------------------------------------------------
@dataclass
class CaseResult:
    case: str
    steps: int = 0  # steps compared
    first_step: int | None = None
    coordinate: int | None = None
    candidate: float = math.nan
    reference: float = math.nan
    size: float = 0.0  # |candidate − reference| at the first difference
    relative: float = 0.0  # of the reference's step there
    largest: float = 0.0  # the largest difference over the case
    note: str = ""  # why the case stopped early

    @property
    def agrees(self) -> bool:
        return self.first_step is None


@dataclass
class Comparison:
    candidate: str
    reference: str
    candidate_values: dict[str, float]
    reference_kwargs: dict[str, Any]
    results: list[CaseResult]
    mistake: str = ""  # the named mistake, when one matches
    explain: str = ""
    failure: str = ""  # the candidate raised, or changed the gradient in place
    refused: str = ""  # the two cannot be compared as asked (a knob torch has no name for)
    low_precision: list[str] = field(default_factory=list)  # state torch keeps below float64

    @property
    def agrees(self) -> bool:
        return not (self.failure or self.refused) and all(r.agrees for r in self.results)

    @property
    def first(self) -> CaseResult | None:
        return next((r for r in self.results if not r.agrees), None)

    def describe(self) -> str:
        return " ".join(describe(self))


def _differs(new_c: torch.Tensor, new_r: torch.Tensor, step_r: torch.Tensor) -> torch.Tensor:
    tol = REL_TOL * step_r.abs() + ABS_TOL * torch.maximum(new_r.abs(), new_c.abs()).nan_to_num(0)
    both_nan = new_c.isnan() & new_r.isnan()
    bad = ~((new_c - new_r).abs() <= tol)
    return bad & ~both_nan & ~(new_c == new_r)


def _variant_families(ref: Reference) -> list[list[Variant]]:
    out = []
    for family in FAMILIES:
        out.extend(family(ref.knobs) or [])
    return out


def compare(spec: OptimizerSpec, ref: Reference) -> Comparison:
    """Run ``spec`` against ``ref`` on every case, resynchronised each step (see the module's
    docstring), in float64 throughout (torch's default dtype included), and name the mistake
    when one known variant reproduces the candidate. A candidate knob that stands for none of
    the reference's arguments is refused by name rather than run at its default."""
    unmapped = unmapped_knobs(spec, ref)
    if unmapped:
        names = ", ".join(repr(k) for k in unmapped)
        refused = (
            f"{spec.name}'s {'knob' if len(unmapped) == 1 else 'knobs'} {names} "
            f"{'stands' if len(unmapped) == 1 else 'stand'} for none of {ref.label}'s arguments "
            f"({_reference_names(ref)}): name each as the reference does, or both would run with "
            "different values"
        )
        return Comparison(spec.name, ref.label, spec.defaults(), ref.kwargs, [], refused=refused)
    with float64_default():
        comparison = _compare(spec, ref)
    comparison.low_precision = low_precision_state(ref.make)
    return comparison


def _compare(spec: OptimizerSpec, ref: Reference) -> Comparison:
    values = candidate_values(spec, ref)
    families = _variant_families(ref)
    comparison = Comparison(spec.name, ref.label, values, ref.kwargs, [])
    # per family: does its correct member follow the reference; per variant: the candidate
    fam_ok = [True] * len(families)
    var_ok = [[True] * len(f) for f in families]
    for case in cases():
        result = CaseResult(case.name)
        comparison.results.append(result)
        pr = torch.tensor(case.start, dtype=DTYPE, requires_grad=True)
        pc = pr.detach().clone().requires_grad_(True)
        reference = ref.make([pr])
        candidate = spec.make([pc], **values)
        var_states = [[{} for _ in f] for f in families]
        for t in range(1, case.steps + 1):
            x = pr.detach().clone().requires_grad_(True)
            (g,) = torch.autograd.grad(case.loss(x), x)
            before = pr.detach().clone()
            with torch.no_grad():
                pc.copy_(before)
            pr.grad, pc.grad = g.clone(), g.clone()
            reference.step()
            try:
                candidate.step()
            except RuleError as exc:
                comparison.failure = str(exc)
                if "grad in place" in str(exc):
                    comparison.mistake = "gradient modified in place"
                    comparison.explain = (
                        "update() changed grad (g.add_, g.mul_, grad += ...); torch's own "
                        "optimizers leave p.grad as backward() left it: work on a copy"
                    )
                comparison.failure += f" (case {case.name!r}, step {t})"
                result.first_step, result.note = t, "the rule broke the contract"
                break
            except BaseException as exc:
                if not plugin_fault(exc):
                    raise
                comparison.failure = (
                    f"the rule raised {describe_fault(exc)} (case {case.name!r}, step {t})"
                )
                result.first_step, result.note = t, "the rule raised"
                break
            if not torch.equal(pc.grad, g):
                comparison.failure = (
                    f"{spec.name} changed p.grad in place (case {case.name!r}, step {t})"
                )
                comparison.mistake = "gradient modified in place"
                comparison.explain = (
                    "step() changed p.grad (g.add_(...), g.mul_(...)); torch's own optimizers "
                    "leave it as backward() left it: work on a copy"
                )
                result.first_step, result.note = t, "p.grad changed"
                break
            new_r, new_c = pr.detach(), pc.detach()
            step_r = new_r - before
            for fi, fam in enumerate(families):
                for vi, variant in enumerate(fam):
                    if not (fam_ok[fi] and var_ok[fi][vi]) and vi:
                        continue
                    new_v = variant.step(before.clone(), g.clone(), var_states[fi][vi])
                    if vi == 0 and fam_ok[fi] and _differs(new_v, new_r, step_r).any():
                        fam_ok[fi] = False
                    if var_ok[fi][vi] and _differs(new_c, new_v, step_r).any():
                        var_ok[fi][vi] = False
            result.steps = t
            bad = _differs(new_c, new_r, step_r)
            diff = (new_c - new_r).abs().nan_to_num(math.inf)
            if bad.any():
                result.largest = max(result.largest, float(diff[bad].max()))
                if result.first_step is None:
                    i = int(bad.flatten().nonzero()[0])
                    result.first_step, result.coordinate = t, i
                    result.candidate = float(new_c.flatten()[i])
                    result.reference = float(new_r.flatten()[i])
                    result.size = float(diff.flatten()[i])
                    s = float(step_r.flatten()[i].abs())
                    result.relative = result.size / s if s else math.inf
            if not bool(torch.isfinite(new_r).all()):
                result.note = f"the reference left finite numbers at step {t}"
                break
    if comparison.agrees or comparison.mistake:
        return comparison
    for fi, fam in enumerate(families):
        if not fam_ok[fi]:
            continue
        for vi, variant in enumerate(fam):
            if vi and var_ok[fi][vi]:
                comparison.mistake, comparison.explain = variant.label, variant.explain
                return comparison
    return comparison


def describe(c: Comparison) -> list[str]:
    """The verdict as sentences (first difference, size, likely cause)."""
    if c.refused:
        return [c.refused + "."]
    note = []
    if c.low_precision:
        note = [
            f"{c.reference} keeps {', '.join(c.low_precision)} in torch's default dtype, float32 "
            "unless it is set to float64; this comparison ran with float64 as the default, so "
            "both sides computed in float64 throughout."
        ]
    if c.agrees:
        return [
            f"{c.candidate} matches {c.reference} on every case, step by step "
            f"(relative tolerance {REL_TOL:g} of the step, float64)."
        ] + note
    lines = []
    first = c.first
    if first is not None and first.coordinate is not None:
        rel = "" if not math.isfinite(first.relative) else f", {first.relative:.3g} of the step"
        lines.append(
            f"First difference: case {first.case!r}, step {first.first_step}, coordinate "
            f"{first.coordinate}: {c.candidate} moved it to {first.candidate!r}, "
            f"{c.reference} to {first.reference!r} (difference {first.size:.3g}{rel})."
        )
    if c.failure:
        lines.append(c.failure.rstrip(".") + ".")
    if c.mistake:
        lines.append(f"Likely cause: {c.mistake} — {c.explain}.")
    else:
        lines.append(
            "No known mistake reproduces it; compare your update with the reference's "
            "equations at that step."
        )
    return lines + note
