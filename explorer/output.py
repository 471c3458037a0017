"""What every command (and the library's own writers: the scoreboard's CSV, a new plugin's files)
writes through: one rich console, and files that are checked before the work and written
atomically (a temporary file beside the target, renamed over it only when complete),
so a refused path costs nothing and an interrupted run never leaves a truncated file nor destroys
the previous one."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from rich.console import Console

# The one way files are written (explorer/atomic_write.py), re-exported for the commands.
from explorer.atomic_write import OutputError, atomic_path, write_text

MAX_OUTPUT_BYTES = 1_000_000_000  # a file estimated above this is refused before the work


def console() -> Console:
    c = Console()
    return c if c.is_terminal else Console(width=max(c.width, 130))


def check_output(path: str | os.PathLike | None, option: str) -> Path | None:
    """The path as a ``Path`` once it is sure a file can be created there, else OutputError.

    Refuses an empty name, a folder, a missing or read-only folder, and anything that exists but is
    not a regular file (``/dev/full``, a pipe): renaming over those would replace them.
    """
    if path is None:
        return None
    text = os.fspath(path)
    if not text.strip():
        raise OutputError(f"{option} needs a file name, got an empty one")
    p = Path(text).expanduser()
    if p.is_dir():
        raise OutputError(f"{option} {text}: that is a folder; give a file name inside it")
    if p.exists() and not p.is_file():
        raise OutputError(f"{option} {text}: not a regular file; write to a file instead")
    folder = p.parent
    if not folder.is_dir():
        raise OutputError(f"{option} {text}: the folder {folder} does not exist")
    try:  # the one sure test: create (and remove) a file where the output will go
        fd, probe = tempfile.mkstemp(dir=folder, prefix=f".{p.name}.", suffix=".check")
    except OSError as exc:
        raise OutputError(f"{option} {text}: cannot write there ({exc.strerror})") from None
    os.close(fd)
    os.unlink(probe)
    return p


def check_size(estimate: float, option: str, fix: str) -> None:
    """Refuse an output estimated above MAX_OUTPUT_BYTES before computing it."""
    if estimate > MAX_OUTPUT_BYTES:
        raise OutputError(
            f"{option} would write about {estimate / 1e9:.1f} GB, over the "
            f"{MAX_OUTPUT_BYTES / 1e9:g} GB limit; {fix}"
        )


class LateProgress:
    """A rich progress bar that appears only once the work has run for ``after`` seconds, so
    quick commands print nothing extra and long ones are never silent. ``update(done)``."""

    def __init__(self, total: int, label: str, out: Console | None = None, after: float = 2.0):
        import time

        self._clock = time.perf_counter
        self._start = self._clock()
        self.total, self.label, self.after = total, label, after
        self._console = out
        self._progress = None
        self._task = None

    def update(self, done: int) -> None:
        if self._progress is None:
            if self._clock() - self._start < self.after:
                return
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                TimeRemainingColumn(),
                console=self._console or console(),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task(self.label, total=self.total)
        self._progress.update(self._task, completed=done)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None

    def __enter__(self) -> LateProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


__all__ = [
    "MAX_OUTPUT_BYTES",
    "LateProgress",
    "OutputError",
    "atomic_path",
    "check_output",
    "check_size",
    "console",
    "write_text",
]
