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


@pytest.mark.slow
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
    # a right click inspects the surface point under the cursor (the one pick finds there)
    app.tick(2)
    point = view.pick(plot.center)
    assert point is not None
    app.click(plot.center, button=3)
    inspected = app.model.inspection
    assert inspected is not None and (inspected.x, inspected.y) == pytest.approx(point)
    app.key(pygame.K_v)
    assert not view.on


def test_faces_filled_from_flat_ints_match_one_polygon_call_per_nested_list():
    """The 3-D view hands pygame plain ints (no nested lists, which set off the garbage
    collector's full passes mid-orbit); the picture is the one the nested lists drew."""
    import numpy as np
    import pygame

    from explorer.app.scenes.landscape.surface3d import _fill_faces

    rng = np.random.default_rng(0)
    corners = np.rint(rng.uniform(-20, 220, (300, 4, 2)))
    colours = rng.uniform(0, 255, (300, 3))
    ours, reference = pygame.Surface((200, 160)), pygame.Surface((200, 160))
    _fill_faces(ours, corners, colours)
    for pts, colour in zip(corners.astype(int).tolist(), colours.astype(int).tolist(), strict=True):
        pygame.draw.polygon(reference, colour, pts)
    assert (pygame.surfarray.array3d(ours) == pygame.surfarray.array3d(reference)).all()


def _ridge_scene():
    """A flat floor with a wall across it at world y = −0.2, seen from the −y side (yaw 0) low
    down: a ball at y = +0.5 lies behind the wall, one at y = −0.7 in front of it."""
    from explorer.app.scenes.landscape.surface3d import BallTrack

    xs = ys = np.linspace(-1.0, 1.0, 41)
    X, Y = np.meshgrid(xs, ys)
    z = np.where(np.abs(Y + 0.2) < 0.1, 10.0, 0.0) + 0.01 * X**2  # the wall, and a floor
    mesh = build_mesh(xs, ys, z)
    camera = Camera(yaw=0.0, pitch=math.radians(14), distance=4.0)
    behind = BallTrack(np.array([[0.0, 0.5]]), (255, 0, 255), "behind")
    front = BallTrack(np.array([[0.3, -0.7]]), (0, 255, 255), "front")
    return mesh, camera, [behind, front]


def test_a_ball_behind_a_ridge_is_not_drawn_over_it():
    import pygame

    from explorer.app.scenes.landscape.orbit import hidden
    from explorer.app.scenes.landscape.surface3d import draw_surface3d

    mesh, camera, balls = _ridge_scene()
    target = pygame.Surface((400, 300))
    drawn = draw_surface3d(target, target.get_rect(), mesh, camera, balls)
    shown = {b.label: b for b in drawn.balls}
    assert not shown["behind"].visible and shown["front"].visible
    pixels = pygame.surfarray.array3d(target)
    bx, by = (int(round(v)) for v in shown["behind"].at)
    fx, fy = (int(round(v)) for v in shown["front"].at)
    assert tuple(pixels[fx, fy]) == (0, 255, 255)  # the ball in front: its colour
    assert tuple(pixels[bx, by]) != (255, 0, 255)  # the one behind: the wall's
    assert not (pixels[bx - 8 : bx + 9, by - 8 : by + 9] == (255, 0, 255)).all(-1).any()
    # from above, nothing stands in the way
    top = Camera(yaw=0.0, pitch=math.radians(85), distance=4.0)
    xy = np.array([[0.0, 0.5], [0.3, -0.7]])
    assert not hidden(mesh, top, mesh.on_surface(xy) + [0, 0, 0.012]).any()


