"""Leaving the app in a second or two, however it is asked to: the window's close button, Ctrl+Q,
Ctrl+C in the terminal or SIGTERM.

A signal is a request to quit, answered like the close button: the loop ends after the frame it
interrupts (``quit_on_signals``), so no half-made change is left behind; a second Ctrl+C (or
SIGTERM) while the app is still busy goes to the handler that was there before, which ends it at
once. Then every scene is told to stop its workers at the same time (``close_scenes``): before,
they stopped one after another, each worker asked and waited on for up to 2 s and then ended, so
the app took 4–18 s to go with a few workers running. Workers hold nothing that is not written
already (every file goes through one atomic write), so one still alive after the budget is
ended.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
import threading
import time
from collections.abc import Callable, Iterator

CLOSE_BUDGET_S = 1.0  # how long the scenes have to stop their workers together (a save_path
# under way is written by then; a stopped worker only publishes its last snapshot)
END_GRACE_S = 0.5  # a worker still running after that is terminated, then killed after this


class QuitRequest:
    """What a signal calls: ends the app's loop, or, before there is one, the start-up right after
    the app is built (``follow(app)``)."""

    def __init__(self) -> None:
        self.asked = False
        self.app = None

    def __call__(self) -> None:
        self.asked = True
        if self.app is not None:
            self.app.quit()

    def follow(self, app) -> None:
        self.app = app
        if self.asked:
            app.quit()


@contextlib.contextmanager
def quit_on_signals(quit: Callable[[], None]) -> Iterator[None]:
    """Within this block the first SIGINT or SIGTERM calls ``quit()`` (the loop's own way out); a
    second one goes to the handler that was there before (Ctrl+C: KeyboardInterrupt). Only the
    main thread can set handlers: elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    asked: list[int] = []
    previous: dict[int, object] = {}

    def handler(signum: int, frame) -> None:
        if not asked:
            asked.append(signum)
            quit()
            return
        before = previous.get(signum)
        if callable(before):
            before(signum, frame)
        elif signum == signal.SIGINT:
            raise KeyboardInterrupt
        else:
            raise SystemExit(128 + signum)

    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):
            previous[sig] = signal.signal(sig, handler)
    try:
        yield
    finally:
        for sig, before in previous.items():
            with contextlib.suppress(ValueError, OSError, TypeError):
                signal.signal(sig, before if before is not None else signal.SIG_DFL)  # type: ignore[arg-type]


def close_scenes(scenes, budget_s: float = CLOSE_BUDGET_S) -> None:
    """Close ``scenes`` (each stops its own workers) all at once, waiting ``budget_s`` at most for
    all of them together; then end whatever worker process is still running."""
    threads = []
    for scene in scenes:
        thread = threading.Thread(
            target=_close, args=(scene,), daemon=True, name="dl-explorer-close"
        )
        thread.start()
        threads.append(thread)
    deadline = time.monotonic() + budget_s
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    end_workers(END_GRACE_S)


def _close(scene) -> None:
    with contextlib.suppress(Exception):  # one scene that cannot close must not keep the others
        scene.close()


def end_workers(grace_s: float = END_GRACE_S) -> None:
    """Terminate every worker process of this process still alive, and kill one that is still
    there ``grace_s`` later (one blocked in plugin code does not answer SIGTERM)."""
    children = multiprocessing.active_children()
    for child in children:
        with contextlib.suppress(Exception):
            child.terminate()
    deadline = time.monotonic() + grace_s
    for child in children:
        with contextlib.suppress(Exception):
            child.join(max(0.0, deadline - time.monotonic()))
            if child.is_alive():
                child.kill()
                child.join(0.5)
