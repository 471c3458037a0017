"""What one scene hands another when it opens it (``App.open_scene``), as plain data: scenes
never import each other, so the two meet here."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SliceHandoff:
    """A surface through a net that is training somewhere else (``net:DATASET?run=ID``) and its
    training path on that surface: ``follow()`` gives the newest (T, 2) path, or None once the
    run has moved on (restarted, other settings)."""

    surface: str
    follow: Callable[[], np.ndarray | None]


@dataclass(frozen=True)
class SetupHandoff:
    """Settings for the scene opened (typed setup values, as ``--set`` or a setup file gives
    them), applied over its current setup all or nothing, the way a setup file's are; ``source``
    names who sent them in a refusal (the Scoreboard races a task's tuned optimizers on the
    Landscape with one); ``note``, when given, is said in the tab strip once they are applied
    (which of the Scoreboard's optimizers the lab shows as A and B)."""

    values: Mapping[str, Any]
    source: str
    note: str = ""
