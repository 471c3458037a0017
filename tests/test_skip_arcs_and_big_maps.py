"""A residual net's skips drawn as arcs over its layers (identity solid, projection dashed), inside
the network panel and off every unit's map at every layout; and the big-maps view (N) that gives
a 4 × 8 net's units their 48 px maps at 1280 × 720."""

from __future__ import annotations

import dataclasses

import pygame
import pytest

from explorer.app.scenes.network.network_view import render_network
from explorer.app.scenes.network.neuron_pictures import MAX_TILE, NeuronTiles
from explorer.app.scenes.network.scene import PANELS, compute_layout
from explorer.app.scenes.network.skip_arcs import ARC, label_rect
from explorer.app.ui import scale
from explorer.app.ui.scale import px
from explorer.app.ui.text import Text
from explorer.training import TrainConfig, TrainingSession

MOONS = TrainConfig(
    dataset="moons", depth=4, width=8, activation="tanh", residual=True, epochs=3, device="cpu"
)


@pytest.fixture(scope="module")
def snaps(registry):
    """A trained step of a residual 4 × 8 net and of a deep, wide one (sampled columns)."""
    out = {}
    for name, cfg in (("4x8", MOONS), ("12x40", MOONS.replace(depth=12, width=40))):
        session = TrainingSession(cfg, registry)
        session.step(3)
        out[name] = session.snapshot()
    return out


def _check(picture, size) -> None:
    panel = pygame.Rect((0, 0), size)
    units = picture.unit_rects()
    assert picture.arcs
    for arc in picture.arcs:
        for r in [*arc.rects(), label_rect(arc, Text())]:
            assert panel.contains(r), (r, size)
            assert r.collidelist(units) == -1, (r, size)


@pytest.mark.parametrize("ui", [1.0, 1.5, 2.0])
def test_the_arcs_stay_inside_the_panel_and_off_every_map_at_every_layout(snaps, ui):
    pygame.font.init()
    for window in ((1280, 720), (1024, 640), (1920, 1080)):
        scale.set_factor(scale.effective(window, ui))
        for nets, big in ((1, False), (2, False), (1, True), (2, True)):
            size = compute_layout(window, nets, big).columns[0]["net"].size
            for snap in snaps.values():
                _check(render_network(snap, size, Text(), tiles=NeuronTiles()), size)


def test_the_first_skip_is_a_dashed_projection_and_the_rest_solid_identities(snaps):
    pygame.font.init()
    picture = render_network(snaps["4x8"], (880, 330), Text(), tiles=NeuronTiles())
    assert [a.projection for a in picture.arcs] == [True, False, False, False]  # 2 → 8, then 8 → 8
    drawn = sum(
        tuple(picture.surface.get_at(p))[:3] == ARC for arc in picture.arcs for p in arc.points
    )
    assert drawn > len(picture.arcs) * 5  # the arcs are on the picture
    no_skips = dataclasses.replace(snaps["4x8"], config={**snaps["4x8"].config, "residual": False})
    plain = render_network(no_skips, (880, 330), Text(), tiles=NeuronTiles())
    assert plain.arcs == []  # a net without skips: no arcs


def test_big_maps_give_a_4x8_net_48_px_maps_at_1280x720_and_n_turns_them_off(network_lab):
    d = network_lab(MOONS)
    d.scene.model.step(3)
    d.scene.wait_ready()
    usual = d.scene.nets[0].tile
    assert 0 < usual < px(MAX_TILE)  # eight units share the net's ~330 px
    d.key(pygame.K_n)
    d.scene.wait_ready()
    assert d.scene.big_maps and d.scene.nets[0].tile == px(MAX_TILE) == 48
    layout = d.scene.layout.columns[0]
    assert not layout["net"].colliderect(layout["function"])  # the other panels beside it
    d.key(pygame.K_n)
    d.scene.wait_ready()
    assert not d.scene.big_maps and d.scene.nets[0].tile == usual


@pytest.mark.parametrize("window", [(1024, 640), (1280, 720), (1920, 1080)])
def test_big_maps_panels_lie_inside_the_main_area_without_overlapping(window):
    scale.set_factor(scale.effective(window, None))
    for nets in (1, 2):
        layout = compute_layout(window, nets, True)
        rects = [r for cols in layout.columns for r in cols.values() if r.w]
        assert all(layout.main.contains(r) for r in rects)
        assert all(a.collidelist([b for b in rects if b is not a]) == -1 for a in rects)
        if nets == 2:  # the bottom-left chart is left out; w brings the usual layout back
            assert all(not cols["grads"].w for cols in layout.columns)


def test_asking_for_a_chart_big_maps_left_out_brings_the_usual_layout_back(network_lab):
    d = network_lab(MOONS, side_by_side=True)
    d.key(pygame.K_n)
    assert d.scene.big_maps
    d.key(pygame.K_w)
    assert not d.scene.big_maps and d.scene.chart == "weights"
    assert all(cols["grads"].w for cols in d.scene.layout.columns)


def test_new_maps_are_made_in_one_frame_and_the_net_drawn_with_them_in_the_next(network_lab):
    d = network_lab(MOONS)
    try:
        scene, model = d.scene, d.scene.model
        model.step(2)
        scene.wait_ready()
        model.step(3)
        model.wait(60)
        neurons = model.snapshots[0].function.neurons
        before = scene.nets[0]
        scene._next = PANELS.index("net")  # the net's turn
        scene.prepare()
        assert scene.nets[0] is before  # this frame made the maps' tiles only
        assert scene.tiles[0].ready(neurons, before.tile)
        scene.prepare()
        assert scene.nets[0] is not before  # the next drew the net with them
    finally:
        scene.close()
