"""The one parser for what users type for a setting, wherever they type it: ``--set KEY=VALUE``,
``--optimizer NAME[:k=v,...]``, ``--schedule``, ``--noise``, ``--start x,y``, ``--compare`` and the
string forms a setup file accepts.

- ``parse_value(text, kind)``: a typed value (bool, int, float, str, ``X | None``, a point
  ``x,y``, a list ``a,b,c``, a ``Spec`` or a ``Pick``);
- ``parse_spec(text)``: ``NAME[:k=v,...]`` (or ``NAME:VALUE`` for a thing with one knob) →
  ``Spec``; ``spec_for`` checks its knobs against what the named thing accepts;
- ``split_specs``: ``sgd:lr=0.1,beta=0.9,adam`` → one text per spec;
- ``unknown``: the sentence for a name that is not valid, with "did you mean".
"""

from __future__ import annotations

import difflib
import math
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

BOOL_WORDS = {"on": True, "true": True, "yes": True, "1": True}
BOOL_WORDS |= {"off": False, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Spec:
    """``NAME[:k=v,...]``: a named thing (an optimizer, a schedule, a noise) and the knobs it is
    given; knobs left out take the thing's own defaults."""

    name: str
    values: Mapping[str, float] = field(default_factory=dict)
    # what this one is called where the same thing is used twice (a Landscape ball ``sgd_fast``
    # racing ``sgd``: lessons read ``sgd_fast.loss``); "" means its name
    label: str = ""

    @property
    def key(self) -> str:
        """The label, or the name when it has none: what a list of specs is keyed by."""
        return self.label or self.name

    def text(self) -> str:
        knobs = ",".join(f"{k}={v:g}" for k, v in self.values.items())
        head = f"{self.label}={self.name}" if self.label and self.label != self.name else self.name
        return f"{head}:{knobs}" if knobs else head


@dataclass(frozen=True)
class Pick:
    """``KEY:VALUE``: one of a setup's own settings and a value for it (e.g. what the B net of a
    side-by-side comparison changes: ``activation:relu``)."""

    key: str
    value: Any

    def text(self) -> str:
        value = ("on" if self.value else "off") if isinstance(self.value, bool) else self.value
        return f"{self.key}:{value:g}" if isinstance(value, float) else f"{self.key}:{value}"


def unknown(what: str, name: str, valid: Iterable[str], owner: str = "") -> str:
    """``"unknown key 'dpth' (did you mean 'depth'?); valid: ..."``, or with ``owner``
    ``"sgd has no hyperparameter 'lrr' (did you mean 'lr'?); valid: lr"`` (no full stop)."""
    valid = [str(v) for v in valid]
    close = difflib.get_close_matches(str(name), valid, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    head = f"{owner} has no {what} {name!r}" if owner else f"unknown {what} {name!r}"
    return f"{head}{hint}; valid: {', '.join(valid) or 'none'}"


def optional_of(kind: Any) -> tuple[Any, bool]:
    """``int | None`` → ``(int, True)``; ``int`` → ``(int, False)``."""
    args = typing.get_args(kind)
    if typing.get_origin(kind) in (typing.Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return rest[0], True
    return kind, False


def describe_kind(kind: Any) -> str:
    """What a value of ``kind`` looks like, for error sentences."""
    base, _ = optional_of(kind)
    if base is bool:
        return "on or off"
    if base is int:
        return "a whole number"
    if base is float:
        return "a number"
    if base is Spec:
        return "NAME[:k=v,...]"
    if base is Pick:
        return "KEY:VALUE"
    if typing.get_origin(base) is tuple:
        args = typing.get_args(base)
        if len(args) == 2 and args[1] is not Ellipsis:
            return "two numbers x,y"
        return f"a list of {describe_kind(args[0])} separated by commas"
    return "a name"


def parse_number(text: str, integer: bool = False) -> float | int:
    text = text.strip()
    if integer:
        value = float(text)
        if not value.is_integer():
            raise ValueError(text)
        return int(value)
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


def parse_value(
    text: str,
    kind: Any,
    what: str,
    *,
    none: str = "none",
    pick_kind: Callable[[str], Any] | None = None,
    pick_keys: Iterable[str] = (),
) -> Any:
    """``text`` as a value of ``kind``; ValueError with one sentence naming ``what`` otherwise.
    ``none`` is the word for None in an ``X | None`` kind (off, max, auto, ...); a ``Pick``'s
    value is parsed with ``pick_kind(key)``."""
    raw = text
    text = text.strip()
    base, optional = optional_of(kind)
    if optional and text.lower() in (none, "none"):
        return None
    try:
        if base is bool:
            return BOOL_WORDS[text.lower()]
        if base is int:
            return parse_number(text, integer=True)
        if base is float:
            return float(parse_number(text))
        if base is Spec:
            return parse_spec(text, what)
        if base is Pick:
            return parse_pick(text, what, pick_keys, pick_kind)
        if typing.get_origin(base) is tuple:
            args = typing.get_args(base)
            if len(args) == 2 and args[1] is not Ellipsis:
                return parse_point(text, what)
            item = args[0]
            if item is Spec:
                return tuple(parse_spec(part, what) for part in split_specs(text))
            return tuple(parse_value(p, item, what) for p in text.split(",") if p.strip())
    except (KeyError, ValueError) as exc:
        if str(exc).startswith(what):
            raise
        word = f" or {none}" if optional else ""
        raise ValueError(f"{what}: {raw!r} is not {describe_kind(base)}{word}") from None
    if not text:
        raise ValueError(f"{what} is empty; give {describe_kind(base)}")
    return text


def parse_point(text: str, what: str = "--start") -> tuple[float, float]:
    """``"-1.2,1"`` → ``(-1.2, 1.0)``."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        x, y = (float(p) for p in parts)
    except ValueError:
        raise ValueError(f"{what} expects two numbers x,y (e.g. -1.2,1), got {text!r}") from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"{what} must be finite numbers, got {text!r}")
    return x, y


def parse_spec(text: str, what: str = "") -> Spec:
    """``"momentum:lr=0.001,beta=0.9"`` → ``Spec("momentum", {"lr": 0.001, "beta": 0.9})``;
    ``"gaussian:0.1"`` (one value, no key) → ``Spec("gaussian", {"": 0.1})`` for ``spec_for`` to
    name; ``"sgd_fast=sgd:lr=2.2"`` → the same with the label ``sgd_fast``. Only the syntax is
    checked here."""
    name, _, rest = text.partition(":")
    label, _, name = name.rpartition("=")
    name, label = name.strip(), label.strip()
    if not name:
        raise ValueError(f"{what or 'spec'}: expected NAME[:k=v,...], got {text!r}")
    what = f"{what} {name!r}" if what else name
    values: dict[str, float] = {}
    parts = [p.strip() for p in rest.split(",") if p.strip()]
    for part in parts:
        key, sep, raw = part.partition("=")
        key = key.strip() if sep else ""
        raw = raw if sep else part
        if not sep and len(parts) > 1:
            raise ValueError(f"{what}: expected name=value, got {part!r} (e.g. lr=0.01)")
        try:
            values[key] = float(parse_number(raw))
        except ValueError:
            label = f"{key}={raw.strip()!r}" if key else repr(raw.strip())
            try:
                float(raw)
            except ValueError:
                raise ValueError(f"{what}: {label} is not a number") from None
            raise ValueError(
                f"{what}: {label}: {key or 'the value'} must be a finite number"
            ) from None
    return Spec(name, values, label if label != name else "")


def spec_for(
    text: str | Spec, lookup: Callable[[str], tuple[str, Mapping[str, Any]]], what: str
) -> Spec:
    """A ``Spec`` whose name ``lookup`` knows (it returns the registered name and its knobs, or
    raises with one sentence) and whose knobs are among the thing's own."""
    spec = parse_spec(text, what) if isinstance(text, str) else text
    name, knobs = lookup(spec.name)
    values = dict(spec.values)
    if "" in values:
        if len(knobs) != 1:
            raise ValueError(
                f"{what} {name!r}: give name=value (valid: {', '.join(knobs) or 'none'})"
            )
        values = {next(iter(knobs)): values.pop("")}
    for key in values:
        if key not in knobs:
            raise ValueError(unknown("hyperparameter", key, knobs, owner=f"{what} {name!r}"))
    return Spec(name, values, spec.label)


def split_specs(text: str) -> list[str]:
    """``sgd:lr=0.1,beta=0.9,adam`` → ``["sgd:lr=0.1,beta=0.9", "adam"]``: a part that is only
    ``k=v`` belongs to the spec before it, unless ``v`` is a name (``sgd_fast=sgd``, a label and
    what it labels)."""
    out: list[str] = []
    for part in (p.strip() for p in text.split(",")):
        if out and "=" in part and ":" not in part and not _is_label(part):
            out[-1] += "," + part
        elif part:
            out.append(part)
    return out


LABEL = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _is_label(part: str) -> bool:
    """``sgd_fast=sgd``: a label and a name, not ``k=v`` (a value is never a name)."""
    key, _, value = part.partition("=")
    try:
        float(value)
        return False  # nan, inf
    except ValueError:
        return bool(LABEL.fullmatch(key.strip()) and LABEL.fullmatch(value.strip()))


def parse_pick(
    text: str, what: str, keys: Iterable[str], kind: Callable[[str], Any] | None = None
) -> Pick:
    """``activation:relu`` (or ``activation=relu``) → ``Pick("activation", "relu")``, the value
    typed by ``kind(key)``."""
    keys = list(keys)
    cut = min((i for i in (text.find(":"), text.find("=")) if i >= 0), default=-1)
    key, value = (text[:cut].strip(), text[cut + 1 :].strip()) if cut >= 0 else (text, "")
    key = key.replace("-", "_")
    if keys and key not in keys:
        raise ValueError(f"{what}: " + unknown("setting", key, keys))
    if cut < 0 or not value:
        raise ValueError(f"{what} expects KEY:VALUE (e.g. activation:relu), got {text!r}")
    typed = parse_value(value, kind(key), f"{what} {key}") if kind else value
    return Pick(key, typed)


def parse_assignment(text: str, what: str = "--set") -> tuple[str, str]:
    """``depth=10`` → ``("depth", "10")``."""
    key, sep, value = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not key:
        raise ValueError(f"{what} expects KEY=VALUE (e.g. depth=10), got {text!r}")
    return key, value.strip()
