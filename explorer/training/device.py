"""Where training runs: CUDA when present, else Apple MPS, else the CPU; a name overrides."""

from __future__ import annotations

import torch

CHOICES = ("auto", "cpu", "cuda", "mps")


def mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def resolve_device(name: str | None = "auto") -> torch.device:
    """``auto`` (or None) picks the best device here; ``cpu``, ``cuda``, ``cuda:1``, ``mps`` force
    one and are refused with a sentence when this machine has none."""
    name = (name or "auto").strip().lower()
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("mps" if mps_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ValueError(f"device {name!r} is unknown; use {', '.join(CHOICES)}") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError("device 'cuda' was asked for but this machine has no CUDA GPU; use auto")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ValueError(f"device {name!r}: this machine has {torch.cuda.device_count()} GPUs")
    if device.type == "mps" and not mps_available():
        raise ValueError("device 'mps' was asked for but this machine has no Apple GPU; use auto")
    if device.type not in ("cpu", "cuda", "mps"):
        raise ValueError(f"device {name!r} is not supported; use {', '.join(CHOICES)}")
    return device
