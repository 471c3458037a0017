"""A worker that dies, a plugin that breaks, a net too deep to probe, a plugin too slow: the UI
never waits on any of them, and each ends as one sentence on the screen.

These tests assert the mechanism (a read returns with what has arrived, however little; the
death's sentence arrives), never a wall-clock bound: a loaded machine may pause any process for a
while. How fast it is (the longest read, the time from a kill to its sentence; the target is
0.5 s) is measured by ``dl-explorer bench train``."""

import os
import pickle
import random
import signal
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest

from explorer.plugins import load_plugins
from explorer.training import TrainConfig, Trainer
from explorer.training.frames import FrameReader

ROOT = Path(__file__).resolve().parents[1]
# Generous: a read that waited on a worker would wait for good (these workers never answer), so
# any finite guard tells "returns" from "blocks"; a busy machine needs tens of seconds to spawn.
GUARD = 60


def _within(seconds: float, fn) -> None:
    """Run ``fn`` in a thread; fail (instead of hanging the suite) if it has not returned."""
    box: list = []

    def run() -> None:
        try:
            fn()
            box.append(None)
        except BaseException as exc:  # noqa: BLE001 - re-raised below
            box.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    assert box, f"still blocked after {seconds} s: the UI froze"
    if box[0] is not None:
        raise box[0]


# A writer like the worker, framed the same way (without torch's import time): snapshot-sized
# messages of 45–200 KiB, as fast as it can.
WRITER = textwrap.dedent(
    """
    import os, pickle, random, struct, sys
    rng = random.Random(int(sys.argv[1]))
    fd = sys.stdout.fileno()
    k = 0
    while True:
        payload = pickle.dumps({"step": k, "losses": os.urandom(rng.randrange(45_000, 200_000))})
        view = memoryview(struct.pack(">Q", len(payload)) + payload)
        while view:
            view = view[os.write(fd, view):]
        k += 1
    """
)


# A worker that never finishes its answer: half a frame (its header promises 1 MiB), then silence.
STALLED = textwrap.dedent(
    """
    import os, struct, sys, time
    os.write(sys.stdout.fileno(), struct.pack(">Q", 1 << 20) + b"half a snapshot")
    time.sleep(3600)
    """
)


def test_a_read_from_a_worker_that_never_answers_returns_with_nothing_yet():
    """The mechanism behind "the UI never waits": a worker that has written half a message and
    then nothing more. Every read returns, with no frame, and keeps the half for later."""
    proc = subprocess.Popen([sys.executable, "-c", STALLED], stdout=subprocess.PIPE)
    try:
        reader = FrameReader(proc.stdout.fileno())
        reads: list[list[bytes]] = []

        def read_until_the_half_arrived() -> None:
            while len(reader.buffer) < 8 + len(b"half a snapshot"):
                reads.append(reader.read())
                time.sleep(0.01)
            reads.append(reader.read())  # once more with nothing new in the pipe

        _within(GUARD, read_until_the_half_arrived)
        assert not any(reads) and not reader.eof
        proc.kill()
        proc.wait()
        _within(GUARD, lambda: [reader.read() for _ in range(3)])
        assert reader.eof and reader.read() == []  # the end shows; the half stays unread
    finally:
        proc.kill()
        proc.wait()
        proc.stdout.close()


@pytest.mark.slow
def test_a_worker_killed_at_random_moments_leaves_only_whole_snapshots():
    """20 kills at random moments, most of them inside a frame bigger than the pipe's buffer:
    every read returns with whole snapshots only, and the end of the writer shows."""
    rng = random.Random(7)

    def twenty_kills() -> None:
        for k in range(20):
            proc = subprocess.Popen([sys.executable, "-c", WRITER, str(k)], stdout=subprocess.PIPE)
            reader = FrameReader(proc.stdout.fileno())
            reads_left, killed = None, False
            got = 0
            while not (killed and reader.eof):
                for frame in reader.read():
                    message = pickle.loads(frame)  # whole frames only: every one unpickles
                    assert message["step"] == got
                    got += 1
                if got and reads_left is None:
                    reads_left = rng.randrange(0, 6)  # a random moment, counted in UI frames
                if not killed and reads_left is not None:
                    if reads_left == 0:
                        proc.send_signal(signal.SIGKILL)
                        killed = True
                    reads_left -= 1
                time.sleep(1 / 60)
            proc.wait()
            proc.stdout.close()
            assert got > 0
            partial.append(bool(reader.buffer))

    partial: list[bool] = []
    _within(20 * GUARD, twenty_kills)
    assert sum(partial) >= 5  # most deaths left a half-written message behind


