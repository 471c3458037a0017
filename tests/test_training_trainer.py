"""The background trainer as the network view drives it: start, pause, step, reset, stop, and
snapshots read without waiting, in a thread and in a separate process."""

import dataclasses

import numpy as np
import pytest
import torch

from explorer.plugins import UnknownName
from explorer.specs import DatasetSpec
from explorer.training import Snapshot, TrainConfig, Trainer, TrainingSession


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The reference run and the worker process do the same arithmetic (one thread each)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


SMALL = TrainConfig(dataset="blobs", n=300, depth=2, width=16, dropout=0.1, epochs=4, seed=5)
TIMEOUT = 60


@pytest.fixture
def trainer(registry):
    with Trainer(SMALL, registry, backend="thread") as t:
        yield t


def reference(registry, config=SMALL):
    session = TrainingSession(config, registry)
    session.fit()
    return session.snapshot()


def test_it_starts_idle_and_steps_exactly_as_asked(trainer):
    snap = trainer.wait(TIMEOUT)
    assert (snap.state, snap.step) == ("idle", 0)
    trainer.step(7)
    snap = trainer.wait(TIMEOUT)
    assert (snap.state, snap.step, len(snap.losses)) == ("paused", 7, 7)
    trainer.step(3)
    assert trainer.wait(TIMEOUT).step == 10


def test_start_pause_resume_then_the_same_numbers_as_training_in_the_foreground(trainer, registry):
    trainer.start()
    trainer.pause()
    paused = trainer.wait(TIMEOUT)
    assert paused.state in ("paused", "done")
    trainer.resume()
    final = trainer.wait(TIMEOUT)
    assert final.state == "done" and final.epoch == 4 and final.finished
    expected = reference(registry)
    assert np.array_equal(final.losses, expected.losses)
    assert final.epochs == expected.epochs


def test_latest_returns_at_once_while_training_runs(registry):
    long = SMALL.replace(epochs=500)
    with Trainer(long, registry, backend="thread", publish_hz=200) as t:
        t.wait(TIMEOUT)
        t.start()
        seen = [t.latest() for _ in range(2000)]
        assert all(isinstance(s, Snapshot) for s in seen)
        t.pause()
        snap = t.wait(TIMEOUT)
    assert snap.state == "paused" and 0 < snap.step < long.epochs * snap.steps_per_epoch
    steps = [s.step for s in seen]
    assert steps == sorted(steps)  # snapshots only move forward


def test_run_epochs_and_fit(trainer):
    snap = trainer.run_epochs(1, timeout=TIMEOUT)
    assert (snap.epoch, snap.state, snap.step) == (1, "paused", snap.steps_per_epoch)
    trainer.step(2)
    snap = trainer.run_epochs(2, timeout=TIMEOUT)
    assert (snap.epoch, snap.step) == (3, 3 * snap.steps_per_epoch)
    assert trainer.fit(TIMEOUT).state == "done"


def test_reset_starts_over_with_the_same_numbers_or_new_settings(trainer, registry):
    first = trainer.fit(TIMEOUT)
    trainer.reset()
    snap = trainer.wait(TIMEOUT)
    assert (snap.run, snap.step, snap.state, len(snap.losses)) == (1, 0, "idle", 0)
    again = trainer.fit(TIMEOUT)
    assert np.array_equal(first.losses, again.losses)
    trainer.reset(SMALL.replace(activation="tanh", depth=3))
    snap = trainer.fit(TIMEOUT)
    assert (
        snap.run == 2 and snap.sizes == (2, 16, 16, 16, 3) and snap.config["activation"] == "tanh"
    )
    with pytest.raises(UnknownName, match="Unknown activation 'tanhh'"):
        trainer.reset(SMALL.replace(activation="tanhh"))


def test_stop_ends_the_worker_and_later_commands_do_nothing(registry):
    t = Trainer(SMALL.replace(epochs=1000), registry, backend="thread")
    t.start()
    t.stop()
    assert not t.alive and t.latest().state == "stopped"
    t.start()
    t.step(5)
    assert t.wait(1).state == "stopped"


def test_a_failing_dataset_plugin_is_an_error_state_not_a_crash(registry):
    def broken(n, noise, seed):
        raise RuntimeError("the file is missing")

    spec = DatasetSpec("broken", broken, plugin="someone/broken")
    with_broken = dataclasses.replace(registry, datasets=registry.datasets | {"broken": spec})
    with Trainer(SMALL.replace(dataset="broken"), with_broken, backend="thread") as t:
        snap = t.wait(TIMEOUT)
        assert snap.state == "error" and "the file is missing" in snap.message
        t.reset(SMALL)  # the user picks another dataset: the worker goes on
        assert t.fit(TIMEOUT).state == "done"


def test_mistakes_raise_in_the_caller_before_any_worker_starts(registry):
    with pytest.raises(UnknownName, match="Unknown dataset 'blob'. Did you mean 'blobs'?"):
        Trainer(SMALL.replace(dataset="blob"), registry)
    with pytest.raises(ValueError, match="backend 'gpu' is unknown"):
        Trainer(SMALL, registry, backend="gpu")


@pytest.mark.slow
def test_the_process_backend_gives_the_same_numbers_and_cleans_up(registry):
    t = Trainer(SMALL, registry, backend="process", nice=0)  # at the test's priority: conftest.py
    try:
        assert t.wait(120).state == "idle"
        t.step(5)
        snap = t.wait(TIMEOUT)
        assert (snap.state, snap.step, len(snap.losses)) == ("paused", 5, 5)
        final = t.fit(TIMEOUT)
        expected = reference(registry)
        assert np.array_equal(final.losses, expected.losses)
        assert final.epochs == expected.epochs
        assert final.layers[0].mask is not None and not final.layers[0].weight.flags.writeable
        t.reset()
        assert t.wait(TIMEOUT).run == 1
    finally:
        t.stop()
    assert not t._impl.process.is_alive()
    assert t.latest().state == "stopped"


@pytest.mark.slow
def test_a_trainer_dropped_without_stop_still_ends_its_thread(registry):
    import gc

    trainer = Trainer(SMALL, registry, backend="thread")
    trainer.step(1)
    assert trainer.wait(30).step == 1
    thread = trainer._impl.thread
    del trainer
    gc.collect()
    thread.join(30)  # generous: the end is the stop its finalizer sends
    assert not thread.is_alive()
