"""Lessons played headless: every built-in lesson's captions are checked against the computation,
a step is replayed with the same numbers, and `lesson check` names each false claim."""

from __future__ import annotations

import re

import pytest
from click.testing import CliRunner

from explorer.app.scene_table import scenes, spec
from explorer.app.scenes.landscape.driver import LandscapeDriver
from explorer.cli import main
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import builtin_paths, scene_facts
from explorer.lessons.player import LessonPlayer, headless_driver, missing_scenes
from explorer.lessons.sampling import play_sampled


def _builtin(path, registry):
    return read_lesson(path, scene_facts(registry, scenes()))


@pytest.mark.slow
@pytest.mark.parametrize("path", builtin_paths(), ids=lambda p: p.stem)
def test_every_builtin_lesson_plays_to_the_end_and_every_expect_holds(path, registry):
    """... when its step is done, and while the caption claiming it is shown (``during``)."""
    lesson = _builtin(path, registry)
    assert missing_scenes(lesson, scenes()) == []  # every scene's row names its driver
    failures = play_sampled(lesson, registry, scenes()).failures
    assert [f.sentence for f in failures] == []
    assert sum(len(s.expect) for s in lesson.steps) > 0


LESSON = """
[title]
en = "Momentum"
zh = "动量"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "landscape"
setup = { surface = "two_valleys", optimizers = ["sgd", "momentum"], seed = 0 }
caption.en = "Start: loss {sgd.loss:.3f}"
caption.zh = "起点：损失 {sgd.loss:.3f}"

[[steps]]
scene = "landscape"
caption.en = "After {step} steps: momentum {momentum.loss:.3f}, SGD {sgd.loss:.3f}"
caption.zh = "{step} 步之后：动量 {momentum.loss:.3f}，SGD {sgd.loss:.3f}"
until = "step >= 250"
limit = 1000
expect = ["momentum.loss < sgd.loss"]

[[steps]]
scene = "landscape"
caption.en = "Later: {step}"
caption.zh = "之后：{step}"
limit = 50
expect = ["step == 300", "sgd.loss < -5"]
"""


def _player(tmp_path, registry, text=LESSON):
    from explorer.app.setup_files import setup_class

    path = tmp_path / "07-mine.toml"
    path.write_text(text, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    return LessonPlayer(
        lesson, lambda scene: headless_driver(spec(scene), registry), setup_class, registry
    )


def _play_to(player, k):
    player.go(k)
    assert player.poll(None)
    return player.driver("landscape").values()


def test_steps_continue_the_run_and_a_replay_gives_the_same_numbers(tmp_path, registry):
    player = _player(tmp_path, registry)
    start = _play_to(player, 0)
    assert start["step"] == 0
    assert player.caption("en") == f"Start: loss {start['sgd.loss']:.3f}"
    second = _play_to(player, 1)
    assert second["step"] == 250  # stopped as soon as `until` held, not at the limit
    assert second["momentum.loss"] < second["sgd.loss"]
    assert player.caption("zh").startswith("250 步之后：动量 ")
    third = _play_to(player, 2)
    assert third["step"] == 300  # a step without a setup goes on from the one before
    player.replay()
    assert player.poll(None)
    again = player.driver("landscape").values()
    assert again == third  # R: the run rebuilt from its setup, the same numbers
    _play_to(player, 0)  # back to the start: the run's setup again
    assert player.driver("landscape").values() == start
    jumped = _play_to(player, 2)  # a jump catches up the steps before it
    assert jumped == third
    assert [f.sentence for k in player.failures for f in player.failures[k]] == [
        f"07-mine.toml: step 3: expect sgd.loss < -5  [sgd.loss = {third['sgd.loss']:.4g}] is "
        "false."
    ]
    player.close()


def test_the_live_numbers_a_scene_lists_are_the_ones_it_computes(registry):
    driver = headless_driver(spec("landscape"), registry)
    assert isinstance(driver, LandscapeDriver)
    driver.model.step_once()
    values = driver.values()
    names = scene_facts(registry, scenes())["landscape"].numbers
    assert set(values) <= names
    assert {"step", "sgd.loss", "sgd.min_eig", "adam.max_abs_y"} <= set(values)
    # one number asked for: only that one is computed
    assert driver.values({"rmsprop.loss"}) == {"rmsprop.loss": values["rmsprop.loss"]}


@pytest.mark.slow
def test_network_numbers_come_from_the_training_run(registry):
    from explorer.app.scenes.network.model import NetworkSetup

    driver = headless_driver(spec("network"), registry)
    try:
        driver.apply(NetworkSetup(dataset="moons", depth=2, width=8, epochs=50, seed=0))
        driver.model.step(30)
        driver.wait(60)
        values = driver.values()
        names = scene_facts(registry, scenes())["network"].numbers
        assert set(values) <= names
        snap = driver.model.snapshots[0]
        assert values["epoch"] == snap.epoch and values["step"] == 30
        record = snap.epochs[-1]
        assert values["train_loss"] == record.train_loss
        assert values["grad_ratio"] == pytest.approx(record.grad_norms[0] / record.grad_norms[-1])
        assert 0 <= values["sparsity"] <= 1 and values["stopped"] is False
    finally:
        driver.close()


def test_lesson_check_names_file_step_and_condition_with_its_numbers(tmp_path, registry):
    path = tmp_path / "mine.toml"
    path.write_text(LESSON, encoding="utf-8")
    result = CliRunner().invoke(main, ["--no-plugins", "lesson", "check", str(path)])
    assert result.exit_code == 1
    assert re.search(
        r"mine\.toml: step 3: expect sgd\.loss < -5  \[sgd\.loss = -0\.0\d+\] is false\.",
        result.output,
    )
    assert "1 of 3 expect conditions failed" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (lambda t: t.replace("seed = 0 }", "seed = -1 }"), "step 1: setup: seed = -1"),
        (lambda t: t.replace('"momentum"]', '"momentumm"]'), "momentumm"),
        (lambda t: t.replace("momentum.loss < sgd.loss", "momentum.loss <"), "step 2: expect"),
        (lambda t: t.replace("surface = ", "surfac = "), "step 1: setup.surfac is not a key"),
        (
            lambda t: t.replace("seed = 0 }", "seed = 0 }\nhessian = true", 1),
            "step 1: hessian asks the network scene only",
        ),
        (
            lambda t: t.replace("seed = 0 }", 'seed = 0 }\nhessian = "yes"', 1),
            "step 1: hessian must be true or false",
        ),
    ],
)
def test_lesson_check_refuses_a_bad_file_in_one_sentence(tmp_path, change, fragment):
    path = tmp_path / "mine.toml"
    path.write_text(change(LESSON), encoding="utf-8")
    result = CliRunner().invoke(main, ["--no-plugins", "lesson", "check", str(path)])
    assert result.exit_code != 0
    assert fragment in result.output
    assert "mine.toml" in result.output and "Traceback" not in result.output


