"""The Activation scene as a user sees it: a plot per activation with its saturated stretches
shaded, Maxout's learned pieces, and a ReLU net's thinner linear network for one input."""

import dataclasses
import random

import numpy as np
import pygame
import pygame_gui
import pytest
import torch
from torch import nn

from explorer.app.harness import Driver
from explorer.app.scenes.activations.activation_plots import F_COLOUR, PLOT_BG, SHADE
from explorer.app.scenes.activations.relu_thinner_view import ACTIVE, INACTIVE
from explorer.app.scenes.activations.scene import compute_layout
from explorer.app.ui.frame import MIN_SIZE, TAB_H
from explorer.specs import ActivationSpec
from explorer.training import SATURATION_SLOPE
from explorer.training.maxout_pieces import hidden_output


@pytest.fixture(scope="module")
def driver(registry):
    d = Driver(registry, scene="activations")
    d.scene.wait_ready()
    d.tick(2)
    yield d
    d.scene.close()


def near(a, b, tol=40) -> bool:
    return sum(abs(x - y) for x, y in zip(a, b, strict=True)) <= tol


def _sky(p) -> bool:
    """A pixel of the f(z) curve (F_COLOUR, a light blue, antialiased)."""
    return p[2] >= 150 and p[2] - p[0] >= 0.5 * (F_COLOUR[2] - F_COLOUR[0])


@pytest.mark.slow
def test_every_activation_has_its_own_cell_with_a_plot(driver, registry):
    scene = driver.scene
    grid = scene.layout.panels["grid"]
    rects = [scene.cell_rect(name) for name in registry.activations]
    assert len(rects) == len(registry.activations) >= 10
    for name, rect in zip(registry.activations, rects, strict=True):
        assert rect.w > 60 and rect.h > 60 and grid.contains(rect), name
        assert rect.collidelist([r for r in rects if r is not rect]) == -1, name
        curve = scene.model.curves[name]
        if registry.activations[name].pieces > 1:
            assert not curve.plotted and not curve.error  # Maxout: the pieces idea instead
            continue
        assert curve.plotted and not curve.error, name
        # the f(z) curve is on screen where it should be (z = 1.3: away from the axes)
        i = int(np.argmin(np.abs(curve.z - 1.3)))
        x, y = scene.grid_point(name, curve.z[i], curve.f[i])
        around = [driver.pixel((x, y + dy)) for dy in (-2, -1, 0, 1, 2)]
        assert any(_sky(p) for p in around), (name, around)


def test_derivatives_come_from_autograd_and_match_the_maths(driver):
    c = driver.scene.model.curves
    s = 1 / (1 + np.exp(-c["sigmoid"].z))
    assert np.allclose(c["sigmoid"].df, s * (1 - s), atol=1e-6)
    assert np.allclose(c["tanh"].df, 1 - np.tanh(c["tanh"].z) ** 2, atol=1e-5)
    relu = c["relu"]
    assert np.all(relu.df[relu.z > 0] == 1) and np.all(relu.df[relu.z < 0] == 0)
    assert np.allclose(c["prelu"].df[c["prelu"].z < 0], 0.25)  # PReLU called as it is


def test_saturated_stretches_are_shaded(driver):
    scene = driver.scene
    sig = scene.model.curves["sigmoid"]
    assert np.all(sig.saturated == (np.abs(sig.df) < SATURATION_SLOPE))
    for z in (4.0, -4.0):  # σ′ ≈ 0.018 there: shaded, above f′ and below f
        assert driver.pixel(scene.grid_point("sigmoid", z, 0.5)) == SHADE
    assert driver.pixel(scene.grid_point("sigmoid", 0.4, 0.9)) == PLOT_BG  # σ′ ≈ 0.24
    assert driver.pixel(scene.grid_point("linear", 2.0, 3.0)) == PLOT_BG  # never saturates
    assert driver.pixel(scene.grid_point("relu", -2.5, 2.5)) == SHADE  # the dead side


