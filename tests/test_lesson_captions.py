"""Captions true at every moment they are shown: ``caption.during`` while a step runs, ``lesson
check`` reading each caption along its step's advance, numbers written as a slide writes them,
and characters the caption font lacks named before class."""

from __future__ import annotations

import re

import pytest

from explorer.app.scene_table import scenes
from explorer.lessons import LessonError, read_lesson
from explorer.lessons.captions import fill, number_text
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.conditions import parse_condition
from explorer.lessons.player import LessonPlayer, check, headless_driver
from explorer.lessons.sampling import play_sampled
from explorer.lessons.scenes import by_name

HEAD = """
[title]
en = "Burst"
zh = "爆发"
[summary]
en = "s"
zh = "s"
"""

# Adagrad alone on the lecture's valley bursts sideways after ~700 race steps (|y| above 0.5).
STEP = """
[[steps]]
scene = "landscape"
setup = { surface = "lecture_valley", optimizers = ["adagrad_lecture"], schedule = "constant", seed = 0 }
caption.en = "Largest |y|: {adagrad_lecture.max_abs_y:.2f}, higher than the start's 0.5."
caption.zh = "最大的 |y| 是 {adagrad_lecture.max_abs_y:.2f}，比起点的 0.5 还高。"
until = "step >= 1000"
limit = 2000
expect = ["adagrad_lecture.max_abs_y > 0.5"]
"""
DURING = """caption.during.en = "Watching for the burst… (step {step})"
caption.during.zh = "等着看爆发……（第 {step} 步）"
"""


def _lesson(tmp_path, registry, text: str):
    path = tmp_path / "burst.toml"
    path.write_text(HEAD + text, encoding="utf-8")
    return read_lesson(path, scene_facts(registry, scenes()))


def test_a_conclusion_shown_before_it_holds_fails_the_check_though_it_holds_at_the_end(
    tmp_path, registry
):
    """The old adaptive-lr step 4: its expect holds when the step is done (the old check passed),
    but the caption claimed it for the 700 steps before the burst."""
    checked = play_sampled(_lesson(tmp_path, registry, STEP), registry, scenes())
    assert checked.moments >= 10 and checked.at_end == []  # true when the step is done
    failures = checked.while_shown
    assert [f.step for f in failures] == [1]
    assert "the caption is shown after 50 steps of it" in failures[0].sentence
    assert "adagrad_lecture.max_abs_y > 0.5" in failures[0].sentence
    assert "caption.during" in failures[0].sentence  # how to fix it


@pytest.mark.slow
def test_a_during_caption_holds_the_conclusion_until_the_step_is_done(tmp_path, registry):
    lesson = _lesson(tmp_path, registry, STEP.replace("until =", DURING + "until ="))
    assert lesson.steps[0].during == {
        "en": "Watching for the burst… (step {step})",
        "zh": "等着看爆发……（第 {step} 步）",
    }
    assert play_sampled(lesson, registry, scenes()).failures == []
    rows = by_name(scenes())
    player = LessonPlayer(
        lesson,
        lambda scene: headless_driver(rows[scene], registry),
        lambda scene: rows[scene].setup_class(),
        registry,
    )
    try:
        player.go(0)
        player.poll(10)
        assert player.caption("en") == "Watching for the burst… (step 10)"
        while not player.poll(500):
            pass
        assert player.caption("en").startswith("Largest |y|: ")
        assert player.caption("zh").startswith("最大的 |y| 是 ")
    finally:
        player.close()


