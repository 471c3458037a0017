"""Scoreboard: the latest ``dl-explorer benchmark`` — its performance profiles ρ(τ), the per-task
table and the tuned settings — read from the file the benchmark leaves for it."""

from __future__ import annotations

from explorer.app.scene_table import SceneSpec


def _model(registry, backend):
    from explorer.app.scenes.scoreboard.model import ScoreboardModel

    return ScoreboardModel(registry)


def _scene(model, size):
    from explorer.app.scenes.scoreboard.scene import ScoreboardScene

    return ScoreboardScene(model, size)


def _setup():
    from explorer.app.scenes.scoreboard.model import ScoreboardSetup

    return ScoreboardSetup


def _numbers(registry):
    from explorer.app.scenes.scoreboard.model import ScoreboardModel

    return ScoreboardModel.readout_names()


def _driver():
    from explorer.app.scenes.scoreboard.driver import ScoreboardDriver

    return ScoreboardDriver


SCENE = SceneSpec(
    name="scoreboard",
    label_key="tabs.scoreboard",
    key="F6",
    model=_model,
    scene=_scene,
    setup=_setup,
    numbers=_numbers,
    driver=_driver,
    highlights=frozenset({"profiles", "table", "tuned"}),
    unit="steps",
)
