"""What a teacher trying the app ran into, each fixed and checked: a click after the race ended,
surfaces the number keys could not reach, axes named x and y on a w, b surface, colours that
clashed, balls hidden under each other, a paused app that kept drawing, stale README pictures and
an install command that ended in a terminal table."""

import colorsys
import re
from pathlib import Path

import numpy as np
import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.landscape.ball_renderer import shared_groups
from explorer.app.scenes.landscape.map_background import render_map
from explorer.app.scenes.landscape.model import RACE_OVER_NOTICES
from explorer.app.scenes.landscape.trail_renderer import TrailCache, draw_trails
from explorer.app.ui import palette
from explorer.app.ui.app_loop import QUIET_S
from explorer.app.ui.text import Text
from explorer.app.ui.view import View
from explorer.docs_pictures import PICTURES, regenerate
from explorer.landscape.race import Status
from explorer.specs import SurfaceSpec

ROOT = Path(__file__).resolve().parents[1]


def stopped_race(registry) -> Driver:
    """One SGD ball on ½(x² + y²) with lr = 0.5: it settles on the minimum within a few dozen
    steps, keeps stepping there (as torch would), and the race pauses at the end of its run."""
    d = Driver(
        registry, timer=lambda: 0.0, surface="bowl", optimizers=["sgd"], hyper={"sgd": {"lr": 0.5}}
    )
    d.model.set_speed(2000)
    d.model.play()
    d.run(3.0)
    assert not d.model.playing
    assert all(b.status is Status.CONVERGED for b in d.model.race.balls)
    assert race_over(d.model)
    return d


def race_over(model) -> bool:
    """The banner says the race is over (every ball stopped, or the run's length reached)."""
    return any(n in m.text for m in model.live_messages() for n in RACE_OVER_NOTICES)


@pytest.mark.slow
def test_a_click_on_the_map_after_every_ball_stopped_starts_the_race_again(registry):
    d = stopped_race(registry)
    px, py = d.scene.layout.plot.center
    d.click((px + 80, py - 40), ticks=1)
    m = d.model
    assert m.playing, "the click set a new start but left the race paused"
    assert m.race.start == pytest.approx(d.scene.view.to_world(px + 80, py - 40))
    assert not race_over(m)


@pytest.mark.slow
def test_start_a_ball_here_after_every_ball_stopped_also_clears_the_banner(registry):
    d = stopped_race(registry)
    m = d.model
    m.inspect(0.5, 0.5)
    m.start_from_inspection()
    assert m.playing
    assert not race_over(m)


def test_a_click_on_a_race_paused_by_hand_keeps_it_paused(registry):
    d = Driver(registry, timer=lambda: 0.0)
    px, py = d.scene.layout.plot.center
    d.click((px + 50, py))
    assert not d.model.playing and d.model.race.t == 0


def press(d: Driver, key: int) -> None:
    d.key(key)


@pytest.mark.slow
def test_every_surface_is_reachable_from_the_keyboard(registry):
    d = Driver(registry, timer=lambda: 0.0)
    names = list(registry.surfaces)
    assert len(names) > 9  # 1–9 alone cannot reach them all
    press(d, pygame.K_0)
    assert d.model.spec.name == names[9]  # two_valleys, the README's demo
    assert names[9] == "two_valleys"
    seen = set()
    for _ in names:
        press(d, pygame.K_RIGHTBRACKET)
        seen.add(d.model.spec.name)
    assert seen == set(names)
    press(d, pygame.K_1)
    press(d, pygame.K_LEFTBRACKET)
    assert d.model.spec.name == names[-1]  # [ from the first wraps to the last


class RecordingText(Text):
    def __init__(self):
        super().__init__()
        self.drawn: list[str] = []

    def blit(self, target, text, *args, **kwargs):
        self.drawn.append(text)
        return super().blit(target, text, *args, **kwargs)


def test_linear_regression_names_its_axes_w_and_b(registry):
    spec = registry.surface("linear_regression")
    assert spec.axes == ("w", "b")
    assert registry.surface("bowl").axes == ("x", "y")
    pygame.font.init()
    for s, names in ((spec, {"w", "b"}), (registry.surface("bowl"), {"x", "y"})):
        text = RecordingText()
        area = pygame.Rect(0, 0, 640, 400)
        render_map(s, View((40, 10, 580, 360), s.domain), area, text)
        assert names <= set(text.drawn)
        assert not ({"x", "y", "w", "b"} - names) & set(text.drawn)


def test_the_numbers_panel_heads_its_coordinates_with_the_surfaces_axes(registry):
    d = Driver(registry, timer=lambda: 0.0, surface="linear_regression")
    text = RecordingText()
    d.scene.text = text
    d.scene._panels_key = None
    d.tick(2)
    assert any(s.lstrip().startswith("optimizer θ = (w, b)") for s in text.drawn), text.drawn[:5]


def test_a_surface_with_a_bad_axis_name_is_refused_in_one_sentence():
    with pytest.raises(ValueError, match="axes must be two names"):
        SurfaceSpec("s", ((0, 1), (0, 1)), fn=lambda x, y: x + y, axes=("w",))


def distance(a, b) -> float:
    return float(np.linalg.norm(np.subtract(a, b, dtype=float)))


