"""Whether the frames being drawn are recorded (``dl-explorer render``). A recording shows the
run's state only: a picture leaves out what the wall clock measured (how long a Hessian took),
so the same command writes the same file on a fast machine and a loaded one."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

ACTIVE = False  # read by the pictures that would show a time measured on this machine


@contextlib.contextmanager
def recording() -> Iterator[None]:
    """Within this block the frames drawn are a recording's."""
    global ACTIVE
    old, ACTIVE = ACTIVE, True
    try:
        yield
    finally:
        ACTIVE = old
