"""An activation per hidden layer, chosen in the Network lab: "per layer…" in the activation menu
opens one menu per layer; a layer's choice is what the trainer builds; B can differ from A layer
by layer when side by side compares the activation; the depth slider keeps the choices; a setup
saved with them opens with them."""

from __future__ import annotations

import pygame
import pytest

from explorer import setups
from explorer.app.scenes.network.comparison import for_depth
from explorer.app.scenes.network.model import NetworkModel, NetworkSetup
from explorer.app.scenes.network.per_layer import set_depth
from explorer.training import TrainConfig

SMALL = TrainConfig(
    dataset="moons", n=80, depth=3, width=6, activation="relu", epochs=2, device="cpu"
)


@pytest.fixture
def driver(network_lab):
    return network_lab(SMALL)


def test_per_layer_opens_a_menu_per_layer_and_a_layers_choice_reaches_the_trainer(driver):
    d = driver
    d.scene.wait_ready()
    controls, model = d.scene.controls, d.scene.model
    d.choose(controls.menus["activation"], "per layer…")
    assert controls.per_layer_open and {f"layer_a{i}" for i in range(3)} <= set(controls.menus)
    assert controls.per_layer_rect.colliderect(d.scene.layout.main)  # beside the side panel
    assert not controls.per_layer_rect.colliderect(d.scene.layout.side)
    d.choose(controls.menus["layer_a1"], "tanh")
    d.scene.wait_ready()
    assert model.config.activation == "relu,tanh,relu"
    assert model.snapshots[0].config["activation"] == "relu,tanh,relu"  # what the worker ran
    shown = controls.menus["activation"].selected_option
    assert (shown[0] if isinstance(shown, tuple) else shown) == "per layer…"
    d.choose(controls.menus["activation"], "sigmoid")  # one name: every layer, as before
    assert model.config.activation == "sigmoid" and not controls.per_layer_open


def test_the_depth_slider_keeps_each_layers_choice(driver):
    d = driver
    model = d.scene.model
    assert model.set(activation="relu,tanh,sigmoid")
    assert set_depth(model, 5) and model.config.activation == "relu,tanh,sigmoid,sigmoid,sigmoid"
    assert set_depth(model, 2) and model.config.activation == "relu,tanh"
    assert for_depth("relu", 7) == "relu" and for_depth("relu,relu,tanh", 2) == "relu"


def test_side_by_side_b_differs_from_a_layer_by_layer(network_lab):
    d = network_lab(SMALL, side_by_side=True, compare="activation", compare_value="tanh")
    d.scene.wait_ready()
    controls, model = d.scene.controls, d.scene.model
    d.choose(controls.menus["activation"], "per layer…")
    assert "layer_b2" in controls.menus  # B's column beside A's
    d.choose(controls.menus["layer_b2"], "sigmoid")
    d.scene.wait_ready()
    a, b = model.configs()
    assert (a.activation, b.activation) == ("relu", "tanh,tanh,sigmoid")
    assert [s.config["activation"] for s in model.snapshots] == ["relu", "tanh,tanh,sigmoid"]


def test_a_setup_saved_with_an_activation_per_layer_and_b_per_layer_opens_with_them(
    registry, tmp_path
):
    model = NetworkModel(
        registry,
        SMALL.replace(activation="tanh,relu,tanh"),
        backend="thread",
        side_by_side=True,
        compare="activation",
        compare_value="relu,relu,sigmoid",
    )
    try:
        saved = setups.write(tmp_path / "lab.toml", "network", model.setup())
    finally:
        model.close()
    _, values = setups.read(saved, {"network": NetworkSetup})
    again = NetworkModel(registry, SMALL, backend="thread")
    try:
        again.apply(setups.merge(again.setup(), values))
        a, b = again.configs()
        assert (a.activation, b.activation) == ("tanh,relu,tanh", "relu,relu,sigmoid")
    finally:
        again.close()


def test_the_panel_fits_the_window_for_the_deepest_net_the_slider_offers(network_lab):
    d = network_lab(SMALL)
    model = d.scene.model
    assert model.set(depth=12, activation="relu")
    d.tick(2)  # the panel follows the model
    d.choose(d.scene.controls.menus["activation"], "per layer…")
    box = d.scene.controls.per_layer_rect
    assert pygame.Rect((0, 0), d.screen.get_size()).contains(box)
    menus = [d.scene.controls.menus[f"layer_a{i}"].rect for i in range(12)]
    assert all(box.contains(r) for r in menus)
    assert all(r.bottom <= s.top for r, s in zip(menus, menus[1:], strict=False))


def test_b_with_another_depth_keeps_a_per_layer_activation_for_its_layers(registry):
    model = NetworkModel(
        registry,
        SMALL.replace(activation="relu,tanh,sigmoid"),
        backend="thread",
        side_by_side=True,
        compare="depth",
        compare_value=5,
    )
    try:
        a, b = model.configs()
        assert b.depth == 5 and b.activation == "relu,tanh,sigmoid,sigmoid,sigmoid"
    finally:
        model.close()


def test_titles_name_the_layers_activations_shortly(registry):
    model = NetworkModel(
        registry,
        SMALL.replace(depth=6, activation="relu,relu,tanh,tanh,relu,sigmoid"),
        backend="thread",
        side_by_side=True,
        compare="activation",
        compare_value="tanh,relu,relu,relu,relu,relu",
    )
    try:
        assert model.labels() == ["A · relu/tanh/sigmoid", "B · tanh/relu"]
    finally:
        model.close()