def test_lesson_lists_every_builtin_with_its_length():
    result = CliRunner().invoke(main, ["--no-plugins", "lesson"])
    assert result.exit_code == 0
    assert "vanishing-gradients" in result.output and "梯度消失" in result.output
    assert "adaptive-lr" in result.output and "7 steps" in result.output


@pytest.mark.slow
def test_render_lesson_streams_a_deterministic_gif_with_the_captions(tmp_path):
    from PIL import Image

    outs = []
    for k in range(2):
        out = tmp_path / f"saddle{k}.gif"
        result = CliRunner().invoke(
            main,
            [
                "--no-plugins",
                "render",
                "--lesson",
                "saddle-points",
                "--lang",
                "zh",
                "--frames-per-step",
                "3",
                "--scale",
                "0.5",
                "--out",
                str(out),
            ],
        )
        assert result.exit_code == 0, result.output
        assert "saddle-points, 4 steps, 12 frames at 30 fps" in result.output
        outs.append(out.read_bytes())
    assert outs[0] == outs[1]  # the same lesson, the same file
    with Image.open(tmp_path / "saddle0.gif") as gif:
        assert gif.n_frames == 12 and gif.size == (640, 360)
        gif.seek(11)
        frame = gif.convert("RGB")
    import numpy as np

    caption = np.asarray(frame.crop((450, 45, 640, 200)))  # where the control panel was
    assert (caption.max(axis=2) > 200).sum() > 100  # bright caption text


@pytest.mark.slow
def test_a_recorded_caption_agrees_with_the_frame_under_it(tmp_path, monkeypatch):
    """--frames-per-step cuts a step short: the caption's numbers are still the frame's own
    ("after 8 steps" over a legend saying step 8, never the 4 of a few frames before)."""
    from explorer.app.ui.presenter import Presenter

    shown = []
    draw = Presenter.draw

    def recording(self, screen):
        if self.index == 1:
            shown.append((self.caption(), self.player.driver("landscape").model.race.t))
        draw(self, screen)

    monkeypatch.setattr(Presenter, "draw", recording)
    path = tmp_path / "mine.toml"
    path.write_text(LESSON, encoding="utf-8")
    out = tmp_path / "mine.gif"
    result = CliRunner().invoke(
        main,
        [
            "--no-plugins",
            "render",
            "--lesson",
            str(path),
            "--frames-per-step",
            "6",
            "--scale",
            "0.25",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(shown) == 6 and shown[-1][1] > shown[0][1] > 0  # the race moved while shown
    for caption, step in shown:
        assert caption.startswith(f"After {step} steps"), (caption, step)


def test_render_lesson_refuses_a_scene_knob_in_one_sentence(tmp_path):
    result = CliRunner().invoke(
        main,
        [
            "--no-plugins",
            "render",
            "--lesson",
            "momentum",
            "--surface",
            "bowl",
            "--out",
            str(tmp_path / "x.gif"),
        ],
    )
    assert result.exit_code != 0
    assert "--lesson sets every scene itself" in result.output