def test_a_during_placeholder_with_no_value_fails_the_check(tmp_path, registry):
    text = STEP.replace("until =", DURING.replace("{step}", "{sgd.loss:.2f}") + "until =")
    failures = play_sampled(_lesson(tmp_path, registry, text), registry, scenes()).while_shown
    assert failures
    assert "caption.during.en shows {sgd.loss}" in failures[0].sentence
    assert "sgd is not racing in this step" in failures[0].sentence


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            "caption.durin.en = 'x'\n",
            "caption.durin is not a key of a caption (did you mean during?)",
        ),
        ("caption.during.en = 'x'\n", "caption.during has no zh text"),
    ],
)
def test_a_during_caption_is_checked_when_the_file_is_read(tmp_path, registry, change, message):
    with pytest.raises(LessonError, match=re.escape("step 1: " + message)):
        _lesson(tmp_path, registry, STEP.replace("until =", change + "until ="))


def test_a_step_that_does_not_run_has_no_during_caption(tmp_path, registry):
    text = STEP.replace("until =", DURING + "#").replace("limit = 2000", "")
    with pytest.raises(LessonError, match="caption.during is shown while the step runs"):
        _lesson(tmp_path, registry, text)


@pytest.mark.parametrize(
    ("value", "spec", "shown"),
    [
        (-9.0, ".0f", "−9"),
        (-8.0, ".1f", "−8.0"),
        (1.8, ".1e", "1.8"),  # 1.8 is "1.8", not "1.8e+00"
        (1.8, ".2g×", "1.8×"),  # a ratio says it is one
        (3.2e-5, ".2g×", "3.2e−5×"),
        ("n/a", ".2g×", "n/a"),
        (0.00031, ".0e", "3e−4"),
        (12345.0, ".1e", "1.2e4"),
        (0.1 + 0.2, "", "0.3"),
        (-0.5, ".0%", "−50%"),
        (40, "", "40"),
        ("a-b", "", "a-b"),  # only numbers get the minus sign
    ],
)
def test_numbers_in_captions_read_as_a_slide_writes_them(value, spec, shown):
    assert number_text(value, spec) == shown


def test_a_ratio_reads_as_times_in_the_vanishing_gradients_lesson(registry):
    from explorer.app.scene_table import scenes
    from explorer.lessons.catalogue import load

    step = load("vanishing-gradients", registry, scenes()).steps[4]
    assert fill(step.caption["en"], {"b.grad_ratio": 1.83}).endswith("is 1.8× its last layer's.")
    assert fill(step.caption["zh"], {"b.grad_ratio": 1.83}).endswith("是最后一层的 1.8 倍。")


def test_a_caption_mixes_no_minus_signs():
    text = fill("from x = −9 to {x:.1f}", {"x": -8.04})
    assert text == "from x = −9 to −8.0"


def test_an_expect_on_a_ball_not_racing_says_so():
    cond = parse_condition("adam.loss < sgd.loss")
    ok, why = check(cond, {"sgd.loss": 1.0, "sgd.x": 0.0, "step": 3})
    assert not ok
    assert why == "not known (adam is not racing in this step)"
    cond = parse_condition("b.train_acc > train_acc")
    assert check(cond, {"train_acc": 0.5, "epoch": 3})[1] == (
        "not known (there is no net B in this step: compare is off)"
    )


def test_lesson_check_names_a_character_the_caption_font_cannot_draw(tmp_path, registry):
    from click.testing import CliRunner

    from explorer.cli import main

    text = STEP.replace("higher than the start's 0.5", "η₀ = 0.1").replace(
        "until =", DURING + "until ="
    )
    path = tmp_path / "glyphs.toml"
    path.write_text(HEAD + text, encoding="utf-8")
    result = CliRunner().invoke(main, ["lesson", "check", str(path)])
    assert "step 1: caption.en has '₀' (U+2080), which the presenter's font cannot draw" in (
        result.output
    )
    assert "η" not in result.output.split("has")[1].split("(")[0]  # η is in the font


