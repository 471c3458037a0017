"""``dl-explorer --plugins-dir . --watch``: a plugin file saved is a plugin reloaded.

``PluginWatcher`` follows the plugin folders with ``watchfiles`` (the OS's file events, not polling
by hand) on a background thread and hands the saved ``*.py`` paths to the UI thread, which hands
them to ``BackgroundReloads`` (the plugin's code runs on a thread of its own, under a budget, and
the result is committed between frames; ``PluginReloader.reload(path)`` does both at once): the file is imported afresh under a new module name, registered
into a registry of its own, and each optimizer it adds takes a quick check (a few steps on a bowl:
it runs, returns a tensor, stays finite). Only if all of that works are its things put into the
app's registry, replacing the previous versions; otherwise the previous version keeps running and
the outcome is one sentence naming the file and line. No pygame here: the app applies an outcome
to its scenes (``explorer.app.plugin_watch``), tests call ``reload`` directly.
"""

from __future__ import annotations

import contextlib
import importlib.util
import inspect
import itertools
import queue
import sys
import threading
import time
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import torch

from explorer.plugins import (
    HOOK_NAMES,
    KINDS,
    PluginHost,
    Registry,
    describe_fault,
    plugin_fault,
    source_problem,
)

QUICK_STEPS = 20
RELOAD_BUDGET_S = (
    5.0  # a reload's plugin code (import, hooks, quick check) gets this long in the app
)
DEBOUNCE_MS = 30  # editors write a file in a few quick events; this gathers them into one
_counter = itertools.count()


@dataclass
class ReloadOutcome:
    path: Path
    ok: bool
    message: str  # one sentence: what was reloaded, or why the previous version stays
    optimizers: list[str] = field(default_factory=list)  # names re-registered by this reload
    changed: dict[str, list[str]] = field(default_factory=dict)  # kind → names replaced/added
    seconds: float = 0.0


@dataclass
class Prepared:
    """A reload whose plugin code has run: ``fresh`` (what the file registers; None: the file is
    gone) or ``failed`` (the sentence why the previous version stays)."""

    path: Path
    fresh: Registry | None
    failed: str = ""


class ReloadFailed(Exception):
    def __init__(self, sentence: str) -> None:
        super().__init__(sentence)
        self.sentence = sentence


def _where(path: Path, exc: BaseException) -> str:
    """``file.py:LINE``: the line of ``path`` the exception came from (or the file alone)."""
    if isinstance(exc, SyntaxError) and exc.lineno:
        return f"{path.name}:{exc.lineno}"
    line = None
    for frame in traceback.extract_tb(exc.__traceback__):
        with contextlib.suppress(OSError, ValueError):
            if Path(frame.filename).resolve() == path.resolve():
                line = frame.lineno
    return f"{path.name}:{line}" if line else path.name


def _line_of(path: Path, obj) -> str:
    with contextlib.suppress(TypeError, OSError):
        return f"{path.name}:{inspect.getsourcelines(obj)[1]}"
    return path.name


def quick_check(spec) -> str:
    """'' if ``spec`` takes QUICK_STEPS steps on a bowl without raising and stays finite, else
    the reason (part of a sentence)."""
    p = torch.tensor([1.5, -1.0], dtype=torch.float64, requires_grad=True)
    try:
        opt = spec.make([p])
        for _ in range(QUICK_STEPS):
            opt.zero_grad()
            (0.5 * (p**2).sum()).backward()
            opt.step()
    except BaseException as exc:
        if not plugin_fault(exc):
            raise
        return f"{spec.name} fails a quick check: {describe_fault(exc)}"
    if not bool(torch.isfinite(p).all()):
        return f"{spec.name} fails a quick check: {QUICK_STEPS} steps on a bowl gave {p.tolist()}"
    return ""


