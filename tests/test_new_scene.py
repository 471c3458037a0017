"""A new scene is one package, one SceneSpec and its catalogue keys: a throwaway scene package
written in a temporary folder and registered appears in the tabs (its key shows it), in
``render --scene``, in the help's key range and in ``lesson check``, and no file of the project
changes."""

from __future__ import annotations

import textwrap

import pygame
import pytest
from click.testing import CliRunner

from explorer.app import scene_table
from explorer.app.headless import init_offscreen
from explorer.app.shell import build_app
from explorer.app.ui.help_overlay import HelpOverlay, show_help
from explorer.cli import main

PACKAGE = {
    "__init__.py": '''
        """Countdown: a number that goes down by one each tick (a scene made in a test)."""

        from pathlib import Path

        from explorer.app.scene_table import SceneSpec


        def _model(registry, backend):
            from countdown_scene.model import CountdownModel

            return CountdownModel()


        def _scene(model, size):
            from countdown_scene.scene import CountdownScene

            return CountdownScene(model, size)


        def _setup():
            from countdown_scene.model import CountdownSetup

            return CountdownSetup


        def _driver():
            from countdown_scene.driver import CountdownDriver

            return CountdownDriver


        SCENE = SceneSpec(
            name="countdown",
            label_key="countdown.tab",
            key="F7",
            model=_model,
            scene=_scene,
            setup=_setup,
            numbers=lambda registry: frozenset({"left"}),
            driver=_driver,
            highlights=frozenset({"number"}),
            unit="ticks",
            catalogues=str(Path(__file__).parent),
        )
    ''',
    "model.py": """
        from dataclasses import dataclass

        from explorer.setups import knob


        @dataclass(frozen=True)
        class CountdownSetup:
            start: int = knob(10, low=1, high=100)


        class CountdownModel:
            def __init__(self):
                self._setup = CountdownSetup()
                self.left = self._setup.start

            def setup(self):
                return self._setup

            def apply(self, setup):
                self._setup, self.left = setup, setup.start

            def tick(self):
                self.left = max(0, self.left - 1)

            def update(self, dt):
                pass

            def readouts(self):
                return {"left": self.left}

            def wait(self, timeout):
                pass

            def close(self):
                pass
    """,
    "scene.py": """
        import pygame

        from explorer.app.ui.scene import Scene
        from explorer.app.ui.text import Text


        class CountdownScene(Scene):
            def __init__(self, model, size):
                super().__init__()
                self.model = model
                self.text = Text()

            def draw(self, screen):
                screen.fill((20, 20, 30))
                self.text.blit(screen, str(self.model.left), (400, 300), 40, (255, 255, 255))

            def highlight_rects(self):
                return {"number": pygame.Rect(380, 280, 80, 60)}
    """,
    "driver.py": """
        from explorer.lessons.player import Driver


        class CountdownDriver(Driver):
            def progress(self):
                return self.model.setup().start - self.model.left

            def finished(self):
                return self.model.left == 0

            def advance(self, budget, until, left):
                self.model.tick()
                return 1
    """,
    "dl-explorer.en.json": '{"en": {"countdown": {"tab": "Countdown"}}}',
    "dl-explorer.zh.json": '{"zh": {"countdown": {"tab": "倒数"}}}',
}

LESSON = """
[title]
en = "Counting down"
zh = "倒数"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "countdown"
setup = { start = 5 }
caption.en = "{left} to go"
caption.zh = "还有 {left}"
caption.during.en = "{left} to go"  # the expect is the end's, not what the caption claims meanwhile
caption.during.zh = "还有 {left}"
highlight = ["number"]
limit = 3
expect = ["left == 2"]
"""


@pytest.fixture()
def countdown(tmp_path, monkeypatch):
    folder = tmp_path / "countdown_scene"
    folder.mkdir()
    for name, text in PACKAGE.items():
        (folder / name).write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    import countdown_scene

    scene_table.register(countdown_scene.SCENE)
    yield countdown_scene.SCENE
    scene_table.unregister("countdown")


def test_a_registered_scene_is_a_tab_its_key_shows_it_and_the_help_lists_its_key(
    countdown, registry
):
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    try:
        assert tabs.names == [
            "landscape",
            "network",
            "activations",
            "dropout",
            "scoreboard",
            "countdown",
        ]
        assert tabs.buttons["countdown"].text == "Countdown"
        down = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F7, mod=0, unicode="", scancode=0)
        app.tick(1 / 60, [down])
        assert tabs.current == "countdown"
        assert tabs.scene().model.readouts() == {"left": 10}
        overlay = show_help(app)
        assert isinstance(overlay, HelpOverlay)
        shared = dict(overlay.sections()[-1][1])
        assert shared["F2 – F7"].endswith("Dropout, Scoreboard, Countdown")
        assert "F2 – F6" not in shared
    finally:
        tabs.close()


def test_render_and_lesson_check_take_a_registered_scene(countdown, tmp_path):
    runner = CliRunner()
    out = tmp_path / "countdown.png"
    result = runner.invoke(
        main, ["render", "--scene", "countdown", "--set", "start=7", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert out.exists() and pygame.image.load(str(out)).get_size() == (1280, 720)

    lesson = tmp_path / "01-countdown.toml"
    lesson.write_text(LESSON, encoding="utf-8")
    result = runner.invoke(main, ["lesson", "check", str(lesson)])
    assert result.exit_code == 0, result.output
    assert "all 1 expect condition holds" in result.output

    lesson.write_text(LESSON.replace("left == 2", "left == 3"), encoding="utf-8")
    result = runner.invoke(main, ["lesson", "check", str(lesson)])
    assert result.exit_code == 1
    assert "step 1: expect left == 3 [left = 2] is false." in " ".join(result.output.split())


def test_the_scene_leaves_the_table_with_its_package(countdown):
    from explorer.app.ui import i18n

    assert scene_table.names()[-1] == "countdown"
    assert i18n.t("countdown.tab", lang="zh") == "倒数"
    scene_table.unregister("countdown")
    assert scene_table.names() == ("landscape", "network", "activations", "dropout", "scoreboard")
    assert countdown.catalogues not in i18n._i18n.config.get("load_path")
