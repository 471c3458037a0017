"""The Network lab driven by synthetic events: the drawn network is the model's, the controls
restart the run with what the user chose, and nothing a user does crashes it."""

import random
import time

import numpy as np
import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.network.gradient_bars import sigmoid_guide
from explorer.app.scenes.network.network_view import DROPPED
from explorer.app.scenes.network.scene import NetworkScene
from explorer.app.shell import build_app
from explorer.app.ui.scene_tabs import SceneTabs
from explorer.training import TrainConfig

SMALL = TrainConfig(
    dataset="moons",
    depth=3,
    width=8,
    activation="relu",
    optimizer="adam",
    optimizer_hyper={"lr": 0.02},
    epochs=5,
    device="cpu",
)


@pytest.fixture
def driver(network_lab):
    return network_lab(SMALL)


def settle(d: Driver) -> None:
    d.scene.wait_ready()
    d.tick(2)
    d.scene.wait_ready()
    d.tick(1)


def screen_centres(d: Driver, net: int = 0):
    """Each drawn unit's centre on the screen, per layer."""
    rect = d.scene.layout.columns[net]["net"]
    picture = d.scene.nets[net]
    return [[(u, (rect.x + x, rect.y + y)) for u, (x, y) in layer] for layer in picture.centres]


def test_the_drawn_network_has_the_models_layers_and_follows_a_change_of_depth(driver):
    d = driver
    settle(d)
    sizes = d.scene.model.snapshots[0].sizes
    assert sizes == (2, 8, 8, 8, 2)
    assert [len(layer) for layer in d.scene.nets[0].centres] == list(sizes)
    slider = d.scene.controls.sliders["depth"].slider
    for _ in range(12):  # the user clicks the slider's right arrow until depth goes up
        d.click(slider.right_button.rect.center, ticks=3)
        d.scene.controls.flush()
        if d.scene.model.config.depth > 3:
            break
    depth = d.scene.model.config.depth
    assert depth > 3
    settle(d)
    assert len(d.scene.nets[0].centres) == depth + 2
    assert d.scene.model.snapshots[0].sizes == (2, *[8] * depth, 2)


@pytest.mark.slow
def test_dropped_neurons_are_grey_and_the_thinner_network_changes_every_mini_batch(network_lab):
    d = network_lab(SMALL.replace(dropout=0.5, width=10))
    d.click(d.scene.controls.step_button.rect.center)  # one mini-batch
    settle(d)
    snap = d.scene.model.snapshots[0]
    assert snap.step == 1
    first_masks = [p.mask[0].copy() for p in snap.layers if p.hidden]
    centres = screen_centres(d)
    greys = kept = 0
    for k, layer in enumerate(centres[1:-1]):
        mask = first_masks[k]
        for u, pos in layer:
            colour = d.pixel(pos)
            if not mask[u]:
                assert colour == DROPPED, f"dropped unit {u} of layer {k + 1} is not grey"
                greys += 1
            else:
                assert colour != DROPPED
                kept += 1
    assert greys > 0 and kept > 0
    d.key(pygame.K_RIGHT)  # the next mini-batch draws a new thinner network
    settle(d)
    snap = d.scene.model.snapshots[0]
    assert snap.step == 2
    second = [p.mask[0] for p in snap.layers if p.hidden]
    assert any((a != b).any() for a, b in zip(first_masks, second, strict=True))
    # over a few batches the dropped fraction is close to the rate
    d.scene.model.step(30)
    settle(d)
    dropped = [p.dropped_fraction for p in d.scene.model.snapshots[0].layers if p.hidden]
    assert np.mean(dropped) == pytest.approx(0.5, abs=0.15)


def test_play_pause_and_the_buttons(driver):
    d, m = driver, driver.scene.model
    d.click(d.scene.controls.play_button.rect.center)
    assert m.playing and d.scene.controls.play_button.text == "Pause"
    end = time.monotonic() + 30  # however busy the machine: the worker thread needs the CPU
    while time.monotonic() < end and m.snapshots[0].step <= 5:
        d.tick(1)
        pygame.time.wait(5)
    assert m.snapshots[0].step > 5
    d.key(pygame.K_SPACE)
    assert not m.playing
    settle(d)
    step = m.snapshots[0].step
    d.tick(10)
    settle(d)
    assert m.snapshots[0].step == step  # paused: nothing trains
    d.click(d.scene.controls.reset_button.rect.center)
    settle(d)
    assert m.snapshots[0].step == 0


