"""Every hook a plugin may implement: the plugin author's contract.

Each hook receives ``register``, a callback; call it once per thing the plugin adds. A plugin is a
module (or object) with functions decorated by ``explorer.hookimpl`` and named exactly as below.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pluggy

if TYPE_CHECKING:
    from explorer.specs import (
        ActivationSpec,
        DatasetSpec,
        ScheduleSpec,
        SurfaceFamily,
        SurfaceSpec,
    )

PROJECT = "dl_explorer"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def register_optimizers(register: Callable[..., None]) -> None:
    """Add optimizers.

    ``register(rule_class)`` for an ``explorer.UpdateRule`` subclass (its ``name``, ``hyper``,
    ``arrows``, ``accumulators``, ``suggested_lr`` and ``lr_scale`` are read from the class), or
    ``register(torch_optimizer_class, name="adamax", hyper={"lr": Hyper(...), "betas":
    {"beta1": Hyper(...), "beta2": Hyper(...)}}, doc="...", arrows={"exp_avg": "m"},
    accumulators={"exp_inf": "u"}, suggested_lr={"rosenbrock": 0.02}, lr_scale="domain")`` for
    any existing ``torch.optim.Optimizer`` class (a tuple argument such as ``betas`` becomes one
    knob per entry). A ``Hyper``'s range is the slider's hint; its ``allowed`` interval is the
    law: values outside it are refused with one sentence, values inside run as given. Only the
    registered names are accepted, even when the class takes ``**kwargs``.
    """


@hookspec
def register_surfaces(register: Callable[[SurfaceSpec | SurfaceFamily], None]) -> None:
    """Add 2D loss surfaces: ``register(SurfaceSpec(...))`` (or a ``SurfaceFamily(...)``)."""


@hookspec
def register_activations(register: Callable[[ActivationSpec], None]) -> None:
    """Add activation functions: ``register(ActivationSpec(...))``."""


@hookspec
def register_schedules(register: Callable[[ScheduleSpec], None]) -> None:
    """Add learning-rate schedules: ``register(ScheduleSpec(...))``."""


@hookspec
def register_datasets(register: Callable[[DatasetSpec], None]) -> None:
    """Add datasets: ``register(DatasetSpec(...))``."""
