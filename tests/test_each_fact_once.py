"""Each fact is stated once: a setting's range (the widget's hint and every check read one
declaration), the CJK range, and the public API the built-in plugins are written against."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from explorer import setups
from explorer.app.scenes.network.model import NetworkSetup
from explorer.specs import Hyper
from explorer.training import ranges
from explorer.training.config import TrainConfig

ROOT = Path(__file__).resolve().parents[1]


def lab_sliders(registry):
    """The Network lab's sliders, as a panel built now shows them."""
    from explorer.app.harness import Driver

    driver = Driver(registry, scene="network")
    try:
        return dict(driver.scene.controls.sliders)
    finally:
        driver.scene.model.close()


def test_a_depth_range_changed_in_one_place_reaches_the_setup_the_slider_and_the_run(
    monkeypatch, registry
):
    from explorer.app.ui.slider import parse_typed

    monkeypatch.setitem(ranges.RANGES, "depth", Hyper(2, 1, 6, integer=True, allowed="[1, 9]"))
    # the setup check (--set, setup files, lessons)
    setups.check(NetworkSetup(depth=9))
    with pytest.raises(
        setups.SetupError, match=r"depth = 10 is out of range; valid: whole numbers 1 … 9"
    ):
        setups.check(NetworkSetup(depth=10))
    # the widget: the slider's span (the hint) and what a typed value is held to (the law)
    depth = lab_sliders(registry)["depth"]
    assert (depth.hyper.low, depth.hyper.high) == (1, 6)
    assert parse_typed("9", depth.hyper, depth.limits) == 9
    with pytest.raises(ValueError):
        parse_typed("10", depth.hyper, depth.limits)
    # a run: the law's lower bound
    with pytest.raises(ValueError, match="depth must be a whole number ≥ 1, got 0"):
        TrainConfig(depth=0).validate()


def test_a_dropout_law_changed_in_one_place_reaches_the_setup_the_slider_and_the_run(
    monkeypatch, registry
):
    monkeypatch.setitem(ranges.RANGES, "dropout", Hyper(0.0, 0.0, 0.4, allowed="[0, 0.5)"))
    setups.check(NetworkSetup(dropout=0.45))
    with pytest.raises(setups.SetupError, match=r"up to \(not including\) 0.5"):
        setups.check(NetworkSetup(dropout=0.5))
    with pytest.raises(ValueError, match=r"dropout is a probability in \[0, 0.5\), got 0.5"):
        TrainConfig(dropout=0.5).validate()
    TrainConfig(dropout=0.45).validate()
    assert lab_sliders(registry)["dropout"].hyper.high == 0.4


def test_the_network_labs_ranges_are_what_they_were():
    """The declarations moved; the numbers a user meets did not change."""
    for name, hint, law in [
        ("depth", (0, 12), "[0, 64]"),
        ("width", (2, 128), "[1, 1024]"),
        ("dropout", (0.0, 0.9), "[0, 1)"),
        ("input_dropout", (0.0, 0.8), "[0, 1)"),
        ("batch_size", (8, 256), "[1, 4096]"),
        ("epochs", (5, 300), "[1, 10000]"),
        ("patience", (2, 10), "[1, 1000]"),
    ]:
        h = ranges.hint(name)
        assert ((h.low, h.high), h.law) == (hint, law), name
    with pytest.raises(setups.SetupError, match="whole numbers 0 … 64"):
        setups.check(NetworkSetup(depth=65))
    with pytest.raises(setups.SetupError, match="whole numbers 1 … 1,024"):
        setups.check(NetworkSetup(width=1025))


def _sources():
    for path in sorted((ROOT / "explorer").rglob("*.py")):
        yield path, path.read_text("utf-8")


def test_the_cjk_range_is_written_once():
    first = re.compile(r"\\u2e80|\u2e80|\\u4e00|\u4e00-|0x4e00|0x2e80", re.IGNORECASE)
    homes = [p.relative_to(ROOT).as_posix() for p, text in _sources() if first.search(text)]
    assert homes == ["explorer/languages.py"]


def test_no_two_app_pictures_share_a_class_name():
    """Two classes called NetDrawing read as one thing in a traceback or a search."""
    seen: dict[str, list[str]] = {}
    for path in sorted((ROOT / "explorer" / "app" / "scenes").rglob("*_view.py")):
        for node in ast.parse(path.read_text("utf-8")).body:
            if isinstance(node, ast.ClassDef):
                seen.setdefault(node.name, []).append(path.name)
    assert {n: where for n, where in seen.items() if len(where) > 1} == {}


def test_the_builtin_plugins_use_only_the_public_api():
    """plugins/ is written the way a student writes a plugin: ``from explorer import ...``."""
    reached = []
    for path in sorted((ROOT / "plugins").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("explorer."):
                reached.append(f"{path.name}: from {node.module} import …")
            if isinstance(node, ast.Import):
                reached += [
                    f"{path.name}: import {a.name}" for a in node.names if "explorer." in a.name
                ]
    assert reached == []
