"""The Network lab's workers: recovery from a dead one, nothing started before everything is
checked, side by side as a fair race (lockstep, one counter, shared axes), and the slope guide
only where the activation's slope bound predicts something."""

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pygame
import pytest

from explorer.app.scenes.network.gradient_bars import (
    GUIDE,
    log_range,
    render_gradient_bars,
    shared_range,
)
from explorer.app.scenes.network.model import NetworkModel
from explorer.app.ui.text import Text
from explorer.training import TrainConfig, Trainer, TrainingSession

SMALL = TrainConfig(
    dataset="moons",
    n=200,
    depth=3,
    width=8,
    activation="sigmoid",
    epochs=200,
    batch_size=32,
    seed=3,
    device="cpu",
)


def _until(model: NetworkModel, done, timeout: float = 120.0) -> None:
    deadline = time.perf_counter() + timeout
    while not done() and time.perf_counter() < deadline:
        model.update(1 / 60)
        time.sleep(1 / 60)
    assert done()


@pytest.mark.slow
def test_after_its_worker_dies_the_next_change_starts_a_new_one(registry):
    def trainer(config: TrainConfig) -> Trainer:
        # the app's worker process at the test's own priority (see conftest.py), and no step
        # budget: on a loaded machine a step may take longer than the app allows
        return Trainer(config, registry, backend="process", nice=0)

    model = NetworkModel(registry, SMALL, backend="process", make_trainer=trainer)
    try:
        model.play()
        _until(model, lambda: model.snapshots[0].step > 0)
        os.kill(model.trainers[0]._impl.process.pid, signal.SIGKILL)
        # the death is said (how soon: `dl-explorer bench train`; a test asserts no clock)
        _until(model, lambda: model.snapshots[0].state == "error")
        assert "killed" in model.snapshots[0].message
        dead = model.trainers[0]
        assert model.set(depth=2)  # a change: a new worker, not a reset sent to the dead one
        assert model.trainers[0] is not dead and model.trainers[0].alive
        model.play()
        _until(model, lambda: model.snapshots[0].step > 0 and model.snapshots[0].run == 0)
        assert model.snapshots[0].state != "error"
        assert len(model.snapshots[0].layers) == 3  # the new setting: 2 hidden + output
    finally:
        model.close()


def test_a_stopped_worker_is_replaced_on_reset(registry):
    model = NetworkModel(registry, SMALL, backend="thread")
    try:
        old = model.trainers[0]
        old.stop()
        model.reset()
        assert model.trainers[0] is not old and model.trainers[0].alive
        model.step(2)
        model.wait(30)
        assert model.snapshots[0].step == 2
    finally:
        model.close()


def test_a_bad_b_side_starts_no_worker_at_all(registry, monkeypatch):
    made = []
    monkeypatch.setattr(NetworkModel, "_default_trainer", lambda self, cfg: made.append(cfg))
    with pytest.raises(LookupError, match="Unknown activation .swish."):
        NetworkModel(
            registry,
            SMALL,
            backend="thread",
            side_by_side=True,
            compare="activation",
            compare_value="swish",
        )
    assert made == []


@pytest.mark.slow
def test_render_with_a_typo_says_one_sentence_and_exits_cleanly(tmp_path):
    out = tmp_path / "x.png"
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "explorer",
            "render",
            "--scene",
            "network",
            "--compare",
            "activation=swish",
            "--frames",
            "1",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=os.environ | {"DL_EXPLORER_NO_PLUGINS": "1"},
    )
    assert run.returncode == 1, (run.returncode, run.stderr)  # not SIGABRT (134)
    assert "Unknown activation 'swish'" in run.stderr
    assert "Traceback" not in run.stderr
    assert not out.exists()


def test_side_by_side_steps_both_nets_in_lockstep_on_the_same_mini_batches(registry):
    model = NetworkModel(
        registry,
        SMALL,
        backend="thread",
        side_by_side=True,
        compare="activation",
        compare_value="relu",
    )
    try:
        model.play()  # at full speed: update() hands out chunks, the same to each net
        _until(model, lambda: model.step_count() >= 40)
        model.pause()
        model.wait(30)
        a, b = model.snapshots
        assert a.step == b.step == model.step_count() >= 40
        # B's run is exactly its own solo run: the same mini-batches in the same order
        solo = TrainingSession(model.configs()[1], registry)
        solo.step(b.step)
        np.testing.assert_allclose(b.losses, solo.snapshot().losses, rtol=1e-6)
        model.step(3)  # by hand, too: one counter
        model.wait(30)
        assert model.snapshots[0].step == model.snapshots[1].step == a.step + 3
    finally:
        model.close()


