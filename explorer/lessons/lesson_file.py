"""Lesson files: TOML with a title and summary in each language and ordered steps.

```toml
order = 2
[title]
en = "Vanishing gradients"
zh = "梯度消失"
[summary]
en = "..."
zh = "..."

[[steps]]
scene = "network"                       # a scene of the app
setup = { depth = 8, activation = "sigmoid" }   # that scene's setup keys, as in saved setups
caption.en = "Layer 1 gets {grad_ratio:.0e} of the output layer's gradient."
caption.zh = "第 1 层的梯度只有输出层的 {grad_ratio:.0e}。"
caption.during.en = "Watching layer 1's gradient…"   # shown while the step runs (optional)
caption.during.zh = "正在观察第 1 层的梯度……"          # ... the caption above once it is done
highlight = ["gradient_bars"]           # what to outline while the step shows
until = "epoch >= 5"                    # the step is done when this holds (optional)
limit = 40                              # ... or after this many steps / epochs of the scene
expect = ["grad_ratio < 1e-3"]          # what the caption claims, checked when the step is done
inspect = [0.0, 0.0]                    # Landscape: open the Hessian inspector at this point
hessian = true                          # Network lab: once the step's run is done, the Hessian
                                        # of its training loss ("Hessian here"), then the expects
```

Everything is checked when the file is read; a mistake is one sentence naming the file, the step
and the key, and nothing is half-built.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from explorer.knob_text import parse_spec, split_specs
from explorer.languages import LANGUAGES
from explorer.lessons.captions import CaptionError, placeholders
from explorer.lessons.conditions import Condition, ConditionError, parse_condition
from explorer.user_files import UserFileError, parse_toml, read_text

TOP_KEYS = {"order", "title", "summary", "steps", "vary"}
STEP_KEYS = {
    "scene",
    "setup",
    "caption",
    "highlight",
    "until",
    "limit",
    "expect",
    "inspect",
    "hessian",
}
# The most a step's ``limit`` may ask, per unit it counts in: a step ends after it at the latest,
# so no step can run for hours (a Landscape step is ~0.1 ms, a Network-lab epoch up to seconds).
MAX_LIMIT = {"steps": 100_000, "epochs": 1_000}


class LessonError(ValueError):
    """A lesson file that cannot be played; the message names the file, step and key."""


@dataclass(frozen=True)
class SceneFacts:
    """What a lesson may name in one scene: its setup keys, live numbers, highlights and the
    step keys only some scenes answer (``inspect``, ``hessian``)."""

    setup_keys: frozenset[str]
    numbers: frozenset[str] | None  # None: the scene's numbers are not known yet (not checked)
    highlights: frozenset[str] = frozenset()
    unit: str = "steps"  # what ``limit`` counts in this scene
    step_keys: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Step:
    scene: str
    setup: dict[str, Any]
    caption: dict[str, str]
    highlight: tuple[str, ...] = ()
    until: Condition | None = None
    limit: int | None = None
    expect: tuple[Condition, ...] = ()
    inspect: tuple[float, float] | None = None  # Landscape: the Hessian inspector's point
    hessian: bool = False  # Network lab: the Hessian at the weights the step's run ends at
    # What is already true while the step runs ("watching for the burst…"), shown until it is
    # done; the caption proper claims what holds once ``until`` does. None: one caption for both.
    during: dict[str, str] | None = None


@dataclass(frozen=True)
class Vary:
    """What may change without changing a lesson's story (its ``[vary]`` table), the way a
    teacher could pick another run: ``lesson check --vary N`` plays N such variants."""

    seeds: tuple[int, int] | None = None  # every seed drawn from this range (inclusive)
    start: tuple[float, float] | None = None  # every start moved by up to ±dx, ±dy
    watch: float = 1.0  # every limit stretched by up to this factor (a longer watch)


@dataclass(frozen=True)
class Lesson:
    name: str  # the file's stem: ``dl-explorer lesson NAME``
    path: Path
    order: int
    title: dict[str, str]
    summary: dict[str, str]
    steps: tuple[Step, ...] = field(default_factory=tuple)
    vary: Vary = field(default_factory=Vary)


def read_lesson(path: Path | str, scenes: Mapping[str, SceneFacts]) -> Lesson:
    """Read and check one lesson file against what each scene provides."""
    path = Path(path)
    where = path.name
    try:  # a regular file of bounded size only: a FIFO or /dev/zero is a sentence, not a hang
        text = read_text(path, "a lesson file (.toml)")
    except UserFileError as exc:
        if not path.exists():
            raise LessonError(f"{path}: there is no such lesson file.") from None
        raise LessonError(f"{exc}.") from None
    try:
        data = parse_toml(text, where, "a lesson holds [[steps]] tables", "is not valid TOML")
    except UserFileError as exc:
        raise LessonError(f"{exc}.") from None
    _no_unknown(data, TOP_KEYS, where, "the top level")
    title = _languages(data.get("title"), f"{where}: title")
    summary = _languages(data.get("summary"), f"{where}: summary")
    order = data.get("order", 999)
    if not isinstance(order, int) or isinstance(order, bool):
        raise LessonError(f"{where}: order must be a whole number, not {order!r}.")
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{where}: has no [[steps]]; a lesson needs at least one step.")
    scenes = _with_labels(scenes, raw_steps)
    steps = tuple(
        _step(raw, f"{where}: step {i}", scenes) for i, raw in enumerate(raw_steps, start=1)
    )
    vary = _vary(data.get("vary", {}), where)
    return Lesson(lesson_name(path), path, order, title, summary, steps, vary)


VARY_KEYS = {"seed", "start", "watch"}


def _vary(raw: object, where: str) -> Vary:
    """The ``[vary]`` table: ``seed = [LOW, HIGH]``, ``start = [DX, DY]``, ``watch = FACTOR``."""
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: vary must be a table (seed, start, watch).")
    _no_unknown(raw, VARY_KEYS, where, "the vary table", prefix="vary.")
    seeds = raw.get("seed")
    if seeds is not None:
        if not (
            isinstance(seeds, list)
            and len(seeds) == 2
            and all(isinstance(v, int) and not isinstance(v, bool) for v in seeds)
            and 0 <= seeds[0] <= seeds[1] < 2**31
        ):
            raise LessonError(
                f"{where}: vary.seed must be the range its seeds are drawn from, [LOW, HIGH] "
                "with 0 ≤ LOW ≤ HIGH, e.g. [0, 999]."
            )
        seeds = (seeds[0], seeds[1])
    start = raw.get("start")
    if start is not None:
        if not (
            isinstance(start, list)
            and len(start) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in start)
            and all(0 <= v <= 1e6 for v in start)
        ):
            raise LessonError(
                f"{where}: vary.start must be how far a start may move, [DX, DY] with each "
                "between 0 and 1e6, e.g. [0.5, 0.1]."
            )
        start = (float(start[0]), float(start[1]))
    watch = raw.get("watch", 1.0)
    if not (isinstance(watch, int | float) and not isinstance(watch, bool) and 1 <= watch <= 10):
        raise LessonError(
            f"{where}: vary.watch must be the most a limit may be stretched by, from 1 to 10, "
            f"not {watch!r}."
        )
    return Vary(seeds, start, float(watch))


def lesson_name(path: Path) -> str:
    """``02-vanishing-gradients.toml`` → ``vanishing-gradients`` (the number only sorts files)."""
    return re.sub(r"^\d+[-_]", "", Path(path).stem)


def _step(raw: object, where: str, scenes: Mapping[str, SceneFacts]) -> Step:
    if not isinstance(raw, dict):
        raise LessonError(f"{where}: must be a table of keys.")
    _no_unknown(raw, STEP_KEYS, where, "a step")
    scene = raw.get("scene")
    if not isinstance(scene, str) or scene not in scenes:
        raise LessonError(
            f"{where}: scene {scene!r} is not a scene of the app; use one of "
            f"{', '.join(sorted(scenes))}."
        )
    facts = scenes[scene]
    setup = raw.get("setup", {})
    if not isinstance(setup, dict):
        raise LessonError(f"{where}: setup must be a table of {scene} settings.")
    _no_unknown(setup, facts.setup_keys, where, f"the {scene} setup", prefix="setup.")
    raw_caption = raw.get("caption")
    if isinstance(raw_caption, dict):
        _no_unknown(raw_caption, {*LANGUAGES, "during"}, where, "a caption", prefix="caption.")
    caption = _captions(raw_caption, f"{where}: caption", scene, facts)
    during = None
    if isinstance(raw_caption, dict) and "during" in raw_caption:
        if "until" not in raw and "limit" not in raw:
            raise LessonError(
                f"{where}: caption.during is shown while the step runs, and this step does not "
                "run (give it an until and a limit, or drop caption.during)."
            )
        during = _captions(raw_caption["during"], f"{where}: caption.during", scene, facts)
    highlight = raw.get("highlight", [])
    if isinstance(highlight, str):
        highlight = [highlight]
    if not isinstance(highlight, list) or not all(isinstance(h, str) for h in highlight):
        raise LessonError(f"{where}: highlight must be a list of names.")
    for h in highlight:
        base = h.split(":", 1)[0]
        if facts.highlights and base not in facts.highlights:
            raise LessonError(
                f"{where}: highlight {h!r} is not a part of the {scene} scene; use one of "
                f"{', '.join(sorted(facts.highlights))}."
            )
    until = _condition(raw.get("until"), f"{where}: until", facts) if "until" in raw else None
    limit = raw.get("limit")
    if limit is not None and (not isinstance(limit, int) or isinstance(limit, bool) or limit < 1):
        raise LessonError(f"{where}: limit must be a whole number of {facts.unit} ≥ 1.")
    most = MAX_LIMIT.get(facts.unit, MAX_LIMIT["steps"])
    if limit is not None and limit > most:
        raise LessonError(
            f"{where}: limit {limit} is more than a step may wait ({most} {facts.unit} at most)."
        )
    if until is not None and limit is None:
        raise LessonError(
            f"{where}: until needs a limit (the most {facts.unit} to wait), so no step can hang."
        )
    expect = raw.get("expect", [])
    if isinstance(expect, str):
        expect = [expect]
    if not isinstance(expect, list):
        raise LessonError(f"{where}: expect must be a list of conditions.")
    conditions = tuple(_condition(e, f"{where}: expect", facts) for e in expect)
    inspect = raw.get("inspect")
    if inspect is not None:
        if "inspect" not in facts.step_keys:
            raise LessonError(
                f"{where}: inspect opens the Hessian inspector of the "
                f"{_having('inspect', scenes)} scene only."
            )
        if not (
            isinstance(inspect, list)
            and len(inspect) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in inspect)
            and all(abs(v) <= 1e6 for v in inspect)  # NaN, 1e308 and 10**400 are no point
        ):
            raise LessonError(
                f"{where}: inspect must be a point [x, y] within ±1e6, e.g. [0.0, 0.0]."
            )
        inspect = (float(inspect[0]), float(inspect[1]))
    hessian = raw.get("hessian", False)
    if not isinstance(hessian, bool):
        raise LessonError(f"{where}: hessian must be true or false.")
    if hessian and "hessian" not in facts.step_keys:
        raise LessonError(f"{where}: hessian asks the {_having('hessian', scenes)} scene only.")
    return Step(
        scene,
        dict(setup),
        caption,
        tuple(highlight),
        until,
        limit,
        conditions,
        inspect,
        hessian,
        during,
    )


def _captions(value: object, where: str, scene: str, facts: SceneFacts) -> dict[str, str]:
    """A caption's text in each language, each placeholder a number ``scene`` computes."""
    caption = _languages(value, where)
    for lang, text in caption.items():
        try:
            names = [n for n, _ in placeholders(text)]
        except CaptionError as exc:
            raise LessonError(f"{where}.{lang}: {exc}.") from None
        known = facts.numbers if facts.numbers is not None else frozenset()
        unknown = [n for n in names if facts.numbers is not None and n not in known]
        if unknown:
            raise LessonError(
                f"{where}.{lang} shows {{{unknown[0]}}}, which the {scene} scene does "
                f"not compute{_did_you_mean(unknown[0], known)}."
            )
    return caption


