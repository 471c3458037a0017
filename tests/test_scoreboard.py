"""The Scoreboard scene shows the latest ``dl-explorer benchmark`` as the user would read it: the
sentence that says how to make one when there is none, each optimizer's row per task (steps to
the target, success, final quality), its tuned setting, a task picked in the menu, and the
profile curves drawn where ρ(τ) puts them; a broken file and an unknown task are one sentence."""

from __future__ import annotations

import json

import pygame
import pytest

from explorer.app.headless import init_offscreen
from explorer.app.scenes.scoreboard.board_view import plot_rect
from explorer.app.scenes.scoreboard.model import ScoreboardSetup
from explorer.app.shell import build_app
from explorer.app.ui import i18n, palette
from explorer.app.ui.text import Text
from explorer.benchmark.report import profiles


def _row(task, optimizer, steps, reached, final, tuned):
    return {
        "task": task,
        "optimizer": optimizer,
        "target": 0.01,
        "quality": "loss",
        "steps_budget": 300,
        "success": reached,
        "success_rate": int(reached[0]) / int(reached[-1]),
        "steps_to_target": steps,
        "seconds_to_target": None,
        "final": final,
        "tuned": tuned,
        "failed_trials": 0,
        "note": "",
    }


ROWS = [
    _row("valley", "adam", 40.0, "3/3", 0.002, {"lr": 0.05, "beta1": 0.9}),
    _row("valley", "sgd", 80.0, "2/3", 0.008, {"lr": 0.01}),
    _row("rosenbrock", "adam", 120.0, "3/3", 0.004, {"lr": 0.02, "beta1": 0.8}),
    _row("rosenbrock", "sgd", None, "0/3", 1.5, {"lr": 0.001}),
]


def _summary() -> dict:
    optimizers = ["adam", "sgd"]
    return {
        "suite": "mine",
        "optimizers": optimizers,
        "budget": 20,
        "seeds": 3,
        "rows": ROWS,
        "tasks": [
            {"name": "valley", "kind": "surface", "surface": "ravine", "noise": "none"},
            {"name": "rosenbrock", "kind": "surface", "surface": "rosenbrock"},
            {
                "name": "noisy",
                "kind": "surface",
                "surface": "linear_regression",
                "noise": "minibatch",
                "batch": 8,
                "sigma": 0.0,
            },
        ],
        "profiles": profiles(ROWS, optimizers),  # the benchmark's own ρ(τ)
    }


class Drawn:
    """Every string the scene draws (Text.blit), in order."""

    def __init__(self, monkeypatch) -> None:
        self.strings: list[str] = []
        real = Text.blit

        def blit(text_self, target, text, pos, size, colour, kind="sans", anchor="topleft"):
            self.strings.append(text)
            return real(text_self, target, text, pos, size, colour, kind, anchor)

        monkeypatch.setattr(Text, "blit", blit)

    def joined(self) -> str:
        """All of it, a wrapped sentence's lines joined again."""
        return " ".join(" ".join(self.strings).split())


@pytest.fixture()
def scoreboard(registry, tmp_path, monkeypatch):
    """The app on the Scoreboard, reading the benchmark at tmp_path/latest.json (if written)."""
    latest = tmp_path / "latest.json"
    monkeypatch.setenv("DL_EXPLORER_BENCHMARK", str(latest))
    made = []

    def open_it(summary=None, text=None):
        if summary is not None:
            latest.write_text(json.dumps(summary), encoding="utf-8")
        if text is not None:
            latest.write_text(text, encoding="utf-8")
        screen = init_offscreen((1280, 720))
        app, tabs = build_app(registry, screen, "scoreboard", windowed=False, backend="thread")
        made.append(tabs)
        return app, tabs.scene()

    yield open_it
    for tabs in made:
        tabs.close()
    i18n.set_language("en")


@pytest.mark.parametrize("lang, words", [("en", "No benchmark yet"), ("zh", "还没有基准结果")])
def test_without_a_benchmark_it_says_how_to_make_one(scoreboard, monkeypatch, lang, words):
    i18n.set_language(lang)
    app, scene = scoreboard()
    drawn = Drawn(monkeypatch)
    scene.draw(app.screen)
    text = drawn.joined()
    assert words in text
    assert "dl-explorer benchmark sgd adam" in text


