"""The race's numbers as the user reads them: the numbers panel's rows (``BallReadout``) and the
live numbers lesson captions and ``expect`` conditions name (``step``, ``adam.loss`` …)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from explorer.landscape import surface as S
from explorer.landscape.race import Race, Status
from explorer.plugins import Registry
from explorer.specs import SurfaceSpec

# What ``live_numbers`` gives for each ball, as ``NAME.KEY``.
BALL_NUMBERS = (
    "loss",
    "x",
    "y",
    "grad",
    "step_size",
    "lr",
    "settled",
    "converged",
    "saddle",
    "escaped",
    "diverged",
    "frozen",
    "settled_at",
    "max_abs_x",
    "max_abs_y",
    "distance",
    "min_eig",
    "max_eig",
)


@dataclass(frozen=True)
class BallReadout:
    """One row of the numbers panel, as numbers (the scene formats them)."""

    index: int
    label: str
    colour_index: int
    x: float
    y: float
    loss: float
    grad_norm: float
    step_norm: float
    lr: float
    status: str
    reason: str
    stopped_at: int | None  # diverged, escaped or frozen at this step
    converged_at: int | None = None  # the first step the ball settled (a mark; it still steps)
    moved_again_at: int | None = None  # the last step a settled ball started moving again


def ball_rows(
    race: Race, colour_index: Callable[[str], int], stepping_ahead: bool
) -> list[BallReadout]:
    """Each ball's numbers now. Stepping ahead, the newest row whose loss is known: the newest
    position's loss comes with its gradients from the helper thread, and computing it here
    would cost the frame a pass of a real net over its data."""
    rows = []
    known = race.known_losses()
    if stepping_ahead and len(known):
        pos, losses = race.positions[len(known) - 1], known[-1]
    else:
        pos, losses = race.positions[-1], race.losses[-1]
    for i, ball in enumerate(race.balls):
        rows.append(
            BallReadout(
                index=i,
                label=ball.label,
                colour_index=colour_index(ball.label),
                x=float(pos[i, 0]),
                y=float(pos[i, 1]),
                loss=float(losses[i]),
                grad_norm=float(np.hypot(*ball.grad)),
                step_norm=float(np.hypot(*ball.last_step)),
                lr=float(ball.lr),
                status=str(ball.status),
                reason=ball.reason,
                stopped_at=ball.stopped_at,
                converged_at=ball.converged_at,
                moved_again_at=ball.moved_again_at,
            )
        )
    return rows


def exit_point(race: Race, spec: SurfaceSpec, index: int) -> tuple[float, float]:
    """Where a diverged ball left the surface's domain (its last point inside it); the race
    keeps the ball at its last finite point, which can be far off the map."""
    path = race.positions[:, index]
    (x0, x1), (y0, y1) = spec.domain
    inside = (path[:, 0] >= x0) & (path[:, 0] <= x1) & (path[:, 1] >= y0) & (path[:, 1] <= y1)
    inside &= np.isfinite(path).all(axis=1)
    k = np.flatnonzero(inside)
    x, y = path[k[-1]] if k.size else path[-1]
    return float(x), float(y)


def number_names(registry: Registry) -> frozenset[str]:
    """Every live number a Landscape can provide, before it runs: ``step`` and, for each
    optimizer a lesson may race, ``NAME.loss`` … (see ``BALL_NUMBERS``)."""
    return frozenset({"step"} | {f"{n}.{k}" for n in registry.optimizers for k in BALL_NUMBERS})


def live_numbers(
    race: Race, spec: SurfaceSpec, names: Iterable[str] | None = None
) -> dict[str, float | int | bool]:
    """The live numbers of ``race`` now: ``step`` and per ball ``NAME.loss`` (full-data loss),
    ``.x`` ``.y``, ``.grad`` (‖∇L‖), ``.step_size``, ``.lr`` (this step's rate), the status flags
    ``.settled`` ``.converged`` ``.saddle`` ``.escaped`` ``.diverged`` ``.frozen``,
    ``.settled_at`` (the first step it settled; absent until it has), ``.max_abs_x`` /
    ``.max_abs_y`` (the largest |x| / |y| of its path so far), ``.distance`` (to the nearest
    known minimum) and ``.min_eig`` / ``.max_eig`` (the Hessian's eigenvalues where it is).
    ``names``: compute only these (the Hessian is the costly one); a number the race does not
    have (a ball not racing) is absent, never invented."""
    wanted = None if names is None else set(names)

    def want(key: str) -> bool:
        return wanted is None or key in wanted

    out: dict[str, float | int | bool] = {}
    if want("step"):
        out["step"] = int(race.t)
    if not race.balls:
        return out
    pos = race.positions
    losses = race.losses[-1] if any(want(f"{b.label}.loss") for b in race.balls) else None
    minima = np.array(spec.minima, dtype=float).reshape(-1, 2)
    seen: set[str] = set()
    for i, ball in enumerate(race.balls):
        name = ball.label  # ``sgd``, or a second sgd ball's own label (``sgd_fast``)
        if name in seen:  # one label twice (never in the app): the first ball answers to it
            continue
        seen.add(name)
        x, y = (float(v) for v in pos[-1, i])
        for key, read in _simple_numbers(ball, i, x, y, pos, losses).items():
            if want(f"{name}.{key}"):
                out[f"{name}.{key}"] = read()
        if want(f"{name}.settled_at") and ball.converged_at is not None:
            out[f"{name}.settled_at"] = int(ball.converged_at)
        if want(f"{name}.distance") and len(minima):
            out[f"{name}.distance"] = float(np.min(np.hypot(minima[:, 0] - x, minima[:, 1] - y)))
        if want(f"{name}.min_eig") or want(f"{name}.max_eig"):
            out |= _eigenvalues(spec, name, x, y)
    if wanted is not None:
        out = {k: v for k, v in out.items() if k in wanted}
    return out


def _simple_numbers(ball, i: int, x: float, y: float, pos: np.ndarray, losses) -> dict:
    """A ball's cheap numbers, each read only if wanted (``losses`` is None when none is)."""
    status = ball.status
    return {
        "x": lambda: x,
        "y": lambda: y,
        "loss": lambda: float(losses[i]),
        "grad": lambda: float(np.hypot(*ball.grad)),
        "step_size": lambda: float(np.hypot(*ball.last_step)),
        "lr": lambda: float(ball.lr),
        "settled": lambda: bool(status.settled),
        "converged": lambda: status is Status.CONVERGED,
        "saddle": lambda: status is Status.SADDLE,
        "escaped": lambda: status is Status.ESCAPED,
        "diverged": lambda: status is Status.DIVERGED,
        "frozen": lambda: status is Status.FROZEN,
        "max_abs_x": lambda: float(np.nanmax(np.abs(pos[:, i, 0]))),
        "max_abs_y": lambda: float(np.nanmax(np.abs(pos[:, i, 1]))),
    }


def _eigenvalues(spec: SurfaceSpec, name: str, x: float, y: float) -> dict[str, float]:
    """``NAME.min_eig`` / ``NAME.max_eig``: the Hessian's eigenvalues at (x, y), none off the
    surface's domain."""
    try:
        eig = np.linalg.eigvalsh(S.hessian(spec, x, y))
    except Exception:  # noqa: BLE001 - off the surface's domain: no curvature
        return {}
    if not np.all(np.isfinite(eig)):
        return {}
    return {f"{name}.min_eig": float(eig[0]), f"{name}.max_eig": float(eig[-1])}


def export_csv(
    race: Race, title: str, folder: Path | str, notify: Callable[..., None]
) -> Path | None:
    """The race as a CSV file in ``folder``, said with ``notify`` (None, said, when it cannot
    be written)."""
    try:
        path = write_csv(race, title, folder)
    except (OSError, ValueError) as exc:  # OutputError: a full disk, a vanished folder
        notify(f"could not write the CSV: {exc}", "error")
        return None
    rows = len(race.positions) * len(race.balls)
    notify(f"wrote {rows} rows (optimizer,step,x,y,loss) to {path.resolve()}")
    return path


def write_csv(race: Race, title: str, folder: Path | str) -> Path:
    """The race's rows (``Race.to_csv``) in ``folder``, named after the surface and the time."""
    name = re.sub(r"[^A-Za-z0-9_]+", "_", title).strip("_") or "surface"
    stamp = time.strftime("%Y%m%d-%H%M%S")
    path = Path(folder) / f"dl-explorer-{name}-{stamp}.csv"
    race.to_csv(path)
    return path
