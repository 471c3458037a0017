"""What the frame shows: balls where the race says they are, arrows from plugin state, marks."""

import numpy as np
import pygame
import pytest
import torch

from explorer import Hyper, UpdateRule
from explorer.app.harness import Driver
from explorer.app.scenes.landscape.contours import contour_segments
from explorer.app.scenes.landscape.state_vectors import read_ball, read_state
from explorer.app.ui import palette
from explorer.app.ui.view import View, nice_ticks
from explorer.landscape.race import Status


@pytest.mark.slow
def test_each_ball_is_drawn_at_its_projected_position(registry):
    d = Driver(registry, surface="bowl", optimizers=["sgd", "adam", "adagrad"], timer=lambda: 0.0)
    d.model.arrows_for = {k: False for k in d.model.arrows_for}  # nothing over the balls
    d.model.play()
    d.run(1.0)
    d.model.pause()
    d.tick(2)
    race = d.model.race
    pts = d.scene.view.to_screen(race.positions[-1])
    assert np.min(np.ptp(pts, axis=0)) > 20 or np.max(np.ptp(pts, axis=0)) > 20  # apart
    for i, ball in enumerate(race.balls):
        colour = palette.ball_colour(d.model.colour_index(ball.spec.name))
        x, y = (int(round(v)) for v in pts[i])
        assert d.scene.layout.plot.collidepoint(x, y)
        # the ball's centre pixel is its colour (the selected one has a ring, not a fill change)
        assert d.pixel((x, y)) == colour, ball.label
        # and nothing of that colour is at the ball's start any more, 30 px away
    sx, sy = d.scene.view.point_to_screen(*race.start)
    assert d.pixel((sx + 30, sy + 30)) not in [palette.ball_colour(0), palette.ball_colour(1)]


def test_the_map_is_a_heatmap_with_minima_marked(registry):
    d = Driver(registry, surface="bowl", optimizers=[], timer=lambda: 0.0)
    view = d.scene.view
    centre = view.point_to_screen(0.3, 0.3)
    corner = view.point_to_screen(1.9, 1.9)
    low, high = np.array(d.pixel(centre)), np.array(d.pixel(corner))
    assert low.sum() < high.sum()  # viridis: dark where the loss is low, bright where high
    mx, my = view.point_to_screen(0.0, 0.0)
    assert d.pixel((mx, my)) == (255, 255, 255)  # the white cross on the minimum


class Drifter(UpdateRule):
    """A third-party rule whose state names mean nothing to the app: it declares them."""

    name = "drifter"
    hyper = {"lr": Hyper(0.05, 1e-4, 1.0, log=True)}
    arrows = {"zorp": "z"}  # a direction, drawn as an arrow
    accumulators = {"qux": "Q"}  # a per-coordinate accumulator, drawn as a glyph

    def init(self, param):
        return {"zorp": torch.zeros_like(param), "qux": torch.zeros_like(param), "k": 0}

    def update(self, grad, state, param, *, lr):
        state["zorp"] = 0.9 * state["zorp"] + grad
        state["qux"] = state["qux"] + grad * grad
        state["k"] += 1
        return -lr * state["zorp"] / (state["qux"].sqrt() + 1e-8)


def test_state_is_drawn_as_the_rule_declares_not_by_its_names():
    state = {
        "velocity": torch.tensor([0.5, -1.0]),  # a built-in's name, undeclared here
        "sum_sq": torch.tensor([4.0, 1.0]),
        "t": 3,
        "step": torch.tensor(7.0),
        "matrix": torch.zeros(2, 2),
    }
    view = read_state(state, arrows={"sum_sq": "s"}, accumulators={"velocity": "vel"})
    assert view.vectors == [("s", (4.0, 1.0))]
    assert view.scales == [("vel", (0.5, 1.0))]
    assert dict(view.labels) == {"t": "3", "step": "7"}
    assert read_state(state).vectors == [] and read_state(state).scales == []  # nothing guessed