def _trained(registry, activation: str):
    model = NetworkModel(registry, SMALL.replace(activation=activation, depth=6), backend="thread")
    try:
        model.step(5)
        model.wait(30)
        return model.snapshots[0]
    finally:
        model.close()


def _guide_pixels(surface: pygame.Surface) -> int:
    rgb = pygame.surfarray.array3d(surface)
    return int(np.all(rgb == np.array(GUIDE), axis=-1).sum())


def test_the_slope_guide_is_drawn_for_sigmoid_only(registry):
    pygame.font.init()
    text = Text()
    sigmoid, relu, tanh = (_trained(registry, a) for a in ("sigmoid", "relu", "tanh"))
    assert sigmoid.slope_bound == pytest.approx(0.25, abs=1e-4)
    assert relu.slope_bound == pytest.approx(1.0) and tanh.slope_bound == pytest.approx(1.0)
    assert _guide_pixels(render_gradient_bars(sigmoid, (400, 260), text)) > 30
    assert _guide_pixels(render_gradient_bars(relu, (400, 260), text)) == 0
    assert _guide_pixels(render_gradient_bars(tanh, (400, 260), text)) == 0
    # before the first step there is no gradient: no guide dots on the chart's floor
    model = NetworkModel(registry, SMALL.replace(activation="sigmoid", depth=6), backend="thread")
    try:
        model.wait(30)
        fresh = model.snapshots[0]
    finally:
        model.close()
    assert fresh.step == 0 and fresh.slope_bound == pytest.approx(0.25, abs=1e-4)
    assert _guide_pixels(render_gradient_bars(fresh, (400, 260), text)) == 0


def test_side_by_side_gradient_charts_share_one_axis(registry):
    sigmoid, relu = _trained(registry, "sigmoid"), _trained(registry, "relu")
    both = shared_range([sigmoid, relu])
    (slo, shi), (rlo, rhi) = log_range(sigmoid), log_range(relu)
    assert both == (min(slo, rlo), max(shi, rhi))
    assert log_range(sigmoid) != log_range(relu)  # the point: on their own they would differ


COUNTING = """
    import torch
    from torch import nn
    from explorer import ActivationSpec, hookimpl

    TEST_BATCHES = []  # every call on the trainer's test batch of 4 rows and 3 units

    class Counted(nn.Module):
        def forward(self, z):
            if tuple(z.shape) == (4, 3):
                TEST_BATCHES.append(1)
            return torch.tanh(z)

    @hookimpl
    def register_activations(register):
        register(ActivationSpec("counted", Counted, "tanh, counting its test batches"))
"""


def test_a_change_is_checked_once_on_its_way_to_the_worker(tmp_path):
    """Issue 18: a Network-lab change was validated three times (the lab, the trainer, the
    worker), running the activation plugin on its test batch three times."""
    import dataclasses
    import textwrap

    from explorer.plugins import load_plugins

    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "counting.py").write_text(textwrap.dedent(COUNTING))
    registry = load_plugins([folder], third_party=True)
    checks = sys.modules[registry.activation("counted").factory.__module__].TEST_BATCHES
    config = SMALL.replace(activation="counted", width=5, depth=1)
    model = NetworkModel(registry, config, backend="thread")
    try:
        model.wait(30)
        assert len(checks) == 1  # a new lab: one check
        model.apply(dataclasses.replace(model.setup(), depth=2))
        model.step(2)
        model.wait(30)
        assert model.snapshots[0].step == 2 and len(model.snapshots[0].layers) == 3
        assert len(checks) == 2  # a change: one more, not three
        model.reset()  # the same settings again: nothing new to check
        model.wait(30)
        assert len(checks) == 2
    finally:
        model.close()


