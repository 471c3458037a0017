"""Using schedule plugins: attach one to a torch optimizer, or sample its curve for drawing."""

from __future__ import annotations

import warnings

import numpy as np
import torch

from explorer.specs import ScheduleSpec


def make_scheduler(
    spec: ScheduleSpec, optimizer: torch.optim.Optimizer, total_steps: int, /, **hyper: float
) -> torch.optim.lr_scheduler.LRScheduler:
    """The torch scheduler for ``spec`` on ``optimizer``; an unknown hyperparameter or a value the
    maths forbids (``every=0``) is refused with one sentence; others run as given."""
    values = spec.values(hyper)
    if int(total_steps) < 1:
        raise ValueError(f"schedule {spec.name!r} needs at least 1 step, got {total_steps}")
    return spec.factory(optimizer, int(total_steps), **values)


def lr_curve(spec: ScheduleSpec, lr: float, steps: int, /, **hyper: float) -> np.ndarray:
    """The learning rate at each of ``steps`` steps, as the real torch scheduler produces it.

    A scheduler reads and writes only the optimizer's param groups, so the dummy optimizer is
    never stepped (a quarter of the cost; the rates are the same bits as in a training loop that
    steps it, ``tests/test_schedule_curves.py``)."""
    dummy = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([dummy], lr=lr)
    sched = make_scheduler(spec, opt, steps, **hyper)
    out = np.empty(steps)
    group = opt.param_groups[0]
    with warnings.catch_warnings():
        # torch warns of a scheduler stepped before its optimizer; here that order is harmless.
        warnings.simplefilter("ignore", UserWarning)
        for i in range(steps):
            out[i] = group["lr"]
            sched.step()
    return out
