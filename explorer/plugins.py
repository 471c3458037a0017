"""The plugin host: built-ins and third-party plugins through one door, each failure isolated.

Plugins come from the ``dl_explorer`` entry-point group (the built-ins are declared there too),
from ``--plugins-dir`` folders and from the per-user plugins folder. Whatever goes wrong in one
plugin (import error, exception in a hook, wrong type registered, duplicate name, misspelled hook)
becomes one line in ``Registry.failures`` and the rest loads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import importlib
import importlib.metadata
import importlib.util
import inspect
import os
import signal
import stat
import sys
import threading
import types
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import platformdirs
import pluggy
import torch

from explorer import hookspecs
from explorer.atomic_write import Terminated
from explorer.optim import UpdateRule, rule_optimizer_class
from explorer.specs import (
    ActivationSpec,
    DatasetSpec,
    Hyper,
    OptimizerSpec,
    ScheduleSpec,
    SurfaceFamily,
    SurfaceSpec,
)

BUILTIN_DIST = "dl-explorer"
DISABLE_ENV = "DL_EXPLORER_NO_PLUGINS"
KINDS = ("optimizers", "surfaces", "schedules", "activations", "datasets")
HOOK_NAMES = tuple(f"register_{k}" for k in KINDS)
_SPEC_TYPES = {
    "surfaces": SurfaceSpec,
    "schedules": ScheduleSpec,
    "activations": ActivationSpec,
    "datasets": DatasetSpec,
}


# Everything plugin code raises is the plugin's failure, not the process's end (sys.exit(),
# KeyboardInterrupt, GeneratorExit, a BaseException subclass of its own), except what the user
# or the system did: a real Ctrl-C, SIGTERM (``Terminated``).
MAX_PLUGIN_BYTES = 5_000_000  # a plugin file is source code; a bigger "x.py" is not one
_user_pressed_ctrl_c = False


def _on_sigint(signum: int, frame: Any) -> None:
    global _user_pressed_ctrl_c
    _user_pressed_ctrl_c = True
    raise KeyboardInterrupt


def watch_ctrl_c() -> None:
    """Tell a real Ctrl-C (SIGINT) from a KeyboardInterrupt a plugin raises itself."""
    if threading.current_thread() is not threading.main_thread():
        return
    try:
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
            signal.signal(signal.SIGINT, _on_sigint)
    except (ValueError, OSError):  # pragma: no cover - no signals here
        pass


def plugin_fault(exc: BaseException) -> bool:
    """True when ``exc``, raised from plugin code, is that plugin's failure; False for a real
    Ctrl-C from the user (and anything else that must end the process), which is re-raised."""
    if isinstance(exc, KeyboardInterrupt):
        return not _user_pressed_ctrl_c
    return not isinstance(exc, Terminated)


def describe_fault(exc: BaseException) -> str:
    """``"SystemExit: 3"`` — a plugin's exception as the tail of one sentence."""
    if isinstance(exc, SystemExit):
        return f"SystemExit({exc.code!r}) (the plugin called sys.exit)"
    try:
        text = str(exc)
    except BaseException:  # noqa: BLE001 - an exception whose __str__ itself fails
        text = ""
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def user_plugins_dir() -> Path:
    return Path(platformdirs.user_data_dir("dl-explorer")) / "plugins"


@dataclass(frozen=True)
class PluginFailure:
    plugin: str
    reason: str

    def __str__(self) -> str:
        return f"{self.plugin}: {self.reason}"


class UnknownName(LookupError):
    """A name the user typed that is not registered; the message lists the valid ones."""