@pytest.mark.slow
@pytest.mark.parametrize("side_by_side", [True, False])
def test_a_killed_trainer_is_said_the_button_tells_the_truth_and_play_starts_again(
    registry, side_by_side
):
    """Issue 21 item 16: side by side, killing B's trainer stalled A with no word while the
    button said "Pause"; alone, Play after a killed trainer did nothing until Reset."""
    model = NetworkModel(registry, SMALL, backend="process", side_by_side=side_by_side)
    try:
        model.play()
        _until(model, lambda: model.step_count() > 3)
        victim = model.trainers[-1]
        os.kill(victim._impl.process.pid, signal.SIGKILL)
        _until(model, lambda: not model.playing)  # the button says Play again
        name = "Net B's training worker" if side_by_side else "The training worker"
        assert model.message.startswith(f"{name} stopped (the worker process was killed (SIGKILL)")
        assert model.message_kind == "error" and "press Play" in model.message
        runs = {id(t): s.run + 1 for t, s in zip(model.trainers, model.snapshots, strict=True)}
        model.play()  # starts the run(s) again: a new worker for the dead one, a reset for A
        assert victim not in model.trainers and all(t.alive for t in model.trainers)
        assert model.message == ""
        fresh = [runs.get(id(t), 0) for t in model.trainers]
        _until(model, lambda: [s.run for s in model.snapshots] == fresh)
        _until(model, lambda: model.step_count() > 3)
        assert all(s.state != "error" for s in model.snapshots)
    finally:
        model.close()


@pytest.mark.parametrize("code", [-9, -15, 1])
def test_a_worker_death_is_worded_in_chinese(code):
    import re

    from explorer.app.scenes.network.message_text import message_text
    from explorer.app.ui import i18n
    from explorer.training.workers import death

    english = death(code)
    assert message_text(english) == english
    i18n.set_language("zh")
    worded = message_text(english)
    assert i18n.has_cjk(worded) and not re.search(r"[a-z]{4,}", worded), worded
    assert re.findall(r"SIG[A-Z]+|\d+", worded) == re.findall(r"SIG[A-Z]+|\d+", english)


def test_going_side_by_side_keeps_net_a_worker_and_starts_only_b(registry):
    """Issue 19: a side-by-side pair should start as fast as one net: A's worker is reset, only
    B's is new (the spare started ahead, in the app), and going back ends B's alone."""
    model = NetworkModel(registry, SMALL, backend="thread")
    try:
        (a,) = model.trainers
        assert model.set_side_by_side(True, "depth", 2)
        assert model.trainers[0] is a and len(model.trainers) == 2
        b = model.trainers[1]
        model.step(3)
        model.wait(30)
        assert [s.step for s in model.snapshots] == [3, 3]
        assert [len(s.layers) for s in model.snapshots] == [4, 3]  # 3 and 2 hidden + output
        assert model.set_side_by_side(False)
        assert model.trainers == [a] and a.alive and not b.alive
        model.step(2)
        model.wait(30)
        assert model.snapshots[0].step == 2 and len(model.snapshots[0].layers) == 4
    finally:
        model.close()


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGSTOP"), reason="POSIX signals")
def test_turning_side_by_side_off_never_waits_for_net_b_to_end(registry):
    """Issue 19: ``validation-and-mismatch`` step 3 (compare off) showed 2 s after →, prepared:
    the lab waited for net B's worker, still busy starting its run, to read its stop, and
    killed it after 2 s. Now B is asked to stop and ends in the background: here B cannot run
    at all while the lab goes on with one net, and once it runs again it ends by itself."""

    def trainer(config: TrainConfig) -> Trainer:  # at the test's priority (conftest.py)
        return Trainer(config, registry, backend="process", nice=0)

    model = NetworkModel(
        registry,
        SMALL,
        backend="process",
        side_by_side=True,
        compare="depth",
        compare_value=2,
        make_trainer=trainer,
    )
    try:
        model.step(1)
        _until(model, lambda: model.settled() and model.step_count() == 1)
        b = model.trainers[1]._impl.process
        os.kill(b.pid, signal.SIGSTOP)  # B cannot read anything now
        try:
            assert model.set_side_by_side(False) and len(model.trainers) == 1
        finally:
            os.kill(b.pid, signal.SIGCONT)
        b.join(60)
        assert b.exitcode == 0  # it read its stop: not killed (-15) after the lab waited
        model.step(1)  # and net A goes on alone, from the start of its run
        _until(model, lambda: model.settled() and model.step_count() == 1)
    finally:
        model.close()
