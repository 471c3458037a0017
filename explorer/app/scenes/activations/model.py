"""The Activations scene's state and rules, without pygame: every activation's curves, which one is
selected, and the two small nets (ReLU, Maxout) trained as jobs off the UI thread
(``explorer.training.jobs``); the model sends jobs and takes in their newest answers, never waits.

Everything a user can set is an ``ActivationsSetup`` (``setup()`` / ``apply()``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from explorer.app.ui.i18n import t
from explorer.plugins import Registry
from explorer.training.activation_curves import compute_curves
from explorer.training.activation_training import (
    MAXOUT_CONFIG,
    Results,
    maxout_job,
    pick_dataset,
    relu_job,
)
from explorer.training.config import SEED_MAX
from explorer.training.jobs import JobRunner

PIECES = (2, 3, 4)  # Maxout pieces per unit the scene offers


@dataclass(frozen=True)
class ActivationsSetup:
    """Everything a user can set in the Activations scene."""

    selected: str = "sigmoid"  # the activation shown large
    pieces: int = int(MAXOUT_CONFIG.pieces)  # the Maxout net's pieces per unit
    seed: int = 0  # both small nets' seed (Retrain adds one)
    input: tuple[float, float] | None = None  # the ReLU net's input followed; None: the first


class ActivationsModel:
    def __init__(
        self, registry: Registry, backend: str = "process", setup: ActivationsSetup | None = None
    ) -> None:
        self.registry = registry
        self.jobs = JobRunner(registry, backend=backend, owner="activations")
        self.curves = compute_curves(registry.activations)
        self.dataset = pick_dataset(registry)
        names = list(self.curves)
        default = "sigmoid" if "sigmoid" in names else (names[0] if names else "")
        setup = setup or ActivationsSetup(selected=default)
        if setup.selected not in self.curves:
            setup = replace(setup, selected=default)
        self.validate(setup)
        self.selected = setup.selected
        self.pieces = setup.pieces
        self.seed = setup.seed
        self.input_point = None if setup.input is None else np.asarray(setup.input, np.float64)
        self.results = Results()
        self._jobs: dict[str, int] = {}
        self._train()

    # -- setups -----------------------------------------------------------------------------
    def setup(self) -> ActivationsSetup:
        point = None if self.input_point is None else tuple(float(v) for v in self.input_point)
        return ActivationsSetup(self.selected, self.pieces, self.seed, point)

    def validate(self, setup: ActivationsSetup) -> None:
        """Raise ValueError (one sentence naming the key and the valid values) unless
        ``setup`` can be applied."""
        if not isinstance(setup, ActivationsSetup):
            raise ValueError(
                f"an Activations setup is an ActivationsSetup, not {type(setup).__name__}"
            )
        if self.curves and setup.selected not in self.curves:
            raise ValueError(
                f"selected must be one of {', '.join(self.curves)}, not {setup.selected!r}"
            )
        if setup.pieces not in PIECES or isinstance(setup.pieces, bool):
            raise ValueError(
                f"pieces must be one of {', '.join(map(str, PIECES))}, not {setup.pieces!r}"
            )
        if (
            not isinstance(setup.seed, int)
            or isinstance(setup.seed, bool)
            or not (0 <= setup.seed <= SEED_MAX)
        ):
            raise ValueError(f"seed must be a whole number from 0 to 2^63 − 1, not {setup.seed!r}")
        point = setup.input
        if point is not None and not (
            isinstance(point, tuple | list)
            and len(point) == 2
            and all(isinstance(v, int | float) and not isinstance(v, bool) for v in point)
            and all(abs(v) <= 100 for v in point)  # NaN, 1e18 and 10**400 too: never drawn
        ):
            raise ValueError(
                f"input must be two finite numbers (x, y) within ±100 or empty, not {point!r}"
            )

    def apply(self, setup: ActivationsSetup) -> None:
        """Put ``setup`` in place: all of it, or (ValueError) nothing."""
        self.validate(setup)
        retrain = (setup.pieces, setup.seed) != (self.pieces, self.seed)
        self.selected = setup.selected
        self.pieces, self.seed = setup.pieces, setup.seed
        self.input_point = None if setup.input is None else np.asarray(setup.input, np.float64)
        if retrain:
            self._train()

    # -- actions ----------------------------------------------------------------------------
    def select(self, name: str) -> None:
        if name in self.curves:
            self.selected = name

    def step_selection(self, delta: int) -> None:
        names = list(self.curves)
        if names:
            i = names.index(self.selected) if self.selected in names else 0
            self.selected = names[(i + delta) % len(names)]

    def set_pieces(self, pieces: int) -> None:
        if pieces != self.pieces and pieces in PIECES:
            self.pieces = pieces
            self._train()

    def retrain(self) -> None:
        self.seed += 1
        self._train()

    def choose_input(self, point) -> None:
        self.input_point = np.asarray(point, np.float64).reshape(2)

    # -- jobs -------------------------------------------------------------------------------
    def _train(self) -> None:
        self.results = Results()
        self._jobs = {
            "relu": self.jobs.submit("relu", relu_job, self.dataset, self.seed, lane="nets"),
            "maxout": self.jobs.submit(
                "maxout", maxout_job, self.dataset, self.seed, self.pieces, lane="nets"
            ),
        }

    def update(self, dt: float = 0.0) -> None:
        """Take in the nets' answers (never waits)."""
        changes = {}
        for name, job in self._jobs.items():
            answer = self.jobs.result(name)
            if answer is None or answer.job != job:
                continue
            if answer.error and not getattr(self.results, f"{name}_error"):
                changes[f"{name}_error"] = t("activations.could_not_train", reason=answer.error)
            elif answer.value is not None and getattr(self.results, name) is None:
                changes[name] = answer.value
        done = not self.jobs.busy("relu") and not self.jobs.busy("maxout")
        if changes or done != self.results.done:
            self.results = replace(self.results, done=done, **changes)

    def status_text(self) -> str:
        r = self.results
        if not r.done:
            return t("activations.status_training", seed=self.seed)
        if r.relu_error or r.maxout_error:
            return t("activations.status_failed", seed=self.seed)
        return t("activations.status_done", seed=self.seed, dataset=self.dataset)

    def wait(self, timeout: float = 60.0) -> None:
        """Block until both nets are in (headless rendering and tests)."""
        self.jobs.wait(timeout=timeout)
        self.update()

    def close(self) -> None:
        self.jobs.close()

    # -- live numbers (lesson captions and ``expect`` conditions) -----------------------------
    @staticmethod
    def readout_names() -> frozenset[str]:
        return frozenset(ACTIVATION_NUMBERS)

    def readouts(self) -> dict[str, float | int | bool]:
        """The ReLU net's ``relu_accuracy`` and, at the chosen input (the first training input by
        default), ``relu_jacobian_gap`` (its thinner network's matrix A against autograd's
        Jacobian) and ``relu_active`` (units on); the Maxout net's ``maxout_accuracy``,
        ``maxout_pieces`` (k) and ``maxout_pieces_used`` (pieces that are the max somewhere, the
        least over its units). Absent until the nets are trained."""
        out: dict[str, float | int | bool] = {"trained": bool(self.results.done)}
        relu, maxout = self.results.relu, self.results.maxout
        if relu is not None:
            from explorer.training.relu_regions import thinner_at

            x = self.input_point if self.input_point is not None else relu.x[0]
            thin = thinner_at(relu, x)
            out["relu_jacobian_gap"] = float(abs(thin.A - thin.jacobian).max())
            out["relu_active"] = int(sum(int(a.sum()) for a in thin.active))
            if relu.accuracy is not None:
                out["relu_accuracy"] = float(relu.accuracy)
        if maxout is not None:
            out["maxout_pieces"] = int(maxout.pieces)
            out["maxout_pieces_used"] = min((u.used for u in maxout.units), default=0)
            if maxout.accuracy is not None:
                out["maxout_accuracy"] = float(maxout.accuracy)
        return out


ACTIVATION_NUMBERS = (
    "trained",
    "relu_jacobian_gap",
    "relu_active",
    "relu_accuracy",
    "maxout_pieces",
    "maxout_pieces_used",
    "maxout_accuracy",
)
