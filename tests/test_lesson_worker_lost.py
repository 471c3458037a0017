"""A lesson whose Network-lab worker dies goes on: the scene says what happened in one sentence
and the step ends there (before, the player waited forever for the dead worker's answer)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from explorer.app.scene_table import scenes, spec
from explorer.app.setup_files import setup_class
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.player import LessonPlayer

LESSON = """
[title]
en = "Lost"
zh = "丢"
[summary]
en = "s"
zh = "s"

[[steps]]
scene = "network"
setup = { dataset = "moons", depth = 2, width = 8, epochs = 30, seed = 3 }
caption.en = "Epoch {epoch}"
caption.zh = "第 {epoch} 轮"
until = "step >= 100000"
limit = 30

[[steps]]
scene = "network"
setup = { seed = 4 }
caption.en = "Another seed: epoch {epoch}"
caption.zh = "另一个：第 {epoch} 轮"
limit = 1
"""


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_lesson_goes_on_with_one_sentence_when_its_worker_is_killed(tmp_path, registry):
    path = tmp_path / "01-lost.toml"
    path.write_text(LESSON, encoding="utf-8")
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    row = spec("network")
    player = LessonPlayer(  # the app's backend: the net trains in a worker process
        lesson,
        lambda s: row.driver_class()(row.model(registry, "process"), owned=True),
        setup_class,
        registry,
    )

    def played(seconds: float) -> bool:
        deadline = time.monotonic() + seconds
        while not player.poll(None) and time.monotonic() < deadline:
            time.sleep(0.02)
        return player.done

    try:
        player.go(0)
        model = player.live_driver("network").model
        deadline = time.monotonic() + 120
        while model.snapshots[0].epoch < 1 and time.monotonic() < deadline:
            player.poll(None)  # training: then its worker is killed
            time.sleep(0.02)
        assert not player.done
        os.kill(model.trainers[0]._impl.process.pid, signal.SIGKILL)
        assert played(120)  # the step ends, it does not wait for a dead worker
        assert "killed (SIGKILL)" in model.message and model.message.count(".") <= 2
        assert player.caption("en").startswith("Epoch ")
        player.go(1)  # and the lesson goes on: the next step trains in a new worker
        assert played(120) and player.driver("network").values()["epoch"] == 1
    finally:
        player.close()
