"""Three things a teacher notices in the Network lab: big maps (N) is a setup key a lesson step
can turn on and a saved setup keeps; folds are counted from 1 wherever the lab shows them (B's
menu as B's title, "fold 2 of 5"); a per-layer activation in B's menu reads as titles say it,
not as a list cut off."""

from __future__ import annotations

import pygame

from explorer import setups
from explorer.app.harness import Driver
from explorer.app.scene_table import scenes
from explorer.app.scenes.network.model import NetworkModel, NetworkSetup
from explorer.app.scenes.network.neuron_pictures import MAX_TILE
from explorer.app.scenes.network.panel_words import _b_value
from explorer.app.scenes.network.scene import NetworkScene, compute_layout
from explorer.app.ui import i18n
from explorer.app.ui.scale import px
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.run_setups import typed_setups
from explorer.lessons.scenes import by_name
from explorer.training import TrainConfig

MOONS = TrainConfig(
    dataset="moons", n=120, depth=4, width=8, activation="tanh", epochs=2, device="cpu"
)

LESSON = """
[title]
en = "What each neuron computes"
zh = "每个神经元在算什么"
[summary]
en = "Each unit's map, big enough to read."
zh = "每个单元的图，大到看得清。"

[[steps]]
scene = "network"
setup = { dataset = "moons", depth = 4, width = 8, big_maps = true }
caption.en = "Each unit of a 4 × 8 net."
caption.zh = "4 × 8 网络的每个单元。"
"""


def test_a_lesson_step_reads_big_maps_as_a_setup_key(registry, tmp_path):
    path = tmp_path / "maps.toml"
    path.write_text(LESSON, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    rows = by_name(scenes())
    typed = typed_setups(lesson, lambda scene: rows[scene].setup_class(), registry)
    assert typed[0].big_maps is True
    assert NetworkSetup().big_maps is False  # the everyday layout unless a setup says so


def test_a_setup_with_big_maps_lays_the_lab_out_big_and_a_saved_setup_keeps_it(
    network_lab, tmp_path
):
    d = network_lab(MOONS)
    scene, model = d.scene, d.scene.model
    assert not scene.big_maps
    model.apply(setups.merge(model.setup(), {"big_maps": True}))  # as a lesson step does
    model.step(2)
    scene.wait_ready()
    d.tick(2)
    assert scene.big_maps
    assert scene.layout.columns == compute_layout(scene.layout.size, 1, True).columns
    assert scene.nets[0].tile == px(MAX_TILE)  # each unit's map at its full 48 px
    saved = setups.write(tmp_path / "lab.toml", "network", model.setup())
    assert "big_maps = true" in saved.read_text()
    _, values = setups.read(saved, {"network": NetworkSetup})
    assert values["big_maps"] is True
    d.key(pygame.K_n)  # N turns it off, and the setup says so
    assert not model.setup().big_maps
    assert "big_maps = false" in setups.dumps("network", model.setup())


def test_a_scene_opened_on_a_big_maps_setup_starts_in_that_view(registry):
    def make(reg, size):
        model = NetworkModel(reg, MOONS, backend="thread")
        model.apply(setups.merge(model.setup(), {"big_maps": True}))
        return NetworkScene(model, size)

    d = Driver(registry, scene=make)
    try:
        d.tick(2)
        assert d.scene.layout.columns == compute_layout((1280, 720), 1, True).columns
    finally:
        d.scene.close()


def test_b_menu_counts_folds_from_1_as_bs_title_does(network_lab):
    d = network_lab(MOONS)
    model = d.scene.model
    assert model.set(folds=5)
    assert model.set_side_by_side(True, compare="fold", value=1)
    d.tick(2)
    menu = d.scene.controls.menus["b_value"]
    assert model.labels()[1] == "B · validated on fold 2 of 5"
    assert menu.selected_option[0] == "2"  # the same fold, the same number
    d.choose(menu, "3")
    assert model.compare_value == 2 and model.configs()[1].fold == 2  # the setup's, from 0
    assert model.labels()[1] == "B · validated on fold 3 of 5"
    assert d.scene.controls.menus["b_value"].selected_option[0] == "3"
    assert model.setup().compare.value == 2  # the key stays counted from 0


def test_b_menu_shows_a_deep_per_layer_activation_as_titles_say_it(network_lab):
    layers = "tanh,relu,relu,relu,relu,sigmoid"
    d = network_lab(MOONS)
    model = d.scene.model
    assert model.set(depth=6, activation="relu")
    assert model.set_side_by_side(True, compare="activation", value=layers)
    d.tick(2)
    menu = d.scene.controls.menus["b_value"]
    button = menu.current_state.selected_option_button
    assert button.text == "tanh/relu/sigmoid" == model.labels()[1].removeprefix("B · ")
    assert button.font.size(button.text)[0] <= button.rect.w - 4  # whole, not cut off
    assert _b_value(model, "tanh/relu/sigmoid") == layers  # what it shows: B's layers
    i18n.set_language("zh")  # "B 不同之处" is wider: B's menu takes a row of its own
    d.scene.controls.build()
    button = d.scene.controls.menus["b_value"].current_state.selected_option_button
    assert button.text == "tanh/relu/sigmoid"
    assert button.font.size(button.text)[0] <= button.rect.w - 4
    i18n.set_language("en")
    d.scene.controls.build()
    menu = d.scene.controls.menus["b_value"]
    d.choose(menu, "sigmoid")  # a name: every layer's
    assert model.configs()[1].layer_activations() == ("sigmoid",) * 6