def test_a_third_party_rule_is_drawn_like_a_built_in(registry):
    from dataclasses import replace

    from explorer.plugins import optimizer_spec

    reg = replace(registry, optimizers=dict(registry.optimizers))
    reg.optimizers["drifter"] = optimizer_spec(Drifter, plugin="student")
    d = Driver(reg, surface="bowl", optimizers=["drifter"], timer=lambda: 0.0)
    m = d.model
    m.arrow_kinds = {"gradient": False, "step": False, "state": True, "squares": False}
    for _ in range(5):
        m.step_once()
    d.tick(2)
    ball = m.race.balls[0]
    view = read_ball(ball)
    assert [label for label, _ in view.vectors] == ["z"] and [lb for lb, _ in view.scales] == ["Q"]
    pos = np.array(d.scene.view.point_to_screen(*m.race.positions[-1, 0]))
    v = ball.state["zorp"].numpy()
    move = -v / np.linalg.norm(v)  # like momentum's velocity: drawn the way the ball moves
    probe = pos + np.array([move[0], -move[1]]) * 14
    assert d.pixel(probe) == palette.STATE_ARROW
    m.arrow_kinds = {"gradient": False, "step": False, "state": False, "squares": True}
    d.tick(2)
    ring = [d.pixel((int(pos[0]) + dx, int(pos[1]))) for dx in range(-40, 41)]
    assert palette.STATE_ARROW in ring  # the accumulator's glyph around the ball


def test_momentum_velocity_arrow_is_drawn_downhill(registry):
    d = Driver(registry, surface="bowl", optimizers=["momentum"], timer=lambda: 0.0)
    m = d.model
    m.arrow_kinds = {"gradient": False, "step": False, "state": True, "squares": False}
    for _ in range(5):
        m.step_once()
    d.tick(2)
    ball = m.race.balls[0]
    pos = np.array(d.scene.view.point_to_screen(*m.race.positions[-1, 0]))
    # the velocity holds gradients (uphill); the arrow is drawn the way the ball moves
    v = ball.state["velocity"].numpy()
    move = -v / np.linalg.norm(v)
    probe = pos + np.array([move[0], -move[1]]) * 14
    assert d.pixel(probe) == palette.STATE_ARROW


@pytest.mark.slow
def test_a_frozen_plugin_ball_shows_its_plugin_and_reason(registry):
    from dataclasses import replace

    from explorer import UpdateRule
    from explorer.plugins import optimizer_spec

    class Broken(UpdateRule):
        """raises on the third step"""

        name = "broken"
        hyper = {}

        def init(self, param):
            return {"n": 0}

        def update(self, grad, state, param):
            state["n"] += 1
            if state["n"] == 3:
                raise RuntimeError("boom")
            return -0.01 * grad

    reg = replace(registry, optimizers=dict(registry.optimizers))
    reg.optimizers["broken"] = optimizer_spec(Broken, plugin="my_plugin")
    d = Driver(reg, surface="bowl", optimizers=["sgd", "broken"], timer=lambda: 0.0)
    d.model.play()
    d.run(0.5)
    ball = d.model.race.balls[1]
    assert ball.status is Status.FROZEN
    assert "my_plugin/broken" in str(ball.reason) and "boom" in str(ball.reason)
    assert d.model.race.balls[0].status is Status.RUNNING  # the others race on
    assert d.model.race.t > 10


def test_marching_squares_finds_a_circle():
    xs = np.linspace(-2, 2, 81)
    X, Y = np.meshgrid(xs, xs)
    (seg,) = contour_segments(X**2 + Y**2, np.array([1.0]))
    pts = np.concatenate([seg[:, :2], seg[:, 2:]]) * (xs[1] - xs[0]) - 2  # back to x, y
    r = np.hypot(pts[:, 0], pts[:, 1])
    assert len(seg) > 40 and np.allclose(r, 1.0, atol=0.01)


def test_view_round_trips_and_zooms_about_the_pointer():
    v = View((100, 50, 800, 400), ((-2, 2), (-1, 3)))
    p = np.array([[0.5, 1.25]])
    sx, sy = v.to_screen(p)[0]
    assert v.to_world(sx, sy) == pytest.approx((0.5, 1.25))
    v.zoom_at(sx, sy, 3.0)
    assert v.to_world(sx, sy) == pytest.approx((0.5, 1.25))
    (x0, x1), (y0, y1) = View((0, 0, 400, 400), ((-2, 2), (-1, 3))).bounds()
    assert (x1 - x0) == pytest.approx(y1 - y0)  # equal scales: circles stay circles
    assert nice_ticks(-2.2, 3.1, 5) == [-2, 0, 2]
    assert nice_ticks(0, 1, 4) == [0, 0.25, 0.5, 0.75, 1.0]


def test_window_smaller_than_the_minimum_still_draws(registry):
    d = Driver(registry, size=(640, 400), timer=lambda: 0.0)
    d.tick(2, [pygame.event.Event(pygame.VIDEORESIZE, size=(300, 200), w=300, h=200)])
    assert d.screen.get_size()[0] >= 1024  # clamped to the smallest layout
