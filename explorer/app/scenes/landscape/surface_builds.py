"""Picking a surface: a name checked before anything changes (``usable_surface``), a formula
typed in the box, a family's surface that takes a while to make (``net:moons`` trains a real net
first) built in a worker while the app goes on, then switched to once it is ready. The model
owns what switching changes (``LandscapeModel.set_surface``); this room decides when and says
why not."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from explorer.app.scenes.landscape.formula_text import Refusal
from explorer.app.scenes.landscape.landscape_setup import default_start
from explorer.landscape import surface as S
from explorer.plugins import Registry
from explorer.safe_eval import SafeEvalError
from explorer.specs import SurfaceSpec


def usable_surface(registry: Registry, name: str, start: tuple[float, float] | None) -> SurfaceSpec:
    """The surface ``name`` (a registered name or ``expr:FORMULA``) once its function answers
    at ``start`` (its default start if None): UnknownName, or SafeEvalError with one sentence
    and the inner refusal for the scene's language, when it does not."""
    spec = registry.surface(name)
    try:
        S.check_surface(spec, start if start is not None else default_start(spec))
    except Exception as exc:  # noqa: BLE001 - a plugin's or a formula's function raising
        inner = Refusal.of(exc)
        raise SafeEvalError(
            f"surface {spec.name!r} cannot be used: {exc}",
            "cannot_use",
            {"name": spec.name, "inner": inner},
        ) from None
    return spec


class SurfaceBuilds:
    """The surface picker: ``switch`` (the model's ``set_surface``) is called with the name
    once it may be switched to; ``notify`` says what is going on, ``forget`` drops notices
    that begin with a text ("building net:moons")."""

    def __init__(
        self,
        registry: Registry,
        backend: str,
        notify: Callable[..., None],
        switch: Callable[..., None],
        forget: Callable[[str], None],
    ) -> None:
        self.registry = registry
        self.backend = backend  # where slow surfaces are built: "process" in the app
        self.notify = notify
        self.switch = switch
        self.forget = forget
        self._jobs = None  # a JobRunner, made the first time a slow surface is asked for
        self.pending = ""  # the surface being built

    @property
    def jobs(self):
        if self._jobs is None:
            from explorer.training.jobs import JobRunner

            self._jobs = JobRunner(self.registry, backend=self.backend, owner="landscape")
        return self._jobs

    def needs_worker(self, name: str) -> bool:
        """``name`` is a family's surface other than a formula: built in a worker."""
        prefix, colon, _ = name.partition(":")
        return bool(colon) and prefix in self.registry.families and prefix != "expr"

    def start(self, name: str) -> None:
        from explorer.landscape.grid_jobs import build_job

        self.pending = name
        self.jobs.submit("surface", build_job, name)
        self.notify(f"building {name}: training the net, a few seconds (cached after)", "info", 30)

    def finished(self) -> tuple[str, str] | None:
        """(name, error) of the surface just built ("" when it worked: the worker left it in
        the cache, so switching to it is quick now); None while it is still being built."""
        answer = self.jobs.result("surface")
        if answer is None or self.jobs.busy("surface"):
            return None
        name, self.pending = self.pending, ""
        return name, answer.error or ""

    def first(self, names: Sequence[str], start: tuple[float, float] | None) -> None:
        """Switch to the first of ``names`` that works (the first screen: rosenbrock, or
        whatever surface works); a registered one that fails is said."""
        for name in names:
            try:
                self.switch(name, start=start)
                return
            except (ValueError, LookupError) as exc:
                if name in self.registry.surfaces:
                    self.notify(str(exc), "error", 12)

    def expression(self, text: str) -> str | Refusal:
        """Switch to the formula ``text`` (``expr:`` in front or not): "" when switched, else
        why not (English, and its code for the scene's language); the surface stays."""
        text = text.strip()
        if text.startswith("expr:"):
            text = text[5:]
        try:
            self.switch(f"expr:{text}")
        except ValueError as exc:
            return Refusal.of(exc)
        return ""

    def request(self, name: str) -> bool:
        """Switch to ``name``, or build it in a worker first (``needs_worker``); True when the
        switch happened at once."""
        if not self.needs_worker(name):
            self.switch(name)
            return True
        self.start(name)
        return False

    def take_built(self) -> None:
        """Switch to the surface being built once it is ready; say why not if it failed."""
        built = self.finished()
        if built is None:
            return
        name, error = built
        self.forget(f"building {name}")
        if error:
            self.notify(f"{name}: {error}", "error", 12)
            return
        try:
            self.switch(name)  # the worker left it in the cache: quick now
        except (ValueError, LookupError) as exc:
            self.notify(str(exc), "error", 12)

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None
