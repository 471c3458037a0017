"""How a lesson drives the Network lab: paused, mini-batches sent to its trainers up to the end
of an epoch (or a few at a time when ``until`` reads the step count); ``busy`` until their
snapshots are in."""

from __future__ import annotations

from typing import Any

from explorer.lessons.conditions import Condition
from explorer.lessons.player import Driver
from explorer.training.function_view import FunctionView
from explorer.training.neuron_maps import NeuronMaps
from explorer.training.snapshot import EpochRecord, LayerProbe, Snapshot

CHECK_EVERY_STEPS = 10  # mini-batches between checks of an ``until`` that reads step


class NetworkDriver(Driver):
    scene = "network"
    unit = "epochs"
    recorded = True  # a prepared run replays its snapshots (``lesson prepare``)
    state_types = (Snapshot, EpochRecord, LayerProbe, FunctionView, NeuronMaps)

    def state(self) -> Any:
        return list(self.model.snapshots)

    def show_state(self, state: Any) -> None:
        self.model.show_recorded(state)

    def shows_state(self) -> bool:
        return self.model.recorded is not None

    def apply(self, setup) -> None:
        self.model.apply(setup)
        self.model.pause()

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts()

    def progress(self) -> int:
        return int(self.model.snapshots[0].epoch) if self.model.snapshots else 0

    def finished(self) -> bool:
        return all(s.finished for s in self.model.snapshots)

    def ask_hessian(self) -> None:
        """The Hessian of the training loss at the weights now (the lab's "Hessian here")."""
        self.model.ask_hessian()

    def pictured(self) -> bool:
        """Every net of the step's run is on screen: its worker has built it and sent a first
        snapshot (``bench lesson``'s "first picture"; ``busy`` stays True while the step's
        epochs run, which a long step's first picture need not wait for)."""
        m = self.model
        m.update(0.0)
        return bool(m.snapshots) and all(
            s.state != "starting" and bool(s.sizes) for s in m.snapshots
        )

    def busy(self) -> bool:
        m = self.model
        m.update(0.0)  # read the newest snapshots (never waits)
        if m.hessian_busy():
            return True
        return not m.settled()

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        """Mini-batches up to the end of the epoch (or ``CHECK_EVERY_STEPS`` when ``until``
        reads the step count), sent to every net; the numbers come when ``busy`` is False."""
        snap = self.model.snapshots[0]
        per_epoch = max(1, snap.steps_per_epoch or 1)
        n = per_epoch - (snap.step - snap.epoch * per_epoch) if snap.steps_per_epoch else 1
        if until is not None and until.names & {"step", "b.step"}:
            n = min(n, CHECK_EVERY_STEPS)
        self.model.step(max(1, n))
        return 1

    def wait(self, timeout: float) -> None:
        self.model.wait(timeout)
