"""The loop a background trainer runs, the same in a thread and in a process: control commands
in, snapshots out. Commands are ``(kind, argument, number)`` tuples; every published snapshot
says (``ack``) the number of the last command applied, so a caller can wait for its own.

Whatever goes wrong in the loop (a plugin raising, a snapshot that cannot be read, a step slower
than its budget) ends the run in the ``error`` state with one sentence from ``sentence()``, the
one place a worker's failure is put into words."""

from __future__ import annotations

import dataclasses
import queue
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

from explorer.training.config import TrainConfig
from explorer.training.probes import slope_bound
from explorer.training.session import Plugins, TrainingSession, check_activation  # noqa: F401
from explorer.training.sharpness import BATCH, SharpnessTracker
from explorer.training.snapshot import Snapshot

Command = tuple[str, Any, int]


class Sink(Protocol):
    """Where snapshots go. ``publish`` may decline (a process sink out of credit) and sets
    ``pending`` until a later ``publish`` succeeds."""

    pending: bool

    def publish(self, make: Callable[[], Snapshot]) -> None: ...

    def credit(self, n: int) -> None: ...


def run_worker(
    config: TrainConfig,
    plugins: Plugins | None,
    resolve: Callable[[TrainConfig], Plugins],
    commands: Any,
    sink: Sink,
    publish_interval: float = 1 / 30,
    step_budget: float | None = None,
) -> None:
    """Train in the calling thread until a ``stop`` command. ``commands`` is a queue (``get``
    with ``block``); between commands the run is idle, running, paused, done or in error.
    ``config`` and ``plugins`` (and every reset's) were checked by the caller (``session.prepare``)
    and are trusted here; ``resolve`` only looks names up (plugins that could not travel).
    ``step_budget``: seconds one training step may take; a slower step (a plugin that sleeps or
    loops) ends the run with the reason instead of stalling everything after it."""
    run, ack = 0, 0
    state, message = "starting", ""
    bound: float | None = None
    steps_left: int | None = None
    session: TrainingSession | None = None
    hessian: dict[str, Any] | None = None  # the last "hessian" command's answer (this run's)
    sharp_every = 0  # λ_max every so many steps ("sharpness" command; 0: off), kept by resets
    tracker: SharpnessTracker | None = None

    def build(cfg: TrainConfig, found: Plugins | None) -> None:
        nonlocal session, state, message, bound, tracker
        session, message, tracker = None, "", None
        try:
            found = found or resolve(cfg)
            session = TrainingSession(cfg, plugins=found)
            (act, *others) = found.activations  # layers of different activations: no one bound
            bound = None if others else slope_bound(act.factory(), act.pieces)
            state = "idle"
        except Exception as exc:  # noqa: BLE001 - a plugin's or the user's mistake, reported
            state, message = "error", sentence(exc, "could not build the net")
        tracker = sharpness_tracker(session, sharp_every)

    def bare() -> Snapshot:
        return Snapshot(state, run=run, message=message, ack=ack, config=config.to_dict())

    def make() -> Snapshot:
        nonlocal session, state, message
        if session is None:
            return bare()
        try:
            snap = session.snapshot(state, run=run)
        except Exception as exc:  # noqa: BLE001 - e.g. an activation plugin that breaks autograd
            state, message = "error", sentence(exc, "could not read the net")
            session = None
            return bare()
        return dataclasses.replace(
            snap,
            ack=ack,
            message=message or snap.message,
            slope_bound=bound,
            hessian=hessian,
            sharpness=None if tracker is None else tracker.summary(),
        )

    build(config, plugins)
    sink.publish(make)
    last = time.perf_counter()
    while True:
        changed = False
        try:
            cmd = commands.get(block=state != "running")
        except queue.Empty:
            cmd = None
        if cmd is not None:
            kind, arg, number = cmd
            if kind == "credit":
                sink.credit(arg)
            else:
                ack, changed = number, True
            if kind == "stop":
                state = "stopped"
                sink.publish(make)
                return
            if kind in ("start", "resume") and state in ("idle", "paused"):
                state, steps_left = "running", None
            elif kind == "pause" and state == "running":
                state, steps_left = "paused", None
            elif kind == "step" and state in ("idle", "paused"):
                state, steps_left = "running", max(1, int(arg))
            elif kind == "sharpness" and int(arg or 0) != sharp_every:
                sharp_every = int(arg or 0)
                tracker = sharpness_tracker(session, sharp_every)
            elif kind == "save_path" and session is not None:
                session.save_path(str(arg))  # a failure is the snapshot's path_note
            elif kind == "reset":
                new_config, found = arg
                config = new_config or config
                run, hessian = run + 1, None
                build(config, found)
            elif kind == "hessian":  # between two steps, on the weights as they are now
                # said while it computes, as not yet applied (``ack`` one short: a caller's wait
                # goes on until the answer is in)
                hessian = {"computing": True, "step": session.global_step if session else 0}
                ack = number - 1
                sink.publish(make)
                hessian, ack = hessian_answer(session, arg or "auto"), number
        if state == "running" and session is not None:
            epoch = session.epoch
            began = time.perf_counter()
            try:
                session.step(1)
            except Exception as exc:  # noqa: BLE001
                state, message = "error", sentence(exc, "training stopped")
            else:
                took = time.perf_counter() - began
                observe(tracker)  # after the step's timing: a measurement is not its cost
                # a run's first step is free: it pays one-off warm-up (kernels, caches)
                if step_budget is not None and took > step_budget and session.global_step > 1:
                    state = "error"
                    message = (
                        f"one training step took {took:.2f} s, over the budget of "
                        f"{step_budget:g} s ({_suspects(config)}); the run was stopped so the "
                        "app does not stall: make it faster, or train it with `dl-explorer train`"
                    )
                elif session.done:
                    state = "done"
                elif steps_left is not None:
                    steps_left -= 1
                    if steps_left <= 0:
                        state, steps_left = "paused", None
            changed = changed or state != "running" or session.epoch != epoch
        now = time.perf_counter()
        if changed or sink.pending or (state == "running" and now - last >= publish_interval):
            sink.publish(make)
            last = now