class PluginReloader:
    """Reloads plugin files into ``registry`` (the one the app draws from), all or nothing."""

    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.owned: dict[Path, dict[str, set[str]]] = {}  # file → kind → names it registered

    def _import(self, path: Path):
        problem = source_problem(path)
        if problem:  # a FIFO named x.py would block the app's thread forever
            raise ReloadFailed(f"{path.name} was skipped: {problem}")
        name = f"dl_explorer_reloaded_{path.stem}_{next(_counter)}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise ReloadFailed(f"{path.name} is not a Python file")
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        try:
            spec.loader.exec_module(module)
        except BaseException as exc:
            sys.modules.pop(name, None)
            if not plugin_fault(exc):
                raise
            raise ReloadFailed(
                f"{_where(path, exc)}: {describe_fault(exc)}; the previous version keeps running"
            ) from None
        return module

    def reload(self, path: str | Path) -> ReloadOutcome:
        """Re-import ``path`` and put what it registers into the registry; on any failure nothing
        changes and the outcome's message says why (file and line). Runs the plugin's code on
        this thread: the app uses ``BackgroundReloads``, which runs it on a thread of its own."""
        t0 = time.perf_counter()
        outcome = self.commit(self.prepare(path))
        outcome.seconds = time.perf_counter() - t0
        return outcome

    def prepare(self, path: str | Path) -> Prepared:
        """Everything of a reload that runs the plugin's code (import, hooks, quick checks);
        nothing in the registry changes. Any thread may call it."""
        path = Path(path)
        try:
            return Prepared(path, self._prepare(path))
        except ReloadFailed as exc:
            return Prepared(path, None, exc.sentence)
        except BaseException as exc:  # the plugin's code, anywhere (a __getattr__ that raises)
            if not plugin_fault(exc):
                raise
            return Prepared(
                path,
                None,
                f"{path.name}: {describe_fault(exc)}; the previous version keeps running",
            )

    def commit(self, prepared: Prepared) -> ReloadOutcome:
        """Put a prepared reload into the registry (no plugin code runs here: the app calls this
        on its UI thread, between frames)."""
        path = prepared.path
        if prepared.failed:
            return ReloadOutcome(path, False, prepared.failed)
        if (
            prepared.fresh is None
        ):  # deleted, or renamed (its new name arrives as a save of its own)
            return ReloadOutcome(
                path,
                True,
                f"{path.name} was deleted; what it registered keeps running until the app restarts",
            )
        try:
            return self._commit(path, prepared.fresh)
        except ReloadFailed as exc:
            return ReloadOutcome(path, False, exc.sentence)

    def _prepare(self, path: Path) -> Registry | None:
        if not path.exists():
            return None
        module = self._import(path)
        host = PluginHost()
        host.add(module, path.stem)
        for kind in KINDS:
            host._collect(kind)
        fresh = host.registry
        if fresh.failures:
            first = fresh.failures[0]
            hooks = [getattr(module, h) for h in HOOK_NAMES if callable(getattr(module, h, None))]
            where = _line_of(path, hooks[0]) if hooks else path.name
            raise ReloadFailed(f"{where}: {first.reason}; the previous version keeps running")
        for spec in fresh.optimizers.values():
            reason = quick_check(spec)
            if reason:
                raise ReloadFailed(
                    f"{_line_of(path, spec.rule or spec.optimizer_class)}: {reason}; the previous "
                    "version keeps running"
                )
        return fresh

    def _commit(self, path: Path, fresh: Registry) -> ReloadOutcome:
        had = any(self.owned.get(path, {}).values()) or any(
            spec.plugin == path.stem
            for kind in KINDS
            for spec in getattr(self.registry, kind).values()
        )
        if had and not any(getattr(fresh, kind) for kind in KINDS):  # e.g. saved half-written
            raise ReloadFailed(
                f"{path.name} registers nothing now (no register_… hook ran; saved half-way?); "
                "the previous version keeps running"
            )
        owned_before = self.owned.get(path, {})
        taken: list[tuple[Path, str, str]] = []  # (the old file, kind, name) a rename moves
        for kind in KINDS:
            table = getattr(self.registry, kind)
            for name in getattr(fresh, kind):
                other = table.get(name)
                if (
                    other is not None
                    and name not in owned_before.get(kind, set())
                    and other.plugin != path.stem
                ):
                    gone = self._gone_owner(path, kind, name, other.plugin)
                    if gone is None:
                        raise ReloadFailed(
                            f"{path.name}: {kind[:-1]} {name!r} is already registered by "
                            f"{other.plugin}; rename it (the previous version keeps running)"
                        )
                    taken.append((gone, kind, name))
        changed: dict[str, list[str]] = {}
        for kind in KINDS:
            table = getattr(self.registry, kind)
            for name, spec in getattr(fresh, kind).items():
                table[name] = spec
                changed.setdefault(kind, []).append(name)
        for old, kind, name in taken:  # the renamed file's names are this file's now
            self.owned.get(old, {}).get(kind, set()).discard(name)
        self.owned[path] = {k: set(v) for k, v in changed.items()}
        names = changed.get("optimizers", [])
        what = ", ".join(f"{k[:-1]} {n}" for k, ns in changed.items() for n in ns) or "nothing"
        return ReloadOutcome(path, True, f"reloaded {path.name}: {what}", names, changed)

    def _gone_owner(self, path: Path, kind: str, name: str, plugin: str) -> Path | None:
        """The file that registered ``name`` if it no longer exists (renamed to ``path`` or
        deleted): then ``path`` may take the name over. None while its owner is still there."""
        for owner, kinds in self.owned.items():
            if name in kinds.get(kind, set()):
                return owner if not owner.exists() else None
        # loaded at start-up from the same folder under its file's name
        if "/" not in plugin and not (path.parent / f"{plugin}.py").exists():
            return path.parent / f"{plugin}.py"
        return None


