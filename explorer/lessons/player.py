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

A *driver* adapts one scene's model (``LandscapeDriver``, ``NetworkDriver``): the app hands it
the scene's own model, the headless player builds one. The Landscape advances synchronously
(``budget`` race steps per call), the Network lab asynchronously (mini-batches sent to its
trainers; ``busy`` until they are applied).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from explorer.lessons.captions import fill
from explorer.lessons.conditions import Condition, ConditionError
from explorer.lessons.lesson_file import Lesson, LessonError, Step

CHECK_EVERY_STEPS = 10  # Network lab: mini-batches between checks of an ``until`` that reads step


@dataclass(frozen=True)
class Failure:
    """An ``expect`` that did not hold (or could not be read) when its step was done."""

    step: int  # 1-based
    condition: str
    sentence: str
    checked: bool = True  # False: a number it reads was not there (the scene has no such number)


class SceneMissing(LessonError):
    """A step on a scene this checkout cannot play yet (its model or live numbers are missing)."""


# -- drivers -----------------------------------------------------------------------------------
class Driver:
    """One scene's model as a lesson drives it."""

    scene = ""
    unit = "steps"

    def __init__(self, model, owned: bool = False) -> None:
        self.model = model
        self.owned = owned  # built for the lesson (headless): closed with it

    def apply(self, setup) -> None:
        """Put a whole setup in place (the model checks it: all or nothing)."""
        self.model.apply(setup)

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts()

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

    def warm(self, setup) -> None:
        """Prepare ahead for ``setup`` (the next step's), if the model can."""
        warm = getattr(self.model, "warm", None)
        if warm is not None and setup is not None:
            warm(setup)

    def close(self) -> None:
        if self.owned and hasattr(self.model, "close"):
            self.model.close()


class SceneDriver(Driver):
    """A scene a lesson shows but does not advance (the Activation and Dropout scenes until
    they get drivers): its setup applied if it has one, its live numbers if its model gives
    ``readouts()``, none otherwise (the caption shows "…")."""

    def apply(self, setup) -> None:
        if setup is not None and self.model is not None:
            self.model.apply(setup)

    def values(self, names=None) -> dict[str, Any]:
        readouts = getattr(self.model, "readouts", None)
        return dict(readouts()) if readouts is not None else {}


class LandscapeDriver(Driver):
    scene = "landscape"
    unit = "steps"

    def apply(self, setup) -> None:
        self.model.apply(setup)
        self.model.pause()  # the lesson, not the clock, moves the race

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts(names)

    def progress(self) -> int:
        return int(self.model.race.t)

    def finished(self) -> bool:
        return not any(b.status.active for b in self.model.race.balls)

    def show(self, step: Step) -> None:
        if step.inspect is not None:
            (x0, x1), (y0, y1) = self.model.spec.domain
            self.model.inspect(*step.inspect, snap=0.02 * max(x1 - x0, y1 - y0))

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        """One race step at a time (``until`` is checked after each); at most ``budget``."""
        n = 0
        cap = budget if budget is not None else 10**9
        while n < cap and (left is None or n < left):
            if until is not None and n and _holds(until, self.values(until.names)):
                break
            if self.finished():
                break
            self.model.step_once()
            n += 1
        return n


class NetworkDriver(Driver):
    scene = "network"
    unit = "epochs"

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

    def busy(self) -> bool:
        m = self.model
        m.update(0.0)  # read the newest snapshots (never waits)
        if m.hessian_busy():
            return True
        trainers = getattr(m, "trainers", [])
        return not all(
            s.ack >= getattr(t, "sent", 0) and s.state not in ("starting", "running")
            for t, s in zip(trainers, m.snapshots, strict=False)
        )

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


def _holds(cond: Condition, values: Mapping[str, Any]) -> bool:
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
        if s.until is not None and _holds(s.until, d.values(s.until.names)):
            return True
        left = self.left()
        if left is not None and left <= 0:
            return True
        return d.finished()