@dataclass
class Registry:
    optimizers: dict[str, OptimizerSpec] = field(default_factory=dict)
    surfaces: dict[str, SurfaceSpec] = field(default_factory=dict)
    families: dict[str, SurfaceFamily] = field(default_factory=dict)  # prefix → family
    schedules: dict[str, ScheduleSpec] = field(default_factory=dict)
    activations: dict[str, ActivationSpec] = field(default_factory=dict)
    datasets: dict[str, DatasetSpec] = field(default_factory=dict)
    failures: list[PluginFailure] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)
    # how it was loaded, so a worker process loads the very same plugins
    plugin_dirs: list[str] = field(default_factory=list)
    third_party: bool = True

    def get(self, kind: str, name: str) -> Any:
        table: dict = getattr(self, kind)
        if name in table:
            return table[name]
        singular = kind[:-1]
        close = difflib.get_close_matches(name, table, n=1)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise UnknownName(
            f"Unknown {singular} {name!r}.{hint} Valid: {', '.join(sorted(table)) or 'none'}."
        )

    def optimizer(self, name: str) -> OptimizerSpec:
        return self.get("optimizers", name)

    def schedule(self, name: str) -> ScheduleSpec:
        return self.get("schedules", name)

    def surface(self, name: str) -> SurfaceSpec:
        """A registered surface, or one of a family's (``expr:<formula>``, ``net:<spec>``)."""
        prefix, colon, rest = name.partition(":")
        if colon and prefix in self.families and name not in self.surfaces:
            family = self.families[prefix]
            try:
                spec = family.build(rest, self)
            except BaseException as exc:  # a family's plugin code: its failure is a sentence
                if not plugin_fault(exc) or isinstance(exc, ValueError | LookupError):
                    raise
                raise ValueError(
                    f"surface {name!r}: the {family.name} family ({family.plugin}) raised "
                    f"{describe_fault(exc)}"
                ) from None
            if not isinstance(spec, SurfaceSpec):
                raise ValueError(
                    f"surface {name!r}: the {family.name} family ({family.plugin}) returned "
                    f"{type(spec).__name__}, not a SurfaceSpec"
                )
            return spec
        try:
            return self.get("surfaces", name)
        except UnknownName as exc:
            if self.families:
                shown = ", ".join(f"{f.name}…" for f in self.families.values())
                raise UnknownName(f"{exc} Or a family: {shown}.") from None
            raise

    def check_surface(self, name: str) -> None:
        """Raise ValueError / LookupError (one sentence) unless ``name`` is a surface: a
        registered one, or a family's spec that its quick ``check`` (or, without one, building
        it) accepts. A ``net:`` spec is checked, not trained."""
        prefix, colon, rest = name.partition(":")
        family = self.families.get(prefix) if colon and name not in self.surfaces else None
        if family is None or family.check is None:
            self.surface(name)
            return
        try:
            family.check(rest, self)
        except BaseException as exc:
            if not plugin_fault(exc) or isinstance(exc, ValueError | LookupError):
                raise
            raise ValueError(
                f"surface {name!r}: the {family.name} family ({family.plugin}) raised "
                f"{describe_fault(exc)}"
            ) from None

    def activation(self, name: str) -> ActivationSpec:
        return self.get("activations", name)

    def dataset(self, name: str) -> DatasetSpec:
        return self.get("datasets", name)


