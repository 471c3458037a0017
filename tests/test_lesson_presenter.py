"""Presenter mode in the app (offscreen): large captions, the step counter, keyboard flow, outlines,
Chinese without missing glyphs, and a false claim as a quiet note."""

from __future__ import annotations

import pygame
import pytest

from explorer.app.headless import init_offscreen
from explorer.app.scene_table import scenes
from explorer.app.shell import build_app
from explorer.app.ui import scale
from explorer.app.ui.presenter import CAPTION_PT, HIGHLIGHT, CaptionFonts, start_lesson, wrap
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import builtin_paths, scene_facts

LESSON = """
[title]
en = "Saddle points"
zh = "鞍点"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "landscape"
setup = { surface = "saddle", optimizers = ["sgd", "momentum"], seed = 0 }
caption.en = "The surface x² − y²: the loss is {sgd.loss:.2f} at the start."
caption.zh = "曲面 x² − y²：起点的损失是 {sgd.loss:.2f}。"
highlight = ["map", "ball:sgd"]

[[steps]]
scene = "landscape"
caption.en = "After {step} steps gradient descent is at y = {sgd.y:.1f}."
caption.zh = "{step} 步之后，梯度下降到了 y = {sgd.y:.1f}。"
until = "step >= 40"
limit = 100
expect = ["sgd.y > 1000"]
"""


@pytest.fixture
def presenting(tmp_path, registry):
    path = tmp_path / "mine.toml"
    path.write_text(LESSON, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    presenter = start_lesson(tabs, lesson, registry)
    yield app, tabs, presenter
    tabs.close()


def key(app, k, mod=0):
    app.tick(1 / 30, [pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="")])


def test_the_caption_is_large_and_says_what_the_race_computed(presenting):
    app, tabs, presenter = presenting
    app.tick(1 / 30, [])
    font, lines = presenter._caption_lines(300, CAPTION_PT)
    assert font.get_height() >= 28  # at 1280×720, scale 1
    loss = tabs.scene().model.readouts()["sgd.loss"]
    assert presenter.caption() == f"The surface x² − y²: the loss is {loss:.2f} at the start."
    side = tabs.scene().layout.side
    pixels = pygame.surfarray.array3d(app.screen)
    caption_area = pixels[side.x : side.right, side.y : side.y + 120]
    assert (caption_area.max(axis=2) > 200).sum() > 500  # bright caption text where the panel was


def test_a_bigger_window_gets_bigger_caption_type(presenting):
    app, tabs, presenter = presenting
    app.resize((1920, 1080))
    app.tick(1 / 30, [])
    font, _ = presenter._caption_lines(300, CAPTION_PT)
    assert scale.factor() > 1 and font.get_height() >= 28 * scale.factor() - 1


@pytest.mark.slow
def test_keys_step_through_the_lesson_and_esc_keeps_the_scene(presenting):
    app, tabs, presenter = presenting
    assert presenter.index == 0
    key(app, pygame.K_RIGHT)
    while not presenter.player.done:
        app.tick(1 / 30, [])
    race = tabs.scene().model.race
    assert race.t == 40 and presenter.index == 1
    key(app, pygame.K_l)
    assert presenter.caption().startswith("40 步之后")
    from explorer.app.ui import i18n

    assert i18n.language() == "zh"  # the whole UI follows the captions' language
    assert tabs.buttons["landscape"].text != "Landscape"
    key(app, pygame.K_LEFT)
    assert presenter.index == 0 and tabs.scene().model.race.t == 0
    key(app, pygame.K_PAGEDOWN)
    key(app, pygame.K_r)  # replay: back to the run's start, then the same advance, animated
    assert tabs.scene().model.race.t < 10
    while not presenter.player.done:
        app.tick(1 / 30, [])
    t_before = tabs.scene().model.race.t
    key(app, pygame.K_ESCAPE)
    assert presenter not in app.scenes
    app.tick(1 / 30, [])
    assert tabs.scene().model.race.t == t_before == 40  # the scene as the lesson left it