def test_clicking_a_cell_or_the_menu_selects_an_activation(driver):
    scene = driver.scene
    driver.click(scene.cell_rect("tanh").center)
    assert scene.model.selected == "tanh"
    assert scene.controls.activation_menu.selected_option[0] == "tanh"
    driver.key(pygame.K_RIGHT)
    assert scene.model.selected == "relu"
    # the drop-down, clicked open, then an option clicked
    menu = scene.controls.activation_menu
    driver.choose(menu, "elu")
    assert scene.model.selected == "elu"
    driver.click(scene.cell_rect("sigmoid").center)
    assert scene.model.selected == "sigmoid"


def test_maxout_pieces_max_is_the_trained_units_output(driver):
    scene = driver.scene
    data = scene.results.maxout
    assert data is not None and data.accuracy > 0.85
    assert len(data.units) == 4 and all(u.pieces.shape[0] == data.pieces == 3 for u in data.units)
    for unit in data.units:
        out = hidden_output(data.model, data.line_points(unit))[:, unit.index]
        assert np.allclose(unit.maximum, out, atol=1e-4)
        assert np.isclose(np.linalg.norm(unit.direction), 1.0)
        # the thick max line is drawn where it should be (middle of the line)
        frame = scene.maxout_frame(unit.index)
        i = len(unit.t) // 2
        x, y = frame.point(unit.t[i], unit.maximum[i])
        around = [driver.pixel((x, y + dy)) for dy in (-2, -1, 0, 1, 2)]
        assert any(sum(p) > 600 for p in around), around


def test_thinner_network_is_the_autograd_jacobian_and_grey_units_are_off(driver):
    scene = driver.scene
    net = scene.results.relu
    assert net is not None and net.sizes == (2, 6, 6, 2)
    area = scene.layout.areas["map"]
    greys = 0
    for u, v in [(None, None), (0.2, 0.3), (0.8, 0.7), (0.5, 0.5), (0.1, 0.9)]:
        if u is not None:
            driver.click((area.x + u * area.w, area.y + v * area.h))
        th = scene.thinner
        x = torch.tensor(th.x, dtype=torch.float64)
        jac = torch.autograd.functional.jacobian(lambda p: net.model(p[None])[0], x).numpy()
        assert np.allclose(th.A, jac, atol=1e-9)
        with torch.no_grad():
            logits = net.model(x[None])[0].numpy()
        assert np.allclose(th.A @ th.x + th.c, logits, atol=1e-9)
        for layer in (1, 2):
            z = th.z[layer - 1]
            for unit in range(6):
                colour = driver.pixel(scene.unit_centre(layer, unit))
                assert colour in (ACTIVE, INACTIVE)
                assert (colour == INACTIVE) == (z[unit] <= 0), (layer, unit, z[unit])
                greys += colour == INACTIVE
    assert greys > 0
    assert scene.model.input_point is not None and np.allclose(
        scene.thinner.x, scene.model.input_point
    )


@pytest.mark.slow
def test_pieces_menu_and_retrain_button_train_new_nets(registry):
    d = Driver(registry, size=MIN_SIZE, scene="activations")
    scene = d.scene
    threads = [w.thread for w in scene.model.jobs._workers.values()]
    try:
        assert "training" in scene.status_text()
        scene.wait_ready()
        first = scene.results.relu
        scene.set_pieces(2)  # what the pieces drop-down calls
        scene.wait_ready()
        assert all(u.pieces.shape[0] == 2 for u in scene.results.maxout.units)
        button = next(
            e
            for e in scene.manager.get_root_container().elements
            if isinstance(e, pygame_gui.elements.UIButton) and e.text.startswith("Retrain")
        )
        d.click(button.rect.center)
        assert scene.model.seed == 1
        scene.wait_ready()
        d.tick(2)
        assert scene.results.relu is not first and scene.results.relu.seed == 1
        assert scene.results.maxout.seed == 1 and "seed 1" in scene.status_text()
    finally:
        scene.close()
    assert threads and not any(t.is_alive() for t in threads)  # its worker is gone


class Boom(nn.Module):
    def forward(self, z):
        raise RuntimeError("boom")


class NotANumber(nn.Module):
    def forward(self, z):
        return z * float("nan")


def _raises():
    raise ValueError("this plugin is broken")


