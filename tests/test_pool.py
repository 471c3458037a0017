"""The worker pool: the scene on screen computes first, hidden scenes' workers wait their turn,
no more workers compute at once than the pool's size, and a held worker that dies is still one
sentence at once."""

import os
import signal
import threading

import pytest

from explorer.training.jobs import JobRunner
from explorer.training.pool import POOL, Pool, pool_size, threads_per_worker


class Lane:
    """A stand-in for a process lane: alive until ended, working when told."""

    def __init__(self, working: bool = True) -> None:
        self.up = True
        self.busy = working

    def alive(self) -> bool:
        return self.up

    def working(self) -> bool:
        return self.busy


def joined(pool: Pool, owner: str, working: bool = True) -> tuple[Lane, threading.Event]:
    lane, gate = Lane(working), threading.Event()
    gate.set()
    pool.join(lane, gate, owner)
    return lane, gate


def test_the_scene_on_screen_computes_and_hidden_scenes_wait():
    pool = Pool(size=2)
    pool.focus("network")
    net_a, gate_a = joined(pool, "network")
    net_b, gate_b = joined(pool, "network")  # a side-by-side pair: both go
    ensemble, gate_e = joined(pool, "dropout")
    assert gate_a.is_set() and gate_b.is_set() and not gate_e.is_set()
    pool.focus("dropout")  # the Dropout tab is opened: its work goes, the lab's waits
    assert gate_e.is_set() and not gate_a.is_set() and not gate_b.is_set()


def test_a_scene_that_goes_on_behind_its_tab_gets_the_room_that_is_left():
    pool = Pool(size=2)
    pool.keep_going("network")
    pool.focus("network")
    net, gate_n = joined(pool, "network")
    pool.focus("landscape")
    surface, gate_s = joined(pool, "landscape")
    assert gate_n.is_set() and gate_s.is_set()  # room for both: the net's path grows on
    pool.focus("dropout")
    live, gate_l = joined(pool, "dropout")
    ensemble, gate_e = joined(pool, "dropout")
    assert gate_l.is_set() and gate_e.is_set()
    assert not gate_n.is_set() and not gate_s.is_set()  # no room left: the lab waits
    ensemble.busy = False  # the ensemble is done: the lab's run takes its place
    pool.balance()
    assert gate_n.is_set() and not gate_s.is_set()


def test_the_pool_never_lets_more_workers_compute_than_its_size():
    pool = Pool(size=2)
    pool.keep_going("network")
    owners = ["network", "dropout", "activations", "landscape"]
    lanes = [joined(pool, owners[i % 4], working=i % 3 != 0)[0] for i in range(12)]
    for step, owner in enumerate(owners * 3):
        pool.focus(owner)
        assert pool.running() <= 2
        lanes[step].up = step % 2 == 0  # lanes end as they go
        lanes[-1 - step].busy = not lanes[-1 - step].busy
        pool.balance()
        assert pool.running() <= 2


def test_work_prepared_ahead_comes_after_the_nets_on_screen():
    """A lesson preparing its next steps (a lane at the lowest priority, started first) never
    holds a side-by-side pair started after it."""
    pool = Pool(size=2)
    pool.focus("network")
    ahead, gate_ahead = Lane(), threading.Event()
    pool.join(ahead, gate_ahead, "network", nice=19)
    pair = [joined(pool, "network") for _ in range(2)]
    assert all(gate.is_set() for _, gate in pair) and not gate_ahead.is_set()


def test_idle_lanes_of_the_scene_on_screen_are_never_held():
    """An idle lane costs nothing and starts at once when its scene gives it work."""
    pool = Pool(size=2)
    pool.focus("dropout")
    busy = [joined(pool, "dropout") for _ in range(2)]  # (the pool holds lanes weakly)
    lane, idle = joined(pool, "dropout", working=False)
    other, third = joined(pool, "dropout")
    assert all(g.is_set() for _, g in busy) and idle.is_set() and not third.is_set()


def test_a_lane_that_closes_is_let_go_so_that_it_reads_its_stop():
    pool = Pool(size=2)
    pool.focus("landscape")
    lane, gate = joined(pool, "dropout")
    assert not gate.is_set()
    pool.leave(lane)
    assert gate.is_set() and pool.running() == 0


def test_without_a_scene_on_screen_nothing_is_held():
    """Scripts, tests and the command line: no app tells the pool what is shown."""
    pool = Pool(size=2)
    lanes = [joined(pool, "network") for _ in range(4)]
    assert all(gate.is_set() for _, gate in lanes)


