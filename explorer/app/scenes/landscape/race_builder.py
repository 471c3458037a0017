"""Races for the Landscape: a fresh race with the chosen optimizers, where one whose plugin cannot
start is left out (and said), and every ball on the chosen learning-rate schedule. Every race it
builds shares one cache of schedule curves (``explorer.landscape.schedule_curves``), so a new
race or a lesson's next step never recomputes a torch scheduler; a slider's new lr steps it once."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from explorer.app.scenes.landscape.landscape_setup import RUN_LENGTH, LandscapeSetup
from explorer.landscape.race import BallConfig, Noise, Race
from explorer.landscape.rates import suggested_lr
from explorer.landscape.schedule_curves import ScheduleCurves
from explorer.plugins import Registry
from explorer.specs import SurfaceSpec


class RaceBuilder:
    def __init__(self, registry: Registry, notify: Callable[..., None]) -> None:
        self.registry = registry
        self.notify = notify
        self.curves = ScheduleCurves()

    def build(
        self,
        spec: SurfaceSpec,
        names: list[str],
        hyper: dict[str, dict[str, float]],
        start: tuple[float, float],
        noise: Noise,
        seed: int,
        optimizer_of: Callable[[str], str] = str,
    ) -> tuple[Race, list[str]]:
        """A race of the balls ``names`` (labels: ``optimizer_of`` says which optimizer each
        races) and the labels it races: all of them, or, when one cannot start, those that can
        alone (each one left out is said)."""
        settings = (spec, hyper, start, noise, seed, optimizer_of)
        race = self._try(names, *settings)
        if race is not None:
            return race, names
        good = [n for n in names if self._try([n], *settings, report=True) is not None]
        race = self._try(good, *settings)
        return race or Race(spec, [], start, noise=noise, registry=self.registry), good

    def _try(
        self, names, spec, hyper, start, noise, seed, optimizer_of, report=False
    ) -> Race | None:
        try:
            return Race(
                spec,
                [BallConfig(optimizer_of(n), dict(hyper[n]), label=n) for n in names],
                start,
                noise=noise,
                seed=seed,
                total_steps=RUN_LENGTH,
                registry=self.registry,
                curves=self.curves,
            )
        except Exception as exc:  # noqa: BLE001 - a broken plugin must not take the app down
            if report and names:
                plugin = self.registry.optimizers[optimizer_of(names[0])].plugin
                self.notify(
                    f"{plugin}/{optimizer_of(names[0])} could not start: {type(exc).__name__}: {exc}",
                    "error",
                    12,
                )
            return None

    def valid(self, opt_name: str, values: dict[str, float]) -> dict[str, float]:
        """The pinned values the maths allows (run as given, never clamped); others are said."""
        spec = self.registry.optimizers[opt_name].hyper
        out = {}
        for k, v in values.items():
            if k in spec:
                try:
                    out[k] = spec[k].check(v, k, opt_name)
                except ValueError as exc:
                    self.notify(str(exc), "error", 10)
        return out

    def fresh_hyper(
        self, spec: SurfaceSpec, pinned: dict[str, dict[str, float]]
    ) -> dict[str, dict[str, float]]:
        """Every optimizer's hyperparameters on ``spec``: its defaults, the surface's suggested
        rate, then the values pinned on the command line."""
        hyper = {}
        for name, opt in self.registry.optimizers.items():
            values = opt.defaults()
            lr = suggested_lr(opt, spec)
            if lr is not None and "lr" in values:
                values["lr"] = lr
            hyper[name] = values | self.valid(name, pinned.get(name, {}))
        return hyper

    def retune(
        self,
        hyper: dict[str, dict[str, float]],
        spec: SurfaceSpec,
        pinned: dict[str, dict[str, float]],
        optimizer_of: Callable[[str], str] = str,
    ) -> None:
        """``hyper`` (by label; ``optimizer_of`` says which optimizer each is) for a new surface
        ``spec``, in place: its suggested rates, then the values pinned on the command line (the
        user's other changes stay)."""
        for label, values in hyper.items():
            opt = self.registry.optimizers.get(optimizer_of(label))
            if opt is None:
                continue
            lr = suggested_lr(opt, spec)
            if lr is not None and "lr" in values:
                values["lr"] = lr
            values.update(self.valid(opt.name, pinned.get(label, {})))

    # -- schedules ----------------------------------------------------------------------------
    def schedule(self, race: Race, name: str, hyper: dict[str, float]) -> bool:
        """Every ball of ``race`` on schedule ``name``; False (said) when its plugin failed and
        every ball is back on constant."""
        try:
            race.set_schedule_all(name, **hyper)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - a schedule plugin that fails
            plugin = self.registry.schedule(name).plugin
            self.notify(
                f"schedule {plugin}/{name} failed ({type(exc).__name__}: {exc}); back to constant",
                "error",
                10,
            )
            return False
        return True

    def preview(self, name: str, values: dict[str, float]) -> np.ndarray | None:
        """lr / lr₀ over a run on schedule ``name`` (None for constant, or a failing plugin)."""
        if name == "constant":
            return None
        try:
            return self.curves.unit_curve(self.registry.schedule(name), values, RUN_LENGTH)
        except Exception:  # noqa: BLE001 - already reported when the balls were put on it
            return None

    def warm(self, setup: LandscapeSetup) -> None:
        """Compute ahead what a race of ``setup`` will need (its schedule's curve), so that a
        lesson's next step appears at once; a schedule that fails is left for ``apply``."""
        try:
            spec = self.registry.schedule(setup.schedule.name)
            values = spec.defaults() | {k: float(v) for k, v in setup.schedule.values.items()}
            if spec.name != "constant":
                self.curves.curve(spec, values, RUN_LENGTH, 1.0)
        except Exception:  # noqa: BLE001 - only a head start
            pass