def test_tags_of_balls_on_one_spot_do_not_overlap_and_stay_in_view():
    from explorer.app.scenes.landscape.tag_layout import overlaps, place_tags

    bounds = (0.0, 0.0, 640.0, 360.0)
    boxes = place_tags([(320.0, 180.0)] * 8, [(60.0, 18.0)] * 8, bounds)
    assert len(boxes) == 8
    assert not any(overlaps(a, b) for i, a in enumerate(boxes) for b in boxes[i + 1 :])
    assert all(x >= 0 and x + w <= 640 and y >= 0 and y + h <= 360 for x, y, w, h in boxes)
    # the first keeps the usual spot (right and up of its ball); a ball's disc is kept clear
    assert boxes[0][0] > 320 and boxes[0][1] < 180
    disc = (300.0, 160.0, 40.0, 40.0)
    assert not any(
        overlaps(b, disc)
        for b in place_tags([(320.0, 180.0)] * 3, [(60.0, 18.0)] * 3, bounds, avoid=[disc])
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_3d_views_tags_do_not_overlap_when_balls_crowd_together(lang):
    import pygame

    from explorer.app.scenes.landscape.surface3d import BallTrack, draw_surface3d
    from explorer.app.ui import i18n
    from explorer.app.ui.text import Text

    pygame.font.init()
    mesh, camera, _ = _ridge_scene()
    # six balls bunched behind the wall (their tags say so, in Chinese a wider font), two before
    balls = [
        BallTrack(np.array([[0.02 * i, 0.5 if i < 6 else -0.7]]), (200, 100 + 10 * i, 50), f"b{i}")
        for i in range(8)
    ]
    before = i18n.language()
    i18n.set_language(lang)
    try:
        target = pygame.Surface((640, 360))
        drawn = draw_surface3d(target, target.get_rect(), mesh, camera, balls, Text())
    finally:
        i18n.set_language(before)
    assert [b.visible for b in drawn.balls] == [False] * 6 + [True] * 2
    assert len(drawn.balls) == 8 and all(b.tag for b in drawn.balls)
    tags = list({id(b.tag): b.tag for b in drawn.balls}.values())  # one spot: one shared tag
    assert not any(a.colliderect(b) for i, a in enumerate(tags) for b in tags[i + 1 :])
    hidden_words = i18n.t("landscape.view3d_hidden", label="b0")
    assert "b0" in hidden_words


def test_balls_settled_on_one_spot_in_3d_show_every_colour_and_one_tag_naming_them():
    """Three balls in one minimum drew over one another: the last one's colour and three tags
    in a pile. Now one disc with a wedge per ball (as the map's shared point) and one tag."""
    import pygame

    from explorer.app.scenes.landscape.surface3d import BallTrack, draw_surface3d
    from explorer.app.ui.text import Text

    pygame.font.init()
    xs = ys = np.linspace(-1.0, 1.0, 41)
    X, Y = np.meshgrid(xs, ys)
    mesh = build_mesh(xs, ys, X**2 + Y**2)  # one bowl, its minimum at the middle
    colours = [(255, 0, 0), (0, 255, 0), (0, 0, 255)]
    trails = [np.array([[0.8, 0.1 * k], [0.0, 0.0]]) for k in range(3)]  # all end at (0, 0)
    balls = [
        BallTrack(trail, c, n, True) for trail, c, n in zip(trails, colours, "abc", strict=True)
    ]
    balls.append(BallTrack(np.array([[0.5, 0.5]]), (255, 255, 0), "alone"))
    target = pygame.Surface((480, 360))
    top = Camera(yaw=0.0, pitch=math.radians(80), distance=4.0)
    said = []

    class Words(Text):
        def tag(self, target, label, pos, size, colour):
            said.append(label)
            return super().tag(target, label, pos, size, colour)

    drawn = draw_surface3d(target, target.get_rect(), mesh, top, balls, Words())
    assert sorted(said) == ["a, b, c", "alone"]
    a, b, c, alone = drawn.balls
    assert a.tag is b.tag is c.tag and alone.tag is not a.tag
    x, y = (int(round(v)) for v in a.at)
    disc = pygame.surfarray.array3d(target)[x - 5 : x + 6, y - 5 : y + 6].reshape(-1, 3)
    seen = {tuple(p) for p in disc.tolist()}
    assert all(colour in seen for colour in colours), "every ball's colour shows"
    ax, ay = (int(round(v)) for v in alone.at)
    assert tuple(pygame.surfarray.array3d(target)[ax, ay]) == (255, 255, 0)


def test_a_right_click_in_3d_picks_the_surface_point_under_the_cursor():
    from explorer.app.scenes.landscape.orbit import pick

    xs = ys = np.linspace(-2, 2, 33)
    X, Y = np.meshgrid(xs, ys)
    mesh = build_mesh(xs, ys, X**2 + Y**2)
    camera = Camera()
    for x, y in [(0.5, -1.0), (-1.25, 0.75)]:
        world = mesh.on_surface(np.array([x, y]))
        screen, _ = project(world, camera, (640, 360))
        assert pick(mesh, camera, (640, 360), tuple(screen)) == pytest.approx((x, y), abs=0.02)
    assert pick(mesh, camera, (640, 360), (2, 2)) is None  # the background


def test_a_ball_settled_in_a_minimum_stays_in_view_from_the_default_camera():
    """Heights are the loss's rank: a minimum is a round bowl, not a log funnel whose own wall
    would hide the ball at its bottom."""
    from explorer.app.scenes.landscape.orbit import hidden

    for side in (2.0, 5.0):  # a bowl; Himmelblau's four minima
        xs = ys = np.linspace(-side, side, 96)
        X, Y = np.meshgrid(xs, ys)
        bowl = X**2 + Y**2
        z = bowl if side == 2.0 else (X**2 + Y - 11) ** 2 + (X + Y**2 - 7) ** 2
        mesh = build_mesh(xs, ys, z)
        i, j = np.unravel_index(np.argmin(z), z.shape)
        ball = mesh.on_surface(np.array([[xs[j], ys[i]]])) + [0, 0, 0.012]
        assert not hidden(mesh, Camera(), ball).any()
