"""What each neuron computes: every drawn hidden unit's map over the input plane is that unit's
activation (checked against the net's own layers run by hand, in one forward pass); for digits
the first layer's weight images and each later unit's top-activating held-out digits; drawn in
the network picture where the units were circles, with a card on hover."""

from __future__ import annotations

import numpy as np
import pygame
import torch

from explorer.app.scenes.network.network_view import DROPPED, render_network
from explorer.app.scenes.network.neuron_pictures import MAX_TILE, NeuronTiles
from explorer.app.ui.scale import px
from explorer.app.ui.text import Text
from explorer.training import TrainConfig, TrainingSession
from explorer.training.neuron_maps import TOP, sample_units

MOONS = TrainConfig(dataset="moons", depth=3, width=8, activation="tanh", epochs=3, device="cpu")


def _by_hand(model, x):
    """Each hidden layer's activations, the layers run one by one (evaluation mode)."""
    out = []
    with torch.no_grad():
        for layer in model.hidden:
            x = layer(x)
            out.append(x)
    return out


def test_each_units_map_is_its_activation_over_the_plane_from_one_forward_pass(registry):
    session = TrainingSession(MOONS, registry)
    session.step(30)
    probe, model = session._function_probe, session.model
    calls = []
    hook = model.register_forward_hook(lambda *_: calls.append(1))
    try:
        view = probe.view(model)
    finally:
        hook.remove()
    assert len(calls) == 1  # the decision map's pass gives the units' maps too
    maps = view.neurons
    assert maps is not None and maps.kind == "grid" and maps.widths == (8, 8, 8)
    model.eval()
    for k, acts in enumerate(_by_hand(model, probe.inputs)):
        a = acts.numpy().T.reshape(8, probe.grid, probe.grid)  # row 0 at y0, as the map
        assert np.array_equal(maps.low[k], a.min(axis=(1, 2)))
        assert np.array_equal(maps.high[k], a.max(axis=(1, 2)))
        shown = maps.maps[k].astype(np.float64) * maps.scales[k]
        assert np.abs(shown - a).max() <= maps.scales[k] / 2 + 1e-6  # int8: half a level
        assert maps.maps[k].std() > 0  # a tanh net's units differ over the plane


def test_a_wide_layer_ships_only_the_units_the_picture_draws(registry):
    session = TrainingSession(MOONS.replace(width=40, depth=2), registry)
    maps = session.function_view().neurons
    assert maps.units == (tuple(sample_units(40)),) * 2 and maps.maps[0].shape[0] == 14


def test_digits_show_weight_images_first_then_top_activating_held_out_digits(registry):
    session = TrainingSession(
        TrainConfig(dataset="digits", depth=2, width=6, epochs=1, device="cpu"), registry
    )
    session.step(5)
    probe, model = session._function_probe, session.model
    maps = probe.view(model).neurons
    side = probe.side
    assert maps.kind == "images" and maps.weights.shape == (6, side, side)
    w = model.hidden[0].linear.weight.detach().numpy()
    assert np.array_equal(maps.weights[2], w[2].reshape(side, side))
    model.eval()
    second = _by_hand(model, probe.held)[1].numpy()  # (held-out, 6)
    for j in range(6):
        best = np.sort(second[:, j])[::-1][:TOP]
        assert np.allclose(maps.top_values[0][j], best)
        for n in range(TOP):  # the images shown are the held-out digits that gave those values
            image = maps.bank[maps.top[0][j, n]].reshape(-1)
            row = np.flatnonzero((probe.held.numpy() == image).all(axis=1))[0]
            assert second[row, j] == maps.top_values[0][j, n]


def test_the_picture_draws_each_hidden_unit_as_its_map_and_a_dropped_one_grey(registry):
    session = TrainingSession(MOONS.replace(dropout=0.5), registry)
    session.step(20)
    snap = session.snapshot()
    pygame.font.init()
    tiles = NeuronTiles()
    picture = render_network(snap, (880, 330), Text(), tiles=tiles)
    assert 0 < picture.tile <= px(MAX_TILE)
    kept = snap.layers[0].mask[0]
    for u, (x, y) in picture.centres[1]:
        colour = tuple(picture.surface.get_at((x, y)))[:3]
        assert (colour == DROPPED) == (not kept[u])
    circles = render_network(snap, (880, 330), Text())  # no tiles: the circles, as before
    assert circles.tile == 0
    first = tiles.tiles(snap.function.neurons, picture.tile)
    assert tiles.tiles(snap.function.neurons, picture.tile) is first  # made once a snapshot


def test_hovering_a_unit_shows_its_card(network_lab):
    d = network_lab(MOONS)
    d.scene.model.step(10)
    d.scene.wait_ready()
    d.tick(2)
    picture, rect = d.scene.nets[0], d.scene.layout.columns[0]["net"]
    unit, (x, y) = picture.centres[2][3]
    before = pygame.surfarray.array3d(d.screen).copy()
    move = pygame.event.Event(pygame.MOUSEMOTION, pos=(rect.x + x, rect.y + y), rel=(0, 0))
    d.tick(2, [move])
    assert d.scene.hover == (0, 1, unit)
    assert d.scene._card[1] is not None
    changed = (pygame.surfarray.array3d(d.screen) != before).any(axis=2)
    assert changed.sum() > px(150) ** 2  # the enlarged map and its words are drawn
    away = pygame.event.Event(pygame.MOUSEMOTION, pos=(5, rect.bottom - 2), rel=(0, 0))
    d.tick(1, [away])
    assert d.scene.hover is None
