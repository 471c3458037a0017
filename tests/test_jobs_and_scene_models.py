"""The one job runner every non-training scene uses, and the Dropout and Activations models'
setups: validated first, applied all or nothing, refused with one sentence."""

import os
import signal
import threading
import time

import numpy as np
import pytest

from explorer.app.scenes.activations.model import ActivationsModel, ActivationsSetup
from explorer.app.scenes.dropout.model import DropoutModel, DropoutSetup
from explorer.training.jobs import JobRunner


def add(ctx, a, b):
    return a + b


def slow_count(ctx, n):
    for i in range(n):
        if ctx.cancelled():
            return ("cancelled at", i)
        time.sleep(0.01)
    return ("counted", n)


def broken(ctx):
    raise RuntimeError("no luck")


def remember(ctx, value):
    before = ctx.state.get("x")
    ctx.state["x"] = value
    return before


def test_jobs_answer_without_waiting_and_the_newest_job_per_key_wins(registry):
    jobs = JobRunner(registry, backend="thread")
    try:
        first = jobs.submit("count", slow_count, 200)
        newest = jobs.submit("count", slow_count, 3)
        jobs.wait(timeout=30)
        answer = jobs.result("count")
        assert answer.job == newest and answer.value == ("counted", 3)
        assert first != newest
        jobs.submit("sum", add, 2, 3)
        jobs.submit("bad", broken)
        jobs.wait(timeout=30)
        assert jobs.result("sum").value == 5
        # one sentence, naming the code outside the framework that raised (here: this file)
        assert jobs.result("bad").error == (
            "the plugin 'test_jobs_and_scene_models' failed: RuntimeError: no luck"
        )
        jobs.submit("mem", remember, 1)
        jobs.wait(timeout=30)
        jobs.submit("mem", remember, 2)
        jobs.wait(timeout=30)
        assert jobs.result("mem").value == 1  # state kept in the worker between jobs
    finally:
        jobs.close()


GATE = threading.Event()


def never_answers(ctx):
    GATE.wait(120)
    return "at last"


def test_a_job_that_never_answers_leaves_every_read_returning_with_nothing_yet(registry):
    """The mechanism behind "the UI never waits on a job": poll, busy and result return while
    the worker is stuck (a read that waited would wait for good; the guard is generous)."""
    GATE.clear()
    jobs = JobRunner(registry, backend="thread")
    try:
        jobs.submit("stuck", never_answers)
        reads: list = []

        def read() -> None:
            for _ in range(5):
                jobs.poll()
                reads.append((jobs.busy("stuck"), jobs.result("stuck")))

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        reader.join(60)
        assert not reader.is_alive(), "a read waited on the stuck job"
        assert reads == [(True, None)] * 5
        GATE.set()
        jobs.wait(timeout=60)
        assert jobs.result("stuck").value == "at last"
    finally:
        GATE.set()
        jobs.close()


@pytest.mark.slow
def test_a_job_worker_killed_mid_job_is_a_sentence_and_the_next_job_gets_a_new_one(registry):
    jobs = JobRunner(registry, backend="process", nice=0)  # at the test's priority: conftest.py
    try:
        jobs.submit("count", slow_count, 100_000)
        worker = jobs._workers["count"]
        time.sleep(0.3)  # starting, or counting: a death at any moment is said the same way
        os.kill(worker.process.pid, signal.SIGKILL)
        # the death is said (how soon: `dl-explorer bench train`; a test asserts no clock)
        deadline = time.monotonic() + 120
        while jobs.busy("count") and time.monotonic() < deadline:
            jobs.poll()
            time.sleep(0.01)
        assert "killed (SIGKILL)" in jobs.result("count").error
        jobs.submit("count", add, 1, 2)
        jobs.wait(timeout=120)
        assert jobs.result("count").value == 3 and jobs._workers["count"] is not worker
    finally:
        jobs.close()


