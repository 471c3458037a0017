"""The Dropout scene as a user sees it: the thinned network of each mini-batch, the two scaling
conventions, and the ensemble of all thinned networks vs the weight-scaled network. Its work runs
as jobs off the UI thread; these tests let each frame's jobs finish (``settle``) so they see what
a user sees a moment later."""

import random

import numpy as np
import pygame
import pygame_gui
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.dropout.scene import DropoutScene
from explorer.app.scenes.dropout.thinned_net_view import KEPT


@pytest.fixture
def driver(registry):
    d = Driver(registry, scene="dropout")
    settle(d)
    yield d
    d.scene.close()


def settle(driver, ticks: int = 1) -> None:
    """Let the live net's jobs sent so far finish, then draw what they answered."""
    driver.scene.model.wait(60, ensemble=False)
    driver.tick(ticks)
    driver.scene.model.wait(60, ensemble=False)
    driver.tick(1)


def run(driver, seconds: float) -> None:
    """``seconds`` of frames, each frame's job done before the next frame (fake time)."""
    for _ in range(round(seconds * 60)):
        driver.tick(1)
        driver.scene.model.jobs.wait("live", timeout=60)
    settle(driver)


def key(driver, k: int) -> None:
    driver.key(k)
    settle(driver)


def paused(driver) -> DropoutScene:
    scene = driver.scene
    if scene.model.playing:
        driver.key(pygame.K_SPACE)
    assert not scene.model.playing
    settle(driver)
    return scene


def unit_centre(scene, drawing: str, layer: int, unit: int) -> tuple[int, int]:
    area = scene.layout.areas[drawing]
    x, y = scene.drawings[drawing].centres[layer][unit]
    return area.x + x, area.y + y


def is_grey(rgb) -> bool:
    return max(rgb) - min(rgb) < 24 and max(rgb) < 160


def is_kept_blue(rgb) -> bool:
    return rgb[2] > rgb[0] + 80 and rgb[2] > 180


def current_masks(scene) -> list[np.ndarray]:
    """Sample 1's mask in each hidden layer, as the worker's net drew it this mini-batch."""
    return [np.asarray(k) for k in scene.model.view.kept]


def test_dropped_units_are_grey_in_training_mode_and_every_unit_is_there_in_evaluation(driver):
    scene = paused(driver)
    key(driver, pygame.K_RIGHT)
    masks = current_masks(scene)
    assert any((~m).any() for m in masks) and any(m.any() for m in masks)
    for i, kept in enumerate(masks):
        for u, k in enumerate(kept):
            train = driver.pixel(unit_centre(scene, "train", i + 1, u))
            evaluation = driver.pixel(unit_centre(scene, "eval", i + 1, u))
            assert is_kept_blue(train) if k else is_grey(train), (i, u, k, train)
            assert is_kept_blue(evaluation), (i, u, evaluation)
    assert driver.pixel(unit_centre(scene, "eval", 1, 0)) == KEPT


def test_each_mini_batch_draws_a_new_thinner_network(driver):
    scene = paused(driver)
    step = scene.model.view.step
    seen, pictures = [], []
    for _ in range(5):
        key(driver, pygame.K_RIGHT)
        seen.append(np.concatenate(current_masks(scene)))
        pictures.append(
            [is_grey(driver.pixel(unit_centre(scene, "train", 1, u))) for u in range(8)]
        )
    assert scene.model.view.step == step + 5  # paused: only the key trains
    assert len({m.tobytes() for m in seen}) >= 4
    assert len({tuple(p) for p in pictures}) >= 3
    for mask, picture in zip(seen, pictures, strict=True):
        assert picture == [not k for k in mask[:8]]


@pytest.mark.slow
def test_the_dropped_fraction_over_many_mini_batches_is_close_to_p(driver):
    scene = driver.scene
    driver.click(scene.controls.rate_slider.right_button.rect.center)
    scene.controls.rate_slider.set_current_value(1.0)
    scene.set_rate(30.0)
    run(driver, 5.0)
    assert scene.model.batches >= 120
    assert scene.model.dropped_pairs / scene.model.total_pairs == pytest.approx(0.5, abs=0.02)
    assert 0.3 < scene.model.view.batch_dropped < 0.7


