"""A real net's loss in the Landscape: built and mapped in a worker, while the app goes on."""

from __future__ import annotations

import time

import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.landscape.map_background import render_map

SPEC = "net:moons?epochs=3&n=60"


def wait_for(d: Driver, done, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        d.tick(1)
        if done():
            return
        time.sleep(0.01)
    raise AssertionError("the worker did not answer in time")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_EXPLORER_CACHE", str(tmp_path))
    return tmp_path


@pytest.mark.slow
def test_picking_a_net_surface_builds_it_in_a_worker_then_maps_it(registry, cache):
    d = Driver(registry, timer=lambda: 0.0)
    scene, m = d.scene, d.model
    scene.switch_surface(SPEC)
    assert m.pending_surface == SPEC and m.spec.name == "rosenbrock"  # the app goes on
    assert any("building net:moons" in x.text for x in m.live_messages())
    assert not scene.idle()
    # a coarse map first (a ninth of the points), then the full one
    wait_for(d, lambda: scene._coarse_key is not None and scene._coarse_key[0] == m.surface_version)
    coarse = scene.picture
    assert coarse is not None and coarse.error == "" and scene._grid_asked is not None
    wait_for(d, lambda: scene._picture_key is not None and scene._grid_asked is None)
    assert m.pending_surface == "" and m.spec.has_data
    assert scene.picture is not None and scene.picture.error == "" and scene.picture is not coarse
    # the worker's grid is the grid this process would compute: the same picture, pixel for pixel
    here = render_map(m.spec, scene.view, scene.layout.map_area, scene.text)
    assert pygame.image.tobytes(here.surface, "RGB") == pygame.image.tobytes(
        scene.picture.surface, "RGB"
    )
    m.play()
    d.tick(30)
    assert m.race.t > 0 and all(b.status.active for b in m.race.balls)


def test_a_bad_net_surface_is_one_sentence_and_the_surface_stays(registry, cache):
    d = Driver(registry, timer=lambda: 0.0)
    m = d.model
    d.scene.switch_surface("net:moonz")
    wait_for(d, lambda: not m.pending_surface)
    assert m.spec.name == "rosenbrock"
    errors = [x.text for x in m.live_messages() if x.level == "error"]
    assert any("no dataset 'moonz' (did you mean moons?)" in e for e in errors)


def test_the_surface_menu_offers_the_families_suggestions(registry):
    d = Driver(registry, timer=lambda: 0.0)
    options = [
        o[0] if isinstance(o, tuple) else o for o in d.scene.controls.surface_menu.options_list
    ]
    assert "net:moons" in options and "two_valleys" in options


def test_a_net_surfaces_race_steps_are_computed_on_a_helper_thread_with_the_same_numbers(
    registry, cache
):
    """On a real net's loss each race step's gradients are computed on a helper thread while the
    frames go on; the race is the one stepping it directly gives, bit for bit."""
    from explorer.app.scenes.landscape.model import LandscapeModel

    names = ["sgd", "adam", "momentum"]
    m = LandscapeModel(registry, SPEC, names, timer=lambda: 0.0, ahead=True)
    direct = LandscapeModel(registry, SPEC, names)
    try:
        m.play()
        end = time.monotonic() + 60
        while m.race.t < 40 and time.monotonic() < end:
            assert m.update(1 / 60) <= 1  # one step a frame at most, never a wait
            time.sleep(0.002)
        assert m._ahead is not None or not m.playing  # the next step is being computed
        # the numbers panel shows the newest row whose loss came with its gradients: reading it
        # costs no pass of the net here (the newest position's loss is not computed)
        known = len(m.race.known_losses())
        rows = m.readout()
        assert len(m.race.known_losses()) == known < m.race.t + 1
        assert rows[0].loss == m.race.known_losses()[-1][0]
        direct.race.step(m.race.t)
        assert m.race.t >= 40
        assert (m.race.positions == direct.race.positions).all()
        assert (m.race.losses == direct.race.losses).all()
    finally:
        m.close()
        direct.close()


def test_stepping_ahead_with_mini_batches_is_the_direct_race_even_across_a_restart(registry, cache):
    """The race's random numbers (mini-batches) are drawn on the race's own thread when a step
    is handed to the helper, so a restart while a step is being computed changes nothing: the
    same batches, the same path, as stepping directly."""
    from explorer.app.scenes.landscape.model import LandscapeModel
    from explorer.landscape.race import Noise

    names = ["sgd", "adam"]
    noise = Noise("minibatch", batch=8)
    m = LandscapeModel(registry, SPEC, names, noise=noise, timer=lambda: 0.0, ahead=True)
    direct = LandscapeModel(registry, SPEC, names, noise=noise)

    def run_to(t: int) -> None:
        end = time.monotonic() + 60
        while m.race.t < t and time.monotonic() < end:
            m.update(1 / 60)
            time.sleep(0.002)

    try:
        m.play()
        run_to(12)
        t1 = m.race.t
        assert m._ahead is not None  # a step is being computed right now
        m.set_start(0.3, -0.2)  # restart: that step's answer is for the old race
        run_to(10)
        direct.race.step(t1)
        direct.set_start(0.3, -0.2)
        direct.race.step(m.race.t)
        assert (m.race.positions == direct.race.positions).all()
    finally:
        m.close()
        direct.close()
