"""The house's rules, checked: scene packages never import each other; the maths (landscape/,
training/) and the built-in plugins never import pygame; ``draw()`` changes no state in any scene."""

import ast
import dataclasses
import hashlib
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pygame
import pytest
import torch

from explorer.app.harness import Driver
from explorer.app.shell import SCENES, scene_factories

ROOT = Path(__file__).resolve().parents[1]
SCENES_DIR = ROOT / "explorer" / "app" / "scenes"
PYGAME_FREE = {
    "explorer.landscape": ROOT / "explorer" / "landscape",
    "explorer.training": ROOT / "explorer" / "training",
    "explorer_plugins": ROOT / "plugins",
}


def imports_of(path: Path, package: str) -> set[str]:
    """Every module ``path`` imports (relative imports resolved against ``package``)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            out.add(module)
            out.update(f"{module}.{a.name}" for a in node.names)
    return out


def scene_packages() -> list[str]:
    return sorted(p.name for p in SCENES_DIR.iterdir() if (p / "__init__.py").exists())


def test_the_scene_packages_are_the_shells_scenes():
    assert set(scene_packages()) == {e.name for e in SCENES}


@pytest.mark.parametrize("name", scene_packages())
def test_no_scene_package_imports_another(name):
    others = [n for n in scene_packages() if n != name]
    for path in sorted((SCENES_DIR / name).rglob("*.py")):
        package = f"explorer.app.scenes.{name}"
        for module in imports_of(path, package):
            for other in others:
                prefix = f"explorer.app.scenes.{other}"
                assert not (module == prefix or module.startswith(prefix + ".")), (
                    f"{path.relative_to(ROOT)} imports {module}: scenes share through app/ui, "
                    "landscape/ or training/, never through each other"
                )


def test_the_import_check_sees_a_relative_import_of_a_sibling_scene(tmp_path):
    bad = tmp_path / "x.py"
    bad.write_text("from ..network.model import NetworkModel\nimport explorer.app.scenes.dropout\n")
    found = imports_of(bad, "explorer.app.scenes.landscape")
    assert "explorer.app.scenes.network.model" in found
    assert "explorer.app.scenes.dropout" in found


@pytest.mark.parametrize("package", sorted(PYGAME_FREE))
def test_the_maths_and_plugins_import_no_pygame_in_their_source(package):
    for path in sorted(PYGAME_FREE[package].rglob("*.py")):
        for module in imports_of(path, package):
            top = module.split(".")[0]
            assert top not in ("pygame", "pygame_gui"), f"{path.relative_to(ROOT)}: {module}"
            assert not module.startswith("explorer.app"), f"{path.relative_to(ROOT)}: {module}"


@pytest.mark.slow
def test_importing_the_maths_and_plugins_loads_no_pygame():
    """Every module of landscape/, training/ and the plugins, imported in a fresh interpreter."""
    modules = []
    for package, folder in PYGAME_FREE.items():
        for path in sorted(folder.rglob("*.py")):
            rel = path.relative_to(folder).with_suffix("")
            parts = [p for p in rel.parts if p != "__init__"]
            modules.append(".".join([package, *parts]))
    code = (
        "import importlib, sys\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pygame', 'pygame_gui')"
        " or m.startswith('explorer.app'))\n"
        "print('LOADED', bad)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "LOADED []" in done.stdout, done.stdout[-2000:]


# -- draw() changes nothing --------------------------------------------------------------------
SKIP = {
    "text",
    "manager",
    "controls",
    "registry",
    "app",
    "_threads",
    "_cond",
    "trainer",
    "trainers",
}


def fingerprint(obj, depth: int = 0, seen=None):
    """A comparable summary of ``obj``'s state: plain values, arrays and tensors by content,
    containers, dataclasses and objects by their fields (to a few levels), pictures by identity."""
    seen = {} if seen is None else seen  # id → object, kept alive so ids are not reused
    if obj is None or isinstance(obj, (bool, int, float, str, bytes)):
        return obj
    if isinstance(obj, np.ndarray):
        return ("array", obj.shape, hashlib.sha1(np.ascontiguousarray(obj).tobytes()).hexdigest())
    if isinstance(obj, torch.Tensor):
        return fingerprint(obj.detach().cpu().numpy(), depth, seen)
    if isinstance(obj, (pygame.Surface, pygame.Rect)) or callable(obj):
        return ("object", type(obj).__name__, id(obj))
    if isinstance(obj, (threading.Thread, type(threading.Lock()))):
        return ("thread", id(obj))
    if id(obj) in seen or depth > 5:
        return ("seen", type(obj).__name__, id(obj))
    seen[id(obj)] = obj

    def each(fields: dict):
        return {repr(k): fingerprint(v, depth + 1, seen) for k, v in fields.items()}

    if isinstance(obj, dict):
        return each(obj)
    if isinstance(obj, (list, tuple, set, frozenset)):
        items = sorted(obj, key=repr) if isinstance(obj, (set, frozenset)) else obj
        return (type(obj).__name__, [fingerprint(v, depth + 1, seen) for v in items])
    if dataclasses.is_dataclass(obj):
        return (
            type(obj).__name__,
            each({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}),
        )
    if hasattr(obj, "__dict__"):
        return (type(obj).__name__, each({k: v for k, v in vars(obj).items() if k not in SKIP}))
    return ("object", type(obj).__name__, id(obj))


def state_of(scene):
    setup = None
    try:
        setup = scene.setup()
    except Exception:  # noqa: BLE001 - a scene whose model has no setup() yet: its fields say it
        setup = None
    return fingerprint({"setup": setup, "model": scene.model, "scene": scene})


@pytest.fixture(scope="module")
def scenes(registry):
    factories = scene_factories(registry, backend="thread")
    built = {}
    for entry in SCENES:
        d = Driver(registry, scene=lambda reg, size, e=entry: factories[e.name](size))
        d.scene.wait_ready(60)
        d.tick(3)
        d.scene.wait_ready(60)
        built[entry.name] = d
    yield built
    for d in built.values():
        d.scene.close()


@pytest.mark.slow
@pytest.mark.parametrize("name", [e.name for e in SCENES])
def test_draw_changes_no_state_in_any_scene(scenes, name):
    d = scenes[name]
    scene = d.scene
    if getattr(scene.model, "playing", False):
        scene.model.pause()
    if getattr(scene, "playing", False):
        scene.toggle_play()
    scene.wait_ready(60)
    scene.prepare()
    before = state_of(scene)
    assert state_of(scene) == before  # the summary itself is stable
    for _ in range(3):
        scene.draw(d.screen)
    assert state_of(scene) == before, f"{name}: draw() changed the scene's state"


@pytest.mark.slow
def test_the_state_check_catches_a_draw_that_changes_something(scenes, monkeypatch):
    scene = scenes["landscape"].scene
    before = state_of(scene)
    real = type(scene).draw

    def sneaky(self, screen):
        real(self, screen)
        self.model.selected = (self.model.selected + 1) % max(1, len(self.model.race.balls))

    monkeypatch.setattr(type(scene), "draw", sneaky)
    scene.draw(scenes["landscape"].screen)
    assert state_of(scene) != before


def test_the_repository_root_holds_only_the_projects_own_files():
    """A command run by a test writes under tmp_path: a hostile sweep once left files named
    ``nan``, ``-1`` and ``abc`` (``train --json VALUE``) in the root, and they were committed."""
    if not (ROOT / ".git").exists():
        pytest.skip("not a git checkout")
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, text=True, check=True,
    ).stdout.split("\n")  # fmt: skip
    top = {p.split("/")[0] for p in listed if p}
    allowed = {".ci", ".gitignore", "README.md", "assets", "docs", "examples", "explorer"}
    allowed |= {"plugins", "pyproject.toml", "tests"}
    assert top <= allowed, f"stray files in the repository root: {sorted(top - allowed)}"
