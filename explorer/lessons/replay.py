"""Recording a lesson's runs once (``lesson prepare``) and replaying them: the same numbers, the
same captions, the same ``expect`` verdicts, without computing anything.

``RecordingDriver`` wraps a scene's driver while a run plays headless and keeps a ``Frame`` each
time the driver's work is in after an action (``apply``, ``advance``, ``ask_hessian``).
``ReplayDriver`` serves those frames in the same order: the player asks it the same questions in
the same order as it asked the live driver (its choices depend only on the numbers it read), so
every number it reads is the live run's, bit for bit.

Only a scene whose driver says ``recorded = True`` and can redraw a recorded picture
(``Driver.state`` / ``show_state``) is replayed: the Network lab, whose runs take seconds to
minutes, and the Dropout scene (its live net and its 2^M-network ensembles: a recorded run puts
its setup in place without computing anything, ``apply_recorded``, and the teacher's first touch
rebuilds the live net where the replay was). The Landscape is not recorded: its race is
computed on the UI thread at microseconds a step and is deterministic already; what is slow
about it (a ``net:`` surface's training) has its own cache, which preparing the lesson fills by
applying the setup. The Activations scene is computed live: its ReLU net keeps a torch copy for
autograd's Jacobian, which a prepared file (no pickle) cannot hold.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from explorer.lessons.conditions import Condition
from explorer.lessons.lesson_file import Lesson, Step
from explorer.lessons.player import Driver, LessonPlayer, headless_driver
from explorer.lessons.prepared import Frame, PreparedStore, run_key
from explorer.lessons.scenes import LessonScene, by_name

if TYPE_CHECKING:
    from explorer.plugins import Registry


class RecordingDriver(Driver):
    """``live`` as it plays, with the frames it showed."""

    def __init__(self, live: Driver) -> None:
        super().__init__(live.model, owned=False)
        self.live = live
        self.scene, self.unit = live.scene, live.unit
        self.recorded, self.state_types = live.recorded, live.state_types
        self.frames: list[Frame] = []
        self._pending: int | None = None  # an action's units, waiting for its work to be in

    def _action(self, used: int) -> None:
        self._pending = used
        self.busy()

    def apply(self, setup: Any) -> None:
        self.live.apply(setup)
        self.frames = []
        self._action(0)

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        used = self.live.advance(budget, until, left)
        self._action(used)
        return used

    def ask_hessian(self) -> None:
        self.live.ask_hessian()
        self._action(0)

    def busy(self) -> bool:
        if self.live.busy():
            return True
        if self._pending is not None:
            used, self._pending = self._pending, None
            live = self.live
            self.frames.append(
                Frame(live.values(), live.progress(), live.finished(), used, live.state())
            )
        return False

    def values(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        return self.live.values(names)

    def progress(self) -> int:
        return self.live.progress()

    def finished(self) -> bool:
        return self.live.finished()

    def speed(self) -> float | None:
        return self.live.speed()

    def show(self, step: Step) -> None:
        self.live.show(step)

    def wait(self, timeout: float) -> None:
        self.live.wait(timeout)

    def close(self) -> None:
        self.live.close()


class ReplayDriver(Driver):
    """A prepared run's frames, served as its live driver served them, one frame per poll (the
    app polls once a frame: the run unrolls at 60 epochs a second, not in one jump). The scene
    is given the setup and each frame's picture state; once it no longer shows the replay (the
    teacher changed something) every question goes to the live driver. Past the last frame (a
    recording that does not fit how it is played) it says it has finished."""

    def __init__(
        self, live: Driver, frames: list[Frame], states: Sequence[Any] | None = None
    ) -> None:
        super().__init__(live.model, owned=False)
        self.live = live  # the scene's own driver: the one the teacher takes over
        self.scene, self.unit = live.scene, live.unit
        self.frames = frames
        # each frame's picture: read when its frame comes (``PreparedStore.open``), or the
        # frames' own ``state``
        self.states: Sequence[Any] = states if states is not None else [f.state for f in frames]
        self.at = 0
        self.overrun = False  # asked past the recording
        self._drawn = True  # the frame ``at`` has been polled once (shown for a frame)

    @property
    def taken_over(self) -> bool:
        """The teacher changed something: the scene computes live."""
        return bool(self.states) and self._state(0) is not None and not self.live.shows_state()

    def _next(self) -> Frame:
        if self.at + 1 < len(self.frames):
            self.at += 1
            self._show()
        else:
            self.overrun = True
        return self.frames[self.at]

    def _state(self, k: int) -> Any:
        """Frame ``k``'s picture (None: none recorded, or a picture that cannot be read: the
        replay ends at the frame before, as a recording that does not fit)."""
        try:
            return self.states[k]
        except ValueError:
            self.overrun = True
            return None

    def _show(self) -> None:
        self._drawn = False
        state = self._state(self.at)
        if state is not None:
            self.live.show_state(state)

    def apply(self, setup: Any) -> None:
        # the panels show the step's setup (the teacher changes it there), nothing computed
        self.at, self.overrun = 0, False
        self.live.apply_recorded(setup, self._state(0))
        self._drawn = False

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        if self.taken_over:
            return self.live.advance(budget, until, left)
        if self.overrun:
            return 0
        return self._next().used

    def ask_hessian(self) -> None:
        if self.taken_over:
            self.live.ask_hessian()
        else:
            self._next()

    def busy(self) -> bool:
        if self.taken_over:
            return self.live.busy()
        drawn, self._drawn = self._drawn, True
        return not drawn

    def wait(self, timeout: float) -> None:
        if self.taken_over:
            self.live.wait(timeout)
        self._drawn = True

    def values(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        if self.taken_over:
            return self.live.values(names)
        return dict(self.frames[self.at].values)

    def progress(self) -> int:
        return self.live.progress() if self.taken_over else self.frames[self.at].progress

    def finished(self) -> bool:
        if self.taken_over:
            return self.live.finished()
        return self.overrun or self.frames[self.at].finished

    def show(self, step: Step) -> None:
        self.live.show(step)

    def speed(self) -> float | None:
        return self.live.speed()

    def close(self) -> None:
        """The live driver is the player's to close."""


