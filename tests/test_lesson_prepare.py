"""Lessons prepared before class: a prepared run replays exactly what the live run showed (its
numbers, its captions, its verdicts), and a cache entry that is not exactly that run's is
computed again, never trusted."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import pathlib
import pickle

import numpy as np
import pytest

from explorer.app.scene_table import scenes, spec
from explorer.app.setup_files import setup_class
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.player import LessonPlayer, headless_driver
from explorer.lessons.prepared import PreparedStore, _digest
from explorer.lessons.replay import ReplayDriver, Replays, key_of, prepare_lesson, runs

LESSON = """
[title]
en = "Tiny"
zh = "小"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "network"
setup = { dataset = "moons", depth = 2, width = 8, epochs = 4, seed = 3 }
caption.en = "Epoch {epoch}: loss {train_loss:.5f}"
caption.zh = "第 {epoch} 轮：损失 {train_loss:.5f}"
limit = 2

[[steps]]
scene = "network"
caption.en = "Later, step {step}: loss {train_loss}"
caption.zh = "之后 {step}：{train_loss}"
until = "step >= 30"
limit = 4
expect = ["train_loss < 100"]

[[steps]]
scene = "network"
setup = { seed = 4 }
caption.en = "Another seed: {train_loss}"
caption.zh = "另一个：{train_loss}"
limit = 1
"""


class _Planted:
    """A pickle that would touch ``marker`` when loaded."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (pathlib.Path.touch, (self.marker,))


def _lesson(tmp_path, registry):
    path = tmp_path / "01-tiny.toml"
    path.write_text(LESSON, encoding="utf-8")
    return read_lesson(path, scene_facts(registry, scenes()))


def _picture(snapshots):
    """What the scene draws from: every field of every snapshot, arrays as bytes and dtype (not
    the trainer's bookkeeping: ``ack`` counts the commands it was sent, which a replay does not
    send, ``run`` its resets)."""

    def flat(value):
        if isinstance(value, np.ndarray):
            return (value.dtype.str, value.shape, value.tobytes())
        if dataclasses.is_dataclass(value):
            fields = [f.name for f in dataclasses.fields(value) if f.name not in ("ack", "run")]
            return tuple((name, flat(getattr(value, name))) for name in fields)
        if isinstance(value, list | tuple):
            return tuple(flat(v) for v in value)
        if isinstance(value, dict):
            return tuple((k, flat(v)) for k, v in value.items())
        return value

    return flat(list(snapshots))


def _shown(lesson, registry, replays=None):
    """What each step shows once done: its numbers, both captions, its failures; and whether a
    replay served it."""
    player = LessonPlayer(
        lesson,
        lambda scene: headless_driver(spec(scene), registry),
        setup_class,
        registry,
        replays=replays,
    )
    out = []
    try:
        for k in (0, 1, 2, 1):  # on, on, a new run, back (the run rebuilt)
            player.go(k)
            while not player.poll(None):
                player.queue[0][0].driver.wait(120)
            driver = player.driver("network")
            out.append(
                (
                    driver.values(),
                    _picture(player.live_driver("network").model.snapshots),
                    player.caption("en"),
                    player.caption("zh"),
                    [f.sentence for f in player.failures.get(k, [])],
                    isinstance(driver, ReplayDriver),
                )
            )
    finally:
        player.close()
    return out


@pytest.mark.slow
def test_a_prepared_lesson_replays_the_live_numbers_and_captions_bit_for_bit(tmp_path, registry):
    lesson = _lesson(tmp_path, registry)
    live = _shown(lesson, registry)
    store = PreparedStore(tmp_path / "cache")
    assert prepare_lesson(lesson, registry, scenes(), store) == (2, 0)
    assert prepare_lesson(lesson, registry, scenes(), store) == (0, 2)  # ready: not again
    replayed = _shown(lesson, registry, Replays(store))
    assert [r[:5] for r in replayed] == [r[:5] for r in live]  # numbers, picture, captions
    assert all(r[5] for r in replayed) and not any(r[5] for r in live)
    assert live[1][0]["step"] > live[0][0]["step"] and live[0][2].startswith("Epoch 2: loss ")


