"""The Landscape scene driven by synthetic events: what a user clicks, the app does."""

import numpy as np
import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.landscape.controls import LandscapeControls
from explorer.app.ui.numbers_format import num
from explorer.landscape.race import Status


@pytest.fixture
def app(registry):
    # A timer that never advances: the per-frame simulation budget never binds, so a second of
    # fake time is exactly `speed` steps whatever the machine's load.
    return Driver(registry, timer=lambda: 0.0)


def slider_for(controls: LandscapeControls, section: str, key):
    """(the knob, the typed-value box beside it, its Hyper)."""
    vs = controls.slider_of[(section, key)]
    return vs.slider, vs.entry, vs.hyper


def test_a_click_on_the_map_sets_the_start(app):
    px, py = app.scene.layout.plot.center
    target = (px + 120, py - 60)
    app.click(target)
    x, y = app.scene.view.to_world(*target)
    assert app.model.race.start == pytest.approx((x, y))
    assert app.model.race.t == 0
    # every ball sits at the new start
    assert np.allclose(app.model.race.positions[-1], (x, y))


@pytest.mark.slow
def test_play_pause_and_step_buttons_and_keys(app):
    m = app.model
    app.click(app.scene.controls.play_button.rect.center)
    assert m.playing and app.scene.controls.play_button.text == "Pause"
    t0 = m.race.t
    app.run(1.0)
    assert m.race.t - t0 == pytest.approx(m.speed, abs=1)  # one second at the chosen speed
    app.key(pygame.K_SPACE)
    assert not m.playing
    t = m.race.t
    app.run(0.5)
    assert m.race.t == t  # paused: time passes, the balls do not move
    app.key(pygame.K_RIGHT)
    assert m.race.t == t + 1
    step_button = next(
        e for e in app.scene.controls.sections["toolbar"] if getattr(e, "text", "") == "Step"
    )
    app.click(step_button.rect.center)
    assert m.race.t == t + 2
    app.key(pygame.K_r)
    assert m.race.t == 0 and not m.playing


@pytest.mark.slow
def test_a_slider_changes_a_balls_learning_rate_mid_run(app):
    m = app.model
    m.play()
    app.run(0.3)
    i = m.selected
    name = m.selected_name()
    before = m.race.balls[i].hyper["lr"]
    slider, label, hyper = slider_for(app.scene.controls, "tune", (name, "lr"))
    for _ in range(3):
        app.click(slider.right_button.rect.center)
    after = m.race.balls[i].hyper["lr"]
    assert after > before
    assert after == pytest.approx(hyper.from_unit(slider.get_current_value()))
    assert label.get_text() == num(after)  # and the value beside the slider says so
    assert m.race.t > 0  # changed mid-run: the race went on, not restarted
    t = m.race.t
    app.run(0.2)
    assert m.race.t > t


def test_the_surface_menu_changes_the_surface(app):
    app.choose(app.scene.controls.surface_menu, "himmelblau")
    assert app.model.spec.name == "himmelblau"
    assert app.model.race.start == pytest.approx(tuple(app.model.spec.starts[0]))
    # the view now frames himmelblau's domain
    (x0, x1), (y0, y1) = app.scene.view.bounds()
    assert x0 <= -5 and x1 >= 5 and y0 <= -5 and y1 >= 5


def test_number_keys_switch_surfaces_in_menu_order(app, registry):
    names = list(registry.surfaces)
    app.key(pygame.K_2)
    assert app.model.spec.name == names[1]
    app.key(pygame.K_9)
    assert app.model.spec.name == names[8]


def test_unticking_an_optimizer_removes_its_ball(app):
    box = app.scene.controls.opt_boxes["sgd"]
    app.click(box.rect.center)
    assert "sgd" not in [b.spec.name for b in app.model.race.balls]
    app.click(box.rect.center)
    assert "sgd" in [b.spec.name for b in app.model.race.balls]


@pytest.mark.slow
def test_schedule_menu_applies_a_schedule_to_every_ball(app):
    app.choose(app.scene.controls.sections["schedule"][1], "cosine")
    m = app.model
    assert m.schedule == "cosine"
    for ball in m.race.balls:
        assert ball.lr_schedule is not None
        assert ball.lr_schedule[0] == pytest.approx(ball.hyper["lr"])
        assert ball.lr_schedule[-1] < 0.01 * ball.hyper["lr"]


@pytest.mark.slow
def test_noise_menu_offers_minibatch_only_on_data_surfaces(app):
    menu = app.scene.controls.sections["noise"][1]
    assert "mini-batch B" not in menu.options_list and "mini-batch B" not in [
        o[0] if isinstance(o, tuple) else o for o in menu.options_list
    ]
    app.choose(menu, "gaussian σ")
    assert app.model.noise.mode == "gaussian" and app.model.race.noise.mode == "gaussian"
    app.scene.switch_surface("linear_regression")
    app.tick(2)
    app.choose(app.scene.controls.sections["noise"][1], "mini-batch B")
    assert app.model.race.noise.mode == "minibatch"