class Replays:
    """The prepared runs of ``store``, as a ``LessonPlayer`` asks for them."""

    def __init__(self, store: PreparedStore) -> None:
        self.store = store
        # key → its frames and pictures, read ahead (never None)
        self._read: dict[str, tuple[list[Frame], Sequence[Any] | None]] = {}
        self._reading: dict[str, threading.Thread] = {}

    def driver_for(self, player: LessonPlayer, start: int, live: Driver) -> Driver | None:
        """The replay of the run starting at ``start``, or None: not prepared (or its entry is
        not exactly this run's), or a scene that is always computed."""
        if not live.recorded:
            return None
        key = key_of(player, start)
        if key is None:
            return None
        reading = self._reading.pop(key, None)
        if reading is not None:  # read ahead, not done yet: its rest, not a second read
            reading.join()
        opened = self._read.get(key) or self.store.open(key, live.state_types)
        return ReplayDriver(live, *opened) if opened and opened[0] else None

    def warm(self, player: LessonPlayer, start: int, live: Driver) -> None:
        """Read the run starting at ``start`` in a thread while the teacher talks (its file and
        its digest: tens of milliseconds on a busy machine, not in a frame, not on →; each
        picture is decoded when its frame comes)."""
        key = key_of(player, start) if live.recorded else None
        if key is None or key in self._read or key in self._reading:
            return
        thread = threading.Thread(
            target=self._read_ahead,
            args=(key, live.state_types),
            daemon=True,
            name="dl-explorer-prepared",
        )
        self._reading[key] = thread
        thread.start()

    def _read_ahead(self, key: str, types: tuple[type, ...]) -> None:
        opened = self.store.open(key, types)
        if opened and opened[0]:  # not prepared yet: asked again on →, when the background
            self._read[key] = opened  # may have made it


# -- which runs, and their keys ----------------------------------------------------------------
def runs(player: LessonPlayer) -> list[tuple[int, list[int]]]:
    """Each run of the lesson: (the step that starts it, its steps)."""
    out: list[tuple[int, list[int]]] = []
    for k in range(len(player.steps)):
        s = player.run_start(k)
        if out and out[-1][0] == s:
            out[-1][1].append(k)
        else:
            out.append((s, [k]))
    return out


def key_of(player: LessonPlayer, start: int) -> str | None:
    """The cache key of the run starting at step ``start`` (None: a scene with no setup)."""
    from explorer import setups

    setup = player.setups.get(start)
    if setup is None:
        return None
    scene = player.steps[start].scene
    steps = [player.steps[k] for k in range(len(player.steps)) if _in_run(player, k, start)]
    return run_key(scene, setups.dumps(scene, setup), steps)


def _in_run(player: LessonPlayer, k: int, start: int) -> bool:
    return k >= start and player.run_start(k) == start


def prepare_lesson(
    lesson: Lesson,
    registry: Registry,
    scenes: Iterable[LessonScene],
    store: PreparedStore,
    timeout: float = 600.0,
    force: bool = False,
    first: int = 0,
    cancelled: Callable[[], bool] | None = None,
) -> tuple[int, int]:
    """Play every run of ``lesson`` that is not prepared yet and keep what it showed: the runs
    from step ``first`` (0-based) on first. Returns (runs recorded now, runs that were ready
    already). Unrecorded scenes (``recorded = False``) are still applied, so their own caches
    fill. ``cancelled``: asked between runs (a newer request in the background)."""
    rows = by_name(scenes)
    recorders: dict[str, RecordingDriver] = {}

    def make(scene: str) -> Driver:
        driver = headless_driver(rows[scene], registry)
        if not driver.recorded:
            return driver
        recorders[scene] = RecordingDriver(driver)
        return recorders[scene]

    player = LessonPlayer(
        lesson,
        make,
        lambda scene: rows[scene].setup_class() if scene in rows else None,
        registry,
    )
    made = ready = 0
    try:
        every = runs(player)
        later = [r for r in every if r[1][-1] >= first]
        for start, ks in later + [r for r in every if r not in later]:
            if cancelled is not None and cancelled():
                break
            key = key_of(player, start)
            recording = isinstance(player.live_driver(player.steps[start].scene), RecordingDriver)
            types = player.live_driver(player.steps[start].scene).state_types
            if key is not None and recording and not force and store.has(key, types):
                ready += 1
                continue
            for k in ks:
                player.go(k)
                while not player.poll(None):
                    player.queue[0][0].driver.wait(timeout)
            driver = player.driver(player.steps[start].scene)
            if key is not None and isinstance(driver, RecordingDriver):
                store.save(key, driver.frames)
                made += 1
        return made, ready
    finally:
        player.close()
        store.prune()  # the entries of older code go even when nothing new was written
