"""The pool: which worker processes may compute now, so that a few cores are not shared by every
net of every scene at once.

Each Network-lab net, each Dropout or Activations job lane and each Landscape build is a worker
process (``workers.start_lane``); with every scene open that made about five processes fighting
over two cores, and the scene on screen got a fifth of them. Now every process lane *joins* the
pool under an owner (the one its scene names, or else the scene shown when it started), and the
pool decides which lanes may go on. A scene names itself: a lesson puts the next step's setup
in place before its tab is shown, and a net B started then and counted as the shown scene's was
held for good once the lab was on screen (``relu-family`` step 4 never drew). The pool:

- the lanes of the scene on screen first (``focus``); then those of scenes that asked to go on
  behind their tab (``keep_going``: the Network lab, whose path the Landscape draws), while
  there is room; every other hidden scene's lanes are *held*;
- at most ``size`` lanes that have work (``lane.working()``) are let go at once: one per core,
  two at least (a side-by-side pair runs together);
- a held lane stops at its next word (its next command read, or its next message sent) and
  goes on from there once let go: nothing is lost, only delayed. A lane is held through a gate
  (an event shared with its process), never by a signal: a held worker still watches its parent
  and still ends when it is closed or killed, and a dead held worker is said in a sentence at
  once, as any other (its caller asks ``alive()``, which the pool never changes).

With no scene on screen (``focused`` "": a script, a test, the command line) nothing is held.
An idle lane of the scene on screen is let go even when ``size`` lanes work (it starts the
moment the scene gives it work; the next ``balance`` holds whatever is then over the size).
``balance()`` is cheap (a few lanes, an event set or cleared only when its verdict changes):
the app calls it every frame.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable
from typing import Any, Protocol


def pool_size(cores: int | None = None) -> int:
    """Lanes that may compute at once: one per core but the UI's, and two at least (a
    side-by-side pair, or the Activations scene's two nets, run together)."""
    cores = cores or os.cpu_count() or 2
    return max(2, cores - 1)


def threads_per_worker(cores: int | None = None) -> int:
    """Torch's intra-op threads for each worker: the cores the pool's lanes share, divided
    among them (1 on a machine of a few cores: more threads than cores only add switching)."""
    cores = cores or os.cpu_count() or 2
    return max(1, (cores - 1) // pool_size(cores))


class Gate(Protocol):
    """What holds a lane: an event its worker waits on (``multiprocessing`` or ``threading``)."""

    def set(self) -> None: ...

    def clear(self) -> None: ...

    def is_set(self) -> bool: ...


class _Member:
    def __init__(self, lane: Any, owner: str, gate: Gate, number: int, nice: int) -> None:
        self.lane = weakref.ref(lane)
        self.owner = owner
        self.nice = nice  # a lane at a lower priority (a lesson preparing ahead) comes after
        self.gate = gate
        self.number = number  # the order lanes joined in: earlier ones first within a scene


class Pool:
    """The lanes of every scene and which of them may compute (see the module's docstring)."""

    def __init__(self, size: int | None = None) -> None:
        self.size = size or pool_size()
        self.focused: str = ""  # the scene on screen ("": no app follows the pool, none held)
        self.background: set[str] = set()  # scenes whose work goes on behind their tab
        self._members: list[_Member] = []
        self._joined = 0
        self._lock = threading.Lock()

    def join(self, lane: Any, gate: Gate, owner: str | None = None, nice: int = 0) -> None:
        """Add ``lane`` (an object with ``alive()`` and, optionally, ``working()``), held by
        ``gate``, under ``owner`` (by default the scene on screen); within a scene, lanes of a
        lower priority (a higher ``nice``) come after the others."""
        with self._lock:
            self._joined += 1
            member = _Member(lane, owner or self.focused, gate, self._joined, nice)
            self._members.append(member)
        self.balance()

    def leave(self, lane: Any) -> None:
        """``lane`` is closing: let it go (a held worker must read its stop) and forget it."""
        with self._lock:
            for m in [m for m in self._members if m.lane() is lane]:
                m.gate.set()
                self._members.remove(m)
        self.balance()

    def focus(self, owner: str) -> None:
        """``owner`` is the scene on screen now: its lanes first, hidden ones held. Lanes that
        joined before any scene was shown (the first scene's own, started while it was built)
        become the first scene's: owned by no scene, they were held for good once one was."""
        with self._lock:
            if owner and not self.focused:
                for m in self._members:
                    m.owner = m.owner or owner
        self.focused = owner
        self.balance()

    def keep_going(self, owner: str, going: bool = True) -> None:
        """Let ``owner``'s lanes go on behind its tab while there is room (or not)."""
        (self.background.add if going else self.background.discard)(owner)
        self.balance()

    def verdicts(self) -> dict[Any, bool]:
        """Each live lane → whether it may go on (the pool's decision, without acting on it)."""
        with self._lock:
            self._members = [m for m in self._members if _alive(m.lane())]
            members = list(self._members)
        if not self.focused:  # no scene on screen (a script, a test, the command line)
            return {m.lane(): True for m in members}
        rank = {self.focused: 0} | dict.fromkeys(self.background - {self.focused}, 1)
        members.sort(key=lambda m: (rank.get(m.owner, 2), m.nice, m.number))
        verdict: dict[Any, bool] = {}
        working = 0
        for m in members:
            lane = m.lane()
            shown = m.owner == self.focused
            if rank.get(m.owner, 2) == 2:
                verdict[lane] = False  # a hidden scene that did not ask to go on
            elif _working(lane):
                verdict[lane] = working < self.size
                working += verdict[lane]
            else:
                verdict[lane] = shown  # idle: costs nothing, starts at once when given work
        return verdict

    def balance(self) -> None:
        """Act on ``verdicts``: open the gates of the lanes that may go on, close the others."""
        verdict = self.verdicts()
        with self._lock:
            for m in self._members:
                go = verdict.get(m.lane(), True)
                if go != m.gate.is_set():
                    (m.gate.set if go else m.gate.clear)()

    def running(self) -> int:
        """How many lanes with work are let go now (never more than ``size``)."""
        with self._lock:
            members = list(self._members)
        return sum(1 for m in members if m.gate.is_set() and _working(m.lane()))


def _alive(lane: Any) -> bool:
    return lane is not None and bool(lane.alive())


def _working(lane: Any) -> bool:
    working: Callable[[], bool] | None = getattr(lane, "working", None)
    return True if working is None else bool(working())


POOL = Pool()  # the app's one pool: every process lane joins it
