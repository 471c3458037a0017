"""What users type on the command line for optimizers, schedules, noise, points and frame sizes.

Every ``NAME[:k=v,...]`` goes through the one parser in ``explorer.knob_text`` (the same one
``--set``, setup files and the app use); this module only names what each flag looks up.
"""

from __future__ import annotations

from explorer.knob_text import parse_point, parse_spec, spec_for, unknown
from explorer.landscape.race import Noise
from explorer.plugins import Registry
from explorer.specs import Hyper

__all__ = [
    "parse_noise",
    "parse_optimizer_arg",
    "parse_point",
    "parse_schedule_arg",
    "parse_size",
    "parse_values",
]

NOISE_KNOBS = {
    "none": {},
    "gaussian": {"sigma": Hyper(0.1, 1e-6, 1e6)},
    "minibatch": {"batch": Hyper(8, 1, 1e9, integer=True)},
}


def parse_values(text: str, valid: dict, what: str) -> dict[str, float]:
    """``"lr=0.1,beta=0.9"`` → ``{"lr": 0.1, "beta": 0.9}``, checked against ``valid`` names."""
    try:
        values = dict(parse_spec(f"_:{text}").values)
    except ValueError as exc:  # its sentence names the spec "_": name what it is instead
        raise ValueError(what + str(exc)[1:]) from None
    if "" in values:
        raise ValueError(f"{what}: expected name=value, got {text!r} (e.g. lr=0.01)")
    for key in values:
        if key not in valid:
            raise ValueError(unknown("hyperparameter", key, valid, owner=what))
    return values


def _registered(registry: Registry, table: str):
    def lookup(name: str):
        spec = registry.get(table, name.strip())
        return spec.name, spec.hyper

    return lookup


def parse_optimizer_arg(
    text: str, registry: Registry, labels: bool = False
) -> tuple[str, dict[str, float]]:
    """``"momentum:lr=0.001,beta=0.9"`` → ``("momentum", {"lr": 0.001, "beta": 0.9})``.
    ``LABEL=NAME:...`` (a second ball of one optimizer) only where ``labels`` (the race reads
    the label itself); elsewhere it is refused, never quietly merged into NAME's ball."""
    spec = spec_for(text, _registered(registry, "optimizers"), "optimizer")
    if spec.label and not labels:
        raise ValueError(
            f"--optimizer {text!r}: a label ({spec.label}=) names a ball of a Landscape race "
            f"(dl-explorer race, or --set optimizers=...,{spec.text()} in the app and render); "
            f"here give the optimizer alone, e.g. {spec.text().split('=', 1)[1]}"
        )
    return spec.name, dict(spec.values)


def parse_schedule_arg(text: str, registry: Registry) -> tuple[str, dict[str, float]]:
    """``"step:every=500,gamma=0.5"`` → ``("step", {"every": 500.0, "gamma": 0.5})``."""
    spec = spec_for(text, _registered(registry, "schedules"), "schedule")
    return spec.name, dict(spec.values)


def parse_noise(text: str) -> Noise:
    """``none``, ``gaussian:0.1`` (or ``gaussian:sigma=0.1``), ``minibatch:8``."""

    def lookup(name: str):
        if name not in NOISE_KNOBS:
            raise ValueError(f"--noise {text!r}: use none, gaussian:SIGMA or minibatch:B")
        return name, NOISE_KNOBS[name]

    try:
        spec = spec_for(text, lookup, "--noise")
    except ValueError as exc:
        if "use none" in str(exc) or "finite" in str(exc):
            raise
        raise ValueError(f"--noise {text!r}: expected gaussian:SIGMA or minibatch:B") from None
    if spec.name == "gaussian":
        return Noise("gaussian", sigma=spec.values.get("sigma", 0.1))
    if spec.name == "minibatch":
        batch = spec.values.get("batch", 8)
        if not float(batch).is_integer():
            raise ValueError(f"--noise {text!r}: the batch size B is a whole number")
        return Noise("minibatch", batch=int(batch))
    return Noise()


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` → ``(1280, 720)``, within 320x240 … 7680x4320."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size expects WIDTHxHEIGHT, e.g. 1280x720, got {text!r}") from None
    if w < 320 or h < 240 or w > 7680 or h > 4320:
        raise ValueError(f"--size {text}: width and height must be within 320x240 … 7680x4320")
    return w, h
