"""The Scoreboard hands a net task to the Network lab ("Train in the lab": the benchmark's own
net, its two best optimizers side by side at their tuned settings, the rest named as not shown;
a CNN refused with the reason), follows a benchmark that finishes or runs while it is open
(partial results said to be partial; a killed run's file taken for stopped), names every task
and axis in 中文, and lays out at every scale in both languages."""

from __future__ import annotations

import json
import os

import pytest
import torch

from explorer.app.headless import init_offscreen
from explorer.app.shell import build_app
from explorer.app.ui import i18n
from explorer.benchmark.lab_nets import LAB_NETS, lab_values
from explorer.benchmark.live import STALE_S, LiveResults, running_path
from explorer.benchmark.report import profiles
from explorer.benchmark.tasks import NETS
from explorer.knob_text import Pick, Spec


def _row(task, optimizer, steps, final, tuned, quality="accuracy"):
    return {
        "task": task,
        "optimizer": optimizer,
        "target": 0.95 if quality == "accuracy" else 0.01,
        "quality": quality,
        "steps_budget": 300,
        "success": "2/2" if steps is not None else "0/2",
        "success_rate": 1.0 if steps is not None else 0.0,
        "steps_to_target": steps,
        "seconds_to_target": None,
        "final": final,
        "tuned": tuned,
        "failed_trials": 0,
        "note": "",
    }


NET_ROWS = [
    _row("moons_mlp", "sgd", None, 0.9, {"lr": 0.2}),
    _row("moons_mlp", "adam", 90.0, 0.97, {"lr": 0.01, "beta1": 0.8}),
    _row("moons_mlp", "momentum", 60.0, 0.96, {"lr": 0.05, "beta": 0.7}),
    _row("digits_cnn", "sgd", 150.0, 0.96, {"lr": 0.1}),
    _row("digits_cnn", "adam", 100.0, 0.97, {"lr": 0.003}),
    _row("digits_cnn", "momentum", None, 0.5, {"lr": 0.01}),
    _row("valley", "sgd", 80.0, 0.001, {"lr": 0.01}, "loss"),
    _row("valley", "adam", 40.0, 0.001, {"lr": 0.05}, "loss"),
    _row("valley", "momentum", 30.0, 0.001, {"lr": 0.02}, "loss"),
]
OPTIMIZERS = ["sgd", "adam", "momentum"]


def _summary(rows=NET_ROWS) -> dict:
    return {
        "suite": "mine",
        "optimizers": OPTIMIZERS,
        "budget": 20,
        "seeds": 2,
        "rows": rows,
        "tasks": [
            {"name": "valley", "kind": "surface", "surface": "ravine", "steps": 300},
            {"name": "moons_mlp", "kind": "net", "net": "moons_mlp", "steps": 300},
            {"name": "digits_cnn", "kind": "net", "net": "digits_cnn", "steps": 200},
        ],
        "profiles": profiles(rows, OPTIMIZERS),
    }


@pytest.fixture()
def board(registry, tmp_path, monkeypatch):
    """The app on the Scoreboard, reading the benchmark at tmp_path/latest.json."""
    latest = tmp_path / "latest.json"
    monkeypatch.setenv("DL_EXPLORER_BENCHMARK", str(latest))
    made = []

    def open_it(summary=None, size=(1280, 720), ui_scale=None):
        if summary is not None:
            latest.write_text(json.dumps(summary), encoding="utf-8")
        screen = init_offscreen(size)
        app, tabs = build_app(
            registry, screen, "scoreboard", windowed=False, backend="thread", ui_scale=ui_scale
        )
        made.append(tabs)
        return app, tabs

    open_it.latest = latest
    yield open_it
    for tabs in made:
        tabs.close()
    i18n.set_language("en")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_net_task_trains_in_the_lab_with_its_two_best_optimizers_at_their_tuned_settings(
    board, lang
):
    i18n.set_language(lang)
    app, tabs = board(_summary())
    scene = tabs.scene()
    scene.choose_task("moons_mlp")
    scene.train()
    assert scene.message == ""
    assert tabs.current == "network"
    lab = tabs.scene()
    setup = lab.setup()
    # momentum reached the target first, adam next, sgd never: A, B, and sgd left out
    assert setup.optimizer.name == "momentum"
    assert dict(setup.optimizer.values)["lr"] == 0.05
    assert dict(setup.optimizer.values)["beta"] == 0.7
    assert setup.compare == Pick("optimizer", Spec("adam", {"lr": 0.01, "beta1": 0.8}))
    a, b = lab.model.configs()
    assert (a.optimizer, a.optimizer_hyper["lr"]) == ("momentum", 0.05)
    assert (b.optimizer, dict(b.optimizer_hyper)) == ("adam", {"lr": 0.01, "beta1": 0.8})
    assert (setup.dataset, setup.depth, setup.width, setup.activation) == (
        "moons",
        2,
        32,
        "relu",
    )
    assert (setup.init, setup.batch_size, setup.batch_norm, setup.dropout) == (
        "torch",
        32,
        False,
        0.0,
    )
    note = app.scale_note  # the tab strip says which is which and who is not shown
    assert "momentum" in note and "adam" in note and "sgd" in note
    assert ("not shown" if lang == "en" else "未显示") in note
    # Ctrl+S keeps B's tuned setting: the saved file opens the same two nets
    from explorer.app.setup_files import open_in, save_current

    saved = save_current(tabs, board.latest.parent)
    assert "adam:lr=0.01,beta1=0.8" in saved.read_text(encoding="utf-8")
    lab.model.set_side_by_side(False)
    open_in(tabs, saved)
    assert tabs.scene().setup().compare == setup.compare