def test_a_broken_activation_plugin_gets_a_sentence_not_a_crash(registry):
    broken = {
        "broken_factory": ActivationSpec("broken_factory", _raises, "?", plugin="fake"),
        "broken_call": ActivationSpec("broken_call", Boom, "?", plugin="fake"),
        "nan_out": ActivationSpec("nan_out", NotANumber, "NaN", plugin="fake"),
        "not_a_module": ActivationSpec("not_a_module", lambda: 3, plugin="fake"),
    }
    reg = dataclasses.replace(registry, activations={**registry.activations, **broken})
    d = Driver(reg, size=MIN_SIZE, scene="activations")
    scene = d.scene
    try:
        for name in broken:
            curve = scene.model.curves[name]
            assert curve.error.startswith("Not plotted") and curve.error.endswith(".")
            assert not curve.plotted
            rect = scene.cell_rect(name)
            assert rect.w > 0
            reds = sum(
                near(d.pixel((x, y)), (255, 110, 100), 60)
                for x in range(rect.x, rect.right, 2)
                for y in range(rect.y, rect.bottom, 2)
            )
            assert reds > 5, name  # the sentence, in the error colour
            d.click(rect.center)
            assert scene.model.selected == name
        assert "boom" in scene.model.curves["broken_call"].detail
        assert scene.model.curves["sigmoid"].plotted  # the others still plot
    finally:
        scene.close()


def test_layout_fits_at_both_sizes():
    for size in ((1280, 720), MIN_SIZE, (1920, 1080)):
        L = compute_layout(size)
        window = pygame.Rect(0, 0, *size)
        assert L.toolbar.y == TAB_H
        panels = list(L.panels.values())
        for i, p in enumerate(panels):
            assert window.contains(p) and p.y >= L.toolbar.bottom
            assert p.collidelist(panels[:i] + panels[i + 1 :]) == -1
        for name, area in L.areas.items():
            assert area.w > 100 and area.h > 60, (size, name)
            assert any(p.contains(area) for p in panels), (size, name)


KEYS = [
    pygame.K_LEFT,
    pygame.K_RIGHT,
    pygame.K_UP,
    pygame.K_DOWN,
    pygame.K_r,
    pygame.K_h,
    pygame.K_SPACE,
    pygame.K_ESCAPE,
    pygame.K_RETURN,
    pygame.K_TAB,
    pygame.K_a,
]


def _event(rng: random.Random, size) -> pygame.event.Event:
    w, h = size
    pos = (rng.randrange(-20, w + 20), rng.randrange(-20, h + 20))
    r = rng.random()
    if r < 0.15:
        kind = pygame.KEYDOWN if rng.random() < 0.6 else pygame.KEYUP
        return pygame.event.Event(kind, key=rng.choice(KEYS), mod=0, unicode="", scancode=0)
    if r < 0.45:
        kind = rng.choice([pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP])
        return pygame.event.Event(kind, pos=pos, button=rng.choice([1, 1, 1, 2, 3]))
    if r < 0.88:
        buttons = rng.choice([(0, 0, 0), (1, 0, 0)])
        return pygame.event.Event(pygame.MOUSEMOTION, pos=pos, rel=(1, 1), buttons=buttons)
    if r < 0.97:
        y = rng.choice([-3, -1, 1, 4])
        return pygame.event.Event(
            pygame.MOUSEWHEEL, x=0, y=y, precise_x=0.0, precise_y=float(y), flipped=False
        )
    size = (rng.randint(300, 1900), rng.randint(200, 1100))
    return pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1])


@pytest.mark.slow
def test_random_events_never_raise(registry):
    rng = random.Random(7)
    d = Driver(registry, scene="activations")
    try:
        sent = 0
        while sent < 2000:
            batch = [_event(rng, d.screen.get_size()) for _ in range(rng.randint(2, 10))]
            sent += len(batch)
            d.tick(1, batch, seconds=rng.choice([0.0, 1 / 60, 0.2]))
        d.scene.wait_ready()
        d.tick(2)
        assert d.scene.results.done
    finally:
        d.scene.close()