@pytest.fixture
def dropout(registry):
    model = DropoutModel(registry, backend="thread")
    yield model
    model.close()


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"p": 1.5}, "p must be a dropout rate from 0.05 to 0.9, not 1.5"),
        ({"dataset": "mnist"}, "dataset must be one of"),
        ({"speed": 0.0}, "speed must be from 0.5 to 30 mini-batches a second, not 0.0"),
        ({"playing": "yes"}, "playing must be true or false"),
        ({"seed": -1}, "seed must be a whole number"),
    ],
)
def test_a_bad_dropout_setup_is_refused_whole(dropout, change, sentence):
    before = dropout.setup()
    # the bad value comes last: nothing before it may be applied either
    bad = DropoutSetup(**{**before.__dict__, "speed": 10.0, "seed": 4, **change})
    with pytest.raises(ValueError, match=sentence.replace("(", r"\(")):
        dropout.apply(bad)
    assert dropout.setup() == before


@pytest.mark.slow
def test_a_dropout_setup_round_trips_and_restarts_the_nets(dropout):
    dropout.wait(60, ensemble=False)
    setup = DropoutSetup(p=0.3, dataset="circle", speed=12.0, playing=False, seed=7)
    dropout.apply(setup)
    assert dropout.setup() == setup
    dropout.wait(60)
    assert dropout.view.p == 0.3 and dropout.view.step == 1
    assert all(net.p == 0.3 for net in dropout.ensemble.values())


@pytest.mark.parametrize(
    ("change", "sentence"),
    [
        ({"selected": "swish"}, "selected must be one of"),
        ({"pieces": 5}, "pieces must be one of 2, 3, 4, not 5"),
        ({"seed": 1.5}, "seed must be a whole number"),
        ({"input": (0.0, float("nan"))}, "input must be two finite numbers"),
    ],
)
@pytest.mark.slow
def test_a_bad_activations_setup_is_refused_whole(registry, change, sentence):
    model = ActivationsModel(registry, backend="thread")
    try:
        before = model.setup()
        bad = ActivationsSetup(**{**before.__dict__, "seed": 3, **change})
        with pytest.raises(ValueError, match=sentence):
            model.apply(bad)
        assert model.setup() == before
        good = ActivationsSetup(selected="tanh", pieces=2, seed=5, input=(0.5, -0.25))
        model.apply(good)
        assert model.setup() == good
        model.wait(60)
        assert model.results.maxout.seed == 5 and model.results.maxout.pieces == 2
    finally:
        model.close()


def _live_steps(model: DropoutModel, n: int) -> None:
    for _ in range(n):
        model.next_batch()
        model.wait(60, ensemble=False)


def _reference_weights(registry, steps: int):
    model = DropoutModel(registry, backend="thread", setup=DropoutSetup(playing=False))
    try:
        model.wait(60, ensemble=False)
        _live_steps(model, steps - 1)
        assert model.view.step == steps
        return model.view.weights
    finally:
        model.close()


def test_a_lost_live_worker_is_said_and_the_net_carries_on_where_it_was(registry, monkeypatch):
    """Issue 21 item 16: the live net's worker ended mid-job (here: the job ends its thread, as
    a kill ends a process) and the net silently started again from mini-batch 1."""
    import explorer.app.scenes.dropout.model as dropout_model

    real, calls = dropout_model.live_job, []

    def dies_once(ctx, *args):
        calls.append(args)
        if len(calls) == 4:
            raise SystemExit  # the worker ends without an answer
        return real(ctx, *args)

    monkeypatch.setattr(dropout_model, "live_job", dies_once)
    model = DropoutModel(registry, backend="thread", setup=DropoutSetup(playing=False))
    try:
        model.wait(60, ensemble=False)
        _live_steps(model, 3)  # the third of them is lost with its worker
        assert model.message.startswith("The live net's worker stopped (")
        assert model.message.endswith(
            "SystemExit); a new one rebuilt the net and carries on from mini-batch 3."
        )
        assert model.view.step == 3 and model.batches == 3
        _live_steps(model, 1)
        assert model.view.step == 4 and "mini-batch 3" in model.message  # said until a restart
        expected = _reference_weights(registry, 4)
        assert all(np.array_equal(a, b) for a, b in zip(model.view.weights, expected, strict=True))
        model.reset()
        assert model.message == ""
    finally:
        model.close()


