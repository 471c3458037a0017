"""The shape of a student's optimizer (``UpdateRule``) and the torch optimizer that runs it.

A rule is only the per-tensor maths: ``init`` makes the state for one parameter tensor and
``update`` returns the step to add to it. ``RuleOptimizer`` owns torch's bookkeeping (param
groups, state, ``no_grad``, closures, ``state_dict``), so the same rule moves a 2-element ball on
a loss surface and every weight of a real network, and works with ``torch.optim.lr_scheduler``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import torch

from explorer.specs import Hyper


class UpdateRule:
    """Subclass this: set ``name`` and ``hyper``, write ``init`` and ``update``.

    ``update(grad, state, param, **hyper)`` must not change ``grad`` or ``param``; it may replace
    entries of ``state`` and returns the step (a tensor shaped like ``param``). State tensors shaped
    like the parameter are drawn as arrows or glyphs in the landscape; Python numbers as labels.
    """

    name: ClassVar[str] = ""
    hyper: ClassVar[dict[str, Hyper]] = {}

    def init(self, param: torch.Tensor) -> dict[str, Any]:
        return {}

    def update(
        self, grad: torch.Tensor, state: dict[str, Any], param: torch.Tensor, **hyper: float
    ) -> torch.Tensor:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> str:
        return (cls.__doc__ or "").strip()


class RuleOptimizer(torch.optim.Optimizer):
    """A real ``torch.optim.Optimizer`` driven by an ``UpdateRule``.

    ``RuleOptimizer(model.parameters(), Adam, lr=1e-3)``: unknown hyperparameter names are refused
    with the list of valid ones; missing ones take the rule's defaults.
    """

    def __init__(self, params: Any, rule: type[UpdateRule] | UpdateRule, **hyper: float) -> None:
        self.rule = rule() if isinstance(rule, type) else rule
        unknown = set(hyper) - set(self.rule.hyper)
        if unknown:
            valid = ", ".join(sorted(self.rule.hyper)) or "none"
            raise ValueError(
                f"{self.rule.name or type(self.rule).__name__} has no hyperparameter "
                f"{', '.join(sorted(unknown))}; valid: {valid}"
            )
        defaults = {k: h.default for k, h in self.rule.hyper.items()} | hyper
        super().__init__(params, defaults)

    @torch.no_grad()
    def step(self, closure: Callable[[], torch.Tensor] | None = None) -> torch.Tensor | None:
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
                if not state:
                    state.update(self.rule.init(p))
                p.add_(self.rule.update(p.grad, state, p, **hyper))
        return loss