def test_a_worker_started_before_any_scene_was_shown_is_the_first_scenes():
    """The app builds its first scene (whose nets start their workers) before it shows it."""
    pool = Pool(size=2)
    lane, gate = Lane(), threading.Event()
    pool.join(lane, gate)  # no scene on screen yet: no owner
    pool.focus("network")
    assert gate.is_set()  # the first scene's net computes (it was held for good)
    pool.focus("dropout")
    assert not gate.is_set()  # and waits behind its tab like any of the lab's
    pool.focus("network")
    assert gate.is_set()


def test_the_pool_is_sized_to_the_machine():
    assert pool_size(2) == 2  # two cores: a side-by-side pair runs together
    assert pool_size(1) == 2 and pool_size(8) == 7  # one core left for the UI
    assert threads_per_worker(2) == 1  # two workers, two cores: one thread each
    assert all(threads_per_worker(c) * pool_size(c) <= max(c, 2) for c in range(1, 65))


def add(ctx, a, b):
    return a + b


@pytest.mark.slow
@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="POSIX signals")
def test_a_hidden_scenes_worker_waits_and_its_death_is_still_said(registry):
    """Real worker processes: the hidden scene's job is not answered while the scene on screen
    gets its answer; killed while held, its worker is one sentence at the next look."""
    hidden = JobRunner(registry, backend="process")
    shown = JobRunner(registry, backend="process")
    try:
        POOL.focus("dropout")
        hidden.submit("sum", add, 1, 2)  # its worker belongs to the Dropout scene
        POOL.focus("landscape")  # another tab: the Dropout scene's worker is held
        shown.submit("sum", add, 3, 4)
        shown.wait(timeout=120)
        assert shown.result("sum").value == 7
        assert hidden.busy("sum")  # held: it may read its job, never send the answer
        worker = hidden._workers["sum"].process
        os.kill(worker.pid, signal.SIGKILL)
        worker.join(60)
        answer = hidden.result("sum")  # the first look after its death says it
        assert answer.lost and "killed (SIGKILL)" in answer.error
        POOL.focus("dropout")  # back on its tab: a new worker answers
        hidden.submit("sum", add, 5, 6)
        hidden.wait(timeout=120)
        assert hidden.result("sum").value == 11
    finally:
        hidden.close()
        shown.close()
        POOL.focus("")


def nap(ctx, seconds):
    import time

    time.sleep(seconds)
    return seconds


@pytest.mark.slow
def test_a_side_by_side_lesson_step_right_after_a_job_scene_starts_both_nets(registry):
    """Issue 19: ``relu-family`` step 4 and ``dropout`` step 5 never showed a first picture. A
    lesson puts the lab's setup in place before its tab is shown: net B's worker, started then,
    was counted as the shown job scene's, and held for good once the lab was on screen."""
    import time

    from explorer.app.scenes.network.model import NetworkModel
    from explorer.training import TrainConfig

    small = TrainConfig(dataset="moons", n=64, depth=2, width=4, epochs=50, device="cpu")
    scene_jobs = JobRunner(registry, backend="process")
    POOL.focus("network")  # the lesson builds the lab ahead, as its own (one net)
    model = NetworkModel(registry, small, backend="process")
    try:
        POOL.focus("activations")  # the Activations steps are shown, their job computing
        scene_jobs.submit("curves", nap, 30.0)  # (its worker: the shown scene's)
        model.set_side_by_side(True, "activation", "relu")  # → : the lab's setup, B starts
        POOL.focus("network")  # then its tab is shown
        model.step(1)
        deadline = time.perf_counter() + 120
        while not model.settled() and time.perf_counter() < deadline:
            model.update(0.0)
            time.sleep(0.02)
        assert [s.step for s in model.snapshots] == [1, 1]  # both nets' first picture
    finally:
        model.close()
        scene_jobs.close()
        POOL.focus("")


def test_bench_lesson_counts_the_lab_s_first_picture_not_the_end_of_the_step():
    """``bench lesson``'s first picture of a lab step is when every net is drawn (built, a first
    snapshot in), not when the step's epochs are done: saddle-points step 4 read 20 s (its 200
    epochs) for a picture on screen in about one."""
    from types import SimpleNamespace

    from explorer.app.headless import _waiting
    from explorer.app.scenes.network.driver import NetworkDriver
    from explorer.training.snapshot import Snapshot

    model = SimpleNamespace(snapshots=[Snapshot("starting"), Snapshot("starting")])
    model.update = lambda dt: None
    model.hessian_busy = lambda: False
    model.settled = lambda: False  # its epochs still running: busy
    driver = NetworkDriver(model)
    assert _waiting(driver) and driver.busy()
    model.snapshots = [Snapshot("running", sizes=(2, 8, 2)), Snapshot("starting")]
    assert _waiting(driver)  # B not drawn yet
    model.snapshots = [Snapshot("running", sizes=(2, 8, 2)), Snapshot("running", sizes=(2, 8, 2))]
    assert not _waiting(driver) and driver.busy()  # both drawn, the step still running