@pytest.mark.slow
def test_tab_shows_the_panels_and_the_outline_pulses_around_the_map(presenting):
    app, tabs, presenter = presenting
    app.tick(1 / 30, [])
    plot = tabs.scene().layout.plot
    pixels = pygame.surfarray.array3d(app.screen)
    ring = pixels[plot.x : plot.right, plot.y - 1]  # the outline just outside the map
    near = (abs(ring.astype(int) - HIGHLIGHT).sum(axis=1) < 200).sum()
    assert near > plot.w // 2
    side = tabs.scene().layout.side
    hidden_widgets = presenter.handle_event(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=side.center, button=1)
    )
    assert hidden_widgets  # a click on the hidden panel does not reach its widgets
    key(app, pygame.K_TAB)
    assert presenter.panels
    assert not presenter.handle_event(
        pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=side.center, button=1)
    )


@pytest.mark.slow
def test_a_false_expect_is_a_quiet_note_for_the_teacher(presenting):
    app, tabs, presenter = presenting
    key(app, pygame.K_RIGHT)
    while not presenter.player.done:
        app.tick(1 / 30, [])
    app.tick(1 / 30, [])
    assert presenter.notes == ["expect sgd.y > 1000 did not hold here"]
    assert presenter in app.scenes


def test_chinese_lines_break_between_characters_and_never_before_punctuation():
    pygame.font.init()
    font = CaptionFonts().get(28)
    lines = wrap(font, "在谷底，横向梯度很长一段时间几乎为零，RMSProp 的分母越来越小。", 200)
    assert len(lines) > 2 and all(font.size(line)[0] <= 200 for line in lines)
    assert not any(line.startswith(("，", "。")) for line in lines)
    assert "".join(lines) == "在谷底，横向梯度很长一段时间几乎为零，RMSProp 的分母越来越小。"
    # a number or a Latin word keeps the punctuation after it too ("98%。" never splits)
    text = "用全批量训练 200 轮后，正确率 98%。在训练结束的位置计算损失的 Hessian。"
    for width in range(120, 400, 7):
        lines = wrap(font, text, width)
        assert not any(line.startswith(("，", "。")) for line in lines), (width, lines)


def test_every_caption_and_title_of_every_lesson_has_its_glyphs(registry):
    """No tofu: every character the built-in lessons show exists in the presenter's font."""
    pygame.font.init()
    font = CaptionFonts().get(28)
    missing_glyph = pygame.image.tobytes(font.render("\ue000", True, (255, 255, 255)), "RGBA")
    facts = scene_facts(registry, scenes())
    chars = set()
    for path in builtin_paths():
        lesson = read_lesson(path, facts)
        during = [s.during for s in lesson.steps if s.during is not None]
        for texts in [lesson.title, lesson.summary, *(s.caption for s in lesson.steps), *during]:
            for text in texts.values():
                chars |= {ch for ch in text if not ch.isspace()}
    missing = [
        ch
        for ch in sorted(chars)
        if pygame.image.tobytes(font.render(ch, True, (255, 255, 255)), "RGBA") == missing_glyph
    ]
    assert missing == []


@pytest.mark.slow
def test_the_lesson_command_opens_the_app_in_presenter_mode_at_the_step_asked(
    monkeypatch, registry
):
    """`dl-explorer --scale 1.25 lesson momentum --lang zh --step 3`: the window's first frame is
    step 3 of 4, in Chinese, at UI scale 1.25 (the app's loop replaced by a few offscreen frames)."""
    from click.testing import CliRunner

    import explorer.app.main as app_main
    from explorer.app.ui.presenter import Presenter
    from explorer.cli import main

    seen = {}

    def fake_run_app(registry, scene="landscape", prepare=None, *, ui_scale=None, **_):
        screen = init_offscreen((1280, 720))
        app, tabs = build_app(
            registry, screen, scene, windowed=False, backend="thread", ui_scale=ui_scale
        )
        try:
            prepare(tabs)
            for _ in range(3):
                app.tick(1 / 30, [])
            presenter = next(s for s in app.scenes if isinstance(s, Presenter))
            seen.update(
                step=presenter.index,
                lang=presenter.lang,
                scale=scale.factor(),
                caption=presenter.caption(),
                scene=tabs.current,
            )
        finally:
            tabs.close()

    monkeypatch.setattr(app_main, "run_app", fake_run_app)
    result = CliRunner().invoke(
        main,
        ["--no-plugins", "--scale", "1.25", "lesson", "momentum", "--lang", "zh", "--step", "3"],
    )
    assert result.exit_code == 0, result.output
    assert seen["step"] == 2 and seen["lang"] == "zh" and seen["scene"] == "landscape"
    assert seen["scale"] == 1.125  # 1.25 asked; a 1280×720 window holds the layout at 1.125
    assert seen["caption"].startswith("600 步之后")  # step 2's advance was caught up first
    bad = CliRunner().invoke(main, ["--no-plugins", "lesson", "momentum", "--step", "9"])
    assert bad.exit_code != 0 and "momentum has 4 steps" in bad.output