@pytest.mark.slow
def test_play_trains_at_the_chosen_rate_and_the_button_pauses(driver):
    scene = driver.scene
    assert scene.model.playing and scene.model.rate == pytest.approx(3.0)
    start = scene.model.view.step
    run(driver, 2.0)
    assert 5 <= scene.model.view.step - start <= 7
    driver.click(scene.controls.play_button.rect.center)
    assert not scene.model.playing and scene.controls.play_button.text == "Play"
    settle(driver)
    stopped = scene.model.view.step
    run(driver, 1.0)
    assert scene.model.view.step == stopped
    driver.click(scene.controls.step_button.rect.center)
    settle(driver)
    assert scene.model.view.step == stopped + 1


@pytest.mark.slow
def test_moving_the_p_slider_restarts_both_demonstrations_with_that_p(driver):
    scene = driver.scene
    scene.wait_ready()
    slider = scene.controls.p_slider
    for _ in range(4):  # four clicks on the slider's left arrow: 0.5 → 0.3
        driver.click(slider.left_button.rect.center, ticks=2)
    driver.run(0.5)
    scene.wait_ready()
    assert scene.model.p == pytest.approx(0.3)
    assert scene.model.view.p == pytest.approx(0.3)
    assert scene.model.view.step <= 40  # a new run
    assert scene.model.view.scaling.p == pytest.approx(0.3)
    assert [net.p for net in scene.model.ensemble.values()] == [pytest.approx(0.3)] * 2
    scene.toggle_play() if scene.model.playing else None
    for _ in range(31):
        scene.next_batch()
        scene.wait_ready()
    assert scene.model.dropped_pairs / scene.model.total_pairs == pytest.approx(0.3, abs=0.03)


def test_the_ensemble_average_is_exact_for_a_linear_net_and_close_for_a_sigmoid_one(driver):
    scene = driver.scene
    scene.wait_ready()
    driver.tick(1)
    assert scene.model.ensemble_ready and not scene.model.ensemble_error
    linear, sigmoid = scene.model.ensemble["linear"], scene.model.ensemble["sigmoid"]
    for net in (linear, sigmoid):
        assert net.result.n_networks == 2**12
        assert net.result.probs.sum() == pytest.approx(1.0)
        assert net.val_acc > 0.7  # trained, not random
    assert linear.result.outputs.std(0).max() > 0.1  # the thinned networks really differ
    assert linear.result.max_abs_diff < 1e-9
    assert 1e-6 < sigmoid.result.max_abs_diff < 0.1
    # the histograms are drawn: the average's green line shows in each half of panel 3
    for name in ("linear", "sigmoid"):
        area = scene.layout.areas[name]
        row = [driver.pixel((x, area.centery)) for x in range(area.x, area.right)]
        assert (120, 230, 140) in row


@pytest.mark.slow
def test_changing_p_shows_computing_until_the_new_ensemble_is_ready(driver):
    scene = driver.scene
    scene.wait_ready()
    scene.choose_p(0.8)
    driver.run(0.4)
    assert scene.model.p == pytest.approx(0.8)
    if not scene.model.ensemble_ready:  # the thread may already be done on a fast machine
        assert scene.model.ensemble == {}
    scene.wait_ready()
    assert scene.model.ensemble["linear"].result.max_abs_diff < 1e-9
    assert scene.model.ensemble["sigmoid"].p == pytest.approx(0.8)


def test_both_scaling_conventions_give_the_same_input_in_training_and_at_test(driver):
    scene = paused(driver)
    for _ in range(20):
        driver.key(pygame.K_RIGHT, ticks=1)
        settle(driver)
    s = scene.model.view.scaling
    assert abs(s.full) > 1e-3
    assert s.agrees(s.inv_train, s.inv_se, s.inv_test)
    assert s.agrees(s.orig_train, s.orig_se, s.orig_test)
    # forgetting the scaling: the test input is 1 / (1 − p) times the training one
    assert s.inv_test / s.orig_train == pytest.approx(1 / (1 - s.p), rel=0.05)
    # scaling twice: (1 − p) times
    assert s.orig_test / s.inv_train == pytest.approx(1 - s.p, rel=0.05)


