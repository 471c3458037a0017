"""THE table of scenes: one ``SceneSpec`` row per scene, in tab order. The shell's tabs, the help's
key range, ``render --scene``, ``bench frames --scene``, the command line's help, the presenter,
the lesson catalogue and player and the setup files all read it; nothing else names a scene.

Each scene package declares its own row in its ``__init__.py`` (``SCENE = SceneSpec(...)``), so a
new scene is one package, its row and its catalogue keys, and no other file changes. The table
*discovers* the packages under ``explorer/app/scenes/`` rather than listing them here: a list
would be an eleventh place to name a scene, and a scene forgotten in it would be a package on
disk that silently never shows. The tab order is the order of the function keys (F2 first), so
discovery needs no order of its own. ``register(spec)`` adds a scene whose package lives
elsewhere (a plugin's, a test's throwaway one).

A row holds no scene code: its factories import their modules when called, so reading the table
(the command line's ``--scene`` choices, ``lesson check``) imports neither pygame nor torch, and
the app's first frame does not wait for them.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the table is read before pygame and torch are imported
    from explorer.app.ui.scene import Scene, SceneModel
    from explorer.plugins import Registry

#: function keys a scene may take: F1 opens the help and F11 goes full screen in every scene
_SCENE_KEY = re.compile(r"F([2-9]|10|12)")


@dataclass(frozen=True)
class SceneSpec:
    """One scene of the app, as everything outside its package knows it.

    ``model(registry, backend)`` builds its pygame-free ``SceneModel`` (``backend``: "process" in
    the app, "thread" headless); ``scene(model, size)`` the screen that draws it. ``setup()`` is
    the dataclass of everything a user can set (None: nothing yet); ``numbers(registry)`` the live
    numbers a lesson's captions and conditions may read (None: not known, not checked);
    ``driver()`` the class a lesson drives the model with (None: a lesson shows the scene as it
    is). ``lesson_model(registry)`` is the model a lesson played without a window runs on
    (default: ``model(registry, "thread")``). ``render(registry, values, source, out, frames,
    steps_per_frame, size, fps, scale)`` is how ``render --scene`` plays it from a setup (None:
    its background work done, then the frames as the app draws them). ``catalogues``: a folder
    of extra string catalogues (``dl-explorer.<lang>.json``) for a scene whose package is not
    this project's."""

    name: str  # on the command line, in setups and lessons
    label_key: str  # its tab's label in the string catalogue (assets/i18n)
    key: str  # the function key that shows it ("F2"); the tabs are in key order
    model: Callable[[Registry, str], SceneModel]
    scene: Callable[[SceneModel, tuple[int, int]], Scene]
    setup: Callable[[], type | None] = lambda: None
    numbers: Callable[[Registry], frozenset[str] | None] = lambda registry: None
    driver: Callable[[], type | None] = lambda: None
    highlights: frozenset[str] = frozenset()  # the parts a lesson step may outline
    unit: str = "steps"  # what a lesson step's ``limit`` counts
    step_keys: frozenset[str] = frozenset()  # lesson step keys its driver answers (inspect, ...)
    lesson_model: Callable[[Registry], SceneModel] | None = None
    render: Callable[..., tuple[int, str]] | None = None
    catalogues: str | None = None
    # the scene built a piece at a time (a generator that returns what ``scene`` would): a
    # lesson builds its next scene so, a piece a frame, while the step before is on screen
    pieces: Callable[[SceneModel, tuple[int, int]], Generator[None, None, Scene]] | None = None

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[a-z][a-z0-9_-]*", self.name):
            raise ValueError(f"scene name {self.name!r}: use lower-case letters, digits, - and _")
        if not _SCENE_KEY.fullmatch(self.key):
            raise ValueError(
                f"the {self.name} scene's key {self.key!r}: use one of F2–F10 or F12 "
                "(F1 is the help and F11 full screen in every scene)"
            )

    @property
    def key_number(self) -> int:
        return int(self.key[1:])

    @property
    def label(self) -> str:
        """Its tab, in the current language."""
        from explorer.app.ui import i18n

        return i18n.t(self.label_key)

    def build(self, registry: Registry, size: tuple[int, int], backend: str = "process") -> Scene:
        """The scene on a new model (the tabs call this the first time the scene is shown)."""
        model = self.model(registry, backend)
        try:
            return self.scene(model, size)
        except BaseException:
            close = getattr(model, "close", None)
            if close is not None:
                close()  # no worker outlives a scene that could not start
            raise

    def build_pieces(
        self, registry: Registry, size: tuple[int, int], backend: str = "process"
    ) -> Generator[None, None, Scene]:
        """``build``, a piece at a time (in one piece where the row has no ``pieces``)."""
        model = self.model(registry, backend)
        try:
            yield
            if self.pieces is None:
                return self.scene(model, size)
            return (yield from self.pieces(model, size))
        except BaseException:
            close = getattr(model, "close", None)
            if close is not None:
                close()  # no worker outlives a scene that could not start (or was let go)
            raise

    # -- what lessons read (explorer.lessons.scenes.LessonScene) -------------------------------
    def setup_class(self) -> type | None:
        return self.setup()

    def driver_class(self) -> type | None:
        return self.driver()

    def headless_model(self, registry: Registry) -> SceneModel:
        if self.lesson_model is not None:
            return self.lesson_model(registry)
        return self.model(registry, "thread")