class BackgroundReloads:
    """The plugin code of each reload on a thread of its own, so a file that sleeps or loops at
    import, in a hook or in ``update()`` never freezes the window (issue 21): ``submit(path)``
    starts one; ``poll()``, on the UI thread, commits each one finished and, for one still
    running after ``budget_s``, says that the previous version keeps running. Python cannot stop
    a thread stuck in plugin code: it is left behind (a daemon, ended with the app) and its late
    result is never taken; a later save of the file is checked afresh."""

    def __init__(
        self, reloader: PluginReloader, budget_s: float = RELOAD_BUDGET_S, clock=time.monotonic
    ) -> None:
        self.reloader = reloader
        self.budget_s = budget_s
        self.clock = clock
        self._done: queue.Queue[tuple[int, Prepared, float]] = queue.Queue()
        self._running: dict[int, tuple[Path, float]] = {}  # ticket → (file, when it started)
        self._latest: dict[Path, int] = {}  # file → the ticket of its last save
        self._tickets = itertools.count()

    def submit(self, path: str | Path) -> None:
        path = Path(path)
        ticket = next(self._tickets)
        self._running[ticket] = (path, self.clock())
        self._latest[path] = ticket
        threading.Thread(
            target=self._run, args=(ticket, path), daemon=True, name="dl-explorer-plugin-reload"
        ).start()

    def _run(self, ticket: int, path: Path) -> None:
        t0 = time.perf_counter()
        try:
            prepared = self.reloader.prepare(path)
        except BaseException as exc:  # noqa: BLE001 - no Ctrl-C reaches this thread: the plugin's
            prepared = Prepared(
                path,
                None,
                f"{path.name}: {describe_fault(exc)}; the previous version keeps running",
            )
        self._done.put((ticket, prepared, time.perf_counter() - t0))

    def busy(self) -> bool:
        """Whether a reload is being checked (and not yet over its budget)."""
        return bool(self._running)

    def poll(self) -> list[ReloadOutcome]:
        """The reloads finished since the last call, committed to the registry, and one failure
        for each reload over its budget."""
        out = []
        while True:
            try:
                ticket, prepared, seconds = self._done.get_nowait()
            except queue.Empty:
                break
            if self._running.pop(ticket, None) is None:  # over its budget: said already
                continue
            if self._latest.get(prepared.path) != ticket:  # a later save is being checked
                continue
            outcome = self.reloader.commit(prepared)
            outcome.seconds = seconds
            out.append(outcome)
        now = self.clock()
        for ticket, (path, started) in list(self._running.items()):
            if now - started > self.budget_s:
                del self._running[ticket]
                out.append(
                    ReloadOutcome(
                        path,
                        False,
                        (
                            f"{path.name} did not finish loading and its quick check in "
                            f"{self.budget_s:g} s (a loop or a sleep at import, in a hook or in "
                            "update()?); the previous version keeps running"
                        ),
                        seconds=now - started,
                    )
                )
        return out


def _is_plugin_file(change, path: str) -> bool:
    name = Path(path).name
    return name.endswith(".py") and not name.startswith(("_", ".", "test_"))


class PluginWatcher:
    """Follows ``folders`` on a background thread; ``poll()`` returns the plugin files saved
    since the last call (each once, in the order they were saved)."""

    def __init__(self, folders: Iterable[str | Path], debounce_ms: int = DEBOUNCE_MS) -> None:
        self.folders = [Path(f).resolve() for f in folders]
        self.debounce_ms = debounce_ms
        self._queue: queue.Queue[tuple[Path, float]] = queue.Queue()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.error = ""
        self.ready = threading.Event()

    def start(self) -> PluginWatcher:
        self._thread = threading.Thread(target=self._run, name="plugin-watcher", daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        import watchfiles

        try:
            for changes in watchfiles.watch(
                *self.folders,
                watch_filter=_is_plugin_file,
                debounce=self.debounce_ms,
                step=10,
                stop_event=self._stop,
                yield_on_timeout=True,
                rust_timeout=100,
                raise_interrupt=False,
            ):
                self.ready.set()
                now = time.perf_counter()
                for _change, path in sorted(changes, key=lambda c: c[1]):
                    self._queue.put((Path(path), now))  # a deletion too: it is said
        except Exception as exc:  # noqa: BLE001 - the app goes on without watching
            self.error = f"--watch stopped: {type(exc).__name__}: {exc}"
        finally:
            self.ready.set()

    def poll(self) -> list[Path]:
        seen: dict[Path, None] = {}
        while True:
            try:
                path, _ = self._queue.get_nowait()
            except queue.Empty:
                break
            seen[path] = None
        return list(seen)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
