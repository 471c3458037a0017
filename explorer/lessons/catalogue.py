"""What a lesson may name in each scene, and the built-in lessons.

``scene_facts(registry)`` builds one ``SceneFacts`` per scene of the app from the scene's setup
class (its keys), its model's ``readout_names`` (the live numbers) and the parts the scene can
outline (``HIGHLIGHTS``, which the scenes' ``highlight_rects()`` draw). A scene whose model has
no live numbers yet gets ``numbers=None``: its captions and conditions are not checked against a
list, and the player names the scene when a step needs one of its numbers.

Built-in lessons live in ``assets/lessons/*.toml`` (the package ``explorer.assets``), read with
importlib.resources; a teacher's own file is named by its path.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from explorer.lessons.lesson_file import Lesson, LessonError, SceneFacts, lesson_name, read_lesson

if TYPE_CHECKING:
    from explorer.plugins import Registry

# The parts of each scene a step may outline (``highlight = ["curves"]``; ``ball:NAME`` names one
# ball of the Landscape). The scenes' ``highlight_rects()`` return these keys.
HIGHLIGHTS: dict[str, frozenset[str]] = {
    "landscape": frozenset({"map", "numbers", "chart", "ball", "inspector", "schedule"}),
    "network": frozenset({"network", "gradient_bars", "curves", "function"}),
    "activations": frozenset({"curves", "thinner", "maxout"}),
    "dropout": frozenset({"thinned", "scaling", "ensemble"}),
}
# What ``limit`` counts in each scene (the player advances in these).
UNITS = {"network": "epochs"}


@dataclass(frozen=True)
class SceneInfo:
    """One scene as lessons see it: its setup class, live numbers (None: not known yet)."""

    name: str
    setup_class: type | None
    numbers: frozenset[str] | None
    model_module: object | None


def scene_names() -> tuple[str, ...]:
    """The scenes of the app, in tab order (the shell's table; read without importing pygame:
    one package per scene under explorer/app/scenes)."""
    import explorer.app.scenes as pkg

    found = [m.name for m in pkgutil.iter_modules(pkg.__path__) if m.ispkg]
    order = ("landscape", "network", "activations", "dropout")
    return tuple(sorted(found, key=lambda n: (order.index(n) if n in order else 99, n)))


def _model_module(scene: str) -> ModuleType | None:
    name = f"explorer.app.scenes.{scene}.model"
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name in (name, f"explorer.app.scenes.{scene}"):
            return None
        raise


def _numbers(module: ModuleType | None, registry: Registry) -> frozenset[str] | None:
    """The model module's ``readout_names`` (a function, or a static method of a class in it)."""
    if module is None:
        return None
    fn = getattr(module, "readout_names", None)
    if fn is None:
        for obj in vars(module).values():
            if isinstance(obj, type) and obj.__module__ == module.__name__:
                fn = getattr(obj, "readout_names", None)
                if fn is not None:
                    break
    if fn is None:
        return None
    takes_registry = bool(inspect.signature(fn).parameters)
    return frozenset(fn(registry) if takes_registry else fn())


def scene_info(registry: Registry) -> dict[str, SceneInfo]:
    from explorer.app.setup_files import setup_class

    out = {}
    for name in scene_names():
        module = _model_module(name)
        cls = setup_class(name) if module is not None else None
        out[name] = SceneInfo(name, cls, _numbers(module, registry), module)
    return out


def scene_facts(
    registry: Registry, infos: Mapping[str, SceneInfo] | None = None
) -> dict[str, SceneFacts]:
    """``SceneFacts`` per scene, for ``read_lesson``."""
    from explorer.setups import knobs

    infos = infos if infos is not None else scene_info(registry)
    return {
        name: SceneFacts(
            frozenset(knobs(info.setup_class)) if info.setup_class is not None else frozenset(),
            info.numbers,
            HIGHLIGHTS.get(name, frozenset()),
            UNITS.get(name, "steps"),
        )
        for name, info in infos.items()
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


def load(name_or_path: str, registry: Registry) -> Lesson:
    """Read and check one lesson (a built-in name or a file path)."""
    return read_lesson(find(name_or_path), scene_facts(registry))


def builtin_lessons(registry: Registry) -> list[Lesson]:
    facts = scene_facts(registry)
    lessons = [read_lesson(p, facts) for p in builtin_paths()]
    return sorted(lessons, key=lambda lesson: (lesson.order, lesson.name))
