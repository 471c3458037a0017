"""The "Export as PyTorch" button, without pygame: net A's settings written as one plain PyTorch
script (``explorer.training.export_script``) beside the saved setups, and the sentence the lab
shows (where it went, or why it could not be written)."""

from __future__ import annotations

import time
from pathlib import Path

from explorer import setups
from explorer.app.ui import i18n
from explorer.training import TrainConfig


def script_path(folder: Path | None = None) -> Path:
    """``folder/network-YYYYmmdd-HHMMSS.py`` (-2, -3 … if taken): where the setups go."""
    folder = folder or setups.default_folder()
    stem = f"network-{time.strftime('%Y%m%d-%H%M%S')}"
    path, k = folder / f"{stem}.py", 2
    while path.exists():
        path, k = folder / f"{stem}-{k}.py", k + 1
    return path


def export(config: TrainConfig, registry: object, folder: Path | None = None) -> tuple[bool, str]:
    """Write ``config`` as a script; (written, what the lab says). Nothing is half written: the
    text is made first, then written atomically."""
    from explorer.training.export_script import write_script

    path = script_path(folder)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_script(path, config.replace(device="cpu"), registry)
    except (ValueError, LookupError, OSError) as exc:
        return False, i18n.t("network.export_failed", why=str(exc).rstrip("."))
    return True, i18n.t("network.export_done", file=str(path))