def sharpness_tracker(session: TrainingSession | None, every: int) -> SharpnessTracker | None:
    """λ_max every ``every`` steps of ``session`` (None: off, or no net), measured at once (the
    step the run is at). Its fixed batch is at least the run's own mini-batch: a full-batch run
    (the edge of stability's setting) is measured on the very loss it descends."""
    if session is None or every <= 0:
        return None
    batch = max(BATCH, session.config.batch_size)
    tracker = SharpnessTracker(session, every=every, batch=batch)
    observe(tracker)
    return tracker


def observe(tracker: SharpnessTracker | None) -> None:
    """Measure λ_max when the step falls on the interval; whatever goes wrong (a plugin's
    activation that breaks double backward) ends the tracking with its step, not the run."""
    if tracker is None or tracker.failed:
        return
    try:
        tracker.observe()
    except Exception as exc:  # noqa: BLE001 - the series stops there, training goes on
        tracker.failed = sentence(exc, "λ_max failed")
        tracker.failed_step = tracker.session.global_step


# parameters: the largest net whose Hessian the worker computes when asked (Lanczos on ~50,000
# parameters of the digits takes ~15 s on one core; training waits meanwhile)
HESSIAN_LIMIT = 60_000


def hessian_answer(session: TrainingSession | None, method: str = "auto") -> dict[str, Any]:
    """The Hessian of ``session``'s training loss (the whole training split, with its L1 / L2
    terms, dropout off) at its weights now, as small torch-free values: ``n_params``, ``method``
    (exact up to hessian.EXACT_LIMIT parameters, else Lanczos), ``minimum_ratio`` (the share of
    positive eigenvalues), ``positive`` / ``negative`` / ``flat`` shares (``share_error``: their
    ± for Lanczos, 0 when exact), ``smallest`` / ``largest`` eigenvalue, ``grad_norm``,
    ``grad_tol`` and ``critical`` (|∇L| at most grad_tol: only then is ``kind`` a verdict),
    ``loss``, ``kind``, ``verdict`` (one sentence),
    ``histogram`` rows (low, high, count) and ``seconds``; the same numbers as ``dl-explorer
    critical --net`` gives for the same weights. A failure is ``{"error": sentence}``."""
    from explorer.training import hessian as H  # scipy and torch.func: only when asked

    if session is None:
        return {"error": "there is no net to examine (the run could not be built)", "step": 0}
    where = {"step": session.global_step, "epoch": session.epoch}
    try:
        n = sum(p.numel() for p in session.model.parameters())
        if n > HESSIAN_LIMIT:
            raise ValueError(
                f"a net with {n:,} parameters is too large for the Hessian here (at most "
                f"{HESSIAN_LIMIT:,}); use a smaller width or depth"
            )
        t0 = time.perf_counter()
        f, theta = H.training_loss(session)
        sp = H.spectrum(f, theta, method)
        seconds = time.perf_counter() - t0
    except Exception as exc:  # noqa: BLE001 - a sentence in the snapshot, the worker goes on
        return {"error": sentence(exc, "the Hessian failed"), **where}
    return {
        **where,
        "n_params": sp.n_params,
        "method": sp.method,
        "minimum_ratio": sp.minimum_ratio,
        "positive": sp.positive,
        "negative": sp.negative,
        "flat": sp.flat,
        "share_error": sp.share_error,
        "smallest": sp.smallest,
        "largest": sp.largest,
        "tol": sp.tol,
        "loss": sp.loss,
        "grad_norm": sp.grad_norm,
        "grad_tol": sp.grad_tol,
        "critical": sp.critical,
        "kind": sp.kind,
        "verdict": sp.verdict(),
        "histogram": [tuple(float(v) for v in row) for row in sp.histogram()],
        "seconds": seconds,
    }


# modules whose frames are the framework's, not a plugin's
_FRAMEWORK = ("explorer", "torch", "numpy", "pluggy", "importlib", "__main__")
USER_PLUGIN_PREFIX = "dl_explorer_user_plugin_"


def plugin_of(exc: BaseException) -> str | None:
    """The plugin whose code raised ``exc`` (the innermost frame outside the framework and the
    standard library), or None when the framework itself raised."""
    tb, found = exc.__traceback__, None
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        top = module.partition(".")[0]
        if module.startswith("explorer_plugins."):
            found = module.removeprefix("explorer_plugins.")
        elif top and top not in _FRAMEWORK and top not in sys.stdlib_module_names:
            found = module
        tb = tb.tb_next
    if found and found.startswith(USER_PLUGIN_PREFIX):
        found = found[len(USER_PLUGIN_PREFIX) :].rsplit("_", 1)[0]  # the file's stem
    return found


def sentence(exc: BaseException, doing: str = "") -> str:
    """One sentence for a worker's failure: a mistake the framework caught (ValueError,
    LookupError) as it was worded; anything else with the plugin it came from and the exception."""
    text = str(exc).strip() or type(exc).__name__
    if isinstance(exc, ValueError | LookupError) and plugin_of(exc) is None:
        return text
    plugin = plugin_of(exc)
    where = f"the plugin {plugin!r} failed" if plugin else (doing or "the worker failed")
    return f"{where}: {type(exc).__name__}: {text}"


def _suspects(config: TrainConfig) -> str:
    return f"optimizer {config.optimizer!r}, activation {config.activation!r}"
