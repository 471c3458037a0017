"""The pygame_gui theme every scene's widgets share (assets/theme.json)."""

from __future__ import annotations

import json
from importlib import resources


def load_theme() -> dict:
    return json.loads(resources.files("explorer.assets").joinpath("theme.json").read_text("utf-8"))
