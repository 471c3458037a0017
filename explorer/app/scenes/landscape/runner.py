"""Playing the race in model time: how many steps each frame takes (the speed asked for, within
the frame's budget), where a run pauses, and a slow surface's steps computed ahead.

The model hands the runner each new race (``begin``); the runner steps it and says what happened
(a ball moving again, the race stopping) through the model's ``notify``.
"""

from __future__ import annotations

from collections.abc import Callable

from explorer.app.scenes.landscape.gradients_ahead import GradientsAhead
from explorer.app.scenes.landscape.landscape_setup import RUN_LENGTH
from explorer.app.ui.i18n import t
from explorer.landscape.grid_jobs import is_slow
from explorer.landscape.race import Race

MAX_STEPS = 200_000
SIM_BUDGET_S = 0.006  # simulation time allowed per update, whatever speed is asked for
MAX_STEPS_PER_UPDATE = 400


class RaceRunner:
    def __init__(
        self, notify: Callable[..., None], timer: Callable[[], float], ahead: bool
    ) -> None:
        self.notify = notify
        self.timer = timer
        # a slow surface's race steps computed on a helper thread (the app; headless rendering
        # and tests step in the frame, so the same frames show the same steps)
        self.ahead = ahead
        self.gradients = GradientsAhead()
        self.race: Race
        self.playing = False
        self.horizon = RUN_LENGTH
        self.step_cost = 5e-4  # seconds per race step, measured as it runs
        self.rate = 0.0  # steps per second actually achieved
        self._owed = 0.0

    def begin(self, race: Race) -> None:
        """Run ``race`` from now on (a new surface, a new set of balls)."""
        self.race = race
        self.restarted()

    def restarted(self) -> None:
        """The race went back to its start: a full run ahead, no steps owed."""
        self.horizon = RUN_LENGTH
        self._owed = 0.0

    @property
    def stepping_ahead(self) -> bool:
        """The race's gradients come from a helper thread (a slow surface in the app)."""
        return self.ahead and is_slow(self.race.surface)

    def any_running(self) -> bool:
        return any(b.status.active for b in self.race.balls)

    # -- playing ------------------------------------------------------------------------------
    def play(self) -> None:
        if not self.race.balls:
            self.notify(t("landscape.tick_one"))
            return
        if not self.any_running():
            self.notify(t("landscape.all_stopped_hint"))
            return
        if self.race.t >= self.horizon:
            self.horizon = self.race.t + RUN_LENGTH
        self.playing = True

    def pause(self) -> None:
        self.playing = False
        self._owed = 0.0

    def advance(self, dt: float, speed: float, run_steps: Callable[[int], int]) -> int:
        """Steps for ``dt`` seconds at ``speed`` steps a second, taken by ``run_steps`` (the
        model's, which a benchmark wraps to time the simulation); returns the steps taken."""
        if not self.playing:
            self.rate *= 0.9
            return 0
        self._owed += speed * dt
        n = int(self._owed)
        self._owed -= n
        cap = max(1, min(MAX_STEPS_PER_UPDATE, int(SIM_BUDGET_S / max(self.step_cost, 1e-6))))
        if n > cap:  # more than fits in the frame: run slower than asked instead of stuttering
            n, self._owed = cap, 0.0
        race = self.race
        n = min(n, self.horizon - race.t, MAX_STEPS - race.t)
        done = run_steps(n) if n > 0 else 0
        self.rate = 0.9 * self.rate + 0.1 * (done / dt if dt > 0 else 0.0)
        if self.race.t >= self.horizon or self.race.t >= MAX_STEPS:
            self.pause()
            if self.race.t < MAX_STEPS:
                self.notify(
                    t("landscape.paused_after", steps=self.race.t, more=RUN_LENGTH), of_race=True
                )
        elif not self.any_running():
            self.pause()
            self.notify(t("landscape.all_stopped"), of_race=True)
        return done

    # -- stepping -----------------------------------------------------------------------------
    def run_steps(self, n: int) -> int:
        """``n`` steps here and now, timed (the frame's budget follows the measured cost); on a
        slow surface in the app, at most the one step whose gradients are ready."""
        if self.stepping_ahead:
            return self._step_ahead()
        t0, before = self.timer(), self.race.t
        moved = [b.moved_again_at for b in self.race.balls]
        try:
            self.race.step(n)
        except Exception as exc:  # noqa: BLE001 - e.g. a surface plugin failing mid-race
            self.pause()
            self.notify(f"the race stopped: {type(exc).__name__}: {exc}", "error", 10)
        done = self.race.t - before
        self._say_moving_again(moved)
        if done > 0:
            per_step = (self.timer() - t0) / done
            self.step_cost = 0.8 * self.step_cost + 0.2 * per_step
        return done

    def _step_ahead(self) -> int:
        """The step whose gradients the helper thread has ready, if any (one a frame at most),
        then the next one handed to it: the same numbers as stepping here."""
        race, done = self.race, 0
        if self.gradients.ready(race):
            before = race.t
            moved = [b.moved_again_at for b in race.balls]
            try:
                race.step_with(self.gradients.take())
            except Exception as exc:  # noqa: BLE001 - e.g. a surface plugin failing mid-race
                self.pause()
                self.notify(f"the race stopped: {type(exc).__name__}: {exc}", "error", 10)
            done = race.t - before
            self._say_moving_again(moved)
        if self.any_running():
            self.gradients.compute(race)
        return done

    def _say_moving_again(self, before: list) -> None:
        """A notice for each ball that started moving again in the steps just taken (once a
        run: it may flap); ``before``: each ball's ``moved_again_at`` before them."""
        for ball, was in zip(self.race.balls, before, strict=True):
            if was is None and ball.moved_again_at is not None:
                self.notify(
                    t(
                        "landscape.moving_again",
                        name=ball.label,
                        step=ball.moved_again_at,
                        settled=ball.converged_at,
                    ),
                    of_race=True,
                )

    def close(self) -> None:
        self.gradients.close()
