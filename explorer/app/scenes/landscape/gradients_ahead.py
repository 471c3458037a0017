"""A slow surface's next race step, computed on a helper thread while frames are drawn.

On a real net's loss (~20 ms a step for six balls on the digits net) the race's gradients would
cost the frame; torch lets go of the GIL, so one helper thread computes them while the app draws,
and the race steps with them on the frame after they are ready: the same numbers as stepping
directly, bit for bit (the step's random numbers are drawn on the race's thread, ``Race.draws``).
This is the one place that knows the thread: going through another worker mechanism later
changes this class only.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor

from explorer.landscape.race import Race


class GradientsAhead:
    def __init__(self) -> None:
        self._pool: ThreadPoolExecutor | None = None  # made the first time a step is asked for
        # ((id(race), step), future) of the gradients being computed, or None
        self.pending: tuple[tuple[int, int], Future] | None = None

    def ready(self, race: Race) -> bool:
        """The gradients for ``race``'s current step are computed (``take`` them)."""
        pending = self.pending
        return pending is not None and pending[0] == (id(race), race.t) and pending[1].done()

    def take(self):
        """The computed gradients (or the exception computing them gave): ``Race.step_with``'s
        argument. Only after ``ready``."""
        computed = self.pending[1].result()
        self.pending = None
        return computed

    def compute(self, race: Race) -> None:
        """Start computing ``race``'s next step, unless it is already being computed (an answer
        for a step the race has left, e.g. after a restart, is never taken)."""
        key = (id(race), race.t)
        if self.pending is not None and self.pending[0] == key:
            return
        if self._pool is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="race-gradients")
        P, draws = race.positions[-1].copy(), race.draws()  # the generator stays here
        self.pending = (key, self._pool.submit(race.gradients_at, P, draws))

    def close(self) -> None:
        """Stop the thread (waiting for a step under way) and forget what it was computing."""
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)
        self._pool, self.pending = None, None
