"""``dl-explorer bench train``: what the probes cost, whether the UI keeps its frame rate while
a network trains in the background (thread or process), and how soon a killed worker is said.

The tests assert only the mechanism of the last (a read returns with what has arrived; the
death's sentence arrives): a loaded machine may pause any process, so the 0.5 s target is
measured here, where a figure belongs."""

from __future__ import annotations

import os
import random
import signal
import statistics
import time
from functools import partial

import click
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from explorer.commands.output import console as make_console
from explorer.training.config import TrainConfig
from explorer.training.jobs import JobRunner
from explorer.training.session import TrainingSession
from explorer.training.trainer import Trainer

WARMUP = 20
DEATH_TARGET = 0.5  # seconds: the longest a UI read may take, and a death may go unsaid


def bare_model(session: TrainingSession) -> nn.Sequential:
    """What a student writes for the same network: nn.Sequential, torch's own dropout, the same
    weights."""
    twin = session.model.copy().train()
    layers: list[nn.Module] = []
    for h in twin.hidden:
        layers += [h.linear, *([h.norm] if h.norm is not None else []), h.act]
        if h.p > 0:
            layers.append(nn.Dropout(h.p))
    layers.append(twin.out)
    return nn.Sequential(*layers)


def _sync(device: torch.device) -> None:
    """Wait for queued GPU work, so the clock measures it."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


class BareLoop:
    """The plain loop: zero_grad, forward, loss, backward, step; nothing recorded."""

    def __init__(self, session: TrainingSession, make_optimizer) -> None:
        self.model = bare_model(session)
        self.x, self.y = session.splits.train.x, session.splits.train.y
        self.opt = make_optimizer(self.model.parameters())
        self.gen = torch.Generator().manual_seed(0)
        self.n, self.batch = len(session.splits.train), session.config.batch_size
        self.device = session.device

    def run(self, steps: int) -> float:
        batches = [
            torch.randint(self.n, (self.batch,), generator=self.gen).to(self.device)
            for _ in range(steps)
        ]
        t0 = time.perf_counter()
        for idx in batches:
            self.opt.zero_grad(set_to_none=True)
            F.cross_entropy(self.model(self.x[idx]), self.y[idx]).backward()
            self.opt.step()
        _sync(self.device)
        return time.perf_counter() - t0


class TrainerLoop:
    """The session as the background trainer runs it: every probe on, a snapshot every
    ``every`` seconds (0: after every step)."""

    def __init__(self, config: TrainConfig, every: float) -> None:
        self.session = TrainingSession(config)
        self.every = every
        self.last = time.perf_counter()

    def run(self, steps: int) -> float:
        t0 = time.perf_counter()
        for _ in range(steps):
            self.session.step(1)
            now = time.perf_counter()
            if now - self.last >= self.every:
                self.session.snapshot("running")
                self.last = now
        _sync(self.session.device)
        return time.perf_counter() - t0


def probe_overhead(out, config: TrainConfig, steps: int, rounds: int) -> None:
    session = TrainingSession(config)
    rule = partial(session.plugins.optimizer.make, **config.optimizer_hyper)
    lr = config.optimizer_hyper.get("lr", 0.01)
    loops = {
        "bare": BareLoop(session, rule),
        "bare_torch": BareLoop(session, partial(torch.optim.SGD, lr=lr)),
        "all": TrainerLoop(config, every=0.0),
        "ui": TrainerLoop(config, every=1 / 30),
    }
    for loop in loops.values():
        loop.run(WARMUP)  # first steps allocate; time the steady state
    # Small chunks in turn, many times: the machine's drift hits every variant alike.
    chunk = 25
    n_chunks = max(1, steps * rounds // chunk)
    total = dict.fromkeys(loops, 0.0)
    for _ in range(n_chunks):
        for name, loop in loops.items():
            total[name] += loop.run(chunk)
    done = n_chunks * chunk
    t0 = time.perf_counter()
    for _ in range(10):
        session.evaluate("train")
        session.evaluate("val")
    eval_per_step = (time.perf_counter() - t0) / 10 / session.steps_per_epoch
    out.print(
        f"probe overhead: {config.depth} × {config.width} {config.activation}, dropout "
        f"{config.dropout:g}, batch {config.batch_size}, {done} steps each in chunks of {chunk}, "
        f"{torch.get_num_threads()} torch thread(s), {session.device}",
        highlight=False,
    )
    label = f"bare torch loop, the same {config.optimizer} rule"
    out.print(f"  {label:44s} {done / total['bare']:6.0f} steps/s", highlight=False)
    label = "bare torch loop, torch.optim.SGD"
    out.print(f"  {label:44s} {done / total['bare_torch']:6.0f} steps/s", highlight=False)
    for key, what in (("all", "a snapshot every step"), ("ui", "snapshots at 30 Hz")):
        ratio = total[key] / total["bare"]
        without_eval = (total[key] - eval_per_step * done) / total["bare"]
        label = f"trainer, all probes, {what}"
        out.print(
            f"  {label:44s} {done / total[key]:6.0f} steps/s   ratio {ratio:.2f}"
            f"   (without the per-epoch evaluation {without_eval:.2f})",
            highlight=False,
        )
    out.print("  target: ratio ≤ 1.15", highlight=False)


def busy(k: int) -> int:
    total = 0
    for i in range(k):
        total += i * i
    return total


def calibrate(busy_ms: float) -> int:
    """Loop count of pure-Python work that takes ``busy_ms`` alone (a stand-in for drawing)."""

    def work(k: int) -> float:
        t0 = time.perf_counter()
        busy(k)
        return time.perf_counter() - t0

    k = 10_000
    while work(k) < 0.002:
        k *= 2
    for _ in range(2):  # refine at the target length: short runs misjudge a noisy machine
        k = max(1, int(k * busy_ms / 1000 / statistics.median(work(k) for _ in range(11))))
    return k


def ui_loop(k: int, seconds: float, trainer: Trainer | None) -> tuple[list[float], int]:
    """Frames at 60 Hz: busy work, then a non-blocking snapshot read; (frame times, steps)."""
    frame = 1 / 60
    times = []
    start_step = trainer.latest().step if trainer else 0
    t_start = next_t = time.perf_counter()
    while time.perf_counter() - t_start < seconds:
        t0 = time.perf_counter()
        busy(k)
        if trainer is not None:
            trainer.latest()
        times.append(time.perf_counter() - t0)
        next_t += frame
        delay = next_t - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
        else:
            next_t = time.perf_counter()
    steps = (trainer.latest().step - start_step) if trainer else 0
    return times, steps


def frame_times(out, config: TrainConfig, seconds: float, busy_ms: float, rounds: int) -> None:
    """The stand-in UI loop with no trainer, a thread trainer, and process trainers, in turn
    (each paused while another is measured), ``rounds`` times."""
    threads_before = torch.get_num_threads()
    torch.set_num_threads(1)  # the thread backend's torch runs in this process
    budget = config.replace(epochs=100_000)
    variants: dict[str, Trainer | None] = {"no training": None}
    try:
        for backend, threads, nice in (
            ("thread", 1, 0),
            ("process", 1, 10),
            ("process", 1, 0),
            ("process", 2, 10),
        ):
            trainer = Trainer(budget, backend=backend, torch_threads=threads, nice=nice)
            label = f"{backend}, {threads} torch thread(s)"
            variants[label + (f", nice {nice}" if backend == "process" else "")] = trainer
        for trainer in variants.values():
            if trainer is not None:
                trainer.wait(timeout=120)
        k = calibrate(busy_ms)
        results: dict[str, tuple[list[float], int]] = {name: ([], 0) for name in variants}
        for _ in range(rounds):
            for name, trainer in variants.items():
                if trainer is not None:
                    trainer.start()  # (from paused: the same as resume)
                    time.sleep(0.3)  # running at full speed before the clock starts
                times, steps = ui_loop(k, seconds / rounds, trainer)
                if trainer is not None:
                    trainer.pause()
                    trainer.wait(timeout=60)
                results[name] = (results[name][0] + times, results[name][1] + steps)
    finally:
        for trainer in variants.values():
            if trainer is not None:
                trainer.stop()
        torch.set_num_threads(threads_before)
    out.print(
        f"UI frame time: a stand-in loop busy {busy_ms:g} ms per 60 Hz frame, reading the newest "
        f"snapshot each frame; {seconds:g} s per variant in {rounds} turns",
        highlight=False,
    )
    base = np.percentile(np.array(results["no training"][0]) * 1000, 95)
    for name, (times, steps) in results.items():
        ms = np.array(times) * 1000
        fps = len(times) / seconds
        rate = f"{steps / seconds:5.0f} steps/s" if steps else "            -"
        p95 = np.percentile(ms, 95)
        out.print(
            f"  {name:35s} frame p50 {np.percentile(ms, 50):5.1f} ms  p95 {p95:5.1f} ms "
            f"(× {p95 / base:.2f})  {fps:5.1f} fps   trainer {rate}",
            highlight=False,
        )
    out.print(
        "  target: p95 ≤ 16.7 ms (60 fps) with the trainer still fast; compare with 'no training',"
        " the same loop on this machine at the same time",
        highlight=False,
    )


def _count(ctx, n: int) -> int:
    """A job that keeps its worker busy (until the kill)."""
    total = 0
    for i in range(n):
        if ctx.cancelled():
            break
        total += i
        time.sleep(0.001)
    return total


def _watch_death(pid: int, said) -> tuple[float, float]:
    """SIGKILL ``pid``, then read at 60 Hz as the UI does until ``said()``; (the longest read,
    seconds from the kill to the sentence)."""
    os.kill(pid, signal.SIGKILL)
    killed = time.perf_counter()
    worst = 0.0
    while True:
        t0 = time.perf_counter()
        done = said()
        worst = max(worst, time.perf_counter() - t0)
        if done:
            return worst, time.perf_counter() - killed
        time.sleep(1 / 60)


def _kill_a_trainer(config: TrainConfig, rng: random.Random) -> tuple[float, float]:
    trainer = Trainer(config, backend="process", publish_hz=60)
    try:
        trainer.start()
        while trainer.latest().step < 5 and trainer.latest().state != "error":
            time.sleep(1 / 60)
        time.sleep(rng.uniform(0, 1 / 30))  # between snapshots or inside one
        return _watch_death(trainer._impl.process.pid, lambda: trainer.latest().state == "error")
    finally:
        trainer.stop()


def _kill_a_job_worker(rng: random.Random) -> tuple[float, float]:
    jobs = JobRunner(backend="process")
    try:
        jobs.submit("count", _count, 10**9)
        pid = jobs._workers["count"].process.pid
        time.sleep(rng.uniform(0, 0.5))  # starting, or counting
        return _watch_death(pid, lambda: not jobs.busy("count"))
    finally:
        jobs.close()


def death_times(out, kills: int, seed: int = 0) -> None:
    """A process trainer (a 12 × 64 net on digits: 100+ KiB snapshots at 60 Hz) and a job
    worker, each SIGKILLed ``kills`` times at a random moment while the UI reads."""
    rng = random.Random(seed)
    config = TrainConfig(dataset="digits", depth=12, width=64, epochs=1000, seed=0)
    rows: dict[str, list[tuple[float, float]]] = {"trainer": [], "job runner": []}
    for _ in range(kills):
        rows["trainer"].append(_kill_a_trainer(config, rng))
        rows["job runner"].append(_kill_a_job_worker(rng))
    out.print(
        f"worker death: SIGKILL at a random moment, {kills} times each, the UI reading at 60 Hz",
        highlight=False,
    )
    for name, got in rows.items():
        reads = max(r for r, _ in got) * 1000
        said = [s * 1000 for _, s in got]
        out.print(
            f"  {name:12s} longest read {reads:6.1f} ms   kill → sentence median "
            f"{statistics.median(said):6.1f} ms, worst {max(said):6.1f} ms",
            highlight=False,
        )
    out.print(f"  target: both ≤ {DEATH_TARGET * 1000:.0f} ms", highlight=False)


@click.command()
@click.option("--depth", default=10, show_default=True, type=click.IntRange(1, 100))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1, 4096))
@click.option("--activation", default="relu", show_default=True)
@click.option("--dropout", default=0.2, show_default=True, type=float)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(2))
@click.option("--steps", default=400, show_default=True, type=click.IntRange(10))
@click.option(
    "--rounds", default=3, show_default=True, type=click.IntRange(1), help="Probe-overhead rounds."
)
@click.option(
    "--seconds",
    default=10.0,
    show_default=True,
    type=click.FloatRange(0.5),
    help="UI stand-in time per variant.",
)
@click.option("--busy-ms", default=15.0, show_default=True, type=click.FloatRange(0, 100))
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="torch threads for the probe-overhead part.",
)
@click.option("--device", default="cpu", show_default=True, help="auto, cpu, cuda or mps.")
@click.option("--skip-frames", is_flag=True, help="Only the probe overhead (and the deaths).")
@click.option(
    "--kills",
    default=5,
    show_default=True,
    type=click.IntRange(0, 100),
    help="Worker deaths to time (0: none).",
)
def train(
    depth,
    width,
    activation,
    dropout,
    batch_size,
    steps,
    rounds,
    seconds,
    busy_ms,
    threads,
    device,
    skip_frames,
    kills,
) -> None:
    """Probe overhead (trainer vs a bare torch loop), the UI's frame time while training, and how
    soon a killed worker is said."""
    config = TrainConfig(
        dataset="digits",
        depth=depth,
        width=width,
        activation=activation,
        dropout=dropout,
        batch_size=batch_size,
        optimizer_hyper={"lr": 0.05},
        epochs=1000,
        device=device,
    )
    out = make_console()
    before = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        probe_overhead(out, config, steps, rounds)
    finally:
        torch.set_num_threads(before)
    if not skip_frames:
        frame_times(out, config, seconds, busy_ms, rounds=5)
    if kills:
        death_times(out, kills)