def test_a_convolutional_net_or_a_surface_is_refused_with_the_reason(board):
    app, tabs = board(_summary())
    scene = tabs.scene()
    scene.choose_task("digits_cnn")
    scene.train()
    assert "convolutional" in scene.message and "fully connected" in scene.message
    assert tabs.current == "scoreboard"
    scene.choose_task("valley")
    scene.train()
    assert "Pick a task of a net" in scene.status_text()
    assert tabs.current == "scoreboard"


@pytest.mark.parametrize("net", sorted(LAB_NETS))
def test_the_lab_builds_the_benchmarks_own_net(registry, net):
    """Layer for layer the same shapes and activations as the benchmark's net (tasks.NETS)."""
    from explorer.training import TrainConfig
    from explorer.training.model import build_model

    values = lab_values(LAB_NETS[net], 300, registry)
    config = TrainConfig().replace(
        **{k: values[k] for k in ("dataset", "depth", "width", "activation", "init")}
    )
    data = registry.dataset(config.dataset)
    lab = build_model(
        config, registry.activation(config.activation), data.input_dim, data.n_classes
    )
    ours = NETS[net][2]()
    assert NETS[net][0] == values["dataset"] and NETS[net][3] == values["batch_size"]

    def shapes(model):
        return [tuple(p.shape) for p in model.parameters()]

    def kinds(model):
        acts = (torch.nn.Sigmoid, torch.nn.ReLU)
        return [type(m).__name__ for m in model.modules() if isinstance(m, acts)]

    assert shapes(lab) == shapes(ours)
    assert kinds(lab) == kinds(ours)


def _result(task, optimizer, reached):
    return {
        "task": task,
        "optimizer": optimizer,
        "seeds": [{"reached_at": reached, "seconds": 0.1, "final": 0.5}],
        "best": {"lr": 0.1},
        "trials": [],
    }


def test_a_running_benchmark_shows_its_results_so_far_and_goes_when_it_ends(board, registry):
    from explorer.benchmark.suite import load_suite

    suite = load_suite("classroom", registry)
    tasks = [t.name for t in suite.tasks]
    app, tabs = board(_summary())  # a finished benchmark: the latest
    scene = tabs.scene()
    path = running_path(board.latest)
    with LiveResults(path, suite, ["sgd", "adam"], 20, 1) as live:
        live.finished(0, _result(tasks[0], "sgd", 50))
        assert scene.model.poll()  # the scene looks every second: a new file is read
        scene.prepare()
        assert "running… 1 of 16 studies" in scene.status_text()
        assert "partial results" in scene.status_text()
        assert not scene.idle()  # drawn at once
        assert scene.model.board.tau == ()  # no task every optimizer has finished yet
        live.finished(8, _result(tasks[0], "adam", 25))
        scene.model.poll()
        board_now = scene.model.board
        assert board_now.running == (2, 16) and len(board_now.rows) == 2
        # sgd took twice adam's steps on the one task both finished: ρ = 1 from τ = 2 on
        assert board_now.score == {"sgd": pytest.approx(2 / 3, abs=0.01), "adam": 1.0}
    assert not path.exists()  # ended: the file goes, the latest is shown again
    scene.model.poll()
    assert scene.model.board.running is None and scene.model.board.suite == "mine"


def test_a_killed_benchmarks_file_is_taken_for_stopped(board, registry):
    from explorer.benchmark.suite import load_suite

    suite = load_suite("classroom", registry)
    app, tabs = board(_summary())
    path = running_path(board.latest)
    live = LiveResults(path, suite, ["sgd"], 20, 1)
    live._write()  # what a benchmark leaves when it is killed outright: no heartbeat after
    model = tabs.scene().model
    mtime = path.stat().st_mtime
    model.poll(now=mtime + 1)
    assert model.board.running == (0, 8)
    model.poll(now=mtime + STALE_S + 1)  # no heartbeat for STALE_S: the latest again
    assert model.board.running is None and model.board.suite == "mine"