def test_each_optimizer_and_task_is_a_row_with_its_tuned_setting(scoreboard, monkeypatch):
    app, scene = scoreboard(_summary())
    drawn = Drawn(monkeypatch)
    scene.draw(app.screen)
    text = drawn.joined()
    assert "suite mine: 2 optimizers on 2 tasks, 20 trials each, 3 seeds" in scene.status_text()
    assert "80" in drawn.strings and "2/3" in drawn.strings  # sgd on the valley
    assert "not reached" in drawn.strings and "0/3" in drawn.strings  # sgd on Rosenbrock
    assert "lr=0.05 beta1=0.9" in drawn.strings and "lr=0.001" in drawn.strings
    assert "adam: 1.00" in text  # fastest on both tasks: the whole area under ρ

    scene.choose_task("rosenbrock")  # the task menu
    drawn.strings.clear()
    scene.prepare()
    scene.draw(app.screen)
    assert "lr=0.001" in drawn.strings and "lr=0.01" not in drawn.strings
    assert scene.setup() == ScoreboardSetup("rosenbrock")


def test_the_profiles_are_drawn_where_rho_puts_them(scoreboard):
    app, scene = scoreboard(_summary())
    scene.draw(app.screen)
    plot = plot_rect(scene.layout.areas["profiles"], 2, scene.text)
    # adam is fastest on every task: ρ = 1 from τ = 1, a line along the top of the axes
    top = [app.screen.get_at((x, plot.y))[:3] for x in range(plot.x + 4, plot.right - 4, 9)]
    assert all(c == palette.ball_colour(0) for c in top)
    # sgd reached one task of two, at twice adam's steps: ρ = 0 before τ = 2, ½ after it
    middle = plot.bottom - 1 - round(0.5 * (plot.h - 1))
    before = plot.x + (plot.w - 1) // 6  # τ = 1.5
    after = plot.x + (plot.w - 1) // 2  # τ = 2.5
    assert app.screen.get_at((after, middle))[:3] == palette.ball_colour(1)
    assert app.screen.get_at((before, middle))[:3] != palette.ball_colour(1)


def test_two_optimizers_with_one_curve_both_show_and_the_legend_says_so(scoreboard, monkeypatch):
    # equally fast on every task: one ρ(τ) to the bit; drawn solid, the second hid the first
    rows = [{**r, "steps_to_target": 40.0} if r["task"] == "valley" else r for r in ROWS]
    rows = [{**r, "steps_to_target": 120.0} if r["task"] == "rosenbrock" else r for r in rows]
    app, scene = scoreboard(
        {**_summary(), "rows": rows, "profiles": profiles(rows, ["adam", "sgd"])}
    )
    drawn = Drawn(monkeypatch)
    scene.draw(app.screen)
    plot = plot_rect(scene.layout.areas["profiles"], 2, scene.text)
    top = {app.screen.get_at((x, plot.y))[:3] for x in range(plot.x + 1, plot.right - 1)}
    assert {palette.ball_colour(0), palette.ball_colour(1)} <= top
    assert "sgd: 1.00, the same curve as adam (dashed over it)" in drawn.strings


def test_a_broken_file_and_an_unknown_task_are_one_sentence(scoreboard, monkeypatch):
    app, scene = scoreboard(text="{not json")
    drawn = Drawn(monkeypatch)
    scene.draw(app.screen)
    text = drawn.joined()
    assert "could not be read" in text and "run dl-explorer benchmark again" in text
    with pytest.raises(ValueError, match="the latest benchmark has no task 'valley'"):
        scene.apply(ScoreboardSetup("valley"))
    assert pygame.display.get_init()  # the app goes on


def test_a_chosen_task_is_raced_on_the_landscape_at_its_tuned_settings(scoreboard):
    app, scene = scoreboard(_summary())
    scene.race()  # all tasks shown: nothing to race yet, and it says so
    assert "Pick a task of a surface" in scene.status_text()
    scene.choose_task("valley")
    scene.race()
    tabs = next(s for s in app.scenes if callable(getattr(s, "open", None)))
    assert tabs.current == "landscape"
    setup = tabs.scene().setup()
    assert setup.surface == "ravine"
    tuned = {spec.name: dict(spec.values) for spec in setup.optimizers}
    assert set(tuned) == {"adam", "sgd"}
    assert tuned["adam"]["lr"] == 0.05 and tuned["adam"]["beta1"] == 0.9
    assert tuned["sgd"]["lr"] == 0.01
    assert setup.noise == "none"


def test_a_noisy_task_is_raced_with_its_mini_batch_noise(scoreboard):
    summary = _summary()
    summary["rows"] = [{**r, "task": "noisy"} for r in ROWS[:2]]
    app, scene = scoreboard(summary)
    scene.choose_task("noisy")
    scene.race()
    setup = next(s for s in app.scenes if callable(getattr(s, "open", None))).scene().setup()
    assert (setup.surface, setup.noise, setup.batch) == ("linear_regression", "minibatch", 8)