def _labels(optimizers: object) -> dict[str, str]:
    """The labelled balls of a step's ``optimizers`` (label → optimizer), in any of its forms:
    ``[{name = "sgd", label = "sgd_fast", lr = 2.2}]``, ``{ sgd_fast = { name = "sgd" } }``,
    ``["sgd_fast=sgd:lr=2.2"]``. What is malformed is the setup check's to say."""
    out: dict[str, str] = {}
    items = optimizers.items() if isinstance(optimizers, dict) else []
    for key, value in items:
        if isinstance(value, dict) and isinstance(value.get("name"), str):
            out[str(key)] = value["name"]
    texts = split_specs(optimizers) if isinstance(optimizers, str) else []
    for item in optimizers if isinstance(optimizers, list) else []:
        if isinstance(item, dict) and isinstance(item.get("label"), str):
            out[item["label"]] = str(item.get("name"))
        elif isinstance(item, str):
            texts.append(item)
    for text in texts:
        try:
            spec = parse_spec(text)
        except ValueError:
            continue
        if spec.label:
            out[spec.label] = spec.name
    return out


def _with_labels(
    scenes: Mapping[str, SceneFacts], raw_steps: list[object]
) -> Mapping[str, SceneFacts]:
    """``scenes`` where a scene's live numbers also name the lesson's labelled balls: a step
    racing ``sgd_fast`` (an sgd ball) may read ``sgd_fast.loss`` as it may ``sgd.loss``."""
    extra: dict[str, set[str]] = {}
    for raw in raw_steps:
        if not isinstance(raw, dict) or not isinstance(raw.get("setup"), dict):
            continue
        facts = scenes.get(str(raw.get("scene")))
        if facts is None or facts.numbers is None:
            continue
        for label, name in _labels(raw["setup"].get("optimizers")).items():
            extra.setdefault(str(raw["scene"]), set()).update(
                f"{label}.{n.split('.', 1)[1]}" for n in facts.numbers if n.startswith(name + ".")
            )
    out = dict(scenes)
    for name, numbers in extra.items():
        facts = out[name]
        out[name] = replace(facts, numbers=(facts.numbers or frozenset()) | numbers)
    return out


