"""The benchmark's nets as the Network lab builds them, so the Scoreboard can hand a net task to
the lab ("Train in the lab"): the same dataset, layers, widths, activation, torch's own
initialization and batch size as ``tasks.NETS``. The lab's fully connected nets hold every MLP of
the benchmark; the small CNN has no such net (the lab has no convolutions) and is refused with
the reason, not replaced by a look-alike.

What the lab does not take from the benchmark, it says: its own split of the data (a validation
set beside the test set) and the dataset's own size and noise, so the lab's accuracy at a given
step need not match the table's. ``tests/test_scoreboard_lab.py`` builds each net both ways and
compares every layer's shape.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from explorer.plugins import Registry


@dataclass(frozen=True)
class LabNet:
    """A Network-lab setup's values for one of the benchmark's nets (``tasks.NETS``)."""

    dataset: str
    depth: int  # hidden layers
    width: int
    activation: str
    batch_size: int


LAB_NETS: dict[str, LabNet] = {
    "moons_mlp": LabNet("moons", 2, 32, "relu", 32),
    "digits_mlp": LabNet("digits", 1, 32, "relu", 64),
    "deep_sigmoid": LabNet("circle", 7, 16, "sigmoid", 32),
}
NOT_IN_LAB = {"digits_cnn": "cnn"}  # why a net is not in the lab: a catalogue key's last word

LAB_SPLIT = 0.2  # the lab's validation and test fractions (TrainConfig's defaults)


def lab_epochs(net: LabNet, steps: int, registry: Registry) -> int:
    """Epochs of the lab that take at least ``steps`` mini-batches (the task's step budget) on
    the lab's training split of the dataset at its own size."""
    n = registry.dataset(net.dataset).default_n
    train = n - 2 * round(n * LAB_SPLIT)
    per_epoch = max(1, math.ceil(max(train, 1) / net.batch_size))
    return max(1, math.ceil(steps / per_epoch))


def lab_values(net: LabNet, steps: int, registry: Registry) -> dict[str, Any]:
    """The setup values that build ``net`` in the lab with nothing else switched on (no batch
    norm, dropout, penalties, early stopping or schedule): a setup file's keys."""
    from explorer.knob_text import Spec

    return {
        "dataset": net.dataset,
        "data": None,
        "depth": net.depth,
        "width": net.width,
        "activation": net.activation,
        "init": "torch",  # torch.nn.Linear's own, as the benchmark's nets start
        "batch_size": net.batch_size,
        "batch_norm": False,
        "residual": False,
        "dropout": 0.0,
        "input_dropout": 0.0,
        "l1": 0.0,
        "l2": 0.0,
        "patience": None,
        "loss": "ce",  # the benchmark trains with cross-entropy
        "normalize": "auto",
        "schedule": Spec("constant"),
        "epochs": lab_epochs(net, steps, registry),
        "seed": 0,
    }