def test_clicking_a_unit_of_hidden_layer_2_follows_it(driver):
    scene = paused(driver)
    target = 3 if scene.model.unit != 3 else 4
    driver.click(unit_centre(scene, "eval", 2, target))
    settle(driver)
    assert scene.model.unit == target and scene.model.view.scaling.unit == target
    x, y = unit_centre(scene, "eval", 2, target)
    ring = scene.drawings["eval"].radius + 4
    assert driver.pixel((x, y - ring)) == (255, 200, 90)


def test_reset_starts_the_same_run_again(driver):
    scene = paused(driver)
    first = np.concatenate(current_masks(scene))
    for _ in range(3):
        key(driver, pygame.K_RIGHT)
    key(driver, pygame.K_r)
    assert scene.model.view.step == 1 and scene.model.batches == 1
    assert np.array_equal(np.concatenate(current_masks(scene)), first)


@pytest.mark.slow
def test_the_dataset_menu_restarts_on_another_dataset(driver):
    scene = driver.scene
    assert "circle" in scene.model.datasets
    menu = scene.controls.dataset_menu
    event = pygame.event.Event(pygame_gui.UI_DROP_DOWN_MENU_CHANGED, ui_element=menu, text="circle")
    driver.tick(2, [event])
    scene.wait_ready()
    assert scene.model.setup().dataset == "circle"
    assert scene.model.ensemble["linear"].inputs.shape[1] == 2
    assert scene.model.ensemble["linear"].result.max_abs_diff < 1e-9


@pytest.mark.parametrize("size", [(1024, 640), (1600, 900)])
def test_the_layout_fits_the_window(driver, size):
    driver.app.resize(size)
    driver.tick(2)
    scene = driver.scene
    window = pygame.Rect((0, 0), size)
    for rect in [*scene.layout.panels.values(), *scene.layout.areas.values()]:
        assert window.contains(rect)
    for element in scene.controls.actions:
        assert window.contains(element.rect)
    assert scene.controls.dataset_menu.rect.right <= size[0]
    assert driver.pixel((size[0] // 2, 5)) == (24, 26, 32)  # the tab strip's rows are bare


def test_close_ends_the_background_worker(registry):
    d = Driver(registry, scene="dropout")
    threads = [w.thread for w in d.scene.model.jobs._workers.values()]
    assert len(threads) == 2 and all(t.is_alive() for t in threads)  # live net, ensemble
    d.scene.close()
    assert not any(t.is_alive() for t in threads)


@pytest.mark.slow
def test_random_input_never_breaks_the_scene(driver):
    rng = random.Random(7)
    keys = [
        pygame.K_SPACE,
        pygame.K_RIGHT,
        pygame.K_r,
        pygame.K_LEFT,
        pygame.K_UP,
        pygame.K_a,
        pygame.K_TAB,
        pygame.K_ESCAPE,
        pygame.K_RETURN,
        pygame.K_h,
        pygame.K_1,
    ]
    events = []
    for _ in range(2000):
        w, h = driver.screen.get_size()
        pos = (rng.randrange(-20, w + 20), rng.randrange(-20, h + 20))
        kind = rng.random()
        if kind < 0.25:
            motion = {"pos": pos, "rel": (1, 1), "buttons": (0, 0, 0)}
            events.append(pygame.event.Event(pygame.MOUSEMOTION, motion))
        elif kind < 0.5:
            button = rng.choice([1, 1, 1, 2, 3])
            events.append(pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=pos, button=button))
            events.append(pygame.event.Event(pygame.MOUSEBUTTONUP, pos=pos, button=button))
        elif kind < 0.75:
            key = rng.choice(keys)
            for etype in (pygame.KEYDOWN, pygame.KEYUP):
                events.append(pygame.event.Event(etype, key=key, mod=0, unicode="", scancode=0))
        elif kind < 0.95:
            y = rng.choice([-3, -1, 1, 3])
            events.append(
                pygame.event.Event(
                    pygame.MOUSEWHEEL, x=0, y=y, precise_x=0.0, precise_y=float(y), flipped=False
                )
            )
        else:
            size = (rng.randrange(900, 1500), rng.randrange(560, 900))
            events.append(pygame.event.Event(pygame.VIDEORESIZE, size=size, w=size[0], h=size[1]))
    for k in range(0, len(events), 8):
        driver.tick(1, events[k : k + 8])
    driver.scene.wait_ready()
    driver.tick(2)
    assert driver.scene.model.view is not None and not driver.scene.model.message