def _having(key: str, scenes: Mapping[str, SceneFacts]) -> str:
    """The scenes that answer the step key ``key``, for a sentence: "network" / "a or b"."""
    names = [name for name, facts in scenes.items() if key in facts.step_keys]
    return " or ".join(names) if names else "no"


def _condition(text: object, where: str, facts: SceneFacts) -> Condition:
    if not isinstance(text, str):
        raise LessonError(f'{where}: must be a condition in quotes, e.g. "epoch >= 5".')
    try:
        known = set(facts.numbers) if facts.numbers is not None else None
        return parse_condition(text, known)
    except ConditionError as exc:
        end = "" if str(exc).endswith("?") else "."  # "did you mean 'step'?" ends the sentence
        raise LessonError(f"{where}: {exc}{end}") from None


def _languages(value: object, where: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise LessonError(f"{where} needs a text in each language: {', '.join(LANGUAGES)}.")
    missing = [
        lang
        for lang in LANGUAGES
        if not isinstance(value.get(lang), str) or not value[lang].strip()
    ]
    if missing:
        raise LessonError(f"{where} has no {' or '.join(missing)} text (a translation is missing).")
    return {lang: value[lang].strip() for lang in LANGUAGES}


def _no_unknown(
    table: Mapping[str, object], allowed: Iterable[str], where: str, what: str, prefix: str = ""
) -> None:
    allowed = frozenset(allowed)
    for key in table:
        if key not in allowed:
            raise LessonError(
                f"{where}: {prefix}{key} is not a key of {what}{_did_you_mean(key, allowed)}; "
                f"the keys are {', '.join(sorted(allowed))}."
            )


def _did_you_mean(word: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(word, list(choices), n=1)
    return f" (did you mean {close[0]}?)" if close else ""