# -- in the presenter ----------------------------------------------------------------------------
@pytest.mark.parametrize("scene_name", ["dropout", "activations"])
def test_every_part_a_lesson_may_outline_has_a_place_on_screen(scene_name):
    """The Dropout lesson named "thinned", "scaling", "ensemble" and nothing was outlined."""
    from types import SimpleNamespace

    from explorer.app.scene_table import spec
    from explorer.app.scenes.activations import scene as activations
    from explorer.app.scenes.dropout import scene as dropout

    module = {"dropout": dropout, "activations": activations}[scene_name]
    cls = {"dropout": dropout.DropoutScene, "activations": activations.ActivationScene}
    fake = SimpleNamespace(layout=module.compute_layout((1280, 720)))
    rects = cls[scene_name].highlight_rects(fake)
    assert set(rects) == set(spec(scene_name).highlights)
    for found in rects.values():
        for rect in found if isinstance(found, list) else [found]:
            assert rect.w > 50 and rect.h > 50


def _presenting(tmp_path, registry, lesson_text: str):
    from explorer.app.headless import init_offscreen
    from explorer.app.shell import build_app
    from explorer.app.ui.presenter import start_lesson

    path = tmp_path / "two.toml"
    path.write_text(lesson_text, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    return app, tabs, start_lesson(tabs, lesson, registry), screen


TWO_STEPS = (
    HEAD
    + """
[[steps]]
scene = "landscape"
setup = { surface = "saddle", optimizers = ["sgd"], seed = 0 }
caption.en = "The start."
caption.zh = "起点。"
highlight = ["chart"]

[[steps]]
scene = "landscape"
caption.during.en = "Rolling… (step {step})"
caption.during.zh = "正在滚……（第 {step} 步）"
caption.en = "After {step} steps: y = {sgd.y:.1f}."
caption.zh = "{step} 步之后：y = {sgd.y:.1f}。"
until = "step >= 30"
limit = 100
"""
)


@pytest.mark.slow
def test_the_presenter_shows_during_then_the_conclusion_then_the_end_of_the_lesson(
    tmp_path, registry
):
    import pygame

    app, tabs, presenter, screen = _presenting(tmp_path, registry, TWO_STEPS)
    try:
        assert not presenter.at_end()
        app.tick(1 / 30, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0)])
        presenter._values_at = -1.0
        assert presenter.caption().startswith("Rolling… (step ")
        assert not presenter.at_end()
        bar = tabs.scene().layout.toolbar
        before = pygame.image.tobytes(screen.subsurface(bar).copy(), "RGB")
        while not presenter.player.done:
            app.tick(1 / 30, [])
        app.tick(1 / 30, [])
        presenter._values_at = -1.0
        assert presenter.caption().startswith("After 30 steps: y = ")
        assert presenter.at_end()  # the last step, done: the title bar says so
        assert pygame.image.tobytes(screen.subsurface(bar).copy(), "RGB") != before
        from explorer.app.ui import i18n

        assert i18n.t("tabs.lesson_end", lang="zh") != i18n.t("tabs.lesson_end", lang="en")
    finally:
        tabs.close()


def test_the_caption_band_leaves_an_outlined_panel_at_the_bottom_visible(tmp_path, registry):
    """The Dropout lesson's step 4 is about panel 3's verdict, at the bottom: the band moves up."""
    import pygame

    app, tabs, presenter, screen = _presenting(tmp_path, registry, TWO_STEPS)
    try:
        w, h = screen.get_size()
        toolbar = tabs.scene().layout.toolbar
        for outlined, dark_at, light_at in [
            ([], (10, h - 5), (10, toolbar.bottom + 5)),
            ([pygame.Rect(0, h - 150, 400, 140)], (10, toolbar.bottom + 5), (10, h - 5)),
        ]:
            screen.fill((255, 255, 255))
            presenter._draw_caption_band(screen, outlined)
            assert max(screen.get_at(dark_at)[:3]) < 100
            assert min(screen.get_at(light_at)[:3]) == 255
    finally:
        tabs.close()


