"""A time budget for one call into a plugin's code (an optimizer's step): an ``update()`` that
sleeps or loops is stopped after ``STEP_BUDGET_S`` and becomes that plugin's failure (its ball is
frozen with one sentence), instead of freezing the window or a command for good (issue 21). A
first step gets longer (``FIRST_STEP_BUDGET_S``): torch warms up on its first calls.

The budget is SIGALRM (``setitimer``): the only way Python has to stop code running on the main
thread, which is where the app's Landscape and the ``race`` / ``plugins`` / ``critical`` commands
step their balls. It stops Python code (a loop, ``time.sleep``); a C call that never returns
cannot be stopped in-process. Off the main thread, without SIGALRM (Windows), or while another
timer is running, the call runs unbudgeted, as before. The handler raises only while a budgeted
call is under way, so an alarm that lands just after the call returned changes nothing.

Time spent importing is not the plugin's: a step that imports a module for the first time (torch
imports lazily: torch._dynamo on a first optimizer step takes seconds, tens of seconds on a loaded
machine) has the clock stopped from the import's start until it ends (within ``IMPORT_POLL_S``),
so a healthy ball no longer freezes at step 0 on a busy machine.

Many calls in a row (a race's steps: one per ball, or one per stacked group, per step) share one
timer inside ``clock()``: a call then costs a clock read instead of three system calls, because
the timer is set again only when less than the call's budget is left, to ``1 + SLACK`` budgets.
Each call still gets at least its budget, and is stopped before ``1 + SLACK`` of it.
"""

from __future__ import annotations

import signal
import sys
import threading
from time import perf_counter
from types import FrameType
from typing import Any

STEP_BUDGET_S = 1.0  # one optimizer step on a 2-element ball takes microseconds
# a ball's first step (and making its optimizer) is a process's first use of torch's operations,
# which warm up (their imports are not counted: see above)
FIRST_STEP_BUDGET_S = 10.0
SLACK = 0.25  # inside a clock, a call is stopped after between 1 and 1 + SLACK budgets
IMPORT_POLL_S = 0.05  # while an import runs, the timer looks this often whether it has ended
IMPORT_CREDIT_S = 600.0  # the most import time one call is not charged for (then it counts)


class OverBudget(Exception):
    """A plugin's call ran past its budget: the plugin's fault (never the user's Ctrl-C)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"one step took longer than {seconds:g} s (a loop or a sleep?)")
        self.seconds = seconds


class _Timer:
    """The one timer's bookkeeping (main thread only)."""

    __slots__ = ("inside", "deadline", "paused", "credit", "clocks")

    def __init__(self) -> None:
        self.inside: list[float] = []  # the budget of the call under way (empty: none)
        self.deadline = 0.0  # perf_counter() when the timer goes off; 0: not set
        self.paused: float | None = None  # the budget left when an import began (None: none)
        self.credit = 0.0  # import time not charged to the call under way
        self.clocks = 0  # open ``clock()`` blocks (the timer is theirs while > 0)

    def arm(self, seconds: float) -> None:
        self.deadline = perf_counter() + seconds
        signal.setitimer(signal.ITIMER_REAL, seconds)

    def stop(self) -> None:
        self.inside.clear()
        self.deadline, self.paused = 0.0, None
        signal.setitimer(signal.ITIMER_REAL, 0.0)


_timer = _Timer()