_found: tuple[SceneSpec, ...] | None = None
_registered: dict[str, SceneSpec] = {}


def _discover() -> tuple[SceneSpec, ...]:
    global _found
    if _found is None:
        import explorer.app.scenes as pkg

        rows = []
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.ispkg:
                continue
            module = importlib.import_module(f"{pkg.__name__}.{info.name}")
            spec = getattr(module, "SCENE", None)
            if not isinstance(spec, SceneSpec):
                raise TypeError(
                    f"explorer/app/scenes/{info.name}/__init__.py declares no SCENE = SceneSpec(...)"
                )
            rows.append(spec)
        _found = _checked(rows)
    return _found


def _checked(rows: list[SceneSpec]) -> tuple[SceneSpec, ...]:
    """``rows`` in tab order; two scenes with one name or one key are one sentence."""
    for attr in ("name", "key"):
        seen: dict[Any, str] = {}
        for spec in rows:
            value = getattr(spec, attr)
            if value in seen:
                raise ValueError(
                    f"the {seen[value]} and {spec.name} scenes both have the {attr} {value!r}"
                )
            seen[value] = spec.name
    return tuple(sorted(rows, key=lambda s: s.key_number))


def scenes() -> tuple[SceneSpec, ...]:
    """Every scene, in tab order: the packages under explorer/app/scenes and those registered."""
    if not _registered:
        return _discover()
    return _checked([*_discover(), *_registered.values()])


def builtin() -> tuple[SceneSpec, ...]:
    """The scenes of this project's own packages (no registered ones), in tab order."""
    return _discover()


def names() -> tuple[str, ...]:
    return tuple(s.name for s in scenes())


def spec(name: str) -> SceneSpec | None:
    """The row of scene ``name`` (None: there is no such scene)."""
    return next((s for s in scenes() if s.name == name), None)


def register(spec: SceneSpec) -> None:
    """Add a scene whose package lives outside explorer/app/scenes (a plugin's, a test's). Its
    name and key must be new; its ``catalogues`` folder, if any, is read from now on."""
    _checked([*scenes(), spec])
    if spec.catalogues is not None:
        from explorer.app.ui import i18n

        i18n.add_catalogues(spec.catalogues)
    _registered[spec.name] = spec


def unregister(name: str) -> None:
    """Take a registered scene out of the table again (the built-in ones stay)."""
    spec = _registered.pop(name, None)
    if spec is not None and spec.catalogues is not None:
        from explorer.app.ui import i18n

        i18n.remove_catalogues(spec.catalogues)