@pytest.mark.slow
def test_a_dropout_step_says_the_numbers_its_scene_computed(registry):
    """The Dropout scene's lesson step waits for its worker's ensemble, then its caption and its
    expects use the numbers computed (never "…", never "could not be checked")."""
    import time

    from explorer.lessons.catalogue import load

    lesson = load("dropout", registry, scenes())
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "dropout", windowed=False, backend="thread")
    try:
        presenter = start_lesson(tabs, lesson, registry, step=3)
        end = time.monotonic() + 90
        while time.monotonic() < end and not (
            presenter.player.done and "linear_gap" in tabs.scene().model.readouts()
        ):  # the ensemble is computed in a worker: until then the caption says "…"
            app.tick(1 / 30, [])
            time.sleep(0.01)
        app.tick(1 / 30, [])
        assert tabs.current == "dropout" and presenter.error == ""
        presenter._values_at = -1.0  # read the numbers now
        values = tabs.scene().model.readouts()
        caption = presenter.caption()
        from explorer.lessons.captions import number_text  # as a slide writes it: 8.9e−16

        assert f"(largest gap {number_text(values['linear_gap'], '.1e')})" in caption, caption
        assert f"({number_text(values['sigmoid_gap'], '.3f')})" in caption and "…" not in caption
        assert not any("could not be checked" in n for n in presenter.notes), presenter.notes
    finally:
        tabs.close()


def test_scene_keys_during_a_lesson_do_not_end_it_silently(presenting):
    app, tabs, presenter = presenting
    key(app, pygame.K_F3)
    assert presenter in app.scenes and tabs.current == "landscape"
    notes = []
    presenter._draw_notes = lambda screen, x, y, w: notes.append(presenter.notice) or y
    app.tick(1 / 30, [])
    assert presenter.notice[0].startswith("This lesson shows its own scenes: Esc ends it")
    key(app, pygame.K_ESCAPE)
    key(app, pygame.K_F3)
    assert tabs.current == "network"  # after the lesson, the keys switch scenes again


def test_a_panel_part_the_step_points_at_is_shown_large_enough_to_read(presenting):
    """A strip drawn 30 px tall in its panel is redrawn by its scene at the presenter's size
    (the Landscape's schedule), or at least enlarged to the width there is."""
    from explorer.app.ui.presenter import LIFTED_MIN_PT, lifted_part

    app, tabs, presenter = presenting
    strip = pygame.Surface((300, 30))
    shown = lifted_part(presenter, "chart", strip, 400)
    assert shown.get_size() == (400, 40)  # the panel's pixels, as wide as there is room
    shown = lifted_part(presenter, "schedule", strip, 400)  # the Landscape draws it anew
    assert shown.get_size() == (400, scale.px(LIFTED_MIN_PT))
    asked = []

    def part_picture(name, size):
        asked.append((name, size))
        return pygame.Surface(size)

    tabs.scene().part_picture = part_picture
    presenter.clock += 1.0  # the numbers refreshed since: drawn anew
    shown = lifted_part(presenter, "schedule", strip, 400)
    assert asked == [("schedule", (400, scale.px(LIFTED_MIN_PT)))]
    lifted_part(presenter, "schedule", strip, 400)
    assert len(asked) == 1  # drawn once per refresh of the numbers, not every frame
