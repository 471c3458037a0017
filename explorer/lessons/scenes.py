"""The scenes as lessons see them: what the caller (the app, the ``lesson`` command) passes in.

Lessons import nothing of the app: the app's table of scenes (``explorer.app.scene_table``) is
handed to the catalogue and the player, whose rows have what a ``LessonScene`` has. So a lesson
file is read, checked and played below the app, and a new scene is playable in a lesson as soon
as its row names a driver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol


class LessonScene(Protocol):
    """One scene, as a lesson names, checks and drives it."""

    name: str  # ``scene = "..."`` in a lesson step
    highlights: frozenset[str]  # the parts a step may outline
    unit: str  # what a step's ``limit`` counts
    step_keys: frozenset[str]  # the step keys only it answers: "inspect", "hessian"
    numbers: Callable[[Any], frozenset[str] | None]  # (registry) → live numbers; None: unknown

    def setup_class(self) -> type | None:
        """The dataclass of the scene's setup (None: nothing to set)."""
        ...

    def driver_class(self) -> type | None:
        """The ``Driver`` subclass a lesson drives the scene with (None: shown, not played)."""
        ...

    def headless_model(self, registry: Any) -> Any:
        """A fresh model for a lesson played without a window."""
        ...


def by_name(scenes: Iterable[LessonScene]) -> Mapping[str, LessonScene]:
    """The scenes by name, in the order given (the app's tab order)."""
    return {s.name: s for s in scenes}
