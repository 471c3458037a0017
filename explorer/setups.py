"""Setups: everything a user can set in a scene, as data that is saved, opened, typed on the
command line (``--set KEY=VALUE``) and applied by lessons, all through the model's ``apply``.

A scene's model follows one convention (its ``model.py``, no pygame):

- a frozen dataclass ``XxxSetup`` whose fields are the knobs, each with a default; a field may
  carry ``knob(...)`` metadata (range, choices, registry names, the word for None, ...) that
  ``check`` enforces and error sentences quote;
- ``model.setup()`` returns the current one; ``model.apply(setup)`` validates all of it first
  (raising ``SetupError`` or ValueError with one sentence) and only then changes anything.

This module knows no scene: it is driven by the dataclass fields, their types and metadata. Files
are TOML with a ``version`` and the ``scene`` name, written atomically (temp file + rename).
Fields are listed so that a later one may depend on an earlier one (``follows``): overriding the
surface alone puts the start and the learning rates back to the new surface's suggestions.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import math
import os
import time
import typing
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from explorer.atomic_write import write_text
from explorer.knob_text import (
    LABEL,
    Pick,
    Spec,
    describe_kind,
    optional_of,
    parse_pick,
    parse_value,
    unknown,
)
from explorer.languages import LANGUAGES
from explorer.user_files import UserFileError, read_toml

SETUP_VERSION = 1
HEADER = (
    "# DL Explorer setup: `dl-explorer open THIS_FILE`, Ctrl+O in the app, or\n"
    "# `dl-explorer render --setup THIS_FILE --out run.gif`. Keys left out keep their values.\n"
)


class SetupError(ValueError):
    """One sentence naming the key, what is wrong and what is valid; ``at(source)`` prefixes the
    file (or ``--set``) it came from."""

    def __init__(self, message: str, key: str | None = None, source: str = "") -> None:
        super().__init__(message)
        self.message, self.key, self.source = message, key, source

    def at(self, source: str) -> SetupError:
        return SetupError(self.message, self.key, source) if not self.source else self

    def __str__(self) -> str:
        text = f"{self.source}: {self.message}" if self.source else self.message
        return text if text.endswith((".", "?", "!")) else text + "."


def knob(
    default: Any,
    *,
    low: float | None = None,
    high: float | None = None,
    below: float | None = None,
    choices: Iterable[Any] | None = None,
    names: str | None = None,
    none: str | None = None,
    follows: str | None = None,
    keys: Iterable[str] | None = None,
    within: Callable[[], Mapping[str, float]] | None = None,
    on: str | None = None,
    listed: bool = False,
    file: bool = False,
    doc: str = "",
) -> Any:
    """A setup field with what ``check`` enforces: ``low``/``high`` (inclusive) or ``below``
    (exclusive) for numbers, ``choices`` (fixed values), ``names`` (a registry table: optimizers,
    schedules, surfaces, activations, datasets; for a Spec also its hyperparameters' ranges),
    ``none`` (the word written for None: off, max, auto), ``follows`` (a field this one returns to
    its automatic value with when only that field is overridden), ``keys`` (a Pick's keys),
    ``within`` (a range declared elsewhere, e.g. ``explorer.training.ranges``: a function giving
    low/high/below, read at each check instead of copying the numbers here), ``on`` (a point
    field: the surface field whose domain it must lie near, the check ``race --start`` makes),
    ``listed`` (a text knob that also takes a list of names, one per layer: ``activation =
    ["relu", "sigmoid"]``, kept as ``"relu,sigmoid"`` and each name checked), ``file`` (a text
    knob naming a file: in a setup or lesson file a relative path is read from that file's
    folder, not the working directory, so the two travel together)."""
    meta = {
        "low": low,
        "high": high,
        "below": below,
        "choices": tuple(choices) if choices is not None else None,
        "names": names,
        "none": none,
        "follows": follows,
        "keys": tuple(keys) if keys is not None else None,
        "within": within,
        "on": on,
        "listed": listed,
        "file": file,
        "doc": doc,
    }
    return dataclasses.field(default=default, metadata={"knob": meta})


@dataclass(frozen=True)
class Knob:
    name: str
    kind: Any
    meta: Mapping[str, Any]

    @property
    def none(self) -> str:
        return self.meta.get("none") or "none"


_EMPTY_META = {"none": None}


@functools.cache
def knobs(cls: type) -> dict[str, Knob]:
    """The setup class's fields, in order, with their resolved types and metadata (a
    ``Literal["a", "b"]`` field is a str with those choices)."""
    hints = typing.get_type_hints(cls)
    out = {}
    for f in dataclasses.fields(cls):
        kind, meta = hints[f.name], dict(f.metadata.get("knob", _EMPTY_META))
        base, optional = optional_of(kind)
        if typing.get_origin(base) is typing.Literal:
            choices = typing.get_args(base)
            meta["choices"] = meta.get("choices") or choices
            kind = type(choices[0]) | None if optional else type(choices[0])
        out[f.name] = Knob(f.name, kind, meta)
    return out


def _knobs_of(setup: Any) -> dict[str, Knob]:
    return knobs(setup if isinstance(setup, type) else type(setup))


# -- validation --------------------------------------------------------------------------------
MAX_EXACT = 10**300  # a whole number beyond this cannot become a float (or a sane setting)


def _too_large(key: str, value: int, valid: str) -> SetupError:
    """``speed = a 400-digit number is far too large``: a huge whole number is not quoted."""
    digits = int(abs(value).bit_length() * 0.30103) + 1  # str() refuses over 4,300 digits
    return SetupError(f"{key} = a {digits:,}-digit number is far too large; valid: {valid}", key)


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Spec | Pick):
        return f'"{value.text()}"'
    if isinstance(value, tuple):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return f"{value:g}" if isinstance(value, float) else str(value)


def _bounds(meta: Mapping[str, Any]) -> tuple[Any, Any, Any]:
    """(low, high, below) of a number knob: its own, or those its ``within`` declares."""
    within = meta.get("within")
    bounds = within() if within is not None else meta
    return bounds.get("low"), bounds.get("high"), bounds.get("below")


def _range_text(kind: Any, meta: Mapping[str, Any]) -> str:
    low, high, below = (_bound(b, kind) for b in _bounds(meta))
    what = "whole numbers" if kind is int else "numbers"
    if low is not None and below is not None:
        return f"{what} from {low} up to (not including) {below}"
    if low is not None and high is not None:
        return f"{what} {low} … {high}"
    if low is not None:
        return f"{what} ≥ {low}"
    if high is not None:
        return f"{what} ≤ {high}"
    return what


def _bound(value: float | None, kind: Any) -> str | None:
    """A range's end as a person reads it: ``4,294,967,295`` for whole numbers, not 4.29497e+09."""
    if value is None:
        return None
    return f"{int(value):,}" if kind is int and float(value).is_integer() else f"{value:g}"


def valid_text(k: Knob, registry: Any = None) -> str:
    """What values ``k`` accepts, as the error sentences write it."""
    base, optional = optional_of(k.kind)
    meta = k.meta
    if meta.get("choices"):
        text = ", ".join(str(c) for c in meta["choices"])
    elif meta.get("names") and registry is not None:
        table = list(getattr(registry, meta["names"]))
        text = ", ".join(table) + (" or expr:FORMULA" if meta["names"] == "surfaces" else "")
    elif base is Pick and meta.get("keys"):
        text = "KEY:VALUE with KEY one of " + ", ".join(meta["keys"])
    elif base in (int, float):
        text = _range_text(base, meta)
    elif base is bool:
        text = "true or false (on or off)"
    else:
        text = describe_kind(base)
    return f"{text} or {k.none}" if optional else text


def _fail(key: str, value: Any, problem: str, valid: str) -> SetupError:
    return SetupError(f"{key} = {_show(value)} {problem}; valid: {valid}", key)


def _not_one_of(key: str, value: Any, thing: str, valid: Iterable[Any]) -> SetupError:
    """``depth = "dpth" is not a setting (did you mean 'depth'?); valid: ...``"""
    valid = [str(v) for v in valid]
    close = difflib.get_close_matches(str(value), valid, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return _fail(key, value, f"is not {thing}{hint}", ", ".join(valid) or "none")


def _check_number(key: str, value: Any, kind: Any, meta: Mapping[str, Any], valid: str) -> None:
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise _fail(key, value, "is not a whole number", valid)
    if kind is float and (isinstance(value, bool) or not isinstance(value, int | float)):
        raise _fail(key, value, "is not a number", valid)
    if isinstance(value, int) and abs(value) > MAX_EXACT:  # isfinite() would overflow
        raise _too_large(key, value, valid)
    if not math.isfinite(value):
        raise _fail(key, value, "is not a finite number", valid)
    low, high, below = _bounds(meta)
    if (
        (low is not None and value < low)
        or (high is not None and value > high)
        or (below is not None and value >= below)
    ):
        raise _fail(key, value, "is out of range", valid)


def _check_name(key: str, value: str, k: Knob, registry: Any) -> Mapping[str, Any]:
    if k.meta.get("listed") and "," in value:  # one name per layer
        for name in value.split(","):
            _check_name(
                key, name.strip(), Knob(k.name, k.kind, {**k.meta, "listed": False}), registry
            )
        return {}
    table = k.meta.get("names")
    if table and registry is not None:
        prefix, colon, _ = value.partition(":")
        families = getattr(registry, "families", {})
        if table == "surfaces" and colon and prefix in families and value not in registry.surfaces:
            try:  # expr: is built (quick); net: is only checked, trained when applied
                registry.check_surface(value)
            except (LookupError, ValueError) as exc:
                what = "a formula that works" if prefix == "expr" else f"a {prefix}: surface"
                valid = "expr:FORMULA in x and y" if prefix == "expr" else f"{prefix}:…"
                raise _fail(key, value, f"is not {what} ({exc})", valid) from None
            return {}
        names = getattr(registry, table)
        if value not in names:
            raise _not_one_of(key, value, f"a known {table[:-1]}", names)
        return getattr(names[value], "hyper", {})
    choices = k.meta.get("choices")
    if choices and value not in choices:
        raise _not_one_of(key, value, "one of the choices", choices)
    return {}


def _check_spec(key: str, spec: Any, k: Knob, registry: Any, in_list: str | None = None) -> None:
    if not isinstance(spec, Spec) or not isinstance(spec.name, str):
        raise _fail(key, spec, "is not NAME[:k=v,...]", valid_text(k, registry))
    hyper = _check_name(key, spec.name, k, registry)
    if registry is None or not k.meta.get("names"):
        return
    for name, value in spec.values.items():
        where = f"{key}.{name}" if in_list is None else f"{in_list}.{spec.name}.{name}"
        if name == "":  # NAME:VALUE, which only a thing with one knob may use
            raise SetupError(
                f"{key} = {_show(spec)} gives a value without its name; valid: "
                f"{spec.name}:k=v with k one of {', '.join(hyper) or 'none'}",
                key,
            )
        if name not in hyper:
            raise SetupError(
                f"{where}: " + unknown("hyperparameter", name, hyper, owner=spec.name), where
            )
        h = hyper[name]
        # a slider's range is a UI hint: judge the value by what the maths allows (Hyper.check),
        # as race, train and the app do
        try:
            h.check(value, name, spec.name)
        except ValueError as exc:
            raise SetupError(f"{where}: {exc}; valid: {h.law}", where) from None


def check_value(k: Knob, value: Any, registry: Any = None, setup_cls: type | None = None) -> None:
    """Raise SetupError (one sentence) unless ``value`` is valid for ``k``."""
    key, meta = k.name, k.meta
    base, optional = optional_of(k.kind)
    if value is None:
        if optional:
            return
        raise _fail(key, value, "is missing", valid_text(k, registry))
    valid = valid_text(k, registry)
    if base is bool:
        if not isinstance(value, bool):
            raise _fail(key, value, "is not true or false", valid)
    elif base in (int, float):
        _check_number(key, value, base, meta, valid)
    elif base is str:
        if not isinstance(value, str):
            raise _fail(key, value, "is not text", valid)
        _check_name(key, value, k, registry)
    elif base is Spec:
        _check_spec(key, value, k, registry)
    elif base is Pick:
        keys = meta.get("keys") or ()
        if not isinstance(value, Pick) or value.key not in keys:
            what = value.key if isinstance(value, Pick) else value
            raise _not_one_of(key, what, "a setting it can change", keys)
        if setup_cls is not None:
            inner = knobs(setup_cls)[value.key]
            check_value(Knob(f"{key}.{value.key}", inner.kind, inner.meta), value.value, registry)
    elif typing.get_origin(base) is tuple:
        args = typing.get_args(base)
        if not isinstance(value, tuple):
            raise _fail(key, value, f"is not {describe_kind(base)}", valid)
        if len(args) == 2 and args[1] is not Ellipsis:
            if len(value) != 2:
                raise _fail(key, value, "is not two numbers x,y", valid)
            for v in value:
                _check_number(key, v, float, {}, "two finite numbers x,y")
            return
        item = Knob(key, args[0], meta)
        seen = set()
        for v in value:
            if args[0] is Spec:
                _check_spec(key, v, item, registry, in_list=key)
            else:
                check_value(item, v, registry, setup_cls)
            name = v.key if isinstance(v, Spec) else v
            if isinstance(v, Spec) and v.label:
                _check_label(key, v, meta, registry)
            if name in seen:
                again = " (a second ball of one optimizer needs a label of its own)"
                raise _fail(key, value, f"names {name!r} twice", "each name once" + again)
            seen.add(name)


def _check_label(key: str, spec: Spec, meta: Mapping[str, Any], registry: Any) -> None:
    """A ball's own label (``sgd_fast``): a name lessons can read (``sgd_fast.loss``), and not
    another optimizer's name."""
    where = f"{key}.{spec.label}"
    if not LABEL.fullmatch(spec.label):
        valid = "letters, digits and _ (a lesson reads LABEL.loss), e.g. sgd_fast"
        raise _fail(where, spec.label, "is not a label", valid)
    table = getattr(registry, str(meta.get("names")), None) if registry is not None else None
    if isinstance(table, Mapping) and spec.label in table:
        valid = f"a label of its own for this {spec.name} ball, e.g. {spec.name}_2"
        raise _fail(where, spec.label, f"is the name of another {meta['names'][:-1]}", valid)


def check(setup: Any, registry: Any = None) -> None:
    """Every field of ``setup`` against its type and ``knob`` metadata (registry names and
    hyperparameter ranges too when a registry is given): SetupError with one sentence."""
    ks = _knobs_of(setup)
    for name, k in ks.items():
        check_value(k, getattr(setup, name), registry, type(setup))
    for name, k in ks.items():
        if k.meta.get("on") and getattr(setup, name) is not None:
            _check_within(name, getattr(setup, name), getattr(setup, k.meta["on"]), registry)


FAR = 1e6  # a point on a surface that is only checked, not built (net:), stays within this


def _check_within(key: str, point: tuple[float, float], surface: str, registry: Any) -> None:
    """A start (any door: a file, ``--set``, a lesson) far outside its surface's domain is
    refused as ``race --start`` refuses it, before a ball is drawn at 1e308."""
    from explorer.landscape.start_point import check_start

    prefix, colon, _ = surface.partition(":")
    family = getattr(registry, "families", {}).get(prefix) if colon else None
    if registry is None or (family is not None and family.check is not None):
        if max(abs(v) for v in point) > FAR:  # its domain is known once it is built
            raise SetupError(
                f"{key} = {_show(point)} is far outside any surface; valid: two numbers x,y "
                f"within ±{FAR:g}",
                key,
            )
        return
    try:
        check_start(registry.surface(surface), point, key)
    except ValueError as exc:
        raise SetupError(str(exc), key) from None


# -- combining ---------------------------------------------------------------------------------
def _automatic(k: Knob, value: Any) -> Any:
    """The value a ``follows`` field goes back to: None (the automatic choice) for an optional,
    the same names with their knobs left to the defaults for specs."""
    if optional_of(k.kind)[1]:
        return None
    if isinstance(value, Spec):
        return Spec(value.name)
    if isinstance(value, tuple) and all(isinstance(v, Spec) for v in value):
        return tuple(Spec(v.name) for v in value)
    return value


def merge(base: Any, overrides: Mapping[str, Any]) -> Any:
    """``base`` with ``overrides`` put in (names already checked); a field that ``follows`` an
    overridden one, and is not overridden itself, goes back to its automatic value."""
    ks = _knobs_of(base)
    changes = dict(overrides)
    for name, k in ks.items():
        dep = k.meta.get("follows")
        if (
            dep
            and dep in overrides
            and name not in overrides
            and overrides[dep] != getattr(base, dep)
        ):
            changes[name] = _automatic(k, getattr(base, name))
    return dataclasses.replace(base, **changes)


def apply(model: Any, overrides: Mapping[str, Any], source: str = "") -> Any:
    """``model.apply(merge(model.setup(), overrides))``; any refusal becomes a SetupError naming
    ``source``. Returns the setup applied."""
    base = model.setup()
    if base is None:
        raise SetupError("this scene has no settings to set").at(source)
    try:
        setup = merge(base, overrides)
        model.apply(setup)
    except SetupError as exc:
        raise exc.at(source) from None
    except (ValueError, LookupError, TypeError) as exc:
        raise SetupError(str(exc)).at(source) from None
    return setup


# -- text (--set KEY=VALUE) --------------------------------------------------------------------
def unknown_key(cls: type, key: str, scene: str = "") -> SetupError:
    owner = f"the {scene} scene" if scene else "this scene"
    text = unknown("setting", key, knobs(cls), owner=owner)
    return SetupError(text.replace("; valid:", "; valid keys:"), key)


def from_text(cls: type, key: str, text: str) -> Any:
    """What ``--set KEY=TEXT`` means for the setup class ``cls`` (typed, not yet range-checked)."""
    ks = knobs(cls)
    if key not in ks:
        raise unknown_key(cls, key)
    return _from_text(ks[key], text, ks)


def _from_text(k: Knob, text: str, ks: Mapping[str, Knob]) -> Any:
    base, optional = optional_of(k.kind)
    try:
        if base is Pick and not (optional and text.strip().lower() in (k.none, "none")):
            # KEY:VALUE, the value read as that setting of the same setup would be
            pick = parse_pick(text, k.name, k.meta.get("keys") or ())
            inner = ks[pick.key]
            value = _from_text(Knob(f"{k.name}.{pick.key}", inner.kind, inner.meta), pick.value, ks)
            return Pick(pick.key, value)
        return parse_value(text, k.kind, k.name, none=k.none)
    except SetupError:
        raise
    except ValueError as exc:
        digits = text.strip().lstrip("+-")
        if base in (int, float) and digits.isdigit() and len(digits) > 300:
            raise SetupError(
                f"{k.name} = a {len(digits):,}-digit number is far too large; valid: "
                f"{valid_text(k)}",
                k.name,
            ) from None
        if base in (bool, int, float, str):
            raise _fail(k.name, text, f"is not {describe_kind(base)}", valid_text(k)) from None
        sentence = str(exc) if "valid:" in str(exc) else f"{exc}; valid: {valid_text(k)}"
        raise SetupError(sentence, k.name) from None


def overrides_from_text(cls: type, assignments: Iterable[str], scene: str = "") -> dict[str, Any]:
    """``["depth=10", "activation=sigmoid"]`` → typed overrides; a mistake is one sentence."""
    from explorer.knob_text import parse_assignment

    out: dict[str, Any] = {}
    for text in assignments:
        try:
            key, raw = parse_assignment(text)
            if key not in knobs(cls):
                raise unknown_key(cls, key, scene)
            out[key] = from_text(cls, key, raw)
        except ValueError as exc:
            raise SetupError(str(exc).rstrip(".")).at(f"--set {text}") from None
    return out


# -- files a setup names -----------------------------------------------------------------------
def resolve_files(cls: type, values: Mapping[str, Any], folder: Path) -> dict[str, Any]:
    """``values`` with every ``file`` knob's relative path read from ``folder`` (the setup or
    lesson file's own): ``data = "points.csv"`` is the CSV beside the file, wherever the app was
    started from. An absolute path, and a path typed on the command line, stay as they are."""
    ks = knobs(cls)
    out = dict(values)
    for key, value in values.items():
        if key in ks and ks[key].meta.get("file") and isinstance(value, str) and value:
            path = Path(value).expanduser()
            out[key] = str(path if path.is_absolute() else folder / path)
    return out


def relative_files(setup: Any, folder: Path) -> Any:
    """``setup`` with every ``file`` knob under ``folder`` written relative to it (a setup saved
    beside its CSV keeps pointing at it when the two are moved or sent on together), any other
    absolute (a path relative to the working directory would be read from the file's folder)."""
    changes = {}
    for key, k in _knobs_of(setup).items():
        value = getattr(setup, key)
        if k.meta.get("file") and isinstance(value, str) and value:
            where = Path(value).expanduser().resolve()  # a relative path: the working directory's
            try:
                changes[key] = where.relative_to(folder.resolve()).as_posix()
            except ValueError:
                changes[key] = str(where)  # elsewhere: absolute, found from any folder
    return dataclasses.replace(setup, **changes) if changes else setup


# -- TOML --------------------------------------------------------------------------------------
def _to_toml(k: Knob, value: Any, ks: Mapping[str, Knob]) -> Any:
    if value is None:
        return k.none
    if isinstance(value, Spec):
        return {"name": value.name, **{key: float(v) for key, v in value.values.items()}}
    if isinstance(value, Pick):
        inner = value.value
        if isinstance(inner, Spec):
            inner = inner.text()  # optimizer:adam, not a nested table
        elif value.key in ks:
            inner = _to_toml(ks[value.key], inner, ks)
        return {value.key: inner}
    if isinstance(value, tuple):
        args = typing.get_args(optional_of(k.kind)[0])
        if args == (Spec, Ellipsis):  # [optimizers.sgd] lr = 0.5; a label: name = "sgd" in it
            return {
                v.key: ({"name": v.name} if v.key != v.name else {})
                | {key: float(x) for key, x in v.values.items()}
                for v in value
            }
        return [float(v) if isinstance(v, float) else v for v in value]
    if isinstance(value, str) and k.meta.get("listed") and "," in value:
        return [name.strip() for name in value.split(",")]
    if isinstance(value, bool | int | str):
        return value
    return float(value)


def to_toml(scene: str, setup: Any, lang: str | None = None) -> dict[str, Any]:
    ks = _knobs_of(setup)
    data: dict[str, Any] = {"version": SETUP_VERSION, "scene": scene}
    if lang is not None:
        data["lang"] = lang  # the UI's language when it was saved (the app's, not the scene's)
    for name, k in ks.items():
        data[name] = _to_toml(k, getattr(setup, name), ks)
    return data


def dumps(scene: str, setup: Any, lang: str | None = None) -> str:
    return HEADER + tomli_w.dumps(to_toml(scene, setup, lang))


def write(path: Path | str, scene: str, setup: Any, lang: str | None = None) -> Path:
    """Write ``setup`` to ``path`` atomically (a temp file beside it, then a rename); ``lang``:
    the UI's language, opened with it again."""
    path = Path(path)
    text = dumps(scene, relative_files(setup, path.parent), lang)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, text, "the setup")
    return path


def default_folder() -> Path:
    """Where Ctrl+S saves: $DL_EXPLORER_SETUPS, else the user's documents/dl-explorer-setups."""
    env = os.environ.get("DL_EXPLORER_SETUPS")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_documents_dir()) / "dl-explorer-setups"


