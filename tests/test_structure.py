"""The house's rules, checked: one table names the scenes; scene packages never import each other;
the layers only import down (lessons/ nothing of the app, app/ui/ nothing above it, nothing below
commands/ the commands, the built-in plugins only ``explorer``'s public API); no import circles
in explorer/; every package on disk is in the wheel; the maths (landscape/, training/) and the
built-in plugins never import pygame; ``draw()`` changes no state in any scene.

The import graph is read from the source (AST), not by importing: an edge is every ``import`` in
a module, at its top AND inside functions (a lazy import still ties the two modules: it is a
circle the first call closes), except those under ``if TYPE_CHECKING:`` (never run). ``from X
import Y`` is an edge to the module ``X.Y`` where there is one, else to ``X``. Each rule has a
self-test that feeds the checker a made-up module graph with the violation.
"""

import ast
import dataclasses
import hashlib
import subprocess
import sys
import threading
import tomllib
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pygame
import pytest
import torch

from explorer.app import scene_table
from explorer.app.harness import Driver
from explorer.app.shell import SCENES, scene_factories
from explorer.app.ui.scene import SceneModel

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


def test_the_scene_packages_are_the_tables_scenes_each_declared_by_its_package():
    assert set(scene_packages()) == {e.name for e in scene_table.scenes()}
    for row in scene_table.scenes():
        package = sys.modules[f"explorer.app.scenes.{row.name}"]
        assert package.SCENE is row


def test_the_tables_tabs_are_in_key_order_and_a_clash_is_one_sentence():
    rows = scene_table.scenes()
    assert [r.name for r in rows] == [
        "landscape",
        "network",
        "activations",
        "dropout",
        "scoreboard",
    ]
    assert [r.key for r in rows] == ["F2", "F3", "F4", "F5", "F6"]
    clash = dataclasses.replace(rows[0], name="again")
    with pytest.raises(ValueError, match="landscape and again scenes both have the key 'F2'"):
        scene_table.register(clash)
    with pytest.raises(ValueError, match="F1 is the help"):
        dataclasses.replace(rows[0], name="help", key="F1")
    assert scene_table.names() == tuple(r.name for r in rows)  # a refused row is not added


def test_reading_the_table_imports_neither_pygame_nor_torch():
    """The command line's ``--scene`` choices and ``lesson check``'s facts read the table before
    the app's first frame: each row's factories import their scene only when called."""
    code = (
        "import sys\n"
        "from explorer.app import scene_table\n"
        "rows = scene_table.scenes()\n"
        "assert len(rows) >= 4, rows\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('pygame', 'torch'))\n"
        "print(bad)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT
    ).stdout
    assert out.strip() == "[]", out


# -- the import graph ----------------------------------------------------------------------------
def module_sources(folder: Path, package: str) -> dict[str, tuple[Path, bool]]:
    """module name → (file, is a package's __init__) for every .py under ``folder``."""
    out = {}
    for path in sorted(folder.rglob("*.py")):
        rel = path.relative_to(folder).with_suffix("")
        parts = [p for p in rel.parts if p != "__init__"]
        out[".".join([package, *parts])] = (path, path.name == "__init__.py")
    return out


