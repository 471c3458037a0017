"""Other runs of a lesson, drawn the way a teacher could pick them: ``lesson check --vary N``.

A lesson's ``[vary]`` table says what may change without changing its story: the seeds (every
seed the lesson names, and the scenes' default one, mapped to seeds drawn from a range), the
Landscape starts (every start the lesson names moved by up to ±dx, ±dy, the same move for the
whole variant), and how long a step watches (every ``limit`` stretched by up to a factor). A claim
that holds for the lesson's own seed only is a coincidence, not a lesson: each ``expect`` is
checked in every variant, and its pass rate is what ``lesson check --vary`` reports.

Variants are deterministic: variant ``i`` of a lesson draws from ``random.Random`` seeded with
the lesson's name, ``i`` and the ``--vary-seed``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from explorer.lessons.lesson_file import MAX_LIMIT, Lesson, LessonError, SceneFacts, Step

if TYPE_CHECKING:
    from explorer.lessons.sampling import Checked

PASS_RATE = 0.9  # each expect must hold in at least 9 variants out of 10


@dataclass(frozen=True)
class Variant:
    """One drawn variant: the lesson as played, and what was changed (for the report)."""

    index: int  # 1-based
    lesson: Lesson
    seeds: dict[int | None, int]  # the lesson's seed (None: the scene's default) → this one
    move: tuple[float, float]  # what every start was moved by
    stretch: float  # what every limit was multiplied by

    def describe(self) -> str:
        parts = [f"seed {s}" for s in dict.fromkeys(self.seeds.values())]
        if self.move != (0.0, 0.0):
            parts.append(f"starts moved by ({self.move[0]:+.2f}, {self.move[1]:+.2f})")
        if self.stretch != 1.0:
            parts.append(f"limits ×{self.stretch:.2f}")
        return ", ".join(parts) or "as written"


def draw(
    lesson: Lesson, index: int, facts: Mapping[str, SceneFacts], vary_seed: int = 0
) -> Variant:
    """Variant ``index`` (1-based) of ``lesson``, as its ``[vary]`` table allows."""
    rng = random.Random(f"{lesson.name}:{index}:{vary_seed}")
    vary = lesson.vary
    seeds: dict[int | None, int] = {}

    def seed_for(original: int | None) -> int:
        if original not in seeds:
            assert vary.seeds is not None
            seeds[original] = rng.randint(*vary.seeds)
        return seeds[original]

    move = (0.0, 0.0)
    if vary.start is not None:
        move = (
            rng.uniform(-vary.start[0], vary.start[0]),
            rng.uniform(-vary.start[1], vary.start[1]),
        )
    stretch = rng.uniform(1.0, vary.watch) if vary.watch > 1.0 else 1.0
    seen_scenes: set[str] = set()
    steps: list[Step] = []
    for step in lesson.steps:
        setup = dict(step.setup)
        has_seed = "seed" in facts.get(step.scene, SceneFacts(frozenset(), None)).setup_keys
        if vary.seeds is not None and has_seed:
            if "seed" in setup:
                setup["seed"] = seed_for(setup["seed"])
            elif step.scene not in seen_scenes:  # its run starts from the scene's default seed
                setup["seed"] = seed_for(None)
        if vary.start is not None and isinstance(setup.get("start"), list):
            x, y = setup["start"]
            setup["start"] = [float(x) + move[0], float(y) + move[1]]
        seen_scenes.add(step.scene)
        limit = step.limit
        if limit is not None and stretch != 1.0:
            limit = min(round(limit * stretch), MAX_LIMIT.get(_unit(step, facts), 100_000))
        steps.append(replace(step, setup=setup, limit=limit))
    return Variant(index, replace(lesson, steps=tuple(steps)), seeds, move, stretch)


def _unit(step: Step, facts: Mapping[str, SceneFacts]) -> str:
    got = facts.get(step.scene)
    return got.unit if got is not None else "steps"


@dataclass
class Tally:
    """Per claim of the lesson (an ``expect``, or a caption's number), the variants it held in."""

    variants: int = 0
    held: dict[tuple[int, str], int] = field(default_factory=dict)
    failed_in: dict[tuple[int, str], list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # variants that could not be played

    def rate(self, key: tuple[int, str]) -> float:
        return self.held.get(key, 0) / self.variants if self.variants else 0.0

    def below(self) -> list[tuple[int, str]]:
        """The claims under the pass rate (every claim, when a variant could not be played)."""
        return [k for k in self.held if self.rate(k) < PASS_RATE]


def claims(lesson: Lesson) -> list[tuple[int, str]]:
    """(step, condition) for every ``expect`` of the lesson, in order."""
    return [(k, cond.text) for k, step in enumerate(lesson.steps, start=1) for cond in step.expect]


def tally(
    lesson: Lesson,
    n: int,
    facts: Mapping[str, SceneFacts],
    play: Callable[[Lesson], Checked],
    vary_seed: int = 0,
    on_variant: Callable[[Variant, list[str]], None] | None = None,
) -> Tally:
    """Play ``n`` variants of ``lesson`` with ``play`` (``sampling.play_sampled``) and count,
    per expect, the variants where it held when its step was done and while its caption was
    shown. A caption number with no value, in any variant, is a claim of its own."""
    out = Tally(variants=n)
    for key in claims(lesson):
        out.held[key] = 0
    for i in range(1, n + 1):
        variant = draw(lesson, i, facts, vary_seed)
        failed: set[tuple[int, str]] = set()
        try:
            checked = play(variant.lesson)
        except LessonError as exc:
            out.errors.append(f"variant {i} ({variant.describe()}): {exc}")
            failed = set(out.held)
            sentences = [str(exc)]
        else:
            sentences = [f.sentence for f in checked.failures]
            for f in checked.failures:
                key = (f.step, f.condition.removeprefix("expect:"))
                out.held.setdefault(key, i - 1)  # a new claim held where nothing said
                failed.add(key)
        for key in out.held:
            if key not in failed:
                out.held[key] += 1
            else:
                out.failed_in.setdefault(key, []).append(variant.describe())
        if on_variant is not None:
            on_variant(variant, sentences)
    return out


def varies(lesson: Lesson) -> bool:
    """Whether the lesson's ``[vary]`` table lets anything change."""
    v = lesson.vary
    return v.seeds is not None or v.start is not None or v.watch > 1.0
