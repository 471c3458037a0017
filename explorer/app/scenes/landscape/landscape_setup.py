"""What a user can set in the Landscape (``LandscapeSetup``), its ranges, and the checks a whole
setup passes before anything changes: the facts the model, its controls and setup files share."""

from __future__ import annotations

from dataclasses import dataclass

from explorer import setups
from explorer.knob_text import Spec
from explorer.landscape import surface as S
from explorer.landscape.race import DEFAULT_OPTIMIZERS
from explorer.plugins import Registry
from explorer.setups import SetupError, knob
from explorer.specs import SurfaceSpec

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