def test_a_menu_changes_the_activation_and_side_by_side_shows_two_nets(driver):
    d, m = driver, driver.scene.model
    d.choose(d.scene.controls.menus["activation"], "tanh")
    assert m.config.activation == "tanh"
    settle(d)
    assert m.snapshots[0].config["activation"] == "tanh"
    d.click(d.scene.controls.boxes["side"].rect.center)
    assert m.side_by_side
    m.step(3)
    settle(d)
    a, b = m.snapshots
    assert len(d.scene.layout.columns) == 2 and set(d.scene.nets) == {0, 1}
    assert a.config["activation"] == "tanh" and b.config["activation"] == "relu"
    assert a.config["seed"] == b.config["seed"] and a.config["dataset"] == b.config["dataset"]
    assert a.step == b.step == 3


def test_a_refused_setting_is_one_sentence_and_the_run_goes_on(driver):
    d, m = driver, driver.scene.model
    settle(d)
    version = m.version
    assert not m.set(width=0)
    assert "width" in m.message and m.message_kind == "error"
    assert m.version == version and m.config.width == 8
    assert not m.set(optimizer="no_such_optimizer")
    assert "no_such_optimizer" in m.message
    m.step(2)
    settle(d)
    assert m.snapshots[0].step == 2


def test_the_sigmoid_guide_falls_by_a_quarter_per_layer():
    guide = sigmoid_guide([1e-5, 1e-4, 1e-3, 0.4])
    assert guide[-1] == 0.4
    assert guide == pytest.approx([0.4 / 64, 0.4 / 16, 0.4 / 4, 0.4])


def test_deep_sigmoid_gradients_vanish_in_the_bars(network_lab):
    """The lecture's picture: the first bar of a deep sigmoid net is far below the last."""
    d = network_lab(TrainConfig(dataset="digits", depth=8, width=32, activation="sigmoid"))
    d.scene.model.step(20)
    settle(d)
    norms = d.scene.model.snapshots[0].epochs or None
    layers = d.scene.model.snapshots[0].layers
    grads = [p.grad_norm for p in layers] if norms is None else list(norms[-1].grad_norms)
    assert grads[0] < 0.01 * grads[-1]


@pytest.mark.slow
def test_the_tabs_switch_scenes_and_keep_them(registry):
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    app, tabs = build_app(registry, screen, windowed=False, backend="thread")
    try:
        landscape = tabs.scene()
        app.tick(1 / 60, [])
        app.tick(1 / 60, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F3, mod=0)])
        assert isinstance(tabs.scene(), NetworkScene) and app.scenes[0] is tabs.scene()
        pos = tabs.buttons["landscape"].rect.center
        for ev in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
            app.tick(1 / 60, [pygame.event.Event(ev, pos=pos, button=1)])
        for _ in range(3):
            app.tick(1 / 60, pygame.event.get())
        assert tabs.scene() is landscape and app.scenes[0] is landscape
        assert isinstance(app.scenes[-1], SceneTabs)
    finally:
        tabs.close()


