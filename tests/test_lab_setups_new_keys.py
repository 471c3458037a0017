"""The Network lab's setup keys for skips, an activation per layer and your own points: set with
``--set``, saved in a setup file (the CSV referenced with its checksum) and opened again."""

import pytest

from explorer import setups
from explorer.app.scenes.network.model import NetworkModel, NetworkSetup
from explorer.training import TrainConfig

SMALL = TrainConfig(dataset="moons", n=80, depth=2, width=6, epochs=2, device="cpu")


@pytest.fixture
def lab(registry):
    model = NetworkModel(registry, SMALL, backend="thread")
    yield model
    model.close()


def _points(path, flip=False):
    rows = [f"{i % 7 / 7:.3f},{i % 5 / 5:.3f},{(i % 2) ^ flip}" for i in range(40)]
    path.write_text("x1,x2,label\n" + "\n".join(rows) + "\n")
    return path


def test_skips_and_a_list_of_activations_through_set_and_a_file(lab, tmp_path):
    changes = setups.overrides_from_text(
        NetworkSetup, ["residual=true", "activation=relu,tanh", "depth=2"]
    )
    lab.apply(setups.merge(lab.setup(), changes))
    assert lab.config.residual and lab.config.activation == "relu,tanh"
    saved = setups.write(tmp_path / "lab.toml", "network", lab.setup())
    text = saved.read_text()
    assert "residual = true" in text and 'activation = [\n    "relu",\n    "tanh",\n]' in text
    _, values = setups.read(saved, {"network": NetworkSetup})
    assert values["activation"] == "relu,tanh" and values["residual"] is True


def test_your_own_points_are_saved_with_their_checksum(lab, tmp_path):
    csv = _points(tmp_path / "mine.csv")
    lab.apply(setups.merge(lab.setup(), {"data": str(csv)}))
    assert lab.config.data == str(csv)
    saved = setups.write(tmp_path / "lab.toml", "network", lab.setup())
    _, values = setups.read(saved, {"network": NetworkSetup})
    assert values["data"] == str(csv) and len(values["data_sha256"]) == 64
    _points(csv, flip=True)  # the file changes after the setup was saved
    with pytest.raises(setups.SetupError, match="has changed since the setup was saved"):
        lab.apply(setups.merge(lab.setup(), values))
    assert lab.config.data_sha256 is None  # the run goes on with the points it had


def test_side_by_side_compares_without_and_with_skips(lab):
    lab.apply(
        setups.merge(
            lab.setup(), setups.overrides_from_text(NetworkSetup, ["compare=residual:true"])
        )
    )
    a, b = lab.configs()
    assert (a.residual, b.residual) == (False, True)
    assert lab.labels() == ["A · no skips", "B · skips"]


def test_the_dataset_menu_shows_your_points_and_a_dataset_picked_replaces_them(registry, tmp_path):
    from explorer.app.harness import Driver
    from explorer.app.scenes.network.scene import NetworkScene

    csv = _points(tmp_path / "mine.csv")
    config = SMALL.replace(n=None, data=str(csv))
    d = Driver(
        registry,
        scene=lambda reg, size: NetworkScene(NetworkModel(reg, config, backend="thread"), size),
    )
    try:
        menu = d.scene.controls.menus["dataset"]
        assert menu.selected_option[0] == "csv:mine.csv"
        d.choose(menu, "xor")
        assert d.scene.model.config.dataset == "xor" and d.scene.model.config.data is None
    finally:
        d.scene.close()
