"""A caption checked at every moment it is shown, not only when its step is done.

A step's caption is on screen from the moment the step starts: "Largest |y|: 0.50, higher than
the start's 0.5" was read for 700 race steps before the burst it describes. So ``lesson check``
plays each step in pieces (``SAMPLES`` points along its advance: a Landscape step every
``limit / SAMPLES`` race steps, a Network-lab or job-scene step after each piece of work that
comes back) and, at each, reads the caption the presenter shows then:

- while the step runs, its ``caption.during`` if it has one, else the caption proper;
- every placeholder of that text must have a live number (no "…" on a slide);
- the caption proper claims its ``expect`` conditions: shown while the step runs (no
  ``during``), each must already hold there. An author whose conclusion comes only at the end
  gives the step a ``during`` text that is true meanwhile ("watching for the burst…").

The first moment checked is after the step's first unit of work (before it, a new run's numbers
are not in yet, which the scene shows as "computing"). Once the step is done, the caption proper's
placeholders are checked too, and its expects as ever (``LessonPlayer._check``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explorer.languages import LANGUAGES
from explorer.lessons.captions import placeholders
from explorer.lessons.lesson_file import Lesson, Step
from explorer.lessons.player import Failure, LessonPlayer, absent_text, check, play_headless
from explorer.lessons.scenes import LessonScene

if TYPE_CHECKING:
    from explorer.plugins import Registry

SAMPLES = 40  # moments checked along a Landscape step's advance (its ``limit`` split evenly)


def sample_budget(step: Step) -> int | None:
    """Units of a piece of a step's advance: ``limit / SAMPLES`` (a step with no limit does not
    run). An asynchronous scene comes back after each piece of work anyway."""
    if step.limit is None:
        return None
    return max(1, step.limit // SAMPLES)


@dataclass
class CaptionSampler:
    """Collects, once each, what a caption showed that was not (yet) true."""

    lesson: Lesson
    failures: list[Failure] = field(default_factory=list)
    _seen: set[tuple[int, str]] = field(default_factory=set)
    moments: int = 0  # moments read (for the summary)

    def while_running(self, k: int, player: LessonPlayer) -> None:
        """``play_headless``'s ``on_poll``: step ``k`` between two pieces of its advance."""
        if player.catching_up or not player.queue or player.current != k:
            return
        run = player.queue[0][0]
        if run.start is None or run.driver.busy():
            return
        units = run.driver.progress() - run.start
        if units < 1:
            return
        self.moments += 1
        values = run.driver.values()
        at = f"after {units:,} {run.driver.unit} of it"
        step = self.lesson.steps[k]
        for lang in LANGUAGES:
            which = "caption.during" if step.during is not None else "caption"
            self._placeholders(k, f"{which}.{lang}", player.caption_text(lang), values, at)
        if step.during is None:
            self._claims(k, step, values, at)

    def when_done(self, k: int, player: LessonPlayer) -> None:
        """``play_headless``'s ``on_step``: the caption proper, shown once the step is done."""
        values = player.driver(self.lesson.steps[k].scene).values()
        for lang in LANGUAGES:
            text = self.lesson.steps[k].caption[lang]
            self._placeholders(k, f"caption.{lang}", text, values, "when the step is done")

    def _placeholders(self, k: int, where: str, text: str, values: dict[str, Any], at: str) -> None:
        for name, _ in placeholders(text):
            if values.get(name) is None:
                self._fail(
                    k,
                    f"{where}:{name}",
                    f"{where} shows {{{name}}} {at}, and it has no value there "
                    f'({_why_missing(name, values)}); the slide reads "…"',
                )

    def _claims(self, k: int, step: Step, values: dict[str, Any], at: str) -> None:
        for cond in step.expect:
            ok, why = check(cond, values)
            if not ok:
                self._fail(
                    k,
                    f"expect:{cond.text}",
                    f"the caption is shown {at}, where what it claims is {why}: expect "
                    f"{cond.explain(values)} (give the step a caption.during that is true "
                    "while it runs)",
                )

    def _fail(self, k: int, key: str, what: str) -> None:
        if (k, key) in self._seen:
            return
        self._seen.add((k, key))
        sentence = f"{self.lesson.path.name}: step {k + 1}: {what}."
        self.failures.append(Failure(k + 1, key, sentence))


def _why_missing(name: str, values: dict[str, Any]) -> str:
    """Why a number is missing: a ball not in the race says so ("adam is not in …")."""
    head = name.split(".", 1)[0]
    if "." in name and not any(n.startswith(head + ".") for n in values):
        return absent_text([head])
    return "not computed yet"


@dataclass(frozen=True)
class Checked:
    """What ``play_sampled`` found: expects false when their step was done, captions not true
    while shown, and how many moments were read."""

    at_end: list[Failure]
    while_shown: list[Failure]
    moments: int

    @property
    def failures(self) -> list[Failure]:
        return self.at_end + self.while_shown


def play_sampled(
    lesson: Lesson, registry: Registry, scenes: Iterable[LessonScene], timeout: float = 600.0
) -> Checked:
    """Play the lesson headless as ``play_headless`` does, reading every caption while it is
    shown."""
    sampler = CaptionSampler(lesson)
    failures = play_headless(
        lesson,
        registry,
        scenes,
        timeout,
        on_step=sampler.when_done,
        on_poll=sampler.while_running,
        budget=sample_budget,
    )
    return Checked(failures, sampler.failures, sampler.moments)
