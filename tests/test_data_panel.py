"""Your own points, as a teacher draws them in front of a class: the Data panel opened from the
lab, points added by clicks, one dragged, one erased, noise added, the split chosen, and Apply
training the net on exactly those points (the way --data goes); the points saved with the setup
and read back the same; a setup's or lesson's CSV found beside it; --compare of per-layer
activations."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

from explorer import setups
from explorer.app.harness import Driver
from explorer.app.scenes.network.data_points import PointsEditor
from explorer.app.scenes.network.model import NetworkModel, NetworkSetup
from explorer.app.scenes.network.scene import NetworkScene
from explorer.app.setup_files import read
from explorer.commands.train import parse_compare
from explorer.training import TrainConfig
from explorer.training.data import load_splits
from explorer.training.session import csv_dataset

SMALL = TrainConfig(
    dataset="moons",
    n=40,
    depth=2,
    width=8,
    activation="relu",
    optimizer="adam",
    optimizer_hyper={"lr": 0.02},
    epochs=2,
    device="cpu",
)


@pytest.fixture
def lab(registry, tmp_path, monkeypatch):
    monkeypatch.setenv("DL_EXPLORER_SETUPS", str(tmp_path / "setups"))

    def make(reg, size):
        return NetworkScene(NetworkModel(reg, SMALL, backend="thread"), size)

    d = Driver(registry, scene=make)
    yield d
    d.scene.model.close()


def _button(scene, name):
    return scene.controls.data_widgets.buttons[name]


def test_points_drawn_by_hand_are_what_the_net_trains_on(lab):
    scene, model = lab.scene, lab.scene.model
    lab.click(scene.controls.data_button.rect.center)
    panel = scene.data_panel
    assert panel.is_open and panel.editor.count == 40  # it starts from the lab's own points
    lab.click(_button(scene, "clear").rect.center)
    assert panel.editor.count == 0
    p = panel.plot
    spots = [(p.x + p.w * fx, p.y + p.h * fy) for fx, fy in [(0.2, 0.2), (0.3, 0.7), (0.8, 0.3)]]
    for spot in spots:  # class A
        lab.click(spot)
    lab.click(_button(scene, "class_B").rect.center)
    more = [(p.x + p.w * fx, p.y + p.h * fy) for fx, fy in [(0.6, 0.6), (0.7, 0.8), (0.9, 0.9)]]
    for spot in more:
        lab.click(spot)
    assert panel.editor.count == 6
    assert panel.editor.labels.tolist() == [0, 0, 0, 1, 1, 1]
    # drag the first A point to the middle; right-click erases the last B point
    middle = p.center
    lab.drag(spots[0], middle)
    lab.click(more[-1], button=3)
    e = panel.editor
    assert e.count == 5
    want = np.array(panel.to_data(middle))
    assert np.allclose(e.xy[0], want, atol=(e.view[1] - e.view[0]) / p.w * 2)
    # the eraser: a click on a point erases it instead of adding one
    lab.click(_button(scene, "eraser").rect.center)
    lab.click(spots[1])
    assert e.count == 4 and e.labels.tolist() == [0, 0, 1, 1]
    drawn = e.xy.copy()
    lab.click(_button(scene, "apply").rect.center)
    assert not panel.is_open and model.message_kind != "error", model.message
    assert model.message.startswith("Training on your 4 points")
    assert model.config.data is not None and model.config.data_sha256
    # the trainer's dataset is exactly those points, class A = 0, class B = 1
    x, y = csv_dataset(model.config).loader()
    assert np.allclose(x.numpy(), drawn.astype(np.float32))
    assert y.tolist() == [0, 0, 1, 1]
    model.wait(120)
    assert model.snapshots[0].state != "error", model.snapshots[0].message


def test_a_single_class_is_one_sentence_and_the_run_goes_on(lab):
    scene, model = lab.scene, lab.scene.model
    lab.key(pygame.K_d)
    panel = scene.data_panel
    panel.editor.clear()
    p = panel.plot
    for fx in (0.2, 0.4, 0.6, 0.8):
        lab.click((p.x + p.w * fx, p.centery))
    before = model.config
    lab.click(_button(scene, "apply").rect.center)
    assert panel.is_open and model.message_kind == "error"
    assert "one class only" in model.message and "\n" not in model.message
    assert model.config == before


def test_noise_moves_points_by_the_stated_sigma_and_the_split_is_the_trainers(registry):
    e = PointsEditor.of_config(SMALL.replace(n=400), registry)
    before = e.xy.copy()
    e.sigma = 0.1
    e.add_noise()
    moved = e.xy - before
    assert abs(moved.std() - 0.1) < 0.01 and abs(moved.mean()) < 0.01
    e.val_fraction = 0.3
    roles = e.roles()
    config = SMALL.replace(n=400, val_fraction=0.3)
    splits = load_splits(
        csv_dataset(config.replace(data=str(_saved(e)), n=None)),
        seed=config.seed,
        val_fraction=0.3,
        test_fraction=config.test_fraction,
    )
    for role, split in enumerate((splits.train, splits.val, splits.test)):
        drawn = e.xy[roles == role].astype(np.float32)
        trained = split.x.numpy()
        assert np.array_equal(_sorted(drawn), _sorted(trained)), role


def _sorted(rows):
    return rows[np.lexsort(rows.T[::-1])]


def _saved(editor, folder=None):
    import tempfile
    from pathlib import Path

    folder = folder or Path(tempfile.mkdtemp())
    return editor.write(SMALL, folder)[0]


def test_the_points_are_saved_with_the_setup_and_read_back_the_same(lab, tmp_path):
    scene, model = lab.scene, lab.scene.model
    lab.key(pygame.K_d)
    e = scene.data_panel.editor
    e.sigma = 0.05
    e.add_noise()
    e.val_fraction = 0.3
    points = e.xy.copy()
    assert scene.data_panel.apply()
    saved = setups.write(setups.new_path("network"), "network", model.setup())
    text = saved.read_text(encoding="utf-8")
    assert f'data = "points-{model.config.data_sha256[:12]}.csv"' in text  # beside it
    assert "val_fraction = 0.3" in text
    # moved elsewhere together, opened from another folder: the same points, bit for bit
    moved = tmp_path / "elsewhere"
    moved.mkdir()
    for f in saved.parent.iterdir():
        (moved / f.name).write_bytes(f.read_bytes())
    scene_name, values = read(moved / saved.name)
    csv_name = f"points-{model.config.data_sha256[:12]}.csv"
    assert scene_name == "network" and values["data"] == str(moved / csv_name)
    setups.apply(model, values)
    x, _ = csv_dataset(model.config).loader()
    assert np.array_equal(x.numpy(), points.astype(np.float32))
    assert model.config.val_fraction == 0.3
    again = PointsEditor.of_config(model.config, model.registry)
    assert np.array_equal(again.xy, points.astype(np.float32).astype(np.float64))


def test_a_lessons_csv_is_read_from_the_lessons_folder(registry, tmp_path, monkeypatch):
    from explorer.app.scene_table import scenes
    from explorer.lessons import read_lesson
    from explorer.lessons.catalogue import scene_facts
    from explorer.lessons.run_setups import typed_setups
    from explorer.lessons.scenes import by_name

    folder = tmp_path / "course"
    folder.mkdir()
    (folder / "pts.csv").write_text("x1,x2,label\n0,0,0\n1,1,1\n0,1,0\n1,0,1\n")
    lesson = folder / "mine.toml"
    lesson.write_text(
        '[title]\nen = "Mine"\nzh = "我的"\n[summary]\nen = "s"\nzh = "s"\n'
        '[[steps]]\nscene = "network"\nsetup = { data = "pts.csv", depth = 1 }\n'
        'caption.en = "Mine."\ncaption.zh = "我的。"\n',
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)  # not the lesson's folder
    read = read_lesson(lesson, scene_facts(registry, scenes()))
    rows = by_name(scenes())
    typed = typed_setups(read, lambda s: rows[s].setup_class(), registry)
    assert typed[0].data == str(folder / "pts.csv")


def test_a_setup_files_csv_is_read_from_the_setups_folder(tmp_path, monkeypatch):
    folder = tmp_path / "mine"
    folder.mkdir()
    (folder / "setup.toml").write_text('scene = "network"\ndata = "pts.csv"\n')
    monkeypatch.chdir(tmp_path)
    _, values = setups.read(folder / "setup.toml", {"network": NetworkSetup})
    assert values["data"] == str(folder / "pts.csv")
    absolute = tmp_path / "other.csv"
    (folder / "abs.toml").write_text(f'scene = "network"\ndata = "{absolute}"\n')
    assert setups.read(folder / "abs.toml", {"network": NetworkSetup})[1]["data"] == str(absolute)


def test_compare_takes_per_layer_activations_separated_by_semicolons(registry):
    key, runs = parse_compare("activation=relu,sigmoid;sigmoid,relu", registry)
    assert key == "activation"
    assert [r["activation"] for r in runs] == ["relu,sigmoid", "sigmoid,relu"]
    assert [r["activation"] for r in parse_compare("activation=relu,tanh", registry)[1]] == [
        "relu",
        "tanh",
    ]
    _, opts = parse_compare("optimizer=sgd:lr=0.1;adam:lr=0.01", registry)
    assert [(o["optimizer"], o["optimizer_hyper"]) for o in opts] == [
        ("sgd", {"lr": 0.1}),
        ("adam", {"lr": 0.01}),
    ]


def test_digits_cannot_be_drawn_on_a_plane_and_say_so(registry):
    d = Driver(
        registry,
        scene=lambda reg, size: NetworkScene(
            NetworkModel(reg, SMALL.replace(dataset="digits", n=None), backend="thread"), size
        ),
    )
    try:
        d.key(pygame.K_d)
        model = d.scene.model
        assert not d.scene.data_panel.is_open and model.message_kind == "error"
        assert model.message.startswith("digits has 64 features") and "\n" not in model.message
    finally:
        d.scene.model.close()


def test_regression_points_keep_their_targets_whole_numbers_too(registry, tmp_path):
    e = PointsEditor.of_config(SMALL.replace(dataset="plane", n=None), registry)
    assert e.task == "regression"
    e.clear()
    for k, target in enumerate((0.0, 1.0, -1.0, 1.0, 0.0)):  # whole numbers: still heights
        e.label = target
        e.add(0.1 * k, -0.2 * k)
    path, sha = e.write(SMALL, tmp_path)
    data = csv_dataset(SMALL.replace(data=str(path), data_sha256=sha, n=None))
    assert data.task == "regression"
    assert data.loader()[1].reshape(-1).tolist() == [0.0, 1.0, -1.0, 1.0, 0.0]