def new_path(scene: str, folder: Path | None = None) -> Path:
    """``folder/SCENE-YYYYmmdd-HHMMSS.toml`` (with -2, -3 ... if that exists)."""
    folder = folder or default_folder()
    stem = f"{scene}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = folder / f"{stem}.toml", 2
    while path.exists():
        path, k = folder / f"{stem}-{k}.toml", k + 1
    return path


def _number(k: Knob, key: str, value: Any, integer: bool) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        word = "a whole number" if integer else "a number"
        raise _fail(key, value, f"is not {word}", valid_text(k))
    if isinstance(value, int) and abs(value) > MAX_EXACT:  # float() would overflow past 1e308
        raise _too_large(key, value, valid_text(k))
    if integer:
        if isinstance(value, float) and not value.is_integer():
            raise _fail(key, value, "is not a whole number", valid_text(k))
        return int(value)
    return float(value)


def from_toml(k: Knob, value: Any, ks: Mapping[str, Knob]) -> Any:
    """A TOML value as the field's type (a string takes the ``--set`` form); SetupError if it
    has the wrong type. Ranges and names are ``check``'s."""
    key = k.name
    base, optional = optional_of(k.kind)
    if isinstance(value, str) and optional and value.strip().lower() in (k.none, "none"):
        return None  # the word a saved file writes for None (``data = "off"``), text knobs too
    if isinstance(value, str) and base is not str:
        try:
            return parse_value(
                value,
                k.kind,
                key,
                none=k.none,
                pick_kind=lambda name: ks[name].kind if name in ks else str,
                pick_keys=k.meta.get("keys") or (),
            )
        except ValueError:
            raise _fail(key, value, f"is not {describe_kind(base)}", valid_text(k)) from None
    if base is bool:
        if not isinstance(value, bool):
            raise _fail(key, value, "is not true or false", valid_text(k))
        return value
    if base in (int, float):
        return _number(k, key, value, base is int)
    if base is str:
        listed = k.meta.get("listed") and isinstance(value, list) and value
        if listed and all(isinstance(v, str) and v.strip() and "," not in v for v in value):
            return ",".join(v.strip() for v in value)  # one name per layer
        if not isinstance(value, str):
            raise _fail(key, value, "is not text", valid_text(k))
        return value
    if base is Spec:
        if not isinstance(value, dict) or not isinstance(value.get("name"), str):
            raise _fail(key, value, "is not a table with a name", 'name = "..." and k = v')
        label = value.get("label", "")
        if not isinstance(label, str):
            raise _fail(f"{key}.label", label, "is not text", 'label = "sgd_fast"')
        rest = {n: v for n, v in value.items() if n not in ("name", "label")}
        return Spec(value["name"], _spec_values(k, f"{key}", rest), _label(label, value["name"]))
    if base is Pick:
        if not isinstance(value, dict) or len(value) != 1:
            raise _fail(key, value, "is not one KEY = VALUE", valid_text(k))
        ((name, inner),) = value.items()
        keys = k.meta.get("keys") or ()
        if name not in keys:
            raise _not_one_of(key, name, "a setting it can change", keys)
        sub = ks[name]
        return Pick(name, from_toml(Knob(f"{key}.{name}", sub.kind, sub.meta), inner, ks))
    if typing.get_origin(base) is tuple:
        args = typing.get_args(base)
        if len(args) == 2 and args[1] is not Ellipsis:
            if not isinstance(value, list) or len(value) != 2:
                raise _fail(key, value, "is not two numbers [x, y]", "[x, y]")
            return tuple(_number(k, key, v, False) for v in value)
        if args[0] is Spec:
            if isinstance(value, dict):
                specs = []
                for label, knobs_ in value.items():
                    if not isinstance(knobs_, dict):
                        raise _fail(f"{key}.{label}", knobs_, "is not a table", "k = v lines")
                    # [optimizers.sgd_fast] name = "sgd": a second ball of sgd, called sgd_fast
                    name = knobs_.get("name", label)
                    if not isinstance(name, str):
                        raise _fail(f"{key}.{label}.name", name, "is not a name", 'name = "sgd"')
                    rest = {n: v for n, v in knobs_.items() if n != "name"}
                    values = _spec_values(k, f"{key}.{label}", rest)
                    specs.append(Spec(name, values, _label(label, name)))
                return tuple(specs)
            if isinstance(value, list):
                return tuple(from_toml(Knob(key, Spec, k.meta), v, ks) for v in value)
            raise _fail(key, value, "is not a table of names", "[optimizers.NAME] tables")
        if not isinstance(value, list):
            raise _fail(key, value, f"is not {describe_kind(base)}", valid_text(k))
        return tuple(from_toml(Knob(key, args[0], k.meta), v, ks) for v in value)
    return value