# -- the player --------------------------------------------------------------------------------
class LessonPlayer:
    """Where a lesson is, and how to get to any step of it.

    ``drivers``: scene name → Driver (built on demand by ``make_driver(scene)``). ``setup_class``:
    scene → its setup dataclass; ``registry`` checks names."""

    def __init__(
        self,
        lesson: Lesson,
        make_driver: Callable[[str], Driver],
        setup_class: Callable[[str], type | None],
        registry: Any = None,
        on_scene: Callable[[str, Driver], None] | None = None,
    ) -> None:
        self.lesson = lesson
        self.make_driver = make_driver
        self.registry = registry
        self.on_scene = on_scene  # the app: show that scene (and re-lay it out after a setup)
        self.drivers: dict[str, Driver] = {}
        self.setups = typed_setups(lesson, setup_class, registry)
        self.current = -1  # the step shown (0-based); -1: none yet
        self.queue: list[tuple[StepRun, bool]] = []  # (run, catching up)
        self.failures: dict[int, list[Failure]] = {}
        self.checked: set[int] = set()

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
        if scene not in self.drivers:
            self.drivers[scene] = self.make_driver(scene)
        return self.drivers[scene]

    # -- moving ------------------------------------------------------------------------------
    def go(self, k: int) -> None:
        """Show step ``k`` (0-based): from the step before in the same run, finish that step's
        advance first; otherwise apply the run's setup and catch up its earlier steps."""
        k = max(0, min(k, len(self.steps) - 1))
        step = self.steps[k]
        continuing = (
            k == self.current + 1
            and self.current >= 0
            and self.run_start(k) == self.run_start(self.current)
        )
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

    def replay(self) -> None:
        """Step ``current`` again from its run's start: the same numbers."""
        k = self.current
        self.current = -1
        self.go(k)

    def poll(self, budget: int | None = None, catch_up: int | None = None) -> bool:
        """Advance the current step by up to ``budget`` units and the earlier steps it must catch
        up first by up to ``catch_up`` (None: no limit). Returns True once the current step is
        done (and checked)."""
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
                self._warm_next(run.index + 1)
        return True

    def _warm_next(self, k: int) -> None:
        """While the teacher talks: get the next step's run ready (if it starts one)."""
        if k < len(self.steps) and self.run_start(k) == k and k in self.setups:
            scene = self.steps[k].scene
            if scene in self.drivers:
                self.drivers[scene].warm(self.setups[k])

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
    def caption(self, lang: str, values: Mapping[str, Any] | None = None) -> str:
        step = self.steps[self.current]
        if values is None:
            values = self.driver(step.scene).values()
        return fill(step.caption[lang], values)

    def close(self) -> None:
        for d in self.drivers.values():
            d.close()
        self.drivers.clear()


def check(cond: Condition, values: Mapping[str, Any]) -> tuple[bool, str]:
    """(holds, why not): "false", or that a number it reads has no value yet."""
    try:
        return (True, "") if cond(values) else (False, "false")
    except ConditionError as exc:
        return False, f"not known ({exc})"
    except (ArithmeticError, TypeError, ValueError) as exc:
        return False, f"not computable ({exc})"


def typed_setups(
    lesson: Lesson, setup_class: Callable[[str], type | None], registry: Any
) -> dict[int, Any]:
    """For each step that starts a run: the whole setup it applies (the scene's defaults, every
    earlier step's overrides for that scene, its own), typed and checked. A mistake is one
    LessonError naming the file, the step and the key."""
    from explorer import setups
    from explorer.setups import SetupError

    out: dict[int, Any] = {}
    so_far: dict[str, dict[str, Any]] = {}
    where = lesson.path.name
    for k, step in enumerate(lesson.steps):
        cls = setup_class(step.scene)
        if cls is None:
            if step.setup:
                raise LessonError(
                    f"{where}: step {k + 1}: the {step.scene} scene has no settings to set yet."
                )
            out[k] = None
            continue
        ks = setups.knobs(cls)
        typed = {}
        for key, value in step.setup.items():
            try:
                typed[key] = setups.from_toml(ks[key], value, ks)
            except SetupError as exc:
                raise LessonError(f"{where}: step {k + 1}: setup.{exc.message}") from None
        mine = so_far.setdefault(step.scene, {})
        mine.update(typed)
        try:
            whole = setups.merge(cls(), mine)
            setups.check(whole, registry)
        except (SetupError, ValueError, LookupError) as exc:
            message = getattr(exc, "message", str(exc))
            raise LessonError(
                f"{where}: step {k + 1}: setup: {message}".rstrip(".") + "."
            ) from None
        out[k] = whole
    return out


