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
import sys
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
from explorer.optim import UpdateRule
from explorer.specs import (
    ActivationSpec,
    DatasetSpec,
    Hyper,
    OptimizerSpec,
    ScheduleSpec,
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
        """A registered surface, or ``expr:<formula>`` for a custom one."""
        if name.startswith("expr:"):
            from explorer.landscape.expression import surface_from_expression

            return surface_from_expression(name[len("expr:") :])
        return self.get("surfaces", name)

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
) -> OptimizerSpec:
    """Turn what a plugin passed to ``register`` into an ``OptimizerSpec`` (or raise TypeError)."""
    if isinstance(obj, type) and issubclass(obj, UpdateRule):
        if obj is UpdateRule:
            raise TypeError("registered the UpdateRule base class itself, not a subclass")
        rule_name = name or obj.name
        if not rule_name:
            raise TypeError(f"{obj.__name__} has no name; set name = '...' on the class")
        hypers = dict(hyper or obj.hyper)
        _check_hypers(rule_name, hypers)
        return OptimizerSpec(rule_name, hypers, doc or obj.doc(), rule=obj, plugin=plugin)
    if isinstance(obj, type) and issubclass(obj, torch.optim.Optimizer):
        hypers = dict(hyper or {})
        if "lr" not in hypers:
            raise TypeError(f"{obj.__name__} needs hyper={{'lr': Hyper(...), ...}} when registered")
        _check_hypers(name or obj.__name__, hypers)
        accepted = inspect.signature(obj.__init__).parameters
        if not any(p.kind is p.VAR_KEYWORD for p in accepted.values()):
            extra = sorted(set(hypers) - set(accepted))
            if extra:
                raise TypeError(f"{obj.__name__} takes no argument {', '.join(extra)}")
        doc_text = doc or (obj.__doc__ or "").strip().split("\n")[0]
        return OptimizerSpec(
            name or obj.__name__.lower(), hypers, doc_text, optimizer_class=obj, plugin=plugin
        )
    raise TypeError(
        f"register_optimizers got {type(obj).__name__} {obj!r}; expected an UpdateRule subclass "
        "or a torch.optim.Optimizer class"
    )


def _check_hypers(name: str, hypers: dict) -> None:
    for key, h in hypers.items():
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
            except Exception as exc:  # noqa: BLE001 - any import failure is the plugin's
                self._fail(ep.name, f"could not be imported ({type(exc).__name__}: {exc})")
                continue
            self.add(obj, f"builtin/{ep.name}" if ep in builtin else f"{ep.name} ({ep.value})")

    def _load_folder(self, folder: Path) -> None:
        if not folder.is_dir():
            if folder != user_plugins_dir():
                self._fail(str(folder), "plugins folder does not exist")
            return
        for path in sorted(folder.glob("*.py")):
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
        try:
            spec = importlib.util.spec_from_file_location(mod_name, path)
            if spec is None or spec.loader is None:
                raise ImportError("not a Python file")
            module = importlib.util.module_from_spec(spec)
            sys.modules[mod_name] = module
            spec.loader.exec_module(module)
        except Exception as exc:  # noqa: BLE001
            sys.modules.pop(mod_name, None)
            self._fail(name, f"could not be imported ({type(exc).__name__}: {exc})")
            return None
        return module if self.add(module, name) else None

    def add(self, plugin: Any, name: str) -> bool:
        """Register a plugin object (a module or any object with hook functions)."""
        self._check_hook_names(plugin, name)
        if self.pm.has_plugin(name):
            self._fail(name, "a plugin of this name is already loaded; this one was skipped")
            return False
        try:
            self.pm.register(plugin, name=name)
        except Exception as exc:  # noqa: BLE001 - e.g. a hook with wrong argument names
            self._fail(name, f"could not be registered: {exc}")
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

            def register(obj: Any = None, _plugin: str = plugin, **kwargs: Any) -> None:
                spec = self._make_spec(kind, obj, _plugin, kwargs)
                if spec.name in table:
                    other = table[spec.name].plugin
                    raise _Refused(
                        f"{kind[:-1]} {spec.name!r} is already registered by {other}; "
                        "rename it to register both"
                    )
                table[spec.name] = spec

            def safe_register(
                obj: Any = None, _register=register, _plugin=plugin, **kw: Any
            ) -> None:
                try:
                    _register(obj, **kw)
                except (TypeError, ValueError, _Refused) as exc:
                    self._fail(_plugin, str(exc))

            try:
                impl.function(register=safe_register)
            except Exception as exc:  # noqa: BLE001 - a hook that raises is reported, not fatal
                self._fail(plugin, f"register_{kind} raised {type(exc).__name__}: {exc}")

    def _make_spec(self, kind: str, obj: Any, plugin: str, kwargs: dict) -> Any:
        if kind == "optimizers":
            return optimizer_spec(obj, plugin=plugin, **kwargs)
        expected = _SPEC_TYPES[kind]
        if kwargs:
            raise TypeError(f"register for {kind} takes one {expected.__name__}, not keywords")
        if not isinstance(obj, expected):
            raise TypeError(
                f"register_{kind} got {type(obj).__name__}; expected {expected.__name__}(...)"
            )
        return dataclasses.replace(obj, plugin=plugin)


class _Refused(Exception):
    pass


def third_party_disabled() -> bool:
    return os.environ.get(DISABLE_ENV, "").strip().lower() not in ("", "0", "false", "no")


def load_plugins(
    plugin_dirs: Iterable[str | os.PathLike] = (), third_party: bool | None = None
) -> Registry:
    """A fresh registry with the built-ins and, unless disabled, every third-party plugin."""
    if third_party is None:
        third_party = not third_party_disabled()
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
