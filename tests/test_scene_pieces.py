"""A lesson's next scene is built a piece a frame while the step before is on screen (built at
once, the Network lab froze the teacher's animation for a second), and → before it is ready
finishes it at once: the step is shown on the whole scene, as it was built before."""

from __future__ import annotations

import pygame
import pytest

from explorer.app.headless import init_offscreen
from explorer.app.scene_table import scenes
from explorer.app.scenes.network.model import NetworkModel
from explorer.app.scenes.network.scene import NetworkScene
from explorer.app.shell import build_app
from explorer.app.ui.presenter import start_lesson
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.lesson_file import Lesson
from explorer.lessons.player import Driver, LessonPlayer
from explorer.lessons.prepared import PreparedStore

LESSON = """
[title]
en = "Two scenes"
zh = "两个场景"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "landscape"
setup = { surface = "saddle", optimizers = ["sgd"], seed = 0 }
caption.en = "The saddle."
caption.zh = "鞍点。"

[[steps]]
scene = "network"
setup = { dataset = "circle", depth = 1, width = 4, epochs = 1, seed = 0 }
caption.en = "A net."
caption.zh = "一个网络。"
"""

RIGHT = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0, unicode="")


@pytest.fixture
def presenting(tmp_path, registry):
    path = tmp_path / "two.toml"
    path.write_text(LESSON, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    store = PreparedStore(tmp_path / "prepared")  # (nothing prepared: the runs are computed)
    presenter = start_lesson(tabs, lesson, registry, store=store)
    yield app, tabs, presenter
    tabs.close()


def widgets(scene) -> list[tuple]:
    """What a user sees of a scene's widgets: each one's kind, place and text, and the
    captions beside them."""
    out = [
        (type(e).__name__, tuple(e.rect), getattr(e, "text", None))
        for e in scene.manager.get_sprite_group().sprites()
    ]
    out += [("caption", tuple(c.rect), c.text) for c in scene.controls.captions]
    return sorted(out, key=repr)


def test_the_next_scene_is_built_a_piece_a_frame_while_frames_are_drawn(presenting, registry):
    app, tabs, presenter = presenting
    app.tick(1 / 60, [])  # step 1 is done in its first frame (nothing to run)
    assert presenter.player.done and "network" not in tabs.built
    pieces = 0
    while "network" not in tabs.built:
        drawn = app.frames
        app.tick(1 / 30, [])  # a late frame: two updates, still one piece
        assert app.frames == drawn + 1  # the landscape is drawn between the pieces
        pieces += 1
        assert pieces < 200
    assert pieces >= 8  # its modules, its model, its manager, toolbar, each panel section
    assert tabs.current == "landscape"  # built behind the step on screen, not shown
    model = NetworkModel(registry, tabs.built["network"].model.config, backend="thread")
    try:
        at_once = NetworkScene(model, tabs.size)
        assert widgets(tabs.built["network"]) == widgets(at_once)  # the same scene
    finally:
        model.close()


def test_right_before_the_scene_is_ready_finishes_it_at_once(presenting):
    app, tabs, presenter = presenting
    app.tick(1 / 60, [])
    app.tick(1 / 60, [])
    app.tick(1 / 60, [])  # a few pieces built, the rest not
    assert "network" in tabs.building
    app.tick(1 / 60, [RIGHT])
    assert presenter.index == 1 and not presenter.error
    assert tabs.current == "network" and not tabs.building
    scene = tabs.scene()
    assert len(widgets(scene)) > 40 and scene.controls.play_button.alive()
    assert scene.model.config.width == 4  # the step's setup is on it


class Pieces:
    """A scene built in ``n`` pieces, recording what was asked."""

    def __init__(self, n: int) -> None:
        self.n, self.done, self.log = n, 0, []

    def __call__(self, scene: str):
        self.log.append(scene)
        for _ in range(self.n):
            self.done += 1
            yield


def two_step_player(tmp_path, registry, pieces: Pieces) -> LessonPlayer:
    path = tmp_path / "two.toml"
    path.write_text(LESSON, encoding="utf-8")
    lesson: Lesson = read_lesson(path, scene_facts(registry, scenes()))
    rows = {e.name: e for e in scenes()}

    class Replays:  # nothing prepared
        def driver_for(self, *args):
            return None

        def warm(self, *args):
            pass

    return LessonPlayer(
        lesson,
        lambda scene: Driver(None),
        lambda scene: rows[scene].setup_class(),
        registry,
        replays=Replays(),
        build_pieces=pieces,
    )


def test_get_ready_does_one_piece_a_call_and_go_finishes_the_rest(tmp_path, registry):
    pieces = Pieces(5)
    player = two_step_player(tmp_path, registry, pieces)
    player.go(0)
    assert player.poll() and pieces.done == 0  # the step's own frame builds nothing ahead
    player.get_ready()  # (in the frame that ended the step: nothing yet)
    assert pieces.done == 0
    player.get_ready()
    assert pieces.log == ["network"] and pieces.done == 1
    player.get_ready()
    assert pieces.done == 2 and not player.ready
    player.go(1)  # → after two pieces of five
    assert pieces.done == 5 and player.ready and "network" in player.drivers


def test_a_piece_that_fails_leaves_the_build_to_the_step_itself(tmp_path, registry):
    def failing(scene: str):
        yield
        raise RuntimeError("no memory")

    player = two_step_player(tmp_path, registry, Pieces(0))
    player.build_pieces = failing
    player.go(0)
    player.poll()
    for _ in range(4):
        player.get_ready()  # no exception reaches the frame
    assert player.ready and "network" not in player.drivers
    player.go(1)  # the step builds it itself (and says why, were it to fail there)
    assert "network" in player.drivers


@pytest.mark.slow
def test_bench_frames_handover_prints_each_handover_in_pieces_and_at_once(tmp_path):
    from click.testing import CliRunner

    from explorer.cli import main

    path = tmp_path / "two.toml"
    path.write_text(LESSON, encoding="utf-8")
    result = CliRunner().invoke(main, ["bench", "frames", "--handover", str(path)])
    assert result.exit_code == 0, result.output
    assert "landscape → network, built" in result.output
    assert "ms in pieces" in result.output and "ms at once" in result.output


def test_a_scene_built_after_pygame_quit_gets_a_live_theme():
    """Every manager of one scale and language shares one loaded theme; one loaded before an
    app run ended (pygame.quit: its fonts dead) is not handed to the next."""
    from pygame_gui.elements import UIButton

    from explorer.app.ui.theme import ui_manager

    init_offscreen((320, 200))
    ui_manager((320, 200))
    pygame.quit()
    init_offscreen((320, 200))
    button = UIButton(pygame.Rect(0, 0, 90, 30), "Play", ui_manager((320, 200)))
    assert button.text == "Play"  # made ("font module quit since font created" before)
