"""How the Network lab hands out training steps: none while one net runs free at full speed (its
worker trains on its own), else in the frame (``Pacer.hand_out``): steps asked for by hand, a set
speed's steps as they fall due, and side by side (lockstep) chunks of the same number of steps
to each net, the next only once both are done with the last one."""

from __future__ import annotations

import time

from explorer.training import Snapshot, Trainer

CHUNK_S = 0.1  # side by side at full speed: each lockstep chunk aims at this long


class Pacer:
    def __init__(self) -> None:
        self.chunk = 1  # lockstep steps per chunk
        self.chunk_sent = 0.0
        self.manual = 0  # lockstep: steps asked for by hand, not yet handed out
        self.budget = 0.0  # a set speed: steps due, not yet handed out

    def restart(self) -> None:
        """The runs restarted: chunks start small again, no step asked for is pending."""
        self.chunk, self.manual = 1, 0

    def hand_out(
        self,
        pairs: list[tuple[Trainer, Snapshot]],
        playing: bool,
        speed: float | None,
        lockstep: bool,
        dt: float,
    ) -> None:
        """Hand ``pairs`` (each net still training, its newest snapshot) what is due after
        ``dt`` seconds; a net still busy with its last steps is handed none yet (frames never
        wait on a worker)."""
        ready = all(s.ack >= t.sent and s.state in ("idle", "paused") for t, s in pairs)
        if self.manual and ready:
            for t, _ in pairs:
                t.step(self.manual)
            self.manual = 0
        if not playing or (speed is None and not lockstep):
            return
        if speed is None:  # lockstep at full speed: chunks sized to about CHUNK_S each
            if ready and pairs:
                now = time.perf_counter()
                if self.chunk_sent:
                    took = max(now - self.chunk_sent, 1e-3)
                    self.chunk = int(
                        min(max(self.chunk * min(max(CHUNK_S / took, 0.5), 2.0), 1), 1000)
                    )
                self.chunk_sent = now
                for t, _ in pairs:
                    t.step(self.chunk)
            return
        # at most a quarter second of steps waits: a trainer that lags drops steps, not frames
        self.budget = min(self.budget + dt * speed, max(1.0, 0.25 * speed))
        due = int(self.budget)
        if due < 1 or not ready:
            return
        self.budget -= due
        for t, _ in pairs:
            t.step(due)