def test_l_then_tab_shows_the_panels_in_the_new_language(tmp_path, registry):
    import pygame

    from explorer.app.ui import i18n

    app, tabs, presenter, _ = _presenting(tmp_path, registry, TWO_STEPS)
    try:
        for key in (pygame.K_l, pygame.K_TAB):
            app.tick(1 / 30, [pygame.event.Event(pygame.KEYDOWN, key=key, mod=0)])
        app.tick(1 / 30, [])
        assert i18n.language() == "zh" and presenter.panels
        assert tabs.scene().__dict__["_shown_size"][2] == "zh"  # laid out in Chinese
    finally:
        tabs.close()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("high_start", "cosine_start", "warmup_start"),
    [
        ("[-9.0, 0.67]", "[-7.2, 0.4]", "[-8.8, 0.3]"),
        ("[-8.6, 0.73]", "[-6.8, 0.37]", "[-9.2, 0.33]"),
        ("[-9.3, 0.7]", "[-7.0, 0.43]", "[-9.0, 0.27]"),
    ],
)
def test_adaptive_lr_tells_the_same_story_from_starts_near_its_own(
    high_start, cosine_start, warmup_start, registry, tmp_path
):
    """Decay keeps the ball down from high starts, not from low ones, and warm-up does not,
    from starts a little away from the lesson's (by hand: −9 with y = 0.3 under warm-up bursts
    to 1.34 at step 1452; under cosine from y = 0.45, 0.4 and 0.37 it bursts too, so the old
    claim "from (−9, 0.5) decay keeps it on the floor" was a coincidence of the start)."""
    from explorer.lessons.catalogue import find

    text = find("adaptive-lr").read_text(encoding="utf-8")
    for start in ("start = [-9.0, 0.7]", "start = [-7.0, 0.4]", "start = [-9.0, 0.3]"):
        assert start in text
    text = text.replace("start = [-9.0, 0.7]", f"start = {high_start}")
    text = text.replace("start = [-7.0, 0.4]", f"start = {cosine_start}")
    text = text.replace("start = [-9.0, 0.3]", f"start = {warmup_start}")
    path = tmp_path / "05-adaptive-lr.toml"
    path.write_text(text, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    assert [f.sentence for f in play_sampled(lesson, registry, scenes()).failures] == []


OLD_COSINE_STEP = """
[title]
en = "Old"
zh = "旧"
[summary]
en = "The old adaptive-lr step 5."
zh = "旧的第 5 步。"
[vary]
start = [0.5, 0.05]

[[steps]]
scene = "landscape"
setup = { surface = "lecture_valley", optimizers = ["adagrad_lecture"], schedule = "cosine", start = [-9.0, 0.5], noise = "none" }
caption.during.en = "Watching… {step}"
caption.during.zh = "观察中…… {step}"
caption.en = "Decay kept the ball on the floor: largest |y| {adagrad_lecture.max_abs_y:.2f}."
caption.zh = "衰减让球一直留在谷底：最大的 |y| 是 {adagrad_lecture.max_abs_y:.2f}。"
until = "step >= 2000"
limit = 2000
expect = ["adagrad_lecture.max_abs_y <= 0.5"]
"""


@pytest.mark.slow
def test_the_old_adaptive_lr_claim_fails_its_variants(registry, tmp_path):
    """The old step "cosine decay from (−9, 0.5) keeps the ball on the floor" held from that
    start only: from y = 0.45 the same decay bursts to 0.54 (the race's own CSV), so starts
    within ±0.05 of it fail the claim in more than 1 variant of 10."""
    from explorer.lessons.variants import PASS_RATE, tally

    path = tmp_path / "old.toml"
    path.write_text(OLD_COSINE_STEP, encoding="utf-8")
    facts = scene_facts(registry, scenes())
    lesson = read_lesson(path, facts)
    found = tally(lesson, 10, facts, lambda v: play_sampled(v, registry, scenes()))
    assert found.rate((1, "adagrad_lecture.max_abs_y <= 0.5")) < PASS_RATE
