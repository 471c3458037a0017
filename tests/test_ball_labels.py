"""The same optimizer more than once: a teacher races SGD at η = 0.5 against SGD at η = 2.2.
Balls are keyed by a label everywhere (the model, setups old and new, lessons, readouts, the CSV),
a second ball is one click, and a saved race opens with the same balls."""

import csv

import numpy as np
import pytest

from explorer import setups
from explorer.app.scenes.landscape.model import LandscapeModel, LandscapeSetup
from explorer.knob_text import Spec
from explorer.setups import SetupError

TWO_RATES = (Spec("sgd", {"lr": 0.0005}), Spec("sgd", {"lr": 0.0015}, "sgd_fast"))


def _two_rates(registry) -> LandscapeModel:
    m = LandscapeModel(registry)
    m.apply(LandscapeSetup(surface="rosenbrock", optimizers=TWO_RATES))
    return m


def test_two_sgd_balls_race_side_by_side_each_at_its_own_rate(registry):
    m = _two_rates(registry)
    assert [b.label for b in m.race.balls] == ["sgd", "sgd_fast"]
    assert [b.spec.name for b in m.race.balls] == ["sgd", "sgd"]
    m.race.step(50)
    numbers = m.readouts()
    assert numbers["sgd.lr"] == pytest.approx(0.0005)
    assert numbers["sgd_fast.lr"] == pytest.approx(0.0015)
    assert numbers["sgd_fast.loss"] < numbers["sgd.loss"]  # the faster one got further down
    rows = {r.label: r for r in m.readout()}  # the numbers panel and the legend
    assert rows["sgd_fast"].lr == pytest.approx(0.0015)
    assert rows["sgd"].colour_index != rows["sgd_fast"].colour_index


def test_plus_adds_a_second_ball_with_sliders_of_its_own(registry):
    m = LandscapeModel(registry, "rosenbrock", ["sgd", "adam"])
    label = m.add_copy("sgd")
    assert label == "sgd_2"
    assert [b.label for b in m.race.balls] == ["sgd", "sgd_2", "adam"]
    assert m.selected_name() == "sgd_2"
    assert m.set_hyper("sgd_2", "lr", 0.002)
    assert m.hyper["sgd_2"]["lr"] == 0.002
    assert m.hyper["sgd"]["lr"] != 0.002  # sgd's own slider did not move
    assert m.race.balls[1].hyper["lr"] == 0.002
    m.set_enabled("sgd_2", False)  # − takes it off; sgd races on
    assert [b.label for b in m.race.balls] == ["sgd", "adam"]


def test_a_ball_is_renamed_and_lessons_read_it_by_its_new_name(registry):
    m = LandscapeModel(registry, "rosenbrock", ["sgd"])
    m.add_copy("sgd")
    colour = m.readout()[1].colour_index
    assert m.rename("sgd_2", "sgd_fast") is None
    assert m.readout()[1].label == "sgd_fast" and m.readout()[1].colour_index == colour
    m.race.step(3)
    assert "sgd_fast.loss" in m.readouts() and "sgd_2.loss" not in m.readouts()
    assert "cannot be a ball's label" in m.rename("sgd_fast", "sgd fast")
    assert "already" in m.rename("sgd_fast", "adam")  # another optimizer's name
    assert "already" in m.rename("sgd_fast", "sgd")
    assert [b.label for b in m.race.balls] == ["sgd", "sgd_fast"]


def test_a_saved_race_of_two_sgd_balls_opens_with_the_same_balls(registry, tmp_path):
    m = _two_rates(registry)
    path = setups.write(tmp_path / "two.toml", "landscape", m.setup())
    text = path.read_text()
    assert '[optimizers.sgd_fast]\nname = "sgd"\nlr = 0.0015' in text
    assert "[optimizers.sgd]\nlr = 0.0005" in text  # an unlabelled ball: as files always were
    scene, overrides = setups.read(path, {"landscape": LandscapeSetup})
    again = LandscapeModel(registry)
    setups.apply(again, overrides)
    assert again.setup() == m.setup()
    m.race.step(20)
    again.race.step(20)
    np.testing.assert_array_equal(again.race.positions, m.race.positions)


def test_todays_files_and_set_lines_read_as_before(registry, tmp_path):
    path = tmp_path / "old.toml"
    path.write_text(
        'version = 1\nscene = "landscape"\n[optimizers.sgd]\nlr = 0.5\n[optimizers.adam]\n'
    )
    _, overrides = setups.read(path, {"landscape": LandscapeSetup})
    assert overrides["optimizers"] == (Spec("sgd", {"lr": 0.5}), Spec("adam"))
    typed = setups.from_text(LandscapeSetup, "optimizers", "sgd:lr=0.5,sgd_fast=sgd:lr=2.2,adam")
    assert typed == (Spec("sgd", {"lr": 0.5}), Spec("sgd", {"lr": 2.2}, "sgd_fast"), Spec("adam"))


@pytest.mark.parametrize(
    ("optimizers", "words"),
    [
        ("sgd:lr=0.5,sgd:lr=2.2", "needs a label of its own"),
        ("sgd,adam=sgd:lr=2.2", "is the name of another optimizer"),
    ],
)
def test_two_balls_one_name_is_one_sentence(registry, optimizers, words):
    typed = setups.from_text(LandscapeSetup, "optimizers", optimizers)
    with pytest.raises(SetupError) as err:
        setups.check(LandscapeSetup(optimizers=typed), registry)
    assert words in str(err.value) and "\n" not in str(err.value)