@pytest.mark.slow
def test_a_training_process_killed_mid_snapshot_becomes_a_sentence(registry):
    """The app's worker (a 12 × 64 net on digits: 100+ KiB snapshots), SIGKILLed while the UI
    reads at 30 fps: every read returns, and the death is said, as one sentence."""
    config = TrainConfig(dataset="digits", depth=12, width=64, epochs=1000, seed=0)
    trainer = Trainer(config, registry, backend="process", publish_hz=60, nice=0)

    def ui_loop() -> None:
        trainer.start()
        while trainer.latest().step < 5:
            time.sleep(1 / 30)
        for _ in range(3):  # catch it between frames or inside one
            trainer.latest()
            time.sleep(random.uniform(0, 1 / 30))
        os.kill(trainer._impl.process.pid, signal.SIGKILL)
        while (snap := trainer.latest()).state != "error":
            time.sleep(1 / 30)
        assert "killed (SIGKILL)" in snap.message

    try:
        _within(2 * GUARD, ui_loop)
    finally:
        trainer.stop()


def _plugin_registry(tmp_path: Path, source: str):
    folder = tmp_path / "plugins"
    folder.mkdir()
    (folder / "odd.py").write_text(textwrap.dedent(source))
    registry = load_plugins([folder], third_party=True)
    assert not [f for f in registry.failures if f.plugin == "odd"], registry.failures
    return registry


ODD_ACTIVATIONS = """
    import numpy as np
    import torch
    from torch import nn
    from explorer import ActivationSpec, hookimpl

    class Detached(nn.Module):  # output with no grad_fn
        def forward(self, z):
            return torch.tanh(z).detach()

    class Numpy(nn.Module):
        def forward(self, z):
            return np.tanh(z.detach().numpy())

    class Halves(nn.Module):  # changes the width
        def forward(self, z):
            return torch.relu(z[..., : z.shape[-1] // 2])

    class Flaky(nn.Module):  # fine on a test batch, then breaks mid-training
        calls = 0
        def forward(self, z):
            Flaky.calls += 1
            if Flaky.calls > 12:
                raise RuntimeError("out of ideas")
            return torch.tanh(z)

    @hookimpl
    def register_activations(register):
        register(ActivationSpec("detached", Detached, "tanh, detached"))
        register(ActivationSpec("numpy_tanh", Numpy, "tanh in numpy"))
        register(ActivationSpec("halves", Halves, "relu of half the units"))
        register(ActivationSpec("flaky", Flaky, "tanh, for a while"))
"""


@pytest.mark.parametrize(
    ("activation", "reason"),
    [("detached", "no grad_fn"), ("numpy_tanh", "returned a ndarray"), ("halves", "turned 3")],
)
def test_a_broken_activation_plugin_is_refused_with_its_name_before_any_worker(
    tmp_path, activation, reason
):
    registry = _plugin_registry(tmp_path, ODD_ACTIVATIONS)
    config = TrainConfig(dataset="moons", n=64, depth=2, width=4, activation=activation, epochs=2)
    with pytest.raises(ValueError, match=f"activation '{activation}' \\(plugin 'odd'\\)") as err:
        Trainer(config, registry, backend="thread")
    assert reason in str(err.value)
    assert threading.active_count() == 1 or not any(
        t.name == "dl-explorer-trainer" and t.is_alive() for t in threading.enumerate()
    )


def test_every_built_in_activation_passes_the_test_batch(registry):
    from explorer.training.worker import check_activation

    for spec in registry.activations.values():
        check_activation(spec)  # linear (the identity) included


def test_a_plugin_failing_mid_training_ends_the_run_with_its_name(tmp_path):
    registry = _plugin_registry(tmp_path, ODD_ACTIVATIONS)
    config = TrainConfig(dataset="moons", n=64, depth=2, width=4, activation="flaky", epochs=50)
    with Trainer(config, registry, backend="thread") as trainer:
        trainer.start()
        snap = trainer.wait(30)
    assert snap.state == "error"  # not "starting" forever, not "done" untrained
    assert snap.message == "the plugin 'odd' failed: RuntimeError: out of ideas"


def test_a_net_deeper_than_the_probes_cut_trains_and_shows_every_layer(registry):
    config = TrainConfig(dataset="moons", n=64, depth=70, width=4, epochs=5, batch_size=16)
    with Trainer(config, registry, backend="thread") as trainer:
        trainer.step(2)
        snap = trainer.wait(60)
    assert snap.state == "paused", snap.message
    assert len(snap.layers) == 71
    assert all(p.unit_act is not None and p.unit_act.shape == (4,) for p in snap.layers[:70])