def test_wheel_zooms_and_drag_pans(app):
    view = app.scene.view
    center = app.scene.layout.plot.center
    span = view.span()
    world = view.to_world(*center)
    app.wheel(center, 2)
    assert view.span() < span * 0.8
    assert view.to_world(*center) == pytest.approx(world)  # zoomed about the pointer
    start = app.model.race.start
    before = view.to_world(*center)
    app.drag(center, (center[0] + 100, center[1]))
    after = view.to_world(*center)
    assert after[0] < before[0]  # dragging right shows what was to the left
    assert app.model.race.start == start  # a drag is not a click


def test_custom_expression_and_its_error_inline(app):
    entry = app.scene.controls.expr_entry
    app.click(entry.rect.center)
    app.type_text("x**2 + foo(y)")
    assert "foo" in app.model.expr_error
    assert app.model.spec.name == "rosenbrock"  # a bad formula keeps the surface
    box_top = entry.rect.bottom + 4
    red = app.pixel((entry.rect.x + 1, box_top + 2))
    assert red[0] > 150 and red[1] < 140  # the error box's red border, right under the entry
    entry.set_text("")
    app.click(entry.rect.center)
    app.type_text("x**2 - y**2")
    assert app.model.spec.name == "expr:x**2 - y**2"
    assert app.model.expr_error == ""


def test_keys_typed_into_the_formula_box_are_not_shortcuts(app):
    app.click(app.scene.controls.expr_entry.rect.center)
    app.tick(
        1, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_2, mod=0, unicode="2", scancode=0)]
    )
    assert app.model.spec.name == "rosenbrock"


@pytest.mark.slow
def test_inspector_on_a_saddle_and_start_nudged_along_the_escape(app):
    app.scene.switch_surface("saddle")
    app.tick(2)
    near = app.scene.view.point_to_screen(0.02, -0.01)  # a click is never exactly on it
    app.click(near, button=3)
    cp = app.model.inspection
    assert cp is not None and cp.kind == "saddle" and cp.is_critical
    assert (cp.x, cp.y) == pytest.approx((0.0, 0.0), abs=1e-9)  # snapped to the saddle
    assert sorted(cp.eigenvalues) == pytest.approx([-2.0, 2.0])
    button = app.scene.controls.start_here
    assert "escape" in button.text
    app.click(button.rect.center)
    start = np.array(app.model.race.start)
    assert abs(start[0]) < 1e-9 and abs(start[1]) > 0  # nudged along ±y, the escape direction
    assert app.model.playing
    app.run(2.0)
    assert all(abs(p[1]) > 0.5 for p in app.model.race.positions[-1])  # they rolled off


def test_right_click_on_a_ball_inspects_where_it_is(app):
    m = app.model
    m.play()
    app.run(1.0)
    m.pause()
    i = 0
    pos = app.scene.view.point_to_screen(*m.race.positions[-1, i])
    app.click(pos, button=3)
    assert m.inspection is not None
    assert (m.inspection.x, m.inspection.y) == pytest.approx(tuple(m.race.positions[-1, i]))


@pytest.mark.slow
def test_diverged_ball_is_explained_in_one_line(app):
    m = app.model
    app.scene.switch_surface("ravine")
    m.set_hyper("sgd", "lr", 0.6)  # × curvature 4 = 2.4 > 2
    m.play()
    app.run(2.0)
    sgd = m.race.balls[m.ball_index("sgd")]
    assert sgd.status is Status.DIVERGED
    assert "× largest curvature" in str(sgd.reason) and "> 2" in str(sgd.reason)
    x, y = m.exit_point(m.ball_index("sgd"))
    (x0, x1), (y0, y1) = m.spec.domain
    assert x0 <= x <= x1 and y0 <= y <= y1  # marked where it left the surface


def test_help_overlay_lists_keys_and_swallows_them(app):
    app.key(pygame.K_h)
    assert len(app.app.scenes) == 2
    playing = app.model.playing
    app.key(pygame.K_SPACE)
    assert app.model.playing == playing  # the overlay consumed it
    app.key(pygame.K_ESCAPE)
    assert len(app.app.scenes) == 1


def test_resize_relays_out_without_losing_state(app):
    m = app.model
    m.set_hyper("sgd", "lr", 0.002)
    app.tick(1, [pygame.event.Event(pygame.VIDEORESIZE, size=(1600, 900), w=1600, h=900)])
    assert app.screen.get_size() == (1600, 900)
    assert app.scene.layout.size == (1600, 900)
    assert app.scene.controls.play_button.rect.right < 1600
    slider, label, hyper = slider_for(app.scene.controls, "tune", ("sgd", "lr"))
    assert hyper.from_unit(slider.get_current_value()) == pytest.approx(0.002, rel=0.05)


def test_csv_button_writes_the_trajectories(app, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    app.model.step_once()
    button = next(
        e for e in app.scene.controls.sections["toolbar"] if getattr(e, "text", "") == "CSV"
    )
    app.click(button.rect.center)
    files = list(tmp_path.glob("dl-explorer-rosenbrock-*.csv"))
    assert len(files) == 1
    lines = files[0].read_text().splitlines()
    assert lines[0] == "optimizer,step,x,y,loss,settled"
    assert len(lines) == 1 + 2 * len(app.model.race.balls)