class JobSceneDriver(Driver):
    """The Activation and Dropout scenes: their work runs in jobs the model sends itself; a
    lesson waits for it (``busy``) and, for Dropout, trains mini-batches one at a time."""

    unit = "mini-batches"

    def apply(self, setup) -> None:
        self.model.apply(setup)
        if hasattr(self.model, "pause"):
            self.model.pause()  # the lesson, not the clock, moves it

    def values(self, names=None) -> dict[str, Any]:
        return self.model.readouts()

    def progress(self) -> int:
        return int(getattr(self.model, "batches", 0))

    def finished(self) -> bool:
        return not hasattr(self.model, "next_batch") or bool(getattr(self.model, "done", False))

    def busy(self) -> bool:
        m = self.model
        m.update(0.0)  # take in the jobs' answers (never waits)
        if hasattr(m, "ensemble_ready"):
            return not (m.ensemble_ready and m.live_ready)
        return not m.results.done

    def advance(self, budget: int | None, until: Condition | None, left: int | None) -> int:
        if hasattr(self.model, "next_batch") and not self.finished():
            self.model.next_batch()
            return 1
        return 0

    def wait(self, timeout: float) -> None:
        self.model.wait(timeout)
        self.model.update(0.0)


# -- headless ----------------------------------------------------------------------------------
def headless_driver(scene: str, registry) -> Driver:
    """A driver on a fresh model of ``scene`` (Network lab: CPU, a training thread); the models
    are imported here so that reading a lesson needs no scene."""
    if scene == "landscape":
        from explorer.app.scenes.landscape.model import LandscapeModel

        return LandscapeDriver(LandscapeModel(registry), owned=True)
    if scene == "network":
        from explorer.app.scenes.network.model import DEFAULT, NetworkModel

        model = NetworkModel(registry, DEFAULT.replace(device="cpu"), backend="thread")
        return NetworkDriver(model, owned=True)
    if scene == "dropout":
        from explorer.app.scenes.dropout.model import DropoutModel

        return JobSceneDriver(DropoutModel(registry, backend="thread"), owned=True)
    if scene == "activations":
        from explorer.app.scenes.activations.model import ActivationsModel

        return JobSceneDriver(ActivationsModel(registry, backend="thread"), owned=True)
    raise SceneMissing(f"the {scene} scene cannot be played by a lesson yet (no driver for it).")


DRIVERS = {  # scenes a lesson can drive
    "landscape": LandscapeDriver,
    "network": NetworkDriver,
    "dropout": JobSceneDriver,
    "activations": JobSceneDriver,
}


def missing_scenes(lesson: Lesson, registry=None) -> list[str]:
    """The scenes a lesson uses that this checkout cannot play yet (no driver: the Activation
    and Dropout scenes until their models give live numbers), in the lesson's order."""
    out: list[str] = []
    for step in lesson.steps:
        if step.scene not in DRIVERS and step.scene not in out:
            out.append(step.scene)
    return out


def play_headless(
    lesson: Lesson,
    registry,
    timeout: float = 600.0,
    on_step: Callable[[int, LessonPlayer], None] | None = None,
) -> list[Failure]:
    """Play every step to its end, checking every ``expect``; the failures (empty: all hold).
    Steps on a scene that cannot be played yet raise SceneMissing before anything runs."""
    from explorer.app.setup_files import setup_class

    missing = missing_scenes(lesson, registry)
    if missing:
        raise SceneMissing(
            f"{lesson.path.name}: the {' and '.join(missing)} scene"
            f"{'s' if len(missing) > 1 else ''} cannot be played by a lesson yet (no model "
            "with live numbers)."
        )
    player = LessonPlayer(
        lesson, lambda scene: headless_driver(scene, registry), setup_class, registry
    )
    try:
        for k in range(len(lesson.steps)):
            player.go(k)
            while not player.poll(None):
                player.queue[0][0].driver.wait(timeout)
            if on_step is not None:
                on_step(k, player)
        return [f for k in sorted(player.failures) for f in player.failures[k]]
    finally:
        player.close()