def optimizer_spec(
    obj: Any,
    *,
    name: str | None = None,
    hyper: dict | None = None,
    doc: str | None = None,
    plugin: str = "?",
    arrows: dict | None = None,
    accumulators: dict | None = None,
    suggested_lr: Any = None,
    lr_scale: str | None = None,
) -> OptimizerSpec:
    """Turn what a plugin passed to ``register`` into an ``OptimizerSpec`` (or raise TypeError).

    ``hyper`` maps each keyword to a ``Hyper``; a tuple argument (Adam's ``betas``) maps to a
    dict of named ``Hyper``s, ``{"betas": {"beta1": Hyper(...), "beta2": Hyper(...)}}`` (or a
    tuple of them, named ``betas_1``, ``betas_2``), each its own slider and ``--optimizer`` key.
    """
    if isinstance(obj, type) and issubclass(obj, UpdateRule):
        if obj is UpdateRule:
            raise TypeError("registered the UpdateRule base class itself, not a subclass")
        rule_name = name or obj.name
        if not rule_name:
            raise TypeError(f"{obj.__name__} has no name; set name = '...' on the class")
        try:
            obj()
        except TypeError as exc:
            raise TypeError(
                f"{rule_name}: the class cannot be created without arguments ({exc}); an "
                "UpdateRule's __init__ must take none"
            ) from None
        hypers, tuples = _flatten_hypers(rule_name, dict(hyper or obj.hyper))
        if tuples:
            raise TypeError(f"{rule_name}: an UpdateRule takes scalar hyperparameters only")
        return OptimizerSpec(
            rule_name,
            hypers,
            doc or obj.doc(),
            rule=obj,
            optimizer_class=rule_optimizer_class(obj),
            plugin=plugin,
            arrows=_labels(rule_name, "arrows", arrows if arrows is not None else obj.arrows),
            accumulators=_labels(
                rule_name,
                "accumulators",
                accumulators if accumulators is not None else obj.accumulators,
            ),
            suggested_lr=suggested_lr if suggested_lr is not None else obj.suggested_lr,
            lr_scale=_lr_scale(rule_name, lr_scale if lr_scale is not None else obj.lr_scale),
        )
    if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer):
        opt_name = name or obj.__name__.lower()
        hypers, tuples = _flatten_hypers(opt_name, dict(hyper or {}))
        if "lr" not in hypers:
            raise TypeError(f"{obj.__name__} needs hyper={{'lr': Hyper(...), ...}} when registered")
        accepted = inspect.signature(obj.__init__).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
            args = (set(hypers) - {p for parts in tuples.values() for p in parts}) | set(tuples)
            extra = sorted(args - set(accepted))
            if extra:
                raise TypeError(f"{obj.__name__} takes no argument {', '.join(extra)}")
        doc_text = doc or (obj.__doc__ or "").strip().split("\n")[0]
        return OptimizerSpec(
            opt_name,
            hypers,
            doc_text,
            optimizer_class=obj,
            plugin=plugin,
            tuples=tuples,
            arrows=_labels(opt_name, "arrows", arrows or {}),
            accumulators=_labels(opt_name, "accumulators", accumulators or {}),
            suggested_lr=suggested_lr,
            lr_scale=_lr_scale(opt_name, lr_scale or ""),
        )
    raise TypeError(
        f"register_optimizers got {type(obj).__name__} {obj!r}; expected an UpdateRule subclass "
        "or a torch.optim.Optimizer class"
    )


LR_SCALES = ("", "curvature", "domain", "domain_shrinking")


def _lr_scale(name: str, value: str) -> str:
    if value not in LR_SCALES:
        raise TypeError(f"{name}: lr_scale={value!r}; use one of {', '.join(LR_SCALES[1:])}")
    return value


def _labels(name: str, what: str, table: Any) -> dict[str, str]:
    if not isinstance(table, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in table.items()
    ):
        raise TypeError(f"{name}: {what} must map state names to labels, e.g. {{'m': 'momentum'}}")
    return dict(table)


def _flatten_hypers(name: str, hypers: dict) -> tuple[dict, dict]:
    """Scalar knobs, and the tuple arguments they assemble into."""
    flat: dict[str, Hyper] = {}
    tuples: dict[str, tuple[str, ...]] = {}
    for key, h in hypers.items():
        if isinstance(h, (tuple, list)):
            h = {f"{key}_{i + 1}": part for i, part in enumerate(h)}
        if isinstance(h, dict):
            if not h:
                raise TypeError(f"{name}: hyper[{key!r}] is an empty tuple")
            tuples[key] = tuple(h)
            for part, ph in h.items():
                _check_hyper(name, part, ph)
                flat[part] = ph
        else:
            _check_hyper(name, key, h)
            flat[key] = h
    return flat, tuples


def _check_hyper(name: str, key: str, h: Any) -> None:
    if not isinstance(h, Hyper):
        raise TypeError(f"{name}: hyper[{key!r}] is {type(h).__name__}, expected Hyper(...)")


