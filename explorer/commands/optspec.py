"""Parsing what users type for optimizers, points and key=value lists on the command line."""

from __future__ import annotations

import math

from explorer.plugins import Registry


def parse_values(text: str, valid: dict, what: str) -> dict[str, float]:
    """``"lr=0.1,beta=0.9"`` → ``{"lr": 0.1, "beta": 0.9}``, checked against ``valid`` names."""
    values: dict[str, float] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, sep, raw = part.partition("=")
        key = key.strip()
        if not sep:
            raise ValueError(f"{what}: expected name=value, got {part!r} (e.g. lr=0.01)")
        if key not in valid:
            raise ValueError(
                f"{what} has no hyperparameter {key!r}; valid: {', '.join(valid) or 'none'}"
            )
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"{what}: {key}={raw!r} is not a number") from None
        if not math.isfinite(value):
            raise ValueError(f"{what}: {key} must be a finite number")
        values[key] = value
    return values


def parse_optimizer_arg(text: str, registry: Registry) -> tuple[str, dict[str, float]]:
    """``"momentum:lr=0.001,beta=0.9"`` → ``("momentum", {"lr": 0.001, "beta": 0.9})``."""
    name, _, rest = text.partition(":")
    spec = registry.optimizer(name.strip())
    return spec.name, parse_values(rest, spec.hyper, f"optimizer {spec.name!r}")


def parse_point(text: str, what: str = "--start") -> tuple[float, float]:
    """``"-1.2,1"`` → ``(-1.2, 1.0)``."""
    parts = text.split(",")
    try:
        if len(parts) != 2:
            raise ValueError
        x, y = (float(p) for p in parts)
    except ValueError:
        raise ValueError(
            f"{what} expects two numbers x,y (e.g. {what}=-1.2,1), got {text!r}"
        ) from None
    if not (math.isfinite(x) and math.isfinite(y)):
        raise ValueError(f"{what} must be finite numbers, got {text!r}")
    return x, y


def parse_size(text: str) -> tuple[int, int]:
    """``"1280x720"`` → ``(1280, 720)``, within 320x240 … 7680x4320."""
    try:
        w, h = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise ValueError(f"--size expects WIDTHxHEIGHT, e.g. 1280x720, got {text!r}") from None
    if w < 320 or h < 240 or w > 7680 or h > 4320:
        raise ValueError(f"--size {text}: width and height must be within 320x240 … 7680x4320")
    return w, h
