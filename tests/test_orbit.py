"""The 3-D view's maths (issue 23, item 5): a known point projects where hand maths says, faces
facing the light are brightest, the painter draws far faces first, and ``render --view 3d``
writes a picture."""

import math

import numpy as np
import pytest
from click.testing import CliRunner

from explorer.app.scenes.landscape.orbit import (
    AMBIENT,
    HEIGHT,
    Camera,
    build_mesh,
    coarse_faces,
    painter_order,
    project,
    sample_t,
    shade,
)
from explorer.cli import main


def test_the_centre_projects_to_the_screen_centre_and_a_point_to_the_right_by_hand():
    cam = Camera(yaw=0.0, pitch=math.radians(30), distance=4.0, focal=2.0)
    screen, depth = project(np.array([[0.0, 0.0, 0.0], [1.0, 0.0, 0.0]]), cam, (800, 600))
    assert screen[0] == pytest.approx([400, 300]) and depth[0] == pytest.approx(4.0)
    # (1, 0, 0) is one unit to the camera's right at the same depth: f·x/depth = 2·300·1/4
    assert screen[1] == pytest.approx([400 + 150, 300]) and depth[1] == pytest.approx(4.0)


def test_a_point_above_the_centre_is_drawn_higher_and_nearer_points_are_shallower():
    cam = Camera(yaw=0.0, pitch=math.radians(30), distance=4.0, focal=2.0)
    pts = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 1.0], [0.0, -1.0, 0.0]])
    screen, depth = project(pts, cam, (800, 600))
    assert screen[1][1] < screen[0][1]  # up on the screen
    # (0, −1, 0) lies towards the eye (behind the centre at yaw 0): depth 4 − cos 30°
    assert depth[2] == pytest.approx(4 - math.cos(math.radians(30)))


def test_shading_is_brightest_facing_the_light_and_ambient_facing_away():
    light = (0.0, 0.0, 1.0)
    assert shade(np.array([[0.0, 0.0, 1.0]]), light)[0] == pytest.approx(1.0)
    assert shade(np.array([[0.0, 0.0, -1.0]]), light)[0] == pytest.approx(AMBIENT)
    tilted = shade(np.array([[math.sin(0.5), 0.0, math.cos(0.5)]]), light)[0]
    assert tilted == pytest.approx(AMBIENT + (1 - AMBIENT) * math.cos(0.5))


def test_the_mesh_keeps_the_maps_order_and_the_painter_draws_far_faces_first():
    xs = ys = np.linspace(-2, 2, 9)
    X, Y = np.meshgrid(xs, ys)
    z = X**2 + Y**2  # a bowl: lowest in the middle
    mesh = build_mesh(xs, ys, z)
    heights = mesh.vertices[..., 2]
    assert heights[4, 4] == 0 and heights.max() <= HEIGHT
    corners = [heights[0, 0], heights[0, 8], heights[8, 0], heights[8, 8]]
    assert corners == [heights.max()] * 4  # equal losses stand at equal heights
    assert np.all(mesh.normals[:, 2] > 0)  # seen from above every face of a bowl faces up
    assert sample_t(mesh, np.array([0.0, 0.0])) == pytest.approx(0.0)
    order = painter_order(np.array([1.0, 5.0, 3.0]))
    assert order.tolist() == [1, 2, 0]
    assert len(coarse_faces(9, 9, 2)) == 16 and len(mesh.faces) == 64


def test_render_draws_the_3d_view_headless(tmp_path):
    out = tmp_path / "bowl.png"
    args = ["render", "--surface", "bowl", "--view", "3d", "--frames", "4"]
    args += ["--optimizer", "sgd", "--optimizer", "adam", "--size", "320x240", "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert out.read_bytes()[:4] == b"\x89PNG" and "3-D still" in result.output
    bad = CliRunner().invoke(main, [*args[:-1], str(tmp_path / "bowl.gif")])
    assert bad.exit_code != 0 and "--view 3d draws a still" in bad.output


def test_the_landscape_shows_the_3d_view_on_v_and_a_drag_orbits_it(registry):
    import pygame

    from explorer.app.harness import Driver

    app = Driver(registry, timer=lambda: 0.0)
    plot = app.scene.layout.plot
    app.tick(2)
    flat = pygame.surfarray.array3d(app.screen.subsurface(plot)).copy()
    app.key(pygame.K_v)
    view = app.scene.view3d
    assert view.on
    shown = pygame.surfarray.array3d(app.screen.subsurface(plot))
    assert (shown != flat).any()  # another picture in the map's place
    yaw = view.camera.yaw
    app.drag(plot.center, (plot.centerx + 80, plot.centery))
    assert view.camera.yaw != yaw and app.model.race.start == app.scene.model.race.start
    distance = view.camera.distance
    app.wheel(plot.center, 2)
    assert view.camera.distance < distance and app.scene.view.key() is not None
    app.key(pygame.K_v)
    assert not view.on
