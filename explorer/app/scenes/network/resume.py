"""A prepared run taken over by the teacher's Play or step: it goes on from the step the replay
showed, not from step 0.

A replay shows recorded snapshots while the lab's trainers wait at the setup's start. On Play or
a step the trainers first train the mini-batches the replay showed (one ``step`` command each);
runs are deterministic, so they arrive at the replayed weights bit for bit. Until they are there
the replay's last picture stays on screen, so the class never sees the run start over, and only
then is the teacher's Play or step carried out.

Why only then: a worker does not queue its commands, it applies each when it reads it. A
``pause`` while a ``step 24`` runs cancels the steps left, and a ``step`` or ``start`` while it
runs is ignored; the lab's step sends ``pause`` then ``step n``. Sent at once, the catch-up
stopped after one mini-batch, the replayed step was never reached and the lesson waiting for it
waited forever (the first attempt at this item hung its test exactly so).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from explorer.training import Snapshot, Trainer


class Resume:
    """The replay's last snapshots, shown while the trainers catch up with them."""

    def __init__(self) -> None:
        self.shown: list[Snapshot] | None = None  # None: not catching up
        self.at: list[int] = []  # the step each net must reach
        self.then: Callable[[], None] | None = None  # the teacher's Play or step, once there

    def begin(
        self,
        shown: Sequence[Snapshot] | None,
        trainers: Sequence[Trainer],
        then: Callable[[], None],
    ) -> bool:
        """The teacher's Play or step (``then``) during a replay (``shown``: its snapshots;
        ``trainers`` were just reset to the setup's start) or while the trainers still catch up
        with one (``shown`` None): True if it waits until they are there (the replayed steps
        sent now), False if it can be carried out at once."""
        if shown is None:
            if self.shown is None:
                return False
            self.then = then  # the newest wish; the catch-up goes on untouched
            return True
        at = [s.step for s in shown]
        if not any(at):
            return False
        self.shown, self.at, self.then = list(shown), at, then
        for trainer, n in zip(trainers, at, strict=False):
            if n > 0:
                trainer.step(n)
        return True

    def picture(self, snapshots: list[Snapshot]) -> list[Snapshot]:
        """What to show for the trainers' newest ``snapshots``: the replay's until every net has
        reached its step (or ended: an error, or a worker lost, is shown at once)."""
        if self.shown is None:
            return snapshots
        if all(
            s.step >= n or s.finished or s.state in ("error", "stopped")
            for s, n in zip(snapshots, self.at, strict=False)
        ):
            then, self.shown, self.then = self.then, None, None
            if then is not None and all(s.state not in ("error", "stopped") for s in snapshots):
                then()  # the teacher's Play or step (a lost worker is said instead)
            return snapshots
        return self.shown
