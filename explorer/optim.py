"""The shape of a student's optimizer (``UpdateRule``) and the torch optimizer that runs it.

A rule is only the per-tensor maths: ``init`` makes the state for one parameter tensor and
``update`` returns the step to add to it. ``RuleOptimizer`` owns torch's bookkeeping (param
groups, state, ``no_grad``, closures, ``state_dict``), so the same rule moves a 2-element ball on
a loss surface and every weight of a real network, and works with ``torch.optim.lr_scheduler``.
There is ONE step path for rules, ``apply_update``: the race's balls and the network's weights
both go through it, so a rule that breaks the contract is caught the same way everywhere.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar, TypeAlias

import torch

from explorer.specs import Hyper, SurfaceSpec, check_values
from explorer.step_budget import budget

# A first learning rate per surface name, or a function of the surface (None: no suggestion).
SuggestedLr: TypeAlias = Mapping[str, float] | Callable[[SurfaceSpec], float | None]


class RuleError(ValueError):
    """A rule broke the contract (wrong return type or shape, changed ``param`` in place)."""


class UpdateRule:
    """Subclass this: set ``name`` and ``hyper``, write ``init`` and ``update``.

    ``update(grad, state, param, **hyper)`` must not change ``grad`` or ``param``; it may replace
    entries of ``state`` and returns the step (a tensor shaped like ``param``).

    How the landscape draws the state is declared, never guessed from names:
    ``arrows = {"velocity": "velocity v"}`` for directions (drawn as arrows),
    ``accumulators = {"sum_sq": "Σg²"}`` for per-coordinate accumulators (drawn as glyphs);
    other state shows as numbers. ``suggested_lr = {"rosenbrock": 0.001}`` gives a first
    learning rate per surface (or a function ``surface -> lr``), and ``lr_scale`` picks one on
    other surfaces: ``"curvature"`` (the step is lr × gradient), ``"domain"`` (about lr per
    coordinate whatever the gradient) or ``"domain_shrinking"`` (the same, shrinking over time).
    """

    name: ClassVar[str] = ""
    hyper: ClassVar[dict[str, Hyper]] = {}
    arrows: ClassVar[dict[str, str]] = {}
    accumulators: ClassVar[dict[str, str]] = {}
    suggested_lr: ClassVar[SuggestedLr | None] = None
    lr_scale: ClassVar[str] = ""

    def init(self, param: torch.Tensor) -> dict[str, Any]:
        return {}

    def update(
        self, grad: torch.Tensor, state: dict[str, Any], param: torch.Tensor, **hyper: float
    ) -> torch.Tensor:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip()


def rule_label(rule: UpdateRule) -> str:
    return rule.name or type(rule).__name__


def make_rule(rule: type[UpdateRule] | UpdateRule) -> UpdateRule:
    """An instance of ``rule``; a class whose constructor needs arguments is refused."""
    if not isinstance(rule, type):
        return rule
    try:
        return rule()
    except TypeError as exc:
        raise RuleError(
            f"{rule.name or rule.__name__} cannot be created without arguments ({exc}); "
            "an UpdateRule's __init__ must take none"
        ) from None


def apply_update(
    rule: UpdateRule,
    grad: torch.Tensor,
    state: dict[str, Any],
    param: torch.Tensor,
    hyper: Mapping[str, float],
) -> torch.Tensor:
    """The step ``rule`` takes for ``grad`` at ``param`` (not yet applied), checked."""
    p_version, g_version = param._version, grad._version
    step = rule.update(grad, state, param, **hyper)
    who = rule_label(rule)
    if param._version != p_version:
        raise RuleError(
            f"{who} changed param in place; update() must return the step and leave param alone"
        )
    if grad._version != g_version:
        raise RuleError(f"{who} changed grad in place; update() must leave grad alone")
    if not isinstance(step, torch.Tensor):
        raise RuleError(
            f"{who} returned {type(step).__name__}; update() must return a tensor shaped like the "
            f"parameter {tuple(param.shape)}"
        )
    if step.shape != param.shape:
        raise RuleError(
            f"{who} returned shape {tuple(step.shape)}; update() must return a tensor shaped like "
            f"the parameter {tuple(param.shape)}"
        )
    if step.is_complex():
        raise RuleError(f"{who} returned a complex step; update() must return real numbers")
    return step if step.dtype == param.dtype else step.to(param.dtype)


class RuleOptimizer(torch.optim.Optimizer):
    """A real ``torch.optim.Optimizer`` driven by an ``UpdateRule``.

    ``RuleOptimizer(model.parameters(), Adam, lr=1e-3)``: unknown hyperparameter names and values
    the maths forbids are refused with one sentence; missing ones take the rule's defaults.
    """

    rule_class: ClassVar[type[UpdateRule] | None] = None

    def __init__(
        self, params: Any, rule: type[UpdateRule] | UpdateRule | None = None, **hyper: float
    ) -> None:
        if rule is not None and not (
            isinstance(rule, UpdateRule)
            or (isinstance(rule, type) and issubclass(rule, UpdateRule))
        ):
            raise TypeError(
                f"RuleOptimizer got {rule!r} where a rule belongs; pass hyperparameters by name "
                "(lr=0.01)"
            )
        rule = rule if rule is not None else self.rule_class
        if rule is None:
            raise TypeError("RuleOptimizer needs a rule: RuleOptimizer(params, MyRule, lr=...)")
        self.rule = make_rule(rule)
        checked = check_values(self.rule.hyper, hyper, rule_label(self.rule))
        defaults = {k: h.default for k, h in self.rule.hyper.items()} | checked
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(  # type: ignore[override]  # torch types the closure's loss as a float; it is a tensor
        self, closure: Callable[[], torch.Tensor] | None = None
    ) -> torch.Tensor | None:
        loss = None
        if closure is not None:
            with torch.enable_grad():
                loss = closure()
        names = list(self.rule.hyper)
        for group in self.param_groups:
            hyper = {k: group[k] for k in names}
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                with budget(first=not state):  # a rule that sleeps or loops: OverBudget, said
                    if not state:
                        state.update(self.rule.init(p))
                    p.add_(apply_update(self.rule, p.grad, state, p, hyper))
        return loss


def rule_optimizer_class(rule: type[UpdateRule]) -> type[RuleOptimizer]:
    """A ``torch.optim.Optimizer`` class for ``rule``: ``cls(params, lr=...)`` like torch's own."""
    return type(f"{rule.__name__}Optimizer", (RuleOptimizer,), {"rule_class": rule})
