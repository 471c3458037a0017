"""A family's surface that takes a while to make (``net:moons`` trains a real net first), built
in a worker while the app goes on; the model switches to it once it is ready."""

from __future__ import annotations

from collections.abc import Callable

from explorer.plugins import Registry


class SurfaceBuilds:
    def __init__(self, registry: Registry, backend: str, notify: Callable[..., None]) -> None:
        self.registry = registry
        self.backend = backend  # where slow surfaces are built: "process" in the app
        self.notify = notify
        self._jobs = None  # a JobRunner, made the first time a slow surface is asked for
        self.pending = ""  # the surface being built

    @property
    def jobs(self):
        if self._jobs is None:
            from explorer.training.jobs import JobRunner

            self._jobs = JobRunner(self.registry, backend=self.backend)
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

    def close(self) -> None:
        if self._jobs is not None:
            self._jobs.close()
            self._jobs = None
