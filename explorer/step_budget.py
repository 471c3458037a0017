"""A time budget for one call into a plugin's code (an optimizer's step): an ``update()`` that
sleeps or loops is stopped after ``STEP_BUDGET_S`` and becomes that plugin's failure (its ball is
frozen with one sentence), instead of freezing the window or a command for good (issue 21). A
first step gets longer (``FIRST_STEP_BUDGET_S``): it may pay torch's lazy imports.

The budget is SIGALRM (``setitimer``): the only way Python has to stop code running on the main
thread, which is where the app's Landscape and the ``race`` / ``plugins`` / ``critical`` commands
step their balls. It stops Python code (a loop, ``time.sleep``); a C call that never returns
cannot be stopped in-process. Off the main thread, without SIGALRM (Windows), or while another
timer is running, the call runs unbudgeted, as before. The handler raises only while a budgeted
call is under way, so an alarm that lands just after the call returned changes nothing.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

STEP_BUDGET_S = 1.0  # one optimizer step on a 2-element ball takes microseconds
# a ball's first step (and making its optimizer) may be a process's first torch.optim step, which
# imports lazily: 1–2 s, more on a loaded machine
FIRST_STEP_BUDGET_S = 10.0


class OverBudget(Exception):
    """A plugin's call ran past its budget: the plugin's fault (never the user's Ctrl-C)."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"one step took longer than {seconds:g} s (a loop or a sleep?)")
        self.seconds = seconds


_inside: list[float] = []  # the budget of the call under way (empty: none)


def _expired(signum: int, frame: Any) -> None:
    if _inside:
        raise OverBudget(_inside[-1])


def _handler_ready() -> bool:
    """Whether SIGALRM comes to ``_expired``: it is installed once, the first time, where nobody
    else handles SIGALRM (outside a budget it does nothing), and left alone where someone does."""
    current = signal.getsignal(signal.SIGALRM)
    if current is _expired:
        return True
    if current not in (signal.SIG_DFL, None):
        return False
    try:
        signal.signal(signal.SIGALRM, _expired)
    except (ValueError, OSError):  # pragma: no cover - signals unavailable here
        return False
    return True


class budget:  # noqa: N801 - used as ``with budget():``, like contextlib's lower-case helpers
    """Run the block with at most ``STEP_BUDGET_S`` of wall time (``first``: a first step,
    ``FIRST_STEP_BUDGET_S``), else OverBudget is raised in it. A class, not a generator: the
    race enters one per ball per step (a few µs)."""

    __slots__ = ("first", "armed")

    def __init__(self, first: bool = False) -> None:
        self.first = first
        self.armed = False

    def __enter__(self) -> None:
        seconds = FIRST_STEP_BUDGET_S if self.first else STEP_BUDGET_S
        if (
            _CAN
            and not _inside
            and threading.get_ident() == _MAIN
            and signal.getitimer(signal.ITIMER_REAL)[0] == 0.0
            and _handler_ready()
        ):
            try:
                _inside.append(seconds)
                signal.setitimer(signal.ITIMER_REAL, seconds)
                self.armed = True
            except BaseException:  # Ctrl-C inside __enter__: no __exit__ follows, so disarm here
                _inside.clear()  # (else the alarm would land later, in code that is no step)
                signal.setitimer(signal.ITIMER_REAL, 0.0)
                raise

    def __exit__(self, *exc: object) -> None:
        if self.armed:
            _inside.clear()
            signal.setitimer(signal.ITIMER_REAL, 0.0)
            self.armed = False


def disarm() -> None:
    """No budget under way any more: for a caller that caught Ctrl-C, which may have landed
    between a budget's ``__enter__`` and its ``__exit__`` (an alarm then would strike the code
    that reports the interruption)."""
    if _inside and threading.get_ident() == _MAIN:
        _inside.clear()
        signal.setitimer(signal.ITIMER_REAL, 0.0)


_CAN = hasattr(signal, "setitimer")
_MAIN = threading.main_thread().ident
