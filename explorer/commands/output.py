"""One rich console for every command: wide enough for tables when output is not a terminal."""

from __future__ import annotations

from rich.console import Console


def console() -> Console:
    c = Console()
    return c if c.is_terminal else Console(width=max(c.width, 130))
