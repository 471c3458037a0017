"""The setup each run of a lesson starts from: a scene's defaults, every earlier step's overrides
for that scene, the step's own, typed and checked before anything plays."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from explorer.lessons.lesson_file import Lesson, LessonError


def typed_setups(
    lesson: Lesson, setup_class: Callable[[str], type | None], registry: Any
) -> dict[int, Any]:
    """For each step that starts a run: the whole setup it applies (the scene's defaults, every
    earlier step's overrides for that scene, its own), typed and checked. A mistake is one
    LessonError naming the file, the step and the key."""
    from explorer import setups
    from explorer.setups import SetupError

    out: dict[int, Any] = {}
    so_far: dict[str, dict[str, Any]] = {}
    where = lesson.path.name
    for k, step in enumerate(lesson.steps):
        cls = setup_class(step.scene)
        if cls is None:
            if step.setup:
                raise LessonError(
                    f"{where}: step {k + 1}: the {step.scene} scene has no settings to set yet."
                )
            out[k] = None
            continue
        ks = setups.knobs(cls)
        typed = {}
        for key, value in step.setup.items():
            try:
                typed[key] = setups.from_toml(ks[key], value, ks)
            except SetupError as exc:
                raise LessonError(f"{where}: step {k + 1}: setup.{exc.message}") from None
        typed = setups.resolve_files(cls, typed, lesson.path.parent)  # data = "x.csv" beside it
        mine = so_far.setdefault(step.scene, {})
        mine.update(typed)
        try:
            whole = setups.merge(cls(), mine)
            setups.check(whole, registry)
        except (SetupError, ValueError, LookupError) as exc:
            message = getattr(exc, "message", str(exc))
            raise LessonError(
                f"{where}: step {k + 1}: setup: {message}".rstrip(".") + "."
            ) from None
        out[k] = whole
    return out
