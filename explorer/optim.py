"""The shape of a student's optimizer (``UpdateRule``) and the torch optimizer that runs it.

A rule is only the per-tensor maths: ``init`` makes the state for one parameter tensor and
``update`` returns the step to add to it. ``RuleOptimizer`` owns torch's bookkeeping (param
groups, state, ``no_grad``, closures, ``state_dict``), so the same rule moves a 2-element ball on
a loss surface and every weight of a real network, and works with ``torch.optim.lr_scheduler``.
There is ONE step path for rules, ``apply_rule``: the race's balls and the network's weights
both go through it, so a rule that breaks the contract is caught the same way everywhere.

Why a rule may also write ``apply`` (the new parameter) instead of ``update`` (the step): torch's
in-place steps round once where ``param + step`` rounds twice. ``param.add_(g, alpha=-lr)`` is one
fused multiply-add, ``param.addcmul_`` too; the step ``-lr * g`` rounded and then added is a
different last bit, and on a surface where the gradient at the minimum is rounding noise (Adam
rescales it to a full step) one bit becomes a different path within a few hundred steps. The
built-ins that have a torch twin write ``apply`` in torch's own operation order and keep its
bits for any number of steps (``tests/test_torch_parity.py``).
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
    entries of ``state`` and returns the step (a tensor shaped like ``param``). A rule that must
    round exactly as a torch optimizer does writes ``apply`` instead, returning the new parameter
    (the same contract otherwise); the other of the two then follows from the one written.
    A hyperparameter reaches either as a number, or (the benchmark's stacked balls) as a tensor
    of one value per row of ``param``: write the maths so that both work.

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
        self, grad: torch.Tensor, state: dict[str, Any], param: torch.Tensor, **hyper: Any
    ) -> torch.Tensor:
        """The step; a rule that writes only ``apply`` gets ``apply(...) − param`` here."""
        if type(self).apply is UpdateRule.apply:
            raise NotImplementedError(f"{rule_label(self)} writes neither update() nor apply()")
        return self.apply(grad, state, param, **hyper) - param

    def apply(
        self, grad: torch.Tensor, state: dict[str, Any], param: torch.Tensor, **hyper: Any
    ) -> torch.Tensor:
        """The parameter after the step: ``param + update(...)`` unless a rule writes its own."""
        return param + self.update(grad, state, param, **hyper)

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


def _run_rule(
    rule: UpdateRule,
    grad: torch.Tensor,
    state: dict[str, Any],
    param: torch.Tensor,
    hyper: Mapping[str, Any],
) -> tuple[torch.Tensor, bool]:
    """What the rule wrote, checked: (the new parameter, True) from ``apply``, (the step, False)
    from ``update``, in ``param``'s dtype."""
    p_version, g_version = param._version, grad._version
    # what the rule wrote, named in its own words: the step (update) or the new parameter (apply)
    writes_apply = type(rule).apply is not UpdateRule.apply
    method, what = ("apply()", "the new parameter") if writes_apply else ("update()", "the step")
    if writes_apply:
        out = rule.apply(grad, state, param, **hyper)
    else:  # the step itself is checked: a Python float would otherwise be added to every weight
        out = rule.update(grad, state, param, **hyper)
    who = rule_label(rule)
    if param._version != p_version:
        raise RuleError(
            f"{who} changed param in place; {method} must return {what} and leave param alone"
        )
    if grad._version != g_version:
        raise RuleError(f"{who} changed grad in place; {method} must leave grad alone")
    if not isinstance(out, torch.Tensor):
        raise RuleError(
            f"{who} returned {type(out).__name__}; {method} must return a tensor shaped like the "
            f"parameter {tuple(param.shape)}"
        )
    if out.shape != param.shape:
        raise RuleError(
            f"{who} returned shape {tuple(out.shape)}; {method} must return a tensor shaped like "
            f"the parameter {tuple(param.shape)}"
        )
    if out.is_complex():
        raise RuleError(f"{who} returned complex numbers; {method} must return real numbers")
    return (out if out.dtype == param.dtype else out.to(param.dtype)), writes_apply


def apply_rule(
    rule: UpdateRule,
    grad: torch.Tensor,
    state: dict[str, Any],
    param: torch.Tensor,
    hyper: Mapping[str, Any],
) -> torch.Tensor:
    """The parameter after ``rule`` steps from ``param`` with ``grad`` (``param`` is left alone),
    checked: the one step path of the race, the network and the benchmark."""
    out, is_param = _run_rule(rule, grad, state, param, hyper)
    return out if is_param else param + out


def apply_update(
    rule: UpdateRule,
    grad: torch.Tensor,
    state: dict[str, Any],
    param: torch.Tensor,
    hyper: Mapping[str, Any],
) -> torch.Tensor:
    """The step ``rule`` takes (``apply_rule``'s parameter minus ``param``), for a caller that
    shows steps. Adding it back to ``param`` rounds again: to move, use ``apply_rule``."""
    out, is_param = _run_rule(rule, grad, state, param, hyper)
    return out - param if is_param else out


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
        # the first step's longer budget is for the first step: a rule that keeps no state (SGD)
        # leaves ``self.state[p]`` empty, which made every step a first one (10 s, not 1 s)
        self._stepped = False

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
                first = not (state or self._stepped)
                with budget(first=first):  # a rule that sleeps or loops: OverBudget, said
                    if not state:
                        state.update(self.rule.init(p))
                    p.copy_(apply_rule(self.rule, p.grad, state, p, hyper))
        self._stepped = True
        return loss


def rule_optimizer_class(rule: type[UpdateRule]) -> type[RuleOptimizer]:
    """A ``torch.optim.Optimizer`` class for ``rule``: ``cls(params, lr=...)`` like torch's own."""
    return type(f"{rule.__name__}Optimizer", (RuleOptimizer,), {"rule_class": rule})