class PluginHost:
    """Loads plugins into a ``Registry``; one plugin's failure never stops the others."""

    def __init__(self) -> None:
        self.pm = pluggy.PluginManager(hookspecs.PROJECT)
        self.pm.add_hookspecs(hookspecs)
        self.registry = Registry()

    # -- loading ---------------------------------------------------------------------------
    def load(
        self, plugin_dirs: Iterable[str | os.PathLike] = (), third_party: bool = True
    ) -> Registry:
        self._load_entry_points(third_party)
        if third_party:
            for folder in [*plugin_dirs, user_plugins_dir()]:
                self._load_folder(Path(folder))
        for kind in KINDS:
            self._collect(kind)
        self.registry.plugins = [self.pm.get_name(p) for p in self.pm.get_plugins()]
        self.registry.plugin_dirs = [str(Path(d).resolve()) for d in plugin_dirs]
        self.registry.third_party = third_party
        return self.registry

    def _fail(self, plugin: str, reason: str) -> None:
        self.registry.failures.append(PluginFailure(plugin, reason))

    def _load_entry_points(self, third_party: bool) -> None:
        eps = importlib.metadata.entry_points(group=hookspecs.PROJECT)
        builtin = [ep for ep in eps if ep.dist is not None and ep.dist.name == BUILTIN_DIST]
        if not builtin:  # running from a source tree without an install: still find the built-ins
            builtin = [
                importlib.metadata.EntryPoint(n, f"explorer_plugins.{n}", hookspecs.PROJECT)
                for n in ("optimizers", "surfaces", "schedules", "activations", "datasets")
                if importlib.util.find_spec(f"explorer_plugins.{n}") is not None
            ]
        others = [ep for ep in eps if ep not in builtin] if third_party else []
        for ep in [*builtin, *others]:
            try:
                obj = ep.load()
            except BaseException as exc:  # any import failure is the plugin's
                if not plugin_fault(exc):
                    raise
                self._fail(ep.name, f"could not be imported ({describe_fault(exc)})")
                continue
            self.add(obj, f"builtin/{ep.name}" if ep in builtin else f"{ep.name} ({ep.value})")

    def _load_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            if folder != user_plugins_dir():
                self._fail(str(folder), "plugins folder does not exist")
            return
        try:
            paths = sorted(folder.glob("*.py"))
        except OSError as exc:
            self._fail(str(folder), f"plugins folder cannot be read ({exc.strerror or exc})")
            return
        for path in paths:
            if path.name.startswith("_"):
                continue
            self.load_file(path)

    def load_file(self, path: Path) -> types.ModuleType | None:
        """Import one plugin file and register it; returns the module, or None if it failed."""
        name = path.stem
        # the same name in every process (str hash is salted per process): a worker process
        # unpickles this module's classes by that name
        digest = zlib.crc32(str(path.resolve()).encode())
        mod_name = f"dl_explorer_user_plugin_{name}_{digest:08x}"
        problem = source_problem(path)
        if problem:  # a FIFO would block the import forever, /dev/zero fill the memory
            self._fail(name, f"was skipped: {problem}")
            return None
        try:
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                raise ImportError("not a Python file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            spec.loader.exec_module(module)
        except BaseException as exc:
            sys.modules.pop(mod_name, None)
            if not plugin_fault(exc):
                raise
            self._fail(name, f"could not be imported ({describe_fault(exc)})")
            return None
        return module if self.add(module, name) else None

    def add(self, plugin: Any, name: str) -> bool:
        """Register a plugin object (a module or any object with hook functions)."""
        if self.pm.has_plugin(name):
            self._fail(name, "a plugin of this name is already loaded; this one was skipped")
            return False
        try:  # looking at its attributes runs its code too (a module-level __getattr__)
            self._check_hook_names(plugin, name)
            self.pm.register(plugin, name=name)
        except BaseException as exc:  # noqa: BLE001 - e.g. a hook with wrong argument names
            if not plugin_fault(exc):
                raise
            with contextlib.suppress(BaseException):
                if self.pm.has_plugin(name):
                    self.pm.unregister(name=name)
            self._fail(name, f"could not be registered: {describe_fault(exc)}")
            return False
        return True

    def _check_hook_names(self, plugin: Any, name: str) -> None:
        """Report hook implementations whose names match no hook, with a suggestion."""
        for attr in dir(plugin):
            if attr.startswith("__") or attr in HOOK_NAMES:
                continue
            fn = getattr(plugin, attr, None)
            marked = callable(fn) and hasattr(fn, hookspecs.PROJECT + "_impl")
            looks_like = attr.startswith("register_") and inspect.isfunction(fn)
            if marked or looks_like:
                close = difflib.get_close_matches(attr, HOOK_NAMES, n=1, cutoff=0.6)
                hint = (
                    f"did you mean {close[0]!r}?" if close else f"hooks are {', '.join(HOOK_NAMES)}"
                )
                self._fail(name, f"{attr!r} is not a hook ({hint}); it was ignored")
                if marked:
                    # pluggy would refuse the whole plugin for an unknown marked hook; drop the mark.
                    with contextlib.suppress(AttributeError):
                        delattr(fn, hookspecs.PROJECT + "_impl")

    # -- collecting --------------------------------------------------------------------------
    def _collect(self, kind: str) -> None:
        hook = getattr(self.pm.hook, f"register_{kind}")
        table: dict = getattr(self.registry, kind)
        for impl in hook.get_hookimpls():  # registration order: built-ins first
            plugin = impl.plugin_name

            def register(
                obj: Any = None, _plugin: str = plugin, _table=table, **kwargs: Any
            ) -> None:
                spec = self._make_spec(kind, obj, _plugin, kwargs)
                table = _table
                if isinstance(spec, SurfaceFamily):
                    table = self.registry.families
                    key = spec.prefix
                else:
                    key = spec.name
                if key in table:
                    other = table[key].plugin
                    raise _Refused(
                        f"{kind[:-1]} {spec.name!r} is already registered by {other}; "
                        "rename it to register both"
                    )
                table[key] = spec

            def safe_register(
                obj: Any = None, _register=register, _plugin=plugin, **kw: Any
            ) -> None:
                try:
                    _register(obj, **kw)
                except (TypeError, ValueError, _Refused) as exc:
                    self._fail(_plugin, str(exc))

            try:
                impl.function(register=safe_register)
            except BaseException as exc:  # a hook that raises is reported, not fatal
                if not plugin_fault(exc):
                    raise
                self._fail(plugin, f"register_{kind} raised {describe_fault(exc)}")

    def _make_spec(self, kind: str, obj: Any, plugin: str, kwargs: dict) -> Any:
        if kind == "optimizers":
            return optimizer_spec(obj, plugin=plugin, **kwargs)
        expected = _SPEC_TYPES[kind]
        if kind == "surfaces" and isinstance(obj, SurfaceFamily) and not kwargs:
            return dataclasses.replace(obj, plugin=plugin)
        if kwargs:
            raise TypeError(f"register for {kind} takes one {expected.__name__}, not keywords")
        if not isinstance(obj, expected):
            raise TypeError(
                f"register_{kind} got {type(obj).__name__}; expected {expected.__name__}(...)"
            )
        return dataclasses.replace(obj, plugin=plugin)


class _Refused(Exception):
    pass


def source_problem(path: Path) -> str:
    """Why ``path`` cannot be a plugin's source file ("" if it can): not a regular file, or
    larger than any source file."""
    try:
        st = path.stat()
    except OSError as exc:
        return f"it cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(st.st_mode):
        return "it is not a regular file (a pipe or a device named .py)"
    if st.st_size > MAX_PLUGIN_BYTES:
        return f"it is {st.st_size / 1e6:.0f} MB, over the {MAX_PLUGIN_BYTES / 1e6:g} MB of a source file"
    return ""


def third_party_disabled() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def load_plugins(
    plugin_dirs: Iterable[str | os.PathLike] = (), third_party: bool | None = None
) -> Registry:
    """A fresh registry with the built-ins and, unless disabled, every third-party plugin."""
    if third_party is None:
        third_party = not third_party_disabled()
    watch_ctrl_c()
    return PluginHost().load(plugin_dirs, third_party=third_party)


_default: Registry | None = None


def default_registry() -> Registry:
    """The registry shared by the app and the library (built once, on first use)."""
    global _default
    if _default is None:
        _default = load_plugins()
    return _default


def set_default_registry(registry: Registry) -> None:
    global _default
    _default = registry
