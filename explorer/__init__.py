"""DL Explorer: see why deep networks are hard to train, and what each classic tip does.

The public API a plugin needs is importable from here. The names are loaded on first use (PEP
562), so that importing a part of the package that needs no torch (the app's first frame, the
command line's help) does not wait for torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

_WHERE = {
    "hookimpl": "explorer.hookspecs",
    "RuleOptimizer": "explorer.optim",
    "UpdateRule": "explorer.optim",
    "ActivationSpec": "explorer.specs",
    "DatasetSpec": "explorer.specs",
    "Hyper": "explorer.specs",
    "OptimizerSpec": "explorer.specs",
    "ScheduleSpec": "explorer.specs",
    "SurfaceFamily": "explorer.specs",
    "SurfaceSpec": "explorer.specs",
    # the two surface families a surface plugin may build on: a formula, a real net's slice
    "surface_from_expression": "explorer.landscape.expression",
    "surface_from_net_spec": "explorer.landscape.net_surface",
    "NET_SURFACE_KEYS": "explorer.landscape.net_surface",
    "check_net_spec": "explorer.landscape.net_surface",
}

if TYPE_CHECKING:  # what type checkers and IDEs see
    from explorer.hookspecs import hookimpl
    from explorer.landscape.expression import surface_from_expression
    from explorer.landscape.net_surface import (
        NET_SURFACE_KEYS,
        check_net_spec,
        surface_from_net_spec,
    )
    from explorer.optim import RuleOptimizer, UpdateRule
    from explorer.specs import (
        ActivationSpec,
        DatasetSpec,
        Hyper,
        OptimizerSpec,
        ScheduleSpec,
        SurfaceFamily,
        SurfaceSpec,
    )

__all__ = [
    "ActivationSpec",
    "DatasetSpec",
    "Hyper",
    "NET_SURFACE_KEYS",
    "OptimizerSpec",
    "RuleOptimizer",
    "ScheduleSpec",
    "SurfaceFamily",
    "SurfaceSpec",
    "UpdateRule",
    "check_net_spec",
    "hookimpl",
    "surface_from_expression",
    "surface_from_net_spec",
]
__version__ = "0.1.0"


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(importlib.import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'explorer' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