def _importing(frame: FrameType | None) -> bool:
    """Whether the code the alarm interrupted is importing a module."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _expired(signum: int, frame: Any) -> None:
    timer = _timer
    if not timer.inside:  # between two calls of a clock: nothing to stop, set again by the next
        timer.deadline, timer.paused = 0.0, None
        return
    if timer.credit < IMPORT_CREDIT_S and _importing(frame):
        if timer.paused is None:  # an import the finder did not see: it gets a whole budget after
            timer.paused = timer.inside[-1]
        timer.credit += IMPORT_POLL_S
        timer.arm(IMPORT_POLL_S)
        return
    if timer.paused is not None:  # the import has ended: what was left when it began
        left, timer.paused = timer.paused, None
        timer.arm(max(left, 1e-3))
        return
    raise OverBudget(timer.inside[-1])


class _ImportStartsClock:
    """A meta-path finder that finds nothing: it stops a running budget's clock when an import
    begins (``_expired`` starts it again once the import has ended)."""

    @staticmethod
    def find_spec(name: str, path: Any = None, target: Any = None) -> None:
        timer = _timer
        if (
            timer.inside
            and timer.paused is None
            and timer.deadline
            and (timer.credit < IMPORT_CREDIT_S and threading.get_ident() == _MAIN)
        ):
            timer.paused = timer.deadline - perf_counter()
            timer.credit += IMPORT_POLL_S
            timer.arm(IMPORT_POLL_S)
        return None


def _handler_ready() -> bool:
    """Whether SIGALRM comes to ``_expired``: it is installed once, the first time, where nobody
    else handles SIGALRM (outside a budget it does nothing), and left alone where someone does.
    The import finder goes in with it."""
    current = signal.getsignal(signal.SIGALRM)
    if current is _expired:
        return True
    if current not in (signal.SIG_DFL, None):
        return False
    try:
        signal.signal(signal.SIGALRM, _expired)
    except (ValueError, OSError):  # pragma: no cover - signals unavailable here
        return False
    if not any(isinstance(f, _ImportStartsClock) for f in sys.meta_path):
        sys.meta_path.insert(0, _ImportStartsClock())
    return True


def _timer_free() -> bool:
    """Whether this thread may set the timer now: the main thread, nobody else's timer running."""
    return (
        _CAN
        and threading.get_ident() == _MAIN
        and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
        and _handler_ready()
    )


class clock:  # noqa: N801 - used as ``with clock():``, like contextlib's lower-case helpers
    """Budgeted calls inside the block share one timer (see the module's note): a race's
    ``step(n)``. Outside the main thread, or where the timer is taken, the block changes nothing
    and each call is on its own, as without it."""

    __slots__ = ("opened",)

    def __init__(self) -> None:
        self.opened = False

    def __enter__(self) -> None:
        timer = _timer
        if timer.clocks:
            if threading.get_ident() == _MAIN:
                timer.clocks += 1
                self.opened = True
        elif not timer.inside and _timer_free():
            timer.clocks = 1
            self.opened = True

    def __exit__(self, *exc: object) -> None:
        if self.opened:
            self.opened = False
            if _timer.clocks > 1:
                _timer.clocks -= 1
            elif _timer.clocks == 1:  # (0: ``disarm`` closed every clock already)
                _timer.clocks = 0
                _timer.stop()


class budget:  # noqa: N801 - used as ``with budget():``, like contextlib's lower-case helpers
    """Run the block with at most ``STEP_BUDGET_S`` of wall time (``first``: a first step,
    ``FIRST_STEP_BUDGET_S``), else OverBudget is raised in it. A class, not a generator: the
    race enters one per ball per step (under a microsecond inside a ``clock``)."""

    __slots__ = ("first", "armed", "own")

    def __init__(self, first: bool = False) -> None:
        self.first = first
        self.armed = False
        self.own = False  # the timer is this call's alone (no clock): stopped when it ends

    def __enter__(self) -> None:
        timer = _timer
        if timer.inside:  # inside another budgeted call: its budget stands
            return
        seconds = FIRST_STEP_BUDGET_S if self.first else STEP_BUDGET_S
        if timer.clocks:
            if threading.get_ident() != _MAIN:
                return
            try:
                timer.inside.append(seconds)
                self.armed = True
                timer.credit = 0.0
                left = timer.deadline - perf_counter()
                if timer.paused is not None or not seconds <= left <= seconds * (1 + SLACK):
                    timer.paused = None
                    timer.arm(seconds * (1 + SLACK))
            except BaseException:  # Ctrl-C inside __enter__: no __exit__ follows
                timer.inside.clear()
                self.armed = False
                raise
        elif _timer_free():
            try:
                timer.inside.append(seconds)
                timer.credit = 0.0
                timer.arm(seconds)
                self.armed = self.own = True
            except BaseException:  # Ctrl-C inside __enter__: no __exit__ follows, so disarm here
                timer.stop()  # (else the alarm would land later, in code that is no step)
                self.armed = self.own = False
                raise

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            self.armed = False
            if self.own:
                self.own = False
                _timer.stop()
            else:
                _timer.inside.clear()


def disarm() -> None:
    """No budget under way any more: for a caller that caught Ctrl-C, which may have landed
    between a budget's ``__enter__`` and its ``__exit__`` (an alarm then would strike the code
    that reports the interruption)."""
    if (_timer.inside or _timer.clocks) and threading.get_ident() == _MAIN:
        _timer.clocks = 0
        _timer.stop()


_CAN = hasattr(signal, "setitimer")
_MAIN = threading.main_thread().ident