@pytest.mark.slow
def test_a_damaged_or_foreign_entry_is_computed_again(tmp_path, registry):
    lesson = _lesson(tmp_path, registry)
    store = PreparedStore(tmp_path / "cache")
    prepare_lesson(lesson, registry, scenes(), store)
    player = LessonPlayer(
        lesson, lambda s: headless_driver(spec(s), registry), setup_class, registry
    )
    first, second = (key_of(player, s) for s, _ in runs(player))
    types = player.live_driver("network").state_types
    player.close()
    a, b = store.path(first), store.path(second)
    good_a, good_b = a.read_bytes(), b.read_bytes()

    a.write_bytes(good_a[: len(good_a) // 2])  # truncated
    assert store.load(first) is None
    data = json.loads(good_a)
    data["frames"][1]["v"]["~dict"]["train_loss"] = 0.0  # a number altered
    a.write_text(json.dumps(data), encoding="utf-8")
    assert store.load(first, types) is None
    a.write_bytes(good_b)  # another run's entry under this run's name
    assert store.load(first) is None
    a.write_bytes(b"\x80\x04\x95 a pickle")  # not even JSON
    assert store.load(first) is None
    a.write_bytes(good_a)
    assert store.load(first, types) is not None
    states = store.states_path(first)
    good_states = states.read_bytes()
    states.write_bytes(good_states[:-10])  # the pictures truncated
    assert store.load(first, types) is None
    states.write_bytes(store.states_path(second).read_bytes())  # another run's pictures
    assert store.load(first, types) is None
    # a planted pickle, its digest written into the entry: refused, and it runs nothing
    marker = tmp_path / "ran"
    planted = pickle.dumps(_Planted(marker))
    states.write_bytes(planted)
    data = json.loads(good_a)
    data["states"] = hashlib.sha256(planted).hexdigest()
    data["digest"] = _digest([data["frames"], data["states"]])
    a.write_text(json.dumps(data), encoding="utf-8")
    assert store.load(first, types) is None and not marker.exists()
    a.write_bytes(good_a[: len(good_a) // 2])
    # not trusted: prepared again, and the replay is the live run's once more
    assert prepare_lesson(lesson, registry, scenes(), store) == (1, 1)
    assert store.load(first, types) is not None and store.load(second, types) is not None


@pytest.mark.slow
def test_the_teacher_changing_anything_computes_live_again(tmp_path, registry):
    lesson = _lesson(tmp_path, registry)
    store = PreparedStore(tmp_path / "cache")
    prepare_lesson(lesson, registry, scenes(), store)
    player = LessonPlayer(
        lesson,
        lambda s: headless_driver(spec(s), registry),
        setup_class,
        registry,
        replays=Replays(store),
    )
    try:
        player.go(0)
        while not player.poll(None):
            player.queue[0][0].driver.wait(120)
        replay = player.driver("network")
        model = player.live_driver("network").model
        assert isinstance(replay, ReplayDriver) and model.snapshots[0].epoch == 2  # drawn
        model.set(width=9)  # a knob turned in the panel
        assert replay.taken_over and model.recorded is None
        replay.wait(120)
        assert replay.values()["epoch"] == 0  # the live run of the new net, from its start
        assert model.config.width == 9
    finally:
        player.close()


def _entry_bytes(store):
    return sum(p.stat().st_size for p in store.folder.iterdir())


def test_the_cache_drops_other_codes_entries_and_stays_under_its_cap_least_recent_first(
    tmp_path,
):
    from explorer.lessons.prepared import Frame, code_tag

    folder = tmp_path / "lessons"
    folder.mkdir()
    old = ["0123456789-" + "a" * 32 + ".json", "0123456789-" + "a" * 32 + ".states.pt"]
    for name in [*old, "b" * 32 + ".json"]:  # an older code's entry; the first format's
        (folder / name).write_bytes(b"x" * 1000)
    frames = [Frame({"loss": 0.25, "label": "x" * 2000}, 3, False, 1)]
    keys = [hashlib.sha256(str(k).encode()).hexdigest() for k in range(4)]
    probe = PreparedStore(folder, cap=10**9)
    probe.save(keys[0], frames)
    one = probe.path(keys[0]).stat().st_size
    assert sorted(p.name for p in folder.iterdir()) == [f"{code_tag()}-{keys[0][:32]}.json"]

    store = PreparedStore(folder, cap=3 * one + one // 2)  # room for three entries
    for key in keys[1:3]:
        store.save(key, frames)
    for k, key in enumerate(keys[:3]):  # used long ago, the first the longest
        os.utime(store.path(key), (1_000_000 + k, 1_000_000 + k))
    assert store.load(keys[0]) == frames  # read now: the most recently used
    store.save(keys[3], frames)  # a fourth: the least recently used (keys[1]) goes
    assert [store.load(key) is not None for key in keys] == [True, False, True, True]
    assert _entry_bytes(store) <= store.cap
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporaries left


def _one_more_after_step_two(lesson, registry, replays):
    """Step 2 shown, then the teacher's three more mini-batches: (the step shown before, the
    steps the lab showed meanwhile, its step and its losses after, whether it was a replay)."""
    import time

    player = LessonPlayer(
        lesson,
        lambda s: headless_driver(spec(s), registry),
        setup_class,
        registry,
        replays=replays,
    )
    try:
        for k in (0, 1):
            player.go(k)
            while not player.poll(None):
                player.queue[0][0].driver.wait(120)
        replayed = isinstance(player.driver("network"), ReplayDriver)
        model = player.live_driver("network").model
        at = model.snapshots[0].step
        model.step(3)
        seen, deadline = [], time.monotonic() + 300
        while not model.settled() and time.monotonic() < deadline:  # as the app's frames do
            model.update()
            seen.append(model.snapshots[0].step)
            time.sleep(0.01)
        snap = model.snapshots[0]
        return at, min(seen, default=snap.step), snap.step, snap.losses.tolist(), replayed
    finally:
        player.close()


@pytest.mark.slow
def test_a_step_during_a_replay_goes_on_from_the_replayed_step_not_from_zero(tmp_path, registry):
    path = tmp_path / "01-longer.toml"
    path.write_text(LESSON.replace("epochs = 4", "epochs = 30"), encoding="utf-8")  # not over
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    live = _one_more_after_step_two(lesson, registry, None)
    store = PreparedStore(tmp_path / "cache")
    prepare_lesson(lesson, registry, scenes(), store)
    replayed = _one_more_after_step_two(lesson, registry, Replays(store))
    assert replayed[4] and not live[4]
    at, lowest, step, losses, _ = replayed
    assert at > 0 and lowest >= at  # the class never sees the run start over
    assert step == at + 3 and (at, step, losses) == (live[0], live[2], live[3])  # bit for bit
