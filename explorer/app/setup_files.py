"""Setup files and the running app: which setup a scene has, opening a file into the app (switching
scene if it names another), saving the current scene's setup.

A scene's setup class is the one its row in the table of scenes names (``SceneSpec.setup``; see
explorer.setups), applied through its model's ``setup()`` / ``apply(setup)``; a scene without one
is named in a sentence, never a crash.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from explorer import setups
from explorer.app import scene_table
from explorer.setups import SetupError


def setup_class(scene: str) -> type | None:
    """The setup dataclass of ``scene`` (None: the scene has none, or there is no such scene)."""
    row = scene_table.spec(scene)
    return row.setup_class() if row is not None else None


def setup_classes(scenes: Iterable[str] | None = None) -> dict[str, type | None]:
    """name → setup class, for every scene of the table (or ``scenes``)."""
    names = scene_table.names() if scenes is None else scenes
    return {name: setup_class(name) for name in names}


def read(path: Path | str) -> tuple[str, dict[str, Any]]:
    """(scene, typed values) of a setup file: SetupError naming the file for anything wrong."""
    return setups.read(path, setup_classes())


def language(path: Path | str) -> str | None:
    """The UI language a setup file was saved in (None: it names none)."""
    return setups.read_with_language(path, setup_classes())[2]


def check(scene: str, values: Mapping[str, Any], registry: Any, source: str) -> None:
    """What can be checked before a scene exists (types, ranges, registered names): mistakes are
    found before a window opens."""
    cls = setup_class(scene)
    if cls is None:
        if values:
            raise SetupError(f"the {scene} scene has no settings to set yet").at(source)
        return
    try:
        base = cls()
    except TypeError:  # a field without a default: the model's apply checks everything
        return
    try:
        setups.check(setups.merge(base, values), registry)
    except SetupError as exc:
        raise exc.at(source) from None


def overrides(scene: str, assignments: Iterable[str]) -> dict[str, Any]:
    """``--set KEY=VALUE`` texts for ``scene``, typed (SetupError with "did you mean")."""
    assignments = list(assignments)
    cls = setup_class(scene)
    if cls is None:
        if assignments:
            raise SetupError(f"the {scene} scene has no settings to set yet").at("--set")
        return {}
    return setups.overrides_from_text(cls, assignments, scene)


def apply_to_scene(scene, values: Mapping[str, Any], source: str, size=None) -> None:
    """Apply ``values`` over the scene's current setup (all or nothing), then rebuild its widgets
    from the model (``resize`` to its own size)."""
    if scene.setup() is None:
        if values:
            raise SetupError("this scene has no settings to set yet").at(source)
        return
    setups.apply(scene, values, source)  # the Scene contract: setup() / apply() of its model
    if size is not None:
        scene.resize(size)


def open_in(tabs, path: Path | str, extra: Mapping[str, Any] | None = None) -> str:
    """Open a setup file in the app under ``tabs``: its scene is shown and the setup applied. A
    mistake leaves the app as it was (the scene shown before, its state untouched)."""
    scene, values, lang = setups.read_with_language(path, setup_classes())
    values = {**values, **(extra or {})}
    previous = tabs.current
    if not tabs.show(scene):
        raise SetupError(tabs.error or f"the {scene} scene could not start").at(str(path))
    try:
        apply_to_scene(tabs.scene(), values, str(path), tabs.size)
    except Exception:
        if previous and previous != scene:
            tabs.show(previous)
        raise
    app = getattr(tabs, "app", None)
    if lang is not None and app is not None and hasattr(app, "set_language"):
        app.set_language(lang)  # as it was saved: the same screen, in the same language
    return f"opened {path}"


def save_current(tabs, folder: Path | None = None) -> Path:
    """Write the current scene's setup to ``folder/SCENE-TIME.toml`` (atomically)."""
    scene = tabs.scene()
    setup = scene.setup() if scene is not None else None
    if setup is None:
        labels = {e.name: e.label for e in tabs.entries}
        raise SetupError(
            f"the {labels.get(tabs.current, tabs.current)} scene has nothing to save yet"
        )
    from explorer.app.ui.i18n import language as ui_language

    path = setups.new_path(tabs.current, folder)
    return setups.write(path, tabs.current, setup, lang=ui_language())