def test_a_benchmark_finished_while_the_scene_is_open_is_shown(board, monkeypatch):
    app, tabs = board()  # no benchmark yet
    scene = tabs.scene()
    assert scene.model.board.empty
    board.latest.write_text(json.dumps(_summary()), encoding="utf-8")
    for _ in range(70):  # a little over a second of frames
        app.tick(1 / 60, [])
    assert not scene.model.board.empty
    assert "moons_mlp" in scene.model.board.tasks
    before = scene.model.version
    os.utime(board.latest)  # touched, the same numbers: nothing to redraw
    for _ in range(70):
        app.tick(1 / 60, [])
    assert scene.model.version == before


def test_every_task_and_axis_is_named_in_chinese(board, monkeypatch):
    from explorer.app.ui.text import Text

    i18n.set_language("zh")
    app, tabs = board(_summary())
    scene = tabs.scene()
    drawn: list[str] = []
    real = Text.blit

    def blit(text_self, target, text, pos, size, colour, kind="sans", anchor="topleft"):
        drawn.append(text)
        return real(text_self, target, text, pos, size, colour, kind, anchor)

    monkeypatch.setattr(Text, "blit", blit)
    scene.draw(app.screen)
    words = " ".join(drawn)
    assert "双月 MLP（准确率 0.95）" in drawn and "病态山谷（损失 0.01）" in drawn
    assert "ρ：达到目标的任务比例" in words and "τ：步数 ÷ 最快优化器的步数" in words
    for name in ("moons_mlp", "valley", "loss", "accuracy", "digits_cnn"):
        assert name not in words
    menu = scene.controls.task_menu
    options = [o[0] if isinstance(o, tuple) else o for o in menu.options_list]
    assert options == ["全部任务", "病态山谷", "双月 MLP", "手写数字 CNN"]
    scene.controls.actions[menu](type("E", (), {"text": "双月 MLP"})())  # picked in the menu
    assert scene.setup().task == "moons_mlp"


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.parametrize("size", [(1024, 640), (1280, 720), (1920, 1080)], ids=str)
def test_the_scoreboard_fits_at_every_scale_in_both_languages(board, monkeypatch, lang, size):
    from test_layout import DrawnText, check_layout

    i18n.set_language(lang)
    drawn = DrawnText(monkeypatch)
    rows = NET_ROWS + [
        {**r, "task": t, "quality": "loss"}
        for t in ("rosenbrock", "saddle", "plateau", "two_minima", "many_minima", "noisy")
        for r in NET_ROWS[6:]
    ]
    summary = _summary(rows)
    summary["running"] = {"done": 27, "of": 33}  # the longest status: a running benchmark
    board.latest.with_name("latest.running.json").write_text(json.dumps(summary), "utf-8")
    app, tabs = board(_summary(rows), size=size)
    try:
        for ui_scale in (1.0, 1.5, 2.0):
            app.set_scale(ui_scale)
            tabs.scene().choose_task("moons_mlp" if ui_scale > 1 else "")
            app.tick(1 / 60, [])
            app.tick(1 / 60, [])
            where = f"scoreboard {lang} at {size}, scale {ui_scale:g}"
            assert check_layout(app, tabs) == [], where
            assert drawn.outside == [], where
    finally:
        tabs.close()


def test_the_benchmark_hands_each_finished_study_to_the_scoreboards_file(registry, tmp_path):
    """The engine's hook, end to end: after each study the file holds the rows so far, and
    they are the rows the finished benchmark reports."""
    from explorer.benchmark.runner import run_benchmark
    from explorer.benchmark.suite import parse_suite

    suite = parse_suite({"tasks": {"valley": {"steps": 30}}}, "test", registry)
    path = tmp_path / "latest.running.json"
    seen = []
    with LiveResults(path, suite, ["sgd", "adam"], 1, 1) as live:

        def finished(index, result):
            live.finished(index, result)
            seen.append(json.loads(path.read_text(encoding="utf-8")))

        summary = run_benchmark(
            ["sgd", "adam"],
            suite,
            registry,
            budget=1,
            seeds=1,
            workers=0,
            sweep=False,
            finished=finished,
        )
    assert [s["running"] for s in seen] == [{"done": 1, "of": 2}, {"done": 2, "of": 2}]
    assert [r["optimizer"] for r in seen[0]["rows"]] == ["sgd"]
    assert seen[1]["rows"] == json.loads(json.dumps(summary["rows"]))
    assert seen[1]["profiles"]["score"] == pytest.approx(summary["profiles"]["score"])
    assert not path.exists()
