"""What a lesson may name in each scene, and the built-in lessons.

``scene_facts(registry, scenes)`` builds one ``SceneFacts`` per scene from the table of scenes the
caller passes (the app's ``explorer.app.scene_table.scenes()``; lessons import nothing of the
app): each row's setup class (its keys), its live numbers, the parts it can outline (which the
scenes' ``highlight_rects()`` draw) and what ``limit`` counts. A scene whose live numbers are not
known gets ``numbers=None``: its captions and conditions are not checked against a list.

Built-in lessons live in ``assets/lessons/*.toml`` (the package ``explorer.assets``), read with
importlib.resources; a teacher's own file is named by its path.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from explorer.lessons.lesson_file import Lesson, LessonError, SceneFacts, lesson_name, read_lesson
from explorer.lessons.scenes import LessonScene

if TYPE_CHECKING:
    from explorer.plugins import Registry


@dataclass(frozen=True)
class SceneInfo:
    """One scene as lessons see it: its setup class, live numbers (None: not known)."""

    name: str
    setup_class: type | None
    numbers: frozenset[str] | None


def scene_info(registry: Registry, scenes: Iterable[LessonScene]) -> dict[str, SceneInfo]:
    """Per scene of ``scenes`` (in their order): its setup class and live numbers."""
    out = {}
    for row in scenes:
        numbers = row.numbers(registry)
        out[row.name] = SceneInfo(
            row.name, row.setup_class(), frozenset(numbers) if numbers is not None else None
        )
    return out


def scene_facts(registry: Registry, scenes: Iterable[LessonScene]) -> dict[str, SceneFacts]:
    """``SceneFacts`` per scene, for ``read_lesson``."""
    from explorer.setups import knobs

    rows = list(scenes)
    infos = scene_info(registry, rows)
    return {
        row.name: SceneFacts(
            frozenset(knobs(infos[row.name].setup_class))
            if infos[row.name].setup_class is not None
            else frozenset(),
            infos[row.name].numbers,
            frozenset(row.highlights),
            row.unit,
            frozenset(row.step_keys),
        )
        for row in rows
    }


def builtin_paths() -> list[Path]:
    """The built-in lesson files, in file-name order (their number is the lecture's order)."""
    folder = resources.files("explorer.assets").joinpath("lessons")
    return sorted(
        (Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")), key=lambda p: p.name
    )


def builtin_names() -> list[str]:
    return [lesson_name(p) for p in builtin_paths()]


def find(name_or_path: str) -> Path:
    """A built-in lesson by name (``vanishing-gradients``) or a lesson file by path."""
    text = str(name_or_path)
    for path in builtin_paths():
        if text in (lesson_name(path), path.stem, path.name):
            return path
    path = Path(text).expanduser()
    if path.suffix == ".toml" or path.exists():
        return path
    names = builtin_names()
    import difflib

    close = difflib.get_close_matches(text, names, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise LessonError(
        f"{text!r} is not a built-in lesson{hint} or a lesson file; the lessons are "
        f"{', '.join(names)}."
    )


def load(name_or_path: str, registry: Registry, scenes: Iterable[LessonScene]) -> Lesson:
    """Read and check one lesson (a built-in name or a file path) against ``scenes``."""
    return read_lesson(find(name_or_path), scene_facts(registry, scenes))


def builtin_lessons(registry: Registry, scenes: Iterable[LessonScene]) -> list[Lesson]:
    facts = scene_facts(registry, scenes)
    lessons = [read_lesson(p, facts) for p in builtin_paths()]
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.name))