def _type_checking_only(node: ast.AST) -> bool:
    test = getattr(node, "test", None)
    return isinstance(node, ast.If) and (
        (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING")
        or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")
    )


def imported_modules(source: str, module: str, is_package: bool) -> set[tuple[str, str]]:
    """What ``module`` imports, at its top and inside functions, leaving out ``if
    TYPE_CHECKING:`` blocks: (module, "") for ``import module``, (X, Y) for ``from X import Y``."""
    out: set[tuple[str, str]] = set()
    base = module.split(".") if is_package else module.split(".")[:-1]

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            for child in node.orelse:
                visit(child)
            return
        if isinstance(node, ast.Import):
            out.update((a.name, "") for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = base[: len(base) - node.level + 1]
                name = ".".join(parts + ([node.module] if node.module else []))
            else:
                name = node.module or ""
            out.update((name, a.name) for a in node.names)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(source))
    return out


def import_graph(sources: Mapping[str, tuple[str, bool]]) -> dict[str, set[str]]:
    """module → the modules of ``sources`` it imports (``sources``: name → (text, is package)).
    An edge goes to the module named, not to the packages above it (whose ``__init__`` Python
    also runs): ``from explorer.training import hessian`` is an edge to training.hessian."""
    graph: dict[str, set[str]] = {}
    for module, (text, is_package) in sources.items():
        edges = set()
        for name, member in imported_modules(text, module, is_package):
            if member and f"{name}.{member}" in sources:
                target = f"{name}.{member}"
            else:  # the longest prefix that is a module here
                parts = name.split(".")
                found = [".".join(parts[:k]) for k in range(len(parts), 0, -1)]
                target = next((t for t in found if t in sources), "")
            if target and target != module:
                edges.add(target)
        graph[module] = edges
    return graph


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """The import circles of ``graph``: its strongly connected parts of two modules or more
    (Tarjan's algorithm), each sorted, in sorted order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def strong(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            part = []
            while True:
                w = stack.pop()
                on.discard(w)
                part.append(w)
                if w == v:
                    break
            if len(part) > 1:
                out.append(sorted(part))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for v in sorted(graph):
        if v not in index:
            strong(v)
    return sorted(out)


def explorer_graph() -> dict[str, set[str]]:
    found = module_sources(ROOT / "explorer", "explorer")
    found |= module_sources(ROOT / "plugins", "explorer_plugins")
    sources = {m: (path.read_text(encoding="utf-8"), pkg) for m, (path, pkg) in found.items()}
    return import_graph(sources)


def _under(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def layer_violations(graph: Mapping[str, set[str]]) -> list[str]:
    """Every import that reaches up a layer, as "a -> b: the rule"."""
    public = {"explorer"}  # explorer/__init__.py: the API a plugin needs (explorer.__all__)
    out = []
    for module, targets in sorted(graph.items()):
        for target in sorted(targets):
            if _under(module, "explorer.lessons") and _under(target, "explorer.app"):
                out.append(f"{module} -> {target}: lessons/ imports nothing of the app")
            if (
                _under(module, "explorer.app.ui")
                and _under(target, "explorer.app")
                and not _under(target, "explorer.app.ui")
            ):
                out.append(f"{module} -> {target}: app/ui/ imports nothing above it")
            if (
                not _under(module, "explorer.commands")
                and module != "explorer.cli"
                and _under(target, "explorer.commands")
            ):
                out.append(f"{module} -> {target}: nothing below commands/ imports it")
            if (
                _under(module, "explorer_plugins")
                and _under(target, "explorer")
                and target not in public
            ):
                out.append(f"{module} -> {target}: a plugin uses only explorer's public API")
    return out


@pytest.mark.slow
def test_no_import_circles_in_explorer():
    found = circles(explorer_graph())
    assert found == [], found


@pytest.mark.slow
def test_the_layers_only_import_down():
    found = layer_violations(explorer_graph())
    assert found == []


def pygame_outside_the_app(sources: Mapping[str, tuple[str, bool]]) -> list[str]:
    """Every module outside explorer/app/ that imports pygame or pygame_gui (DESIGN.md's
    layers: the library and the commands draw through the app's modules)."""
    out = []
    for module, (text, is_package) in sorted(sources.items()):
        if _under(module, "explorer.app"):
            continue
        for name, _ in imported_modules(text, module, is_package):
            if name.split(".")[0] in ("pygame", "pygame_gui"):
                out.append(f"{module} imports {name}")
    return sorted(set(out))


@pytest.mark.slow
def test_only_the_app_imports_pygame():
    found = module_sources(ROOT / "explorer", "explorer")
    found |= module_sources(ROOT / "plugins", "explorer_plugins")
    sources = {m: (path.read_text(encoding="utf-8"), pkg) for m, (path, pkg) in found.items()}
    assert pygame_outside_the_app(sources) == []


def test_the_pygame_check_sees_a_lazy_import_outside_the_app_only():
    sources = {
        "explorer.commands.x": ("def f():\n    import pygame\n", False),
        "explorer.app.y": ("import pygame\n", False),
        "explorer.z": (
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pygame\n",
            False,
        ),
    }
    assert pygame_outside_the_app(sources) == ["explorer.commands.x imports pygame"]


def _graph(**modules: str) -> dict[str, set[str]]:
    """A made-up module graph: ``a__b="import c"`` is the module ``a.b``."""
    sources = {name.replace("__", "."): (text, False) for name, text in modules.items()}
    return import_graph(sources)


def test_the_circle_check_finds_a_circle_through_a_lazy_import_but_not_a_type_checking_one():
    graph = _graph(
        explorer__a="from explorer import b\n",
        explorer__b="def f():\n    from explorer.c import x\n",
        explorer__c="import explorer.a\n",
        explorer__d="from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import explorer.a\n",
        explorer__e="import explorer.d\n",
    )
    assert graph["explorer.b"] == {"explorer.c"}  # from explorer.c import x: x is no module
    assert graph["explorer.d"] == set()
    assert circles(graph) == [["explorer.a", "explorer.b", "explorer.c"]]
    graph["explorer.d"].add("explorer.e")
    assert circles(graph) == [
        ["explorer.a", "explorer.b", "explorer.c"],
        ["explorer.d", "explorer.e"],
    ]


@pytest.mark.parametrize(
    ("module", "imports", "rule"),
    [
        ("explorer.lessons.player", "explorer.app.scenes.landscape.model", "lessons/"),
        ("explorer.app.ui.presenter", "explorer.app.setup_files", "app/ui/"),
        ("explorer.scoreboard", "explorer.commands.output", "below commands/"),
        ("explorer_plugins.surfaces", "explorer.landscape.expression", "public API"),
    ],
)
def test_the_layer_check_catches_an_import_that_reaches_up(module, imports, rule):
    sources = {module: (f"def f():\n    from {imports} import something\n", False)}
    sources[imports] = ("", False)
    sources["explorer"] = ("", True)
    found = layer_violations(import_graph(sources))
    assert len(found) == 1 and found[0].startswith(f"{module} -> {imports}:"), found
    sources[module] = ("from explorer import hookimpl\n", False)  # down, or the public API
    assert layer_violations(import_graph(sources)) == []


# -- rooms a newcomer can read -------------------------------------------------------------------
ROOM_LIMITS = {"class": 400, "function": 80}  # lines, from the def to its last line, docstring too


def oversized_rooms(sources: Mapping[str, str]) -> list[str]:
    """``module:line kind name (n lines)`` for every class over 400 lines and every function
    (method, nested function) over 80 in ``sources`` (module → its text)."""
    out = []
    for module, text in sorted(sources.items()):
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                kind = "class"
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                kind = "function"
            else:
                continue
            lines = node.end_lineno - node.lineno + 1
            if lines > ROOM_LIMITS[kind]:
                out.append(f"{module}:{node.lineno} {kind} {node.name} ({lines} lines)")
    return out


def test_no_class_over_400_lines_or_function_over_80_in_the_app():
    """explorer/app/ in rooms a newcomer reads in one sitting: a class that outgrows 400 lines
    is split into rooms (as LandscapeControls is into its sections), a function over 80 into
    steps with names."""
    sources = {
        module: path.read_text(encoding="utf-8")
        for module, (path, _) in module_sources(ROOT / "explorer" / "app", "explorer.app").items()
    }
    assert len(sources) > 100  # the app's modules were found
    assert oversized_rooms(sources) == []


def test_the_room_check_sees_a_big_class_and_a_big_function_but_not_their_neighbours():
    def body(n: int) -> str:  # a function of exactly ``n`` lines
        return "def f():\n" + "    x = 1\n" * (n - 1)

    method = "class Big:\n" + "".join(f"    def m{k}(self):\n        pass\n" for k in range(200))
    sources = {
        "explorer.app.fine": body(80) + "class Small:\n    pass\n",
        "explorer.app.long": body(81),
        "explorer.app.big": method,  # 401 lines
    }
    assert oversized_rooms(sources) == [
        "explorer.app.big:1 class Big (401 lines)",
        "explorer.app.long:1 function f (81 lines)",
    ]


# -- packaging -----------------------------------------------------------------------------------
def packages_on_disk() -> set[str]:
    """Every folder with an __init__.py, as the package the wheel installs it as."""
    found = {m for m, (_, pkg) in module_sources(ROOT / "explorer", "explorer").items() if pkg}
    found |= {
        m for m, (_, pkg) in module_sources(ROOT / "plugins", "explorer_plugins").items() if pkg
    }
    found |= {
        m for m, (_, pkg) in module_sources(ROOT / "assets", "explorer.assets").items() if pkg
    }
    return found


def test_every_package_on_disk_is_in_the_wheel():
    """setuptools installs exactly the packages pyproject.toml lists: a package left out (a new
    scene's) works in the checkout and is silently missing from a user's install."""
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(declared["tool"]["setuptools"]["packages"])
    assert sorted(packages_on_disk() - listed) == []
    assert sorted(listed - packages_on_disk()) == []


def test_the_packaging_check_sees_a_package_left_out(tmp_path, monkeypatch):
    scene = tmp_path / "explorer" / "app" / "scenes" / "schedules"
    scene.mkdir(parents=True)
    (scene / "__init__.py").write_text("")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert packages_on_disk() == {"explorer.app.scenes.schedules"}


@pytest.mark.slow
def test_every_scene_model_keeps_the_scene_model_contract(scenes):
    for name, d in scenes.items():
        assert isinstance(d.scene.model, SceneModel), name


@pytest.mark.parametrize("name", scene_packages())
@pytest.mark.slow
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
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    top = {p.split("/")[0] for p in listed if p}
    allowed = {".ci", ".gitignore", "README.md", "assets", "docs", "examples", "explorer"}
    allowed |= {"plugins", "pyproject.toml", "tests"}
    assert top <= allowed, f"stray files in the repository root: {sorted(top - allowed)}"
