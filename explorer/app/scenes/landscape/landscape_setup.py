"""What a user can set in the Landscape (``LandscapeSetup``), its ranges, and the checks a whole
setup passes before anything changes: the facts the model, its controls and setup files share."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer import setups
from explorer.app.ui.i18n import t
from explorer.knob_text import Spec
from explorer.landscape import surface as S
from explorer.landscape.race import DEFAULT_OPTIMIZERS
from explorer.plugins import Registry
from explorer.setups import SetupError, knob
from explorer.specs import OptimizerSpec, SurfaceSpec

if TYPE_CHECKING:
    from explorer.app.scenes.landscape.model import LandscapeModel

DEFAULT_SURFACE = "rosenbrock"
DEFAULT_SPEED = 120.0  # steps per second
SPEED_RANGE = (1.0, 2000.0)
RUN_LENGTH = 2000  # steps a run lasts before pausing (and the horizon schedules decay over)
SIGMA_RANGE = (1e-3, 10.0)
BATCH_RANGE = (1, 200)
ARROW_KINDS = ("gradient", "step", "state", "squares")
NOISE_MODES = ("none", "gaussian", "minibatch")
SEED_RANGE = (0, 2**32 - 1)


@dataclass(frozen=True)
class LandscapeSetup:
    """Everything a user can set in the Landscape: what ``dl-explorer open``, ``--set``, Ctrl+S /
    Ctrl+O, ``render --setup`` and lessons read and write. A ball's hyperparameters left out take
    the surface's suggested rate and the optimizer's defaults. A second ball of one optimizer has
    a label (``[optimizers.sgd_fast]`` with ``name = "sgd"``): balls are keyed by label."""

    surface: str = knob(DEFAULT_SURFACE, names="surfaces", doc="a surface or expr:FORMULA")
    start: tuple[float, float] | None = knob(None, none="auto", follows="surface", on="surface")
    optimizers: tuple[Spec, ...] = knob(
        tuple(Spec(n) for n in DEFAULT_OPTIMIZERS), names="optimizers", follows="surface"
    )
    schedule: Spec = knob(Spec("constant"), names="schedules")
    noise: str = knob("none", choices=NOISE_MODES)
    sigma: float = knob(0.3, low=SIGMA_RANGE[0], high=SIGMA_RANGE[1])
    batch: int = knob(8, low=BATCH_RANGE[0], high=BATCH_RANGE[1])
    arrows: tuple[str, ...] = knob(("gradient", "state", "squares"), choices=ARROW_KINDS)
    # by label, so not checked against the optimizers' names (a ball may be called sgd_fast)
    arrows_hidden: tuple[str, ...] = knob((), doc="balls (their labels) drawn without arrows")
    seed: int = knob(0, low=SEED_RANGE[0], high=SEED_RANGE[1])
    speed: float = knob(DEFAULT_SPEED, low=SPEED_RANGE[0], high=SPEED_RANGE[1])


def default_start(spec: SurfaceSpec) -> tuple[float, float]:
    """Where the balls start on ``spec`` when nobody chose: its first listed start, else the
    middle of its domain."""
    if spec.starts:
        x, y = spec.starts[0]
        return float(x), float(y)
    (x0, x1), (y0, y1) = spec.domain
    return (x0 + x1) / 2, (y0 + y1) / 2


def checked_surface(
    setup: LandscapeSetup, registry: Registry
) -> tuple[SurfaceSpec, tuple[float, float]]:
    """``setup``'s surface and start, once the whole setup is known good: SetupError with one
    sentence for anything that is not (nothing has changed yet when it is raised)."""
    setups.check(setup, registry)
    spec = registry.surface(setup.surface)
    start = setup.start if setup.start is not None else default_start(spec)
    try:
        S.value(spec, *start)
    except Exception as exc:  # noqa: BLE001 - a plugin's or a formula's function raising
        raise SetupError(
            f'surface = "{setup.surface}" cannot be evaluated at {start}: {exc}; valid: a '
            "surface and a start where it is defined",
            "surface",
        ) from None
    if setup.noise == "minibatch" and not spec.has_data:
        raise SetupError(
            f'noise = "minibatch" needs a data-defined surface and {spec.name} is a formula; '
            "valid: none or gaussian here, or minibatch on linear_regression",
            "noise",
        )
    return spec, (float(start[0]), float(start[1]))


def ball_settings(setup: LandscapeSetup, hyper: dict[str, dict[str, float]]) -> dict[str, str]:
    """``setup``'s balls' hyperparameters written into ``hyper`` (by label, over their
    optimizer's), and the labels of their own (``sgd_fast`` → ``sgd``)."""
    for ball in setup.optimizers:
        hyper[ball.key] = dict(hyper[ball.name]) | dict(ball.values)
    return {ball.label: ball.name for ball in setup.optimizers if ball.label}


def noise_values(mode: str, value: float | None, sigma: float, batch: int) -> tuple[float, int]:
    """(σ, B) once ``mode``'s knob is set to ``value`` (None: as it was), each held in its
    range (``SIGMA_RANGE``, ``BATCH_RANGE``)."""
    if mode == "gaussian" and value is not None:
        sigma = min(max(float(value), SIGMA_RANGE[0]), SIGMA_RANGE[1])
    if mode == "minibatch" and value is not None:
        batch = int(min(max(round(value), BATCH_RANGE[0]), BATCH_RANGE[1]))
    return sigma, batch


def checked_hyper(spec: OptimizerSpec, label: str, key: str, value: float) -> tuple[float, str]:
    """``value`` of ``spec``'s ``key`` as the ball ``label`` will run it, and a note when it lies
    outside the slider's range ("" when it does not: it runs as given either way); ValueError
    (one sentence) for a value the maths forbids."""
    h = spec.hyper[key]
    value = h.check(value, key, spec.name)
    if not h.outside_range(value):
        return value, ""
    return value, t(
        "landscape.outside_range",
        name=label,
        setting=f"{key}={value:g}",
        low=f"{h.low:g}",
        high=f"{h.high:g}",
    )


def setup_of(m: LandscapeModel) -> LandscapeSetup:
    """What the user set in ``m``, as a setup file writes it: a start left where the surface
    puts it is ``None`` (auto), a ball with a label of its own keeps it."""
    start = (float(m.start[0]), float(m.start[1]))
    return LandscapeSetup(
        surface=m.spec.name,
        start=None if start == default_start(m.spec) else start,
        optimizers=tuple(
            Spec(
                m.optimizer_of(n),
                {k: float(v) for k, v in m.hyper[n].items()},
                n if n != m.optimizer_of(n) else "",
            )
            for n in m.enabled
        ),
        schedule=Spec(m.schedule, {k: float(v) for k, v in m.schedule_values().items()}),
        noise=m.noise.mode,
        sigma=float(m.sigma),
        batch=int(m.batch),
        arrows=tuple(k for k in ARROW_KINDS if m.arrow_kinds.get(k)),
        arrows_hidden=tuple(
            n for n in [*m.optimizer_names, *m.kinds] if not m.arrows_for.get(n, True)
        ),
        seed=int(m.seed),
        speed=float(m.speed),
    )
