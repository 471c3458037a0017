"""Playing a lesson, without pygame: setups applied, the scene advanced until a step is done, and
its ``expect`` conditions checked.

How a lesson runs:

- A step with a ``setup`` (or the first step of a scene after another scene) *starts a run*: the
  scene gets its defaults + every earlier step's overrides for that scene + this step's,
  applied through the model's ``apply`` (the seed is part of it). A step without a setup goes on
  from where the previous step left the scene.
- So the state shown at step k is always the same: the run's setup, then the advance of every
  step of the run before k, then k's own. Going back, jumping, or R (replay) rebuild it exactly
  that way (same seed, same numbers); the earlier steps are *caught up* as fast as the machine
  goes.
- A step advances until ``until`` holds, or ``limit`` units (Landscape: race steps; Network lab:
  epochs) have passed, or nothing more will change; no ``until`` and no ``limit``: it shows the
  state as it is. Then ``expect`` is checked; a false one is a ``Failure`` (one sentence with the
  numbers filled in), never an exception.

A *driver* adapts one scene's model: each scene package has its own (``driver.py``), and reaches
the player through the table of scenes the caller passes (``explorer.lessons.scenes``): lessons
import nothing of the app. The app hands a driver the scene's own model; the headless player
builds one. The Landscape advances synchronously (``budget`` race steps per call), the Network
lab and the job scenes asynchronously (work sent to workers; ``busy`` until it is applied).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from explorer.lessons.captions import fill
from explorer.lessons.conditions import Condition, ConditionError
from explorer.lessons.lesson_file import Lesson, LessonError, Step
from explorer.lessons.run_setups import typed_setups
from explorer.lessons.scenes import LessonScene, by_name
from explorer.pieces import in_thread

if TYPE_CHECKING:
    from explorer.plugins import Registry


@dataclass(frozen=True)
class Failure:
    """An ``expect`` that did not hold (or could not be read) when its step was done."""

    step: int  # 1-based
    condition: str
    sentence: str
    checked: bool = True  # False: a number it reads was not there (the scene has no such number)


class SceneMissing(LessonError):
    """A step on a scene a lesson cannot play (the scene has no lesson driver)."""


# -- drivers -----------------------------------------------------------------------------------
class Driver:
    """One scene's model as a lesson drives it (each scene's own subclass is in its package's
    ``driver.py``). This base shows the scene as it is: its setup applied, its ``readouts()``,
    nothing advanced."""

    scene = ""
    unit = "steps"
    # a prepared lesson replays what it showed: its numbers and its picture (``state``); a scene
    # that cannot redraw a recorded picture is always computed (numbers alone would be false)
    recorded = False

    def __init__(self, model: Any, owned: bool = False) -> None:
        self.model = model
        self.owned = owned  # built for the lesson (headless): closed with it

    def speed(self) -> float | None:
        """Units a second a shown step advances at in the app (the Landscape's race speed);
        None: as fast as its work comes back."""
        return None

    def apply(self, setup: Any) -> None:
        """Put a whole setup in place (the model checks it: all or nothing)."""
        if setup is not None and self.model is not None:
            self.model.apply(setup)

    def values(self, names: Iterable[str] | None = None) -> dict[str, Any]:
        return dict(self.model.readouts()) if self.model is not None else {}

    def progress(self) -> int:
        """Units done since the run began (what ``limit`` counts)."""
        return 0

    def finished(self) -> bool:
        """Nothing more will change however long it runs."""
        return True

    def busy(self) -> bool:
        """Work sent but not applied yet (its numbers are not in)."""
        return False

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        """Start (or do) some work; returns the units of ``budget`` used."""
        return 0

    def wait(self, timeout: float) -> None:
        """Block until ``busy`` is False (headless play)."""

    def show(self, step: Step) -> None:
        """What a step shows besides its setup (the Landscape's Hessian inspector)."""

    def ask_hessian(self) -> None:
        """A ``hessian`` step's question, once its run is done (the Network lab answers it)."""

    def warm(self, setup: Any) -> None:
        """Prepare ahead for ``setup`` (the next step's), where the scene can (its driver says
        how); by default nothing."""

    # -- a prepared run (``replay``) -----------------------------------------------------------
    state_types: tuple[type, ...] = ()  # the classes ``state`` holds (a prepared file: no other)

    def state(self) -> Any:
        """What the scene draws now, recorded with each frame of a prepared run (None: its
        picture is computed live, only its numbers are replayed)."""
        return None

    def show_state(self, state: Any) -> None:
        """Draw a recorded ``state`` instead of computing it."""

    def apply_recorded(self, setup: Any, state: Any) -> None:
        """A prepared run begins: its ``setup`` in place and its first recorded ``state`` drawn.
        A scene that can put a setup in place without computing it says so here."""
        self.apply(setup)
        if state is not None:
            self.show_state(state)

    def shows_state(self) -> bool:
        """The scene still shows what ``show_state`` gave it (False: the teacher changed
        something, and it computes live again)."""
        return True

    def close(self) -> None:
        if self.owned and self.model is not None:
            self.model.close()


def holds(cond: Condition, values: Mapping[str, Any]) -> bool:
    try:
        return cond(values)
    except (ConditionError, ArithmeticError, TypeError, ValueError):
        return False


# -- a step's advance --------------------------------------------------------------------------
class StepRun:
    """One step's advance on its driver: ``poll(budget)`` until ``done``."""

    def __init__(self, index: int, step: Step, driver: Driver) -> None:
        self.index = index  # 0-based
        self.step = step
        self.driver = driver
        self.start: int | None = None  # progress when the run began (after the runs before it)
        self.done = False  # a step without until or limit is done once its scene's work is in
        self.hessian_asked = False  # a ``hessian`` step: asked once its run is done

    def left(self) -> int | None:
        if self.step.limit is None:
            return None
        start = self.driver.progress() if self.start is None else self.start
        return max(0, self.step.limit - (self.driver.progress() - start))

    def poll(self, budget: int | None = None) -> bool:
        """Do up to ``budget`` units of work (None: as much as it takes, but an asynchronous
        scene returns once work is in flight); returns ``done``."""
        d = self.driver
        while not self.done:
            if d.busy():
                return False
            if self.start is None:
                self.start = d.progress()
            if self._reached():
                if self.step.hessian and not self.hessian_asked:
                    self.hessian_asked = True  # where the run ended: then done when answered
                    d.ask_hessian()
                    continue
                self.done = True
                break
            if budget is not None and budget <= 0:
                return False
            used = d.advance(budget, self.step.until, self.left())
            if budget is not None:
                budget -= max(used, 1)
            if d.busy():
                return False
        return self.done

    def _reached(self) -> bool:
        s, d = self.step, self.driver
        if s.until is None and s.limit is None:
            return True  # nothing to run: it shows the scene as it is (its jobs finished)
        if s.until is not None and holds(s.until, d.values(s.until.names)):
            return True
        left = self.left()
        if left is not None and left <= 0:
            return True
        return d.finished()


# -- the player --------------------------------------------------------------------------------
class LessonPlayer:
    """Where a lesson is, and how to get to any step of it.

    ``drivers``: scene name → Driver (built on demand by ``make_driver(scene)``). ``setup_class``:
    scene → its setup dataclass (the table of scenes'); ``registry`` checks names."""

    def __init__(
        self,
        lesson: Lesson,
        make_driver: Callable[[str], Driver],
        setup_class: Callable[[str], type | None],
        registry: Any = None,
        on_scene: Callable[[str, Driver], None] | None = None,
        replays: Any = None,
        build_pieces: Callable[[str], Iterator[None]] | None = None,
    ) -> None:
        self.lesson = lesson
        self.make_driver = make_driver
        self.registry = registry
        self.on_scene = on_scene  # the app: show that scene (and re-lay it out after a setup)
        self.drivers: dict[str, Driver] = {}
        # prepared runs (``replay.Replays``): ``driver_for(player, start, live)`` gives the driver
        # that replays the run starting at ``start``, or None (not prepared: computed live)
        self.replays = replays
        self.replaying: dict[str, Driver] = {}  # scene → the replay its current run plays
        self.setups = typed_setups(lesson, setup_class, registry)
        self.current = -1  # the step shown (0-based); -1: none yet
        self.queue: list[tuple[StepRun, bool]] = []  # (run, catching up)
        self.failures: dict[int, list[Failure]] = {}
        self.checked: set[int] = set()
        self._warm_due: int | None = None  # the next run to get ready, at the next poll
        # the app: a scene built a piece per ``get_ready`` before its driver is made (building
        # it at once froze the picture for a second); None: ``make_driver`` builds it at once
        self.build_pieces = build_pieces
        self._readying: Generator[None, None, None] | None = None  # the next run readied, in pieces

    # -- structure ---------------------------------------------------------------------------
    @property
    def steps(self) -> tuple[Step, ...]:
        return self.lesson.steps

    def run_start(self, k: int) -> int:
        """The step whose setup started the run step ``k`` belongs to."""
        j = k
        while j > 0 and not self.steps[j].setup and self.steps[j - 1].scene == self.steps[j].scene:
            j -= 1
        return j

    def driver(self, scene: str) -> Driver:
        """The driver the scene's current run plays on: its replay if the run is prepared."""
        if scene in self.replaying:
            return self.replaying[scene]
        return self.live_driver(scene)

    def live_driver(self, scene: str) -> Driver:
        if scene not in self.drivers:
            self.drivers[scene] = self.make_driver(scene)
        return self.drivers[scene]

    def go_live(self, scene: str) -> None:
        """The teacher changed something on ``scene``: from now on its numbers are computed,
        never replayed (until the next run starts)."""
        replay = self.replaying.pop(scene, None)
        if replay is None:
            return
        live = self.live_driver(scene)
        for run, _ in self.queue:
            if run.driver is replay:
                run.driver = live

    # -- moving ------------------------------------------------------------------------------
    def go(self, k: int) -> None:
        """Show step ``k`` (0-based): from the step before in the same run, finish that step's
        advance first; otherwise apply the run's setup and catch up its earlier steps."""
        k = max(0, min(k, len(self.steps) - 1))
        self.finish_ready()  # → before the next run was ready: the rest of it now
        step = self.steps[k]
        continuing = (
            k == self.current + 1
            and self.current >= 0
            and self.run_start(k) == self.run_start(self.current)
        )
        if not continuing:
            self._choose_replay(step.scene, self.run_start(k))
        driver = self.driver(step.scene)
        if continuing:
            rest = [(run, True) for run, _ in self.queue if not run.done]
            self.queue = rest + [(StepRun(k, step, driver), False)]
        else:
            s = self.run_start(k)
            driver.apply(self.setups[s])
            self.failures.pop(k, None)
            self.queue = [(StepRun(j, self.steps[j], driver), True) for j in range(s, k)]
            self.queue.append((StepRun(k, step, driver), False))
        self.current = k
        self.checked.discard(k)
        driver.show(step)
        if self.on_scene is not None:
            self.on_scene(step.scene, driver)

    def _choose_replay(self, scene: str, start: int) -> None:
        self.replaying.pop(scene, None)
        if self.replays is not None:
            replay = self.replays.driver_for(self, start, self.live_driver(scene))
            if replay is not None:
                self.replaying[scene] = replay

    def replay(self) -> None:
        """Step ``current`` again from its run's start: the same numbers."""
        k = self.current
        self.current = -1
        self.go(k)

    def poll(self, budget: int | None = None, catch_up: int | None = None) -> bool:
        """Advance the current step by up to ``budget`` units and the earlier steps it must catch
        up first by up to ``catch_up`` (None: no limit). Returns True once the current step is
        done (and checked)."""
        self.get_ready()
        while self.queue:
            run, catching = self.queue[0]
            if catching:
                before = run.driver.progress()
                finished = run.poll(catch_up)
                if catch_up is not None:
                    catch_up -= max(1, run.driver.progress() - before)
                if not finished:
                    return False
            elif not run.poll(budget):
                return False
            if self.queue and self.queue[0][0] is run:
                self.queue.pop(0)
            if not catching:
                self._check(run)
                self._warm_due = run.index + 1
        return True

    def get_ready(self) -> None:
        """One piece of getting the next step's run ready (``_warm_next``), from the frame after
        the one that ended this step: building the next scene takes half a second or more,
        which neither the frame drawing the → nor any one frame may pay (the presenter calls
        this every frame, done or not). A piece that fails leaves the rest to →, which says
        why in a sentence."""
        if self._warm_due is not None:
            k, self._warm_due = self._warm_due, None
            if k == self.current + 1:
                self._readying = self._warm_next(k)
            return  # its first piece in the next frame (this one may have ended the step)
        if self._readying is not None:
            try:
                next(self._readying)
            except StopIteration:
                self._readying = None
            except Exception:  # noqa: BLE001 - only a head start: go() tries again and says why
                self._readying = None

    @property
    def ready(self) -> bool:
        """Nothing left to get ready for the next step."""
        return self._readying is None and self._warm_due is None

    def finish_ready(self) -> None:
        """What is left of getting the next run ready, at once (its failure too is left to
        whoever needs the run: it is tried again there)."""
        readying, self._readying = self._readying, None
        if readying is not None:
            try:
                for _ in readying:
                    pass
            except Exception:  # noqa: BLE001 - tried again by go(), which says why
                pass

    def _warm_next(self, k: int) -> Generator[None, None, None]:
        """While the teacher talks: get the next step's run ready (if it starts one), a piece at
        a time: its scene built (in pieces where the app can), its driver warmed, its prepared
        run read ahead."""
        if k < len(self.steps) and self.run_start(k) == k and k in self.setups:
            scene = self.steps[k].scene
            if self.replays is not None:  # the next scene built now, not on → (the app: seconds)
                if self.build_pieces is not None and scene not in self.drivers:
                    yield from self.build_pieces(scene)
                self.live_driver(scene)
                yield
            if scene in self.drivers:
                driver = self.drivers[scene]
                driver.warm(self.setups[k])
                if self.replays is not None:  # its prepared run read ahead (its key: 40 ms)
                    replays = self.replays
                    yield from in_thread(lambda: replays.warm(self, k, driver))

    @property
    def done(self) -> bool:
        return not self.queue

    @property
    def catching_up(self) -> bool:
        return bool(self.queue) and self.queue[0][1]

    def _check(self, run: StepRun) -> None:
        k = run.index
        values = run.driver.values()
        out = []
        for cond in run.step.expect:
            ok, why = check(cond, values)
            if not ok:
                sentence = (
                    f"{self.lesson.path.name}: step {k + 1}: expect {cond.explain(values)} "
                    f"is {why}."
                )
                out.append(Failure(k + 1, cond.text, sentence, why == "false"))
        self.failures[k] = out
        self.checked.add(k)

    # -- reading -----------------------------------------------------------------------------
    def caption_text(self, lang: str) -> str:
        """The current step's caption as written: its ``during`` text while the step runs (where
        it has one), the caption proper once it is done."""
        step = self.steps[self.current]
        if step.during is not None and not self.done:
            return step.during[lang]
        return step.caption[lang]

    def caption(self, lang: str, values: Mapping[str, Any] | None = None) -> str:
        step = self.steps[self.current]
        if values is None:
            values = self.driver(step.scene).values()
        return fill(self.caption_text(lang), values)

    def close(self) -> None:
        if self._readying is not None:
            self._readying.close()  # a scene half built stays with whoever builds it
            self._readying = None
        for d in self.drivers.values():
            d.close()
        self.drivers.clear()
        self.replaying.clear()


def check(cond: Condition, values: Mapping[str, Any]) -> tuple[bool, str]:
    """(holds, why not): "false", or that a number it reads has no value yet."""
    try:
        return (True, "") if cond(values) else (False, "false")
    except ConditionError as exc:
        absent = sorted(
            {n.split(".", 1)[0] for n in cond.names if "." in n and values.get(n) is None}
            - {n.split(".", 1)[0] for n in values if "." in n}
        )
        if absent:  # "adam.loss has no value yet" when adam is not racing at all
            return False, f"not known ({absent_text(absent)})"
        return False, f"not known ({exc})"
    except (ArithmeticError, TypeError, ValueError) as exc:
        return False, f"not computable ({exc})"


def absent_text(heads: list[str]) -> str:
    """What a dotted name's missing owner is: "adam is not racing in this step", "there is no
    net B in this step: compare is off"."""
    out = [
        "there is no net B in this step: compare is off"
        if h == "b"
        else f"{h} is not racing in this step"
        for h in heads
    ]
    return "; ".join(out)


# -- headless ----------------------------------------------------------------------------------
def headless_driver(scene: LessonScene, registry: Registry) -> Driver:
    """A driver on a fresh model of ``scene`` (the model its row builds for a lesson without a
    window: the Network lab on the CPU, in a thread), closed with the lesson."""
    cls = scene.driver_class()
    if cls is None:
        raise SceneMissing(f"the {scene.name} scene cannot be played by a lesson (no driver).")
    driver: Driver = cls(scene.headless_model(registry), owned=True)
    return driver


def missing_scenes(lesson: Lesson, scenes: Iterable[LessonScene]) -> list[str]:
    """The scenes a lesson uses that have no lesson driver (it could show them but not play
    them), in the lesson's order."""
    rows = by_name(scenes)
    out: list[str] = []
    for step in lesson.steps:
        row = rows.get(step.scene)
        if (row is None or row.driver_class() is None) and step.scene not in out:
            out.append(step.scene)
    return out


def play_headless(
    lesson: Lesson,
    registry: Registry,
    scenes: Iterable[LessonScene],
    timeout: float = 600.0,
    on_step: Callable[[int, LessonPlayer], None] | None = None,
    on_poll: Callable[[int, LessonPlayer], None] | None = None,
    budget: Callable[[Step], int | None] | None = None,
) -> list[Failure]:
    """Play every step to its end, checking every ``expect``; the failures (empty: all hold).
    ``scenes``: the app's table of scenes (``explorer.app.scene_table.scenes()``). Steps on a
    scene that cannot be played raise SceneMissing before anything runs. ``on_poll`` sees the
    player between pieces of a step's advance (``budget(step)`` units each, None: as much as
    the scene does at once), as a caption is seen while the step runs."""
    rows = by_name(scenes)
    missing = missing_scenes(lesson, rows.values())
    if missing:
        raise SceneMissing(
            f"{lesson.path.name}: the {' and '.join(missing)} scene"
            f"{'s' if len(missing) > 1 else ''} cannot be played by a lesson (no driver)."
        )
    player = LessonPlayer(
        lesson,
        lambda scene: headless_driver(rows[scene], registry),
        lambda scene: rows[scene].setup_class() if scene in rows else None,
        registry,
    )
    try:
        for k in range(len(lesson.steps)):
            player.go(k)
            units = budget(lesson.steps[k]) if budget is not None else None
            while not player.poll(units):
                player.queue[0][0].driver.wait(timeout)  # returns at once when nothing is sent
                if on_poll is not None:
                    on_poll(k, player)
            if on_step is not None:
                on_step(k, player)
        return [f for k in sorted(player.failures) for f in player.failures[k]]
    finally:
        player.close()