def _label(label: str, name: str) -> str:
    """A spec's label as kept: "" when it only repeats the name."""
    return "" if label == name else label


def _spec_values(k: Knob, key: str, values: Mapping[str, Any]) -> dict[str, float]:
    out = {}
    for name, v in values.items():
        out[name] = _number(Knob(f"{key}.{name}", float, {}), f"{key}.{name}", v, False)
    return out


def read(path: Path | str, scenes: Mapping[str, type | None]) -> tuple[str, dict[str, Any]]:
    """The scene a setup file names and its values, typed (``{}`` for a scene without a setup
    class). Anything wrong (not TOML, a newer version, an unknown scene or key, a wrong type) is
    one SetupError naming the file and the key."""
    scene, values, _ = read_with_language(path, scenes)
    return scene, values


def read_with_language(
    path: Path | str, scenes: Mapping[str, type | None]
) -> tuple[str, dict[str, Any], str | None]:
    """``read``, and the UI language the file was saved in (None: it says none)."""
    path = Path(path)
    source = str(path)
    try:  # a regular file of bounded size only: a FIFO or /dev/zero is a sentence, not a hang
        data = read_toml(path, "a setup file (.toml)", "a setup holds lines like depth = 10")
    except UserFileError as exc:
        raise SetupError(str(exc)) from None
    version = data.pop("version", SETUP_VERSION)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _fail("version", version, "is not a setup version", str(SETUP_VERSION)).at(source)
    if version > SETUP_VERSION:
        raise SetupError(
            f"version = {version} is newer than this DL Explorer reads; valid: "
            f"{SETUP_VERSION} (update dl-explorer to open it)",
            "version",
        ).at(source)
    lang = data.pop("lang", None)
    if lang is not None and lang not in LANGUAGES:
        raise _not_one_of("lang", lang, "a language", LANGUAGES).at(source)
    scene = data.pop("scene", None)
    if scene is None:
        raise SetupError(f"scene is missing; valid: {', '.join(scenes)}", "scene").at(source)
    if not isinstance(scene, str) or scene not in scenes:
        raise _not_one_of("scene", scene, "a scene", scenes).at(source)
    cls = scenes[scene]
    if cls is None:
        if data:
            raise SetupError(
                f"the {scene} scene has no settings a file can set (found {', '.join(data)})",
                next(iter(data)),
            ).at(source)
        return scene, {}, lang
    ks = knobs(cls)
    values = {}
    for key, value in data.items():
        if key not in ks:
            raise unknown_key(cls, key, scene).at(source)
        try:
            values[key] = from_toml(ks[key], value, ks)
        except SetupError as exc:
            raise exc.at(source) from None
    return scene, resolve_files(cls, values, path.parent), lang