def test_no_ball_colour_is_the_colour_of_an_arrow_or_a_mark():
    marks = {
        "−grad": palette.GRADIENT_ARROW,
        "state arrows, g² ellipses": palette.STATE_ARROW,
        "escape arrow": palette.ESCAPE_ARROW,
        "start, minima": palette.MARK,
        "contours (white)": (255, 255, 255),
    }
    for k, ball in enumerate(palette.BALL_COLOURS):
        for what, mark in marks.items():
            assert distance(ball, mark) > 90, f"ball {k} {ball} looks like the {what} {mark}"
    for i, a in enumerate(palette.BALL_COLOURS):
        for b in palette.BALL_COLOURS[i + 1 :]:
            assert distance(a, b) > 60, (a, b)


def hue(rgb) -> float:
    return colorsys.rgb_to_hsv(*(c / 255 for c in rgb))[0] * 360


def test_an_old_trail_keeps_its_balls_hue_instead_of_turning_brown():
    pygame.display.init()
    target = pygame.Surface((400, 100))
    view = View((0, 0, 400, 100), ((0, 4), (0, 1)))
    xs = np.linspace(0.1, 3.9, 400)
    positions = np.stack([xs, np.full_like(xs, 0.5)], axis=1)[:, None, :]  # (T, 1 ball, 2)
    for colour in palette.BALL_COLOURS:
        target.fill(palette.BACKGROUND)
        cache = TrailCache()
        cache.update(view, 0, positions)
        draw_trails(target, cache, [colour])
        x0, y = view.point_to_screen(0.3, 0.5)  # the oldest stretch of the trail
        old = tuple(target.get_at((int(x0), int(y))))[:3]
        assert old != palette.BACKGROUND, "the oldest part of the trail is not drawn"
        gap = abs(hue(old) - hue(colour))
        assert min(gap, 360 - gap) < 6, f"{colour} fades to {old}"
        assert max(old) >= 0.8 * max(colour), f"{colour} fades to a dark {old}"


def test_balls_sharing_the_start_are_all_visible_and_counted(registry):
    d = Driver(registry, timer=lambda: 0.0)
    m = d.model
    n = len(m.race.balls)
    assert n >= 2 and m.race.t == 0
    sx, sy = d.scene.view.point_to_screen(*m.race.start)
    window = pygame.surfarray.pixels3d(d.screen)[
        int(sx) - 10 : int(sx) + 11, int(sy) - 10 : int(sy) + 11
    ]
    seen = {tuple(p) for p in window.reshape(-1, 3).tolist()}
    del window
    for ball in m.race.balls:
        colour = palette.ball_colour(m.colour_index(ball.spec.name))
        assert colour in seen, f"{ball.label}'s ball is hidden under another at the start"
    groups = shared_groups(d.scene.view.to_screen(m.race.positions[-1]), list(range(n)))
    assert [len(g) for g in groups] == [n]


def test_shared_groups_split_balls_only_when_they_are_apart():
    pts = np.array([[10.0, 10.0], [11.0, 12.0], [40.0, 10.0], [10.0, 10.0]])
    assert shared_groups(pts, [0, 1, 2, 3]) == [[0, 1, 3], [2]]


@pytest.mark.slow
def test_a_paused_app_stops_drawing_and_input_or_play_brings_frames_back(registry):
    d = Driver(registry, timer=lambda: 0.0)
    app, m = d.app, d.model
    app.lazy = True
    ticks = int(QUIET_S * 60) + 30
    drawn = [app.tick(1 / 60, []) for _ in range(ticks)]
    assert drawn[0] and not any(drawn[-10:]), "a paused Landscape is still drawn every frame"
    frames = app.frames
    app.tick(
        1 / 60, [pygame.event.Event(pygame.MOUSEMOTION, pos=(5, 5), rel=(1, 1), buttons=(0, 0, 0))]
    )
    assert app.frames == frames + 1  # input: drawn at once
    m.play()
    drawn = [app.tick(1 / 60, []) for _ in range(ticks)]
    assert all(drawn), "a running race must be drawn every frame"


def test_the_readme_starts_with_install_and_run_the_app_then_install_and_test():
    lines = [ln for ln in (ROOT / "README.md").read_text().splitlines() if ln.strip()]
    assert lines[1].startswith("Install and run") and lines[4].startswith("Install and test")
    run, race, test = lines[2], lines[3], lines[5]
    assert run.strip("`").endswith("&& dl-explorer"), run  # opens the window
    assert "`dl-explorer race" in race  # the headless race one line below
    assert test.strip("`").endswith("&& pytest"), test


def test_every_readme_picture_is_drawn_by_the_docs_command():
    readme = (ROOT / "README.md").read_text()
    shown = set(re.findall(r"\(docs/([\w.-]+\.png)\)", readme))
    assert shown and shown <= set(PICTURES), shown - set(PICTURES)
    assert {p.name for p in (ROOT / "docs").glob("*.png")} <= set(PICTURES)


@pytest.mark.slow
def test_the_docs_command_redraws_a_picture_from_the_current_code(tmp_path):
    (out,) = regenerate(tmp_path, ["activations.png"], echo=lambda s: None)
    image = pygame.image.load(str(out))
    assert image.get_size() == (1280, 720)
    assert not list(tmp_path.glob(".*"))  # the temporary file was renamed into place