@pytest.mark.slow
def test_fuzz_random_events_never_crash_the_lab(network_lab):
    d = network_lab(SMALL.replace(dropout=0.3))
    rng = random.Random(5)
    keys = [
        pygame.K_SPACE,
        pygame.K_RIGHT,
        pygame.K_r,
        pygame.K_s,
        pygame.K_b,
        pygame.K_e,
        pygame.K_h,
        pygame.K_ESCAPE,
        pygame.K_a,
        pygame.K_TAB,
    ]
    for k in range(1500):
        kind = rng.random()
        w, h = d.screen.get_size()
        pos = (rng.randrange(-20, w + 20), rng.randrange(-20, h + 20))
        if kind < 0.3:
            key = rng.choice(keys)
            events = [pygame.event.Event(pygame.KEYDOWN, key=key, mod=0, unicode="", scancode=0)]
        elif kind < 0.75:
            button = rng.choice([1, 1, 1, 3])
            events = [
                pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button),
                pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button),
            ]
        elif kind < 0.95:
            events = [
                pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(1, 1), buttons=(1, 0, 0))
            ]
        elif kind < 0.99:
            events = [
                pygame.event.Event(
                    pygame.MOUSEWHEEL,
                    x=0,
                    y=rng.choice([-1, 1]),
                    precise_x=0.0,
                    precise_y=1.0,
                    flipped=False,
                )
            ]
        else:
            events = [
                pygame.event.Event(
                    pygame.VIDEORESIZE,
                    size=(rng.randrange(600, 1600), rng.randrange(400, 1000)),
                )
            ]
        d.tick(1, events)
        if k % 300 == 0:
            d.scene.controls.flush()
    settle(d)
    assert d.scene.model.snapshots[0].state != "error"


@pytest.mark.slow
def test_the_b_menu_shows_what_the_b_net_really_uses(network_lab):
    # A is already relu, the default B: B moves to sigmoid, and its menu says so
    d = network_lab(SMALL, side_by_side=True)
    d.tick(2)
    m = d.scene.model
    assert [c.activation for c in m.configs()] == ["relu", "sigmoid"]
    assert d.scene.controls.menus["b_value"].selected_option[0] == "sigmoid"
    d.choose(d.scene.controls.menus["activation"], "sigmoid")
    d.tick(2)
    assert [c.activation for c in m.configs()] == ["sigmoid", "relu"]
    assert d.scene.controls.menus["b_value"].selected_option[0] == "relu"
    assert d.scene.model.labels() == ["A · sigmoid", "B · relu"]


@pytest.mark.slow
def test_a_set_speed_trains_that_many_mini_batches_a_second(driver):
    d, m = driver, driver.scene.model
    d.choose(d.scene.controls.speed_menu, "10/s")
    assert m.speed == 10
    d.key(pygame.K_SPACE)
    assert m.playing
    for _ in range(60):  # one second of frames; the trainer keeps up after each
        d.tick(1)
        m.wait()
    assert m.snapshots[0].step in (9, 10)
    d.choose(d.scene.controls.speed_menu, "max")  # flat out again
    end = time.monotonic() + 120  # however busy the machine: the worker thread needs the CPU
    while time.monotonic() < end and not m.snapshots[0].finished:
        d.tick(1)
        pygame.time.wait(5)
    snap = m.snapshots[0]
    assert snap.state == "done" and snap.step == snap.total_steps == 20  # 5 epochs of 4 batches


def test_widgets_follow_changes_made_by_keys(driver):
    d, m = driver, driver.scene.model
    d.key(pygame.K_b)
    assert m.config.batch_norm
    d.tick(2)
    assert d.scene.controls.boxes["batch_norm"].get_state()
    d.key(pygame.K_s)
    d.tick(2)
    assert m.side_by_side and d.scene.controls.boxes["side"].get_state()
    assert len(d.scene.layout.columns) == 2


def test_picking_a_dataset_brings_its_suggested_settings(registry):
    """The lecture's point 13: the spiral with the digits' defaults never learns; picking it
    brings the settings its plugin suggests (and says so), as `train --dataset spiral` does."""
    from explorer.app.scenes.network.model import NetworkModel

    model = NetworkModel(registry, backend="thread")
    try:
        suggested = registry.dataset("spiral").suggested
        assert suggested, "the spiral plugin suggests settings"
        assert model.set(dataset="spiral")
        c = model.config
        for key, value in suggested.items():
            assert getattr(c, key) == (dict(value) if isinstance(value, dict) else value), key
        assert model.message.startswith("spiral: its suggested settings")
        assert model.set(dataset="moons", depth=5)  # a knob changed with it stays as asked
        assert model.config.depth == 5
    finally:
        model.close()
