"""Prepared runs of the job scenes (Dropout): a replay shows what the live run showed, bit for
bit, computes nothing while it is shown, and the teacher's first touch goes on live from where
the replay was, not from the start."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from explorer.app.scene_table import scenes, spec
from explorer.app.setup_files import setup_class
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.player import LessonPlayer, headless_driver
from explorer.lessons.prepared import PreparedStore
from explorer.lessons.replay import ReplayDriver, Replays, prepare_lesson

DROPOUT = """
[title]
en = "Thin"
zh = "瘦"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "dropout"
setup = { p = 0.5, seed = 2 }
caption.en = "{batches} batches, dropped {dropped_fraction:.3f}"
caption.zh = "{batches} 批，丢弃 {dropped_fraction:.3f}"
limit = 3

[[steps]]
scene = "dropout"
caption.en = "Gap {linear_gap:.1e}, {sigmoid_gap:.4f}"
caption.zh = "差 {linear_gap:.1e}，{sigmoid_gap:.4f}"
limit = 2
expect = ["batches >= 5"]
"""


def _flat(value):
    """Every field, arrays as dtype, shape and bytes."""
    if isinstance(value, np.ndarray):
        return (value.dtype.str, value.shape, value.tobytes())
    if dataclasses.is_dataclass(value):
        return tuple((f.name, _flat(getattr(value, f.name))) for f in dataclasses.fields(value))
    if isinstance(value, list | tuple):
        return tuple(_flat(v) for v in value)
    if isinstance(value, dict):
        return tuple((k, _flat(v)) for k, v in value.items())
    return value


def _player(lesson, registry, replays=None):
    return LessonPlayer(
        lesson,
        lambda scene: headless_driver(spec(scene), registry),
        setup_class,
        registry,
        replays=replays,
    )


def _play(player, k):
    player.go(k)
    while not player.poll(None):
        player.queue[0][0].driver.wait(300)


def _shown(player):
    model = player.live_driver("dropout").model
    return (
        player.driver("dropout").values(),
        _flat(model.recorded_state()),
        player.caption("en"),
        player.caption("zh"),
    )


@pytest.mark.slow
def test_a_prepared_dropout_run_replays_bit_for_bit_and_goes_on_live_from_there(tmp_path, registry):
    path = tmp_path / "01-thin.toml"
    path.write_text(DROPOUT, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    live, replayed = [], []
    player = _player(lesson, registry)
    try:
        for k in (0, 1):
            _play(player, k)
            live.append(_shown(player))
        model = player.live_driver("dropout").model
        model.next_batch()  # the teacher's next mini-batch, computed
        model.wait(300)
        after = (model.batches, _flat(model.view))
    finally:
        player.close()
    store = PreparedStore(tmp_path / "cache")
    assert prepare_lesson(lesson, registry, scenes(), store) == (1, 0)

    player = _player(lesson, registry, Replays(store))
    try:
        for k in (0, 1):
            _play(player, k)
            assert isinstance(player.driver("dropout"), ReplayDriver)
            replayed.append(_shown(player))
        model = player.live_driver("dropout").model
        assert model.recorded is not None
        model.jobs.wait(timeout=300)  # what its constructor started was superseded: not computed
        assert model.jobs.result("ensemble").value is None
        model.next_batch()  # the teacher's touch: live from the replayed mini-batch, not 0
        assert player.driver("dropout").taken_over
        model.wait(300)
        assert (model.batches, _flat(model.view)) == after
    finally:
        player.close()
    assert replayed == live
    assert live[1][0]["batches"] >= 5 and live[1][2].startswith("Gap ")