SLOW_RULE = """
    import threading, time
    from explorer import Hyper, UpdateRule, hookimpl

    class Sleepy(UpdateRule):
        name = "sleepy"
        hyper = {"lr": Hyper(0.1, 1e-3, 1.0)}
        inside = threading.Event()  # set once the first step is under way
        release = threading.Event()  # until the test sets it, that step never ends
        def update(self, grad, state, param, *, lr):
            Sleepy.inside.set()
            Sleepy.release.wait(120)
            time.sleep(0.4)
            return -lr * grad

    @hookimpl
    def register_optimizers(register):
        register(Sleepy)
"""


@pytest.mark.slow
def test_a_step_over_the_budget_stops_the_run_with_the_reason_and_never_stalls_a_read(tmp_path):
    registry = _plugin_registry(tmp_path, SLOW_RULE)
    config = TrainConfig(
        dataset="moons",
        n=64,
        depth=1,
        width=4,
        optimizer="sleepy",
        optimizer_hyper={"lr": 0.1},
        epochs=5,
    )
    rule = registry.optimizers["sleepy"].rule
    with Trainer(config, registry, backend="thread", step_budget=0.25) as trainer:
        trainer.start()
        assert rule.inside.wait(GUARD)
        # the first step is under way and cannot end yet: a read gives the newest snapshot
        # regardless (from before that step)
        _within(GUARD, trainer.latest)
        assert trainer.latest().step == 0 and not rule.release.is_set()
        rule.release.set()
        deadline = time.monotonic() + GUARD
        while trainer.latest().state != "error" and time.monotonic() < deadline:
            time.sleep(0.01)
        snap = trainer.latest()
    assert snap.state == "error"
    assert "over the budget of 0.25 s" in snap.message and "'sleepy'" in snap.message
    assert snap.step == 2  # the first step (warm-up) is free; stopped after the next, not ten more


@pytest.mark.slow
def test_a_plugin_loaded_from_a_folder_trains_in_the_worker_process():
    """The README's own example: `--plugins-dir examples/plugins` and Lion in the Network lab."""
    registry = load_plugins([ROOT / "examples" / "plugins"], third_party=True)
    assert "lion" in registry.optimizers
    config = TrainConfig(
        dataset="moons",
        n=128,
        depth=1,
        width=8,
        optimizer="lion",
        optimizer_hyper={"lr": 1e-3},
        epochs=2,
    )
    with Trainer(config, registry, backend="process", nice=0) as trainer:
        trainer.step(3)
        snap = trainer.wait(GUARD)
    assert snap.state == "paused", snap.message
    assert snap.step == 3


# An app in miniature: a training worker, a job worker and a spare started ahead, then it waits
# to be killed. It prints their pids (and the resource tracker's) as one line.
ORPHANS = textwrap.dedent(
    """
    import json, time
    from multiprocessing import resource_tracker
    from explorer.plugins import load_plugins
    from explorer.training import TrainConfig, Trainer, workers
    from explorer.training.jobs import JobRunner
    from explorer.training.dropout_numbers import ensemble_job

    registry = load_plugins(third_party=False)
    trainer = Trainer(TrainConfig(dataset="moons", n=64, depth=1, width=4, epochs=1000), registry,
                      backend="process")
    trainer.start()
    jobs = JobRunner(registry, backend="process")
    jobs.submit("ensemble", ensemble_job, "moons", 0.5, 0)  # seconds long: usually still busy
    workers.prestart(registry)
    while trainer.latest().step < 1:  # every worker is up (and one has trained)
        time.sleep(0.05)
    pids = {"trainer": trainer._impl.process.pid, "jobs": jobs._workers["ensemble"].process.pid,
            "spare": next(iter(workers._SPARES.values()))[0].process.pid,
            "tracker": resource_tracker._resource_tracker._pid}
    print(json.dumps(pids), flush=True)
    time.sleep(600)
    """
)


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody has reaped yet counts as ended)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] not in ("Z", "X")


@pytest.mark.slow
@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_end_when_the_app_is_killed_with_sigkill():
    """Issue 21 item 11: after ``kill -9`` of the app, its spare (waiting for work), its
    training worker, its job worker (usually inside a job) and the resource tracker all end."""
    import json

    app = subprocess.Popen([sys.executable, "-c", ORPHANS], stdout=subprocess.PIPE, text=True)
    try:
        line = app.stdout.readline()  # blocks until every worker is up (or the app failed)
        assert line, "the app in miniature ended before its workers were up"
        pids = json.loads(line)
        assert all(_running(pid) for pid in pids.values()), pids
        app.send_signal(signal.SIGKILL)
        app.wait()
        deadline = time.monotonic() + 60  # generous: a loaded machine; the end is event-driven
        while any(_running(pid) for pid in pids.values()) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = {name: pid for name, pid in pids.items() if _running(pid)}
        assert not left, f"still running after their parent was killed: {left}"
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
