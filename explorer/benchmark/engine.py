"""Where the jobs run: local worker processes (the default), or Ray tasks on a cluster.

A job is one optimizer on one task (``study.Job``); jobs share nothing but the optional Optuna
storage, so any number of workers gives the same numbers (each study is sequential and seeded
on its own). Each worker loads the plugins from the same folders and computes on one torch
thread (a 2-element ball or a small net: threads only fight over the cores).

The app's worker lanes (``training/workers.py``) are long-lived roles that talk to a scene; a
benchmark is a batch of independent jobs, so it uses the standard library's process pool, or
Ray with the ``[cluster]`` extra. Results come back in the order of the jobs, whatever order
they finish in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from explorer.benchmark.study import Job, run_job
from explorer.plugins import Registry

_registry: Registry | None = None  # a worker's plugins, loaded once
# called with a finished job's index and result, as it finishes (None: nobody asks)
Finished = Callable[[int, dict[str, Any]], None] | None


class EngineError(ValueError):
    """The engine cannot start (Ray missing or unreachable): one sentence, nothing started."""


def _worker_init(plugin_dirs: list[str], third_party: bool) -> None:
    global _registry
    import signal

    import torch

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's: it stops the pool
    torch.set_num_threads(1)
    from explorer.plugins import load_plugins

    _registry = load_plugins(plugin_dirs, third_party=third_party)


def _run_here(job: Job) -> dict[str, Any]:
    assert _registry is not None, "the worker was started without its plugins"
    return run_job(job, _registry)


def run_here(
    jobs: Sequence[Job],
    registry: Registry,
    done: Callable[[int], None] = lambda n: None,
    finished: Finished = None,
) -> list[dict[str, Any]]:
    """Every job in this process, one after another (an optimizer loaded from a file, which a
    worker could not load again, or a quick score)."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # as in a worker: the same numbers
    try:
        results = []
        for n, job in enumerate(jobs, 1):
            results.append(run_job(job, registry))
            if finished is not None:
                finished(n - 1, results[-1])
            done(n)
        return results
    finally:
        torch.set_num_threads(threads)


NET_STEP_WEIGHT = 15  # a net's step costs about this many surface steps (a forward, a backward)


def heaviest_first(jobs: Sequence[Job]) -> list[int]:
    """The jobs' indices, the longest expected first: with the long ones (the nets) started
    first, the short ones fill the workers' ends and no worker runs one long job alone at the
    end. The results do not depend on the order (each study is seeded on its own)."""

    def weight(i: int) -> float:
        task = jobs[i].suite.task(jobs[i].task)
        return task.steps * (NET_STEP_WEIGHT if task.kind == "net" else 1)

    return sorted(range(len(jobs)), key=lambda i: (-weight(i), i))


def run_local(
    jobs: Sequence[Job],
    registry: Registry,
    workers: int,
    done: Callable[[int], None] = lambda n: None,
    finished: Finished = None,
) -> list[dict[str, Any]]:
    """Every job in ``workers`` processes; ``done(n)`` after each finished job (and
    ``finished(index, result)``: the Scoreboard shows a running benchmark's results so far)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    context = multiprocessing.get_context("spawn")
    args = (list(registry.plugin_dirs), registry.third_party)
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_init, initargs=args)
    try:
        futures = {pool.submit(_run_here, jobs[i]): i for i in heaviest_first(jobs)}
        for n, future in enumerate(as_completed(futures), 1):
            results[futures[future]] = future.result()
            if finished is not None:
                finished(futures[future], results[futures[future]])
            done(n)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            process.terminate()  # the pool's own workers, by their handles
        raise
    pool.shutdown()
    return [r for r in results if r is not None]


def check_ray(address: str) -> Any:
    """The ``ray`` module, connected to ``address`` ("local": a Ray instance on this machine),
    or EngineError with one sentence."""
    try:
        import ray
    except ImportError:
        raise EngineError(
            "--ray needs the cluster extra to reach a Ray cluster: "
            "pip install 'dl-explorer[cluster]'"
        ) from None
    if not ray.is_initialized():
        if address != "local":
            _reachable(address)
        try:
            if address == "local":
                ray.init(include_dashboard=False, log_to_driver=False, logging_level="ERROR")
            else:
                ray.init(address=address, log_to_driver=False, logging_level="ERROR")
        except Exception as exc:  # noqa: BLE001 - Ray's many ways of not connecting
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise EngineError(f"cannot reach the Ray cluster at {address!r}: {first}") from None
    return ray


def _reachable(address: str) -> None:
    """A quick TCP knock at ``host:port`` first: Ray itself waits a minute or more, and fills
    the terminal with its retries, before it says a cluster is not there."""
    import socket

    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        return  # "auto" and other forms Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=3.0).close()
    except OSError as exc:
        raise EngineError(
            f"cannot reach the Ray cluster at {address!r} ({exc.strerror or exc}); is it "
            "running? (ray start --head on the head machine)"
        ) from None


def _ray_job(job: Job, plugin_dirs: list[str], third_party: bool) -> dict[str, Any]:
    _worker_init(plugin_dirs, third_party)
    return _run_here(job)


def run_ray(
    jobs: Sequence[Job],
    registry: Registry,
    address: str,
    done: Callable[[int], None] = lambda n: None,
    finished: Finished = None,
) -> list[dict[str, Any]]:
    """Every job as a Ray task (one CPU each) on the cluster at ``address``."""
    ray = check_ray(address)
    remote = ray.remote(num_cpus=1)(_ray_job)
    args = (list(registry.plugin_dirs), registry.third_party)
    refs = [remote.remote(job, *args) for job in jobs]
    index = {ref: i for i, ref in enumerate(refs)}
    results: list[dict[str, Any] | None] = [None] * len(jobs)
    pending = list(refs)
    try:
        while pending:
            ready, pending = ray.wait(pending, num_returns=1)
            for ref in ready:
                results[index[ref]] = ray.get(ref)
                if finished is not None:
                    finished(index[ref], results[index[ref]])
            done(len(jobs) - len(pending))
    except BaseException:
        for ref in pending:
            ray.cancel(ref, force=True)
        raise
    return [r for r in results if r is not None]
