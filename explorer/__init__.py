"""DL Explorer: see why deep networks are hard to train, and what each classic tip does.

The public API a plugin needs is importable from here.
"""

from explorer.hookspecs import hookimpl
from explorer.optim import RuleOptimizer, UpdateRule
from explorer.specs import (
    ActivationSpec,
    DatasetSpec,
    Hyper,
    OptimizerSpec,
    ScheduleSpec,
    SurfaceSpec,
)

__all__ = [
    "ActivationSpec",
    "DatasetSpec",
    "Hyper",
    "OptimizerSpec",
    "RuleOptimizer",
    "ScheduleSpec",
    "SurfaceSpec",
    "UpdateRule",
    "hookimpl",
]
__version__ = "0.1.0"
