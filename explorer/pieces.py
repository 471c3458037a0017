"""Work done a piece at a time, so the app loop draws a frame between pieces.

Building a scene takes half a second to a second (its modules imported, its pygame_gui widgets
made one by one); done in one frame it froze a lesson's animation just after a step ended, in
front of the class. A scene that can be built in pieces says so with a generator
(``SceneSpec.pieces``): it ``yield``s between pieces and ``return``s what it built. Whoever
drives it calls ``next`` once a frame (the lesson player's ``get_ready``), or ``finish`` when
the result is needed now (→ pressed before the scene was ready).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Generator
from typing import Any, TypeVar

T = TypeVar("T")

Pieces = Generator[None, None, T]  # yields between pieces, returns what it built


def finish(pieces: Generator[None, None, T]) -> T:
    """Every piece left, at once; what the pieces built."""
    while True:
        try:
            next(pieces)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]


def in_thread(
    work: Callable[[], Any], name: str = "dl-explorer-pieces"
) -> Generator[None, None, None]:
    """``work()`` on a helper thread, a piece for as long as it runs: for imports (a scene's
    modules, compiled when no bytecode is cached) and other work that touches no pygame object.
    Its exception is raised here, in the caller's thread. Each piece waits a moment for the
    thread (a frame, at most: the thread has the GIL for it), so a caller that finishes the
    pieces at once does not spin."""
    failed: list[BaseException] = []

    def run() -> None:
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 - raised again in the caller's thread
            failed.append(exc)

    thread = threading.Thread(target=run, name=name, daemon=True)
    thread.start()
    while thread.is_alive():
        thread.join(0.002)
        if thread.is_alive():
            yield
    if failed:
        raise failed[0]