def test_a_bad_label_in_a_file_is_one_sentence(registry, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('scene = "landscape"\noptimizers = [{ name = "sgd", label = "sgd fast" }]\n')
    _, overrides = setups.read(path, {"landscape": LandscapeSetup})
    with pytest.raises(SetupError, match="is not a label"):
        setups.check(LandscapeSetup(optimizers=overrides["optimizers"]), registry)


def test_the_csv_names_each_ball_by_its_label(registry, tmp_path):
    m = _two_rates(registry)
    m.race.step(5)
    path = m.export_csv(tmp_path)
    with open(path, newline="") as f:
        names = {row[0] for row in list(csv.reader(f))[1:]}
    assert names == {"sgd", "sgd_fast"}


TWO_RATES_LESSON = """
[title]
en = "One optimizer, two rates"
zh = "同一优化器，两种学习率"
[summary]
en = "SGD at two learning rates, side by side."
zh = "两种学习率的 SGD 并排比赛。"

[[steps]]
scene = "landscape"
setup = { surface = "rosenbrock", optimizers = [{ name = "sgd", lr = 0.0005 }, { name = "sgd", label = "sgd_fast", lr = 0.0015 }] }
caption.en = "The faster SGD is at loss {sgd_fast.loss:.3g}, the slower at {sgd.loss:.3g}."
caption.zh = "较快的 SGD 损失为 {sgd_fast.loss:.3g}，较慢的为 {sgd.loss:.3g}。"
highlight = ["ball:sgd", "ball:sgd_fast"]
limit = 200
expect = ["sgd_fast.loss < sgd.loss", "sgd_fast.lr > sgd.lr"]

[[steps]]
scene = "landscape"
setup = { optimizers = ["sgd:lr=0.0005", "sgd_slow=sgd:lr=0.0001"] }
caption.en = "Slower still: {sgd_slow.loss:.3g}."
caption.zh = "更慢：{sgd_slow.loss:.3g}。"
limit = 100
expect = ["sgd_slow.loss > sgd.loss"]
"""


def test_a_lesson_races_sgd_at_two_rates_and_reads_each_by_its_label(registry, tmp_path):
    from explorer.app.scene_table import scenes
    from explorer.lessons import read_lesson
    from explorer.lessons.catalogue import scene_facts
    from explorer.lessons.player import play_headless

    path = tmp_path / "two-rates.toml"
    path.write_text(TWO_RATES_LESSON, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    assert play_headless(lesson, registry, scenes()) == []
    wrong = TWO_RATES_LESSON.replace("{sgd_slow.loss:.3g}.", "{sgd_slo.loss:.3g}.")
    path.write_text(wrong, encoding="utf-8")
    with pytest.raises(ValueError, match="sgd_slo.loss.*did you mean sgd_slow.loss"):
        read_lesson(path, scene_facts(registry, scenes()))


def test_a_lesson_outlines_a_labelled_ball(registry):
    import pygame

    from explorer.app.scenes.landscape.scene import LandscapeScene

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((1280, 720))
    m = _two_rates(registry)
    scene = LandscapeScene(m, (1280, 720))
    try:
        rects = scene.highlight_rects()
        assert "ball:sgd" in rects and "ball:sgd_fast" in rects
    finally:
        m.close()


def _button(controls, text):
    from pygame_gui.elements import UIButton

    (button,) = [e for e in controls.sections["tune"] if isinstance(e, UIButton) and e.text == text]
    return button


def test_in_the_app_plus_adds_a_ball_its_label_box_renames_it_and_minus_takes_it_off(registry):
    from explorer.app.harness import Driver

    app = Driver(registry, timer=lambda: 0.0)
    m = app.model
    app.click(_button(app.scene.controls, "+").rect.center)
    assert m.selected_name() == "sgd_2" and "sgd_2" in [b.label for b in m.race.balls]
    entry = app.scene.controls.label_entry
    assert entry.get_text() == "sgd_2"
    app.click(entry.rect.center)
    entry.set_text("")
    app.type_text("sgd_fast")
    assert m.selected_name() == "sgd_fast"
    assert "sgd_fast.loss" in m.readouts()
    assert m.spec.name == "rosenbrock"  # typing "f" … was not a shortcut
    app.click(_button(app.scene.controls, "−").rect.center)
    assert "sgd_fast" not in [b.label for b in m.race.balls] and "sgd" in m.enabled


def test_race_on_the_command_line_takes_a_label_as_setups_do(tmp_path):
    from click.testing import CliRunner

    from explorer.cli import main

    out = tmp_path / "race.csv"
    args = ["race", "--surface", "bowl", "--steps", "20", "--csv", str(out)]
    args += ["--optimizer", "sgd:lr=0.05", "--optimizer", "sgd_fast=sgd:lr=0.4"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "sgd_fast" in result.output
    with open(out, newline="") as f:
        assert {row[0] for row in list(csv.reader(f))[1:]} == {"sgd(lr=0.05)", "sgd_fast"}
    twice = ["--optimizer", "a=sgd", "--optimizer", "a=adam"]
    result = CliRunner().invoke(main, ["race", "--steps", "5", *twice])
    assert result.exit_code != 0 and "two balls are labelled 'a'" in result.output


def test_a_label_where_no_race_is_refused_never_merged_into_the_optimizers_ball(tmp_path):
    from click.testing import CliRunner

    from explorer.cli import main

    out = tmp_path / "x.png"
    result = CliRunner().invoke(
        main, ["render", "--optimizer", "sgd", "--optimizer", "f=sgd:lr=2", "--out", str(out)]
    )
    assert result.exit_code != 0 and "a label (f=) names a ball" in result.output
    assert not out.exists()
