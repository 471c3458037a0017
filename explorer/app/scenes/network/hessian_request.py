"""The "Hessian here" request of the Network lab, without pygame: asked of every net once each
is still, answered by each worker at the step its run shows, put into words once."""

from __future__ import annotations

from collections.abc import Sequence

from explorer.app.scenes.network.readouts import hessian_sentence
from explorer.training import Snapshot, Trainer


class HessianRequest:
    """One request for the Hessian of each net's training loss at its weights now. ``wanted``
    (set by the lab, which pauses first) is sent once each net has done what it was told (a
    lockstep chunk under way ends first), so the answer is at the step the run shows."""

    def __init__(self) -> None:
        self.wanted = False  # pressed, not yet sent
        self.asked: list[int] = []  # per trainer: the command number that asked
        self.told: set = set()  # answers already put into words

    def clear(self) -> None:
        """The runs restarted: nothing is asked any more."""
        self.wanted, self.asked = False, []

    def busy(self, trainers: Sequence[Trainer], snapshots: Sequence[Snapshot]) -> bool:
        """Asked and not yet answered (by a net whose worker is alive)."""
        if self.wanted:
            return True
        for t, s, asked in zip(trainers, snapshots, self.asked, strict=False):
            if t.alive and (s.ack < asked or (s.hessian or {}).get("computing")):
                return True
        return False

    def update(
        self, trainers: Sequence[Trainer], snapshots: Sequence[Snapshot], version: int
    ) -> tuple[str, str] | None:
        """Send the request once every net is still; once every answer is in, what to say (the
        text and its kind, "info" or "error"), once per answer."""
        pairs = list(zip(trainers, snapshots, strict=False))
        if self.wanted and all(
            not t.alive or (s.ack >= t.sent and s.state not in ("running", "starting"))
            for t, s in pairs
        ):
            self.wanted = False
            for t, _ in pairs:
                t.hessian()
            self.asked = [t.sent for t, _ in pairs]
        if not self.asked or self.busy(trainers, snapshots):
            return None
        answers = [s.hessian for s in snapshots]
        key = (version, tuple(repr(a) for a in answers))
        if key in self.told:
            return None
        self.told = {key}
        errors = [a["error"] for a in answers if a and "error" in a]
        if errors:
            return errors[0], "error"
        names = ["A", "B"] if len(answers) > 1 else [""]
        said = [hessian_sentence(a, n) for a, n in zip(answers, names, strict=False) if a]
        return ("\n".join(said), "info") if said else None