@pytest.mark.slow
def test_a_dropout_worker_killed_with_sigkill_resumes_the_live_net_faithfully(registry):
    model = DropoutModel(registry, backend="process", setup=DropoutSetup(playing=False))
    try:
        model.wait(60, ensemble=False)
        _live_steps(model, 4)
        worker = model.jobs._workers["live"]
        os.kill(worker.process.pid, signal.SIGKILL)
        worker.process.join(30)
        _live_steps(model, 1)  # a new worker: it replays the net to mini-batch 5 first
        assert model.jobs._workers["live"] is not worker
        assert model.view.step == 6 and model.batches == 6
        expected = _reference_weights(registry, 6)
        assert all(np.array_equal(a, b) for a, b in zip(model.view.weights, expected, strict=True))
    finally:
        model.close()


def test_a_job_in_a_thread_lane_runs_on_this_process_objects_whatever_the_backend(registry):
    """The lane the Landscape's slow-surface helper can use: work on objects of this process
    (a race, not picklable) beside process lanes, with the same answers and sentences."""
    jobs = JobRunner(registry, backend="process")
    here = {"calls": 0}

    def step_here(ctx, box):  # a closure: it could never cross to another process
        box["calls"] += 1
        return os.getpid()

    try:
        jobs.submit("ahead", step_here, here, in_thread=True)
        jobs.wait("ahead", timeout=30)
        assert jobs.result("ahead").value == os.getpid() and here["calls"] == 1
        assert not hasattr(jobs._workers["ahead"], "process")  # no worker process was started
    finally:
        jobs.close()


def test_a_live_worker_lost_every_time_is_said_and_not_started_again_and_again(
    registry, monkeypatch
):
    import explorer.app.scenes.dropout.model as dropout_model

    calls = []

    def always_dies(ctx, *args):
        calls.append(args)
        raise SystemExit

    monkeypatch.setattr(dropout_model, "live_job", always_dies)
    model = DropoutModel(registry, backend="thread", setup=DropoutSetup(playing=True))
    try:
        model.wait(60, ensemble=False)
        for _ in range(10):
            model.update(0.5)
            model.wait(60, ensemble=False)
        assert model.message.startswith("could not train the net: ") and not model.playing
        assert len(calls) == dropout_model.MAX_LOST + 1
    finally:
        model.close()


def test_a_job_that_cannot_travel_to_a_process_is_answered_with_why_at_once(registry):
    jobs = JobRunner(registry, backend="process")
    try:
        jobs.submit("nested", lambda ctx: 1)
        assert not jobs.busy("nested") and not jobs._workers  # no worker was started for it
        answer = jobs.result("nested")
        assert answer.value is None and "cannot be sent to a worker process" in answer.error
        assert answer.error.endswith("use a module-level function and plain arguments")
    finally:
        jobs.close()


@pytest.mark.slow
def test_an_ensemble_lost_with_its_worker_is_computed_once_more(registry, monkeypatch):
    import explorer.app.scenes.dropout.model as dropout_model

    real, calls = dropout_model.ensemble_job, []

    def dies_first(ctx, *args):
        calls.append(args)
        if len(calls) == 1:
            raise SystemExit  # the worker ends without an answer
        return real(ctx, *args)

    monkeypatch.setattr(dropout_model, "ensemble_job", dies_first)
    model = DropoutModel(registry, backend="thread", setup=DropoutSetup(playing=False))
    try:
        model.wait(120)
        model.wait(120)  # the second job, sent when the first was found lost
        assert len(calls) == 2 and model.ensemble_ready and not model.ensemble_error
        assert set(model.ensemble) == {"linear", "sigmoid"}
    finally:
        model.close()
