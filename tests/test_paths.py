"""One plane, many optimizers (issue 23, items 1 and 2): the paths share one start, a point on the
plane is drawn where it is with its own loss, the picture says how much it hides, and every bad
input is one sentence."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from explorer.cli import main
from explorer.landscape.paths import PlaneError, compare_on_plane
from explorer.training import TrainConfig

SMALL = {"dataset": "moons", "depth": 1, "width": 6, "device": "cpu"}
THREE = [
    ("sgd:lr=0.1", "sgd", {"lr": 0.1}),
    ("momentum", "momentum", {"lr": 0.05}),
    ("adam", "adam", {"lr": 0.01}),
]


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def test_paths_start_together_and_a_path_in_its_own_plane_is_drawn_exactly(registry):
    # three points (steps 0, 1, 2) with the first at the centre lie in their own PCA plane
    config = TrainConfig(**SMALL, steps=2)
    result = compare_on_plane(config, THREE[:1], registry, plane="pca", side=8, others=0)
    (path,) = result.paths
    assert np.allclose(path.off, 0, atol=1e-9)
    assert np.allclose(path.true_loss, path.map_loss, rtol=1e-10)
    assert path.true_loss[0] > path.true_loss[-1]  # it trained
    assert result.explained is not None and sum(result.explained) == pytest.approx(1)


def test_every_optimizer_starts_from_the_same_weights_and_far_points_say_so(registry):
    config = TrainConfig(**SMALL, steps=30)
    result = compare_on_plane(config, THREE, registry, plane="random", side=8, others=2)
    starts = [p.path.points[0] for p in result.paths]
    assert all(torch.equal(starts[0], s) for s in starts)
    assert [m.seed for m in result.others] == [1, 2]
    assert result.centre_spread is not None and result.centre_spread >= 0
    # the map's value is the loss at the projection: where a point is off the plane it differs
    for p in result.paths:
        assert p.off[0] == 0 and p.true_loss[0] == pytest.approx(p.map_loss[0])
        if p.mostly_off:
            assert any(p.path.label in note and "drawn faded" in note for note in result.notes)
    data = result.to_dict()
    assert len(data["paths"]) == 3 and len(data["map"]["loss"]) == 8


def test_a_diverging_optimizer_is_cut_at_its_first_non_finite_point(registry):
    config = TrainConfig(**SMALL, steps=40)
    wild = [("sgd:lr=1e6", "sgd", {"lr": 1e6}), THREE[2]]
    result = compare_on_plane(config, wild, registry, plane="pca", side=8, others=0)
    cut = result.paths[0]
    assert cut.path.cut.startswith("sgd:lr=1e6 diverged")
    assert np.isfinite(cut.true_loss).all() and cut.path.steps[-1] < 40
    assert cut.path.cut in result.notes


def test_a_hessian_plane_of_a_large_net_is_refused_with_the_count_and_limit(registry):
    config = TrainConfig(dataset="digits", depth=4, width=128, steps=1, device="cpu")
    with pytest.raises(PlaneError, match=r"has [0-9,]{6} parameters; .* at most 50,000"):
        compare_on_plane(config, THREE[:1], registry, plane="hessian", side=8, others=0)


def test_the_command_writes_the_picture_and_the_figures(tmp_path):
    png, js = tmp_path / "paths.png", tmp_path / "paths.json"
    args = ["paths", "--dataset", "moons", "--depth", "1", "--width", "6", "--steps", "20"]
    args += ["--optimizer", "sgd:lr=0.1", "--optimizer", "adam:lr=0.01", "--grid", "8"]
    args += ["--others", "1", "--plane", "hessian", "--out", str(png), "--json", str(js)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert png.read_bytes()[:4] == b"\x89PNG"
    data = json.loads(js.read_text())
    assert data["plane"] == "hessian" and data["curvatures"][0] >= data["curvatures"][1]
    assert "Hessian eigenvalues" in result.output and "off the plane: median" in result.output


@pytest.mark.parametrize(
    "extra,said",
    [
        (["--centre", "rmsprop"], "--centre 'rmsprop' is neither 'init' nor one of the optimizers"),
        (["--optimizer", "sgd", "--optimizer", "sgd"], "each --optimizer once"),
        (["--out", "x.gif"], "the picture is a PNG"),
    ],
)
def test_bad_choices_are_one_sentence(tmp_path, extra, said):
    args = ["paths", "--dataset", "moons", "--depth", "1", "--width", "4", "--steps", "3"]
    args += [
        "--grid",
        "8",
        "--others",
        "0",
        *[str(tmp_path / a) if a == "x.gif" else a for a in extra],
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and said in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "extra,said",
    [
        (["--centre", "rmsprop"], "--centre 'rmsprop' 既不是 'init'，也不是所给的优化器之一"),
        (["--optimizer", "sgd", "--optimizer", "sgd"], "每个 --optimizer 只能给一次"),
    ],
)
def test_bad_choices_are_one_chinese_sentence(extra, said):
    args = ["--lang", "zh", "paths", "--dataset", "moons", "--depth", "1", "--width", "4"]
    result = CliRunner().invoke(main, [*args, "--steps", "3", "--grid", "8", *extra])
    assert result.exit_code != 0 and said in result.output and "Traceback" not in result.output
    assert "neither" not in result.output and "each --optimizer" not in result.output


def test_a_plane_through_one_optimizers_end_point_puts_that_end_at_the_origin(registry):
    config = TrainConfig(**SMALL, steps=10)
    result = compare_on_plane(config, THREE, registry, plane="pca", centre="adam", side=8, others=0)
    adam = result.paths[2]
    assert result.centre == "adam"
    assert np.allclose(adam.coords[-1], 0, atol=1e-9) and adam.off[-1] == 0
    assert adam.true_loss[-1] == pytest.approx(adam.map_loss[-1], rel=1e-10)


def test_a_plane_every_path_leaves_is_said_first(registry):
    # random directions through the start: the paths move in directions the plane hardly holds
    config = TrainConfig(**SMALL, steps=30)
    result = compare_on_plane(config, THREE, registry, plane="random", seed=5, side=8, others=0)
    assert all(p.mostly_off for p in result.paths)
    assert result.notes[0].startswith("every path lies mostly off this random plane")


@pytest.mark.parametrize(
    "net",
    [
        {"dataset": "digits", "depth": 2, "width": 8},  # many samples: the forward goes in blocks
        {"dataset": "moons", "depth": 2, "width": 6, "batch_norm": True},
        {"dataset": "moons", "depth": 1, "width": 4, "activation": "maxout"},
    ],
    ids=["digits-blocks", "batch-norm", "maxout"],
)
def test_each_points_true_loss_is_the_nets_own_loss_with_those_weights(registry, net):
    """The "true loss" beside the map's is the net's loss with the recorded weights (and, with
    batch norm, that optimizer's own running statistics at that step), as torch's own module
    computes it: checked point by point on the second optimizer's path, whose statistics are
    not the first's."""
    from explorer.training import TrainingSession

    config = TrainConfig(**net, steps=12, device="cpu")
    result = compare_on_plane(config, THREE[:3:2], registry, plane="pca", side=8, others=0)
    path = result.paths[1]
    assert path.path.optimizer == "adam"
    model = TrainingSession(config, registry).model.double().eval()  # the architecture only
    x = TrainingSession(config, registry).splits.train
    for k in (0, len(path.path.steps) // 2, -1):
        torch.nn.utils.vector_to_parameters(path.path.points[k], model.parameters())
        with torch.no_grad():
            for name, values in path.path.buffers.items():
                model.get_buffer(name).copy_(values[k])
            want = float(torch.nn.functional.cross_entropy(model(x.x.double()), x.y))
        assert path.true_loss[k] == pytest.approx(want, rel=1e-12)
    if net.get("batch_norm"):
        ends = [p.path.buffers["hidden.0.norm.running_mean"][-1] for p in result.paths]
        assert not torch.equal(ends[0], ends[1]), "each optimizer's net has statistics of its own"
        assert result.to_dict()["batch_norm_statistics"]["map"] == "the centre's"
        assert any("running statistics" in note for note in result.notes)
    else:
        assert result.to_dict()["batch_norm_statistics"] is None


def test_with_batch_norm_the_map_agrees_with_the_truth_at_the_centre(registry):
    """The map uses the centre's statistics: at the end point of the optimizer the plane goes
    through, the map's value is that net's own loss."""
    config = TrainConfig(dataset="moons", depth=2, width=6, batch_norm=True, steps=12, device="cpu")
    two = THREE[:3:2]
    result = compare_on_plane(config, two, registry, plane="pca", centre="adam", side=8, others=0)
    adam = result.paths[1]
    assert adam.true_loss[-1] == pytest.approx(adam.map_loss[-1], rel=1e-10)
    assert any("those of adam at its end" in note for note in result.notes)


def test_the_figures_the_picture_and_the_notes_speak_chinese(tmp_path):
    """``dl-explorer --lang zh paths``: the printed figures and what the plane hides are in
    Chinese, with the computation's own numbers; the JSON keeps the English sentences."""
    png, js = tmp_path / "paths.png", tmp_path / "paths.json"
    args = ["--lang", "zh", "paths", "--dataset", "moons", "--depth", "1", "--width", "6"]
    args += ["--steps", "20", "--plane", "random", "--grid", "8", "--others", "1"]
    args += ["--out", str(png), "--json", str(js)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    data = json.loads(js.read_text())
    assert "穿过初始化的随机平面" in result.output and "离开平面：中位数" in result.output
    first = data["paths"][0]
    assert f"终点损失：真实 {first['end_true_loss']:.4g}" in result.output
    assert data["notes"] and "every path lies mostly off this random plane" in data["notes"][0]
    assert "每条路径大部分都不在这个随机平面上" in result.output
    assert "off the plane" not in result.output
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_a_note_crosses_to_the_lab_and_is_worded_in_either_language():
    """What the plane hides travels from the lab's worker process (pickled) and is worded in the
    app's language there; as a string it stays the English sentence (the JSON, the tests)."""
    import pickle

    from explorer.app.ui import i18n
    from explorer.landscape.paths import Note

    note = pickle.loads(
        pickle.dumps(Note("mostly_off", {"label": "adam", "share": "97%", "limit": "50%"}))
    )
    assert note.startswith("adam: 97% of its points lie off the plane")
    i18n.set_language("zh")
    assert note.word(i18n.t).startswith("adam：97% 的点不在平面上")
    said = Note("all_off", {"plane": "random"}).word(i18n.t)
    assert "随机平面" in said and "PCA" in said  # the hint: try the PCA plane
    assert "两个以上的方向" in Note("all_off_pca", {}).word(i18n.t)
