"""What one scene hands another when it opens it (``App.open_scene``), as plain data: scenes
never import each other, so the two meet here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SliceHandoff:
    """A surface through a net that is training somewhere else (``net:DATASET?run=ID``) and its
    training path on that surface: ``follow()`` gives the newest (T, 2) path, or None once the
    run has moved on (restarted, other settings)."""

    surface: str
    follow: Callable[[], np.ndarray | None]
