"""Preparing a lesson in the background while it is shown: the runs after the current step are
played in a worker (a lane of the one worker mechanism, at the lowest priority: the class's
frames come first) and kept in the cache, where the player finds them on the next →."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from explorer.lessons.lesson_file import Lesson
from explorer.lessons.prepared import PreparedStore
from explorer.lessons.scenes import LessonScene

NICE = 19  # below the app's own workers (10): preparing never slows what is shown
OWNER = "lesson"  # the pool's name for this work: it goes on whichever scene is shown


def prepare_job(ctx: Any, path: str, scenes: list[LessonScene], folder: str, first: int) -> int:
    """In the worker: read the lesson again (a Lesson does not travel, its file does) and
    prepare its runs from step ``first`` on, then the ones before it. Returns runs recorded."""
    from explorer.lessons.catalogue import scene_facts
    from explorer.lessons.lesson_file import read_lesson
    from explorer.lessons.replay import prepare_lesson

    registry = ctx.registry
    lesson = read_lesson(Path(path), scene_facts(registry, scenes))
    made, _ = prepare_lesson(
        lesson,
        registry,
        scenes,
        PreparedStore(Path(folder)),
        first=first,
        cancelled=ctx.cancelled,
    )
    return made


class LessonAhead:
    """The background preparation of one lesson shown in the app."""

    def __init__(
        self,
        lesson: Lesson,
        scenes: Iterable[LessonScene],
        registry: Any,
        store: PreparedStore,
        backend: str = "process",
    ) -> None:
        from explorer.training.jobs import JobRunner
        from explorer.training.pool import POOL

        self.lesson, self.scenes, self.store = lesson, list(scenes), store
        # not the shown scene's work (held the moment the lesson moved to another scene), but
        # the lesson's: on behind every tab, after the shown scene's lanes, while there is room
        POOL.keep_going(OWNER)
        self.jobs = JobRunner(registry, backend=backend, nice=NICE, owner=OWNER)

    def start(self, first: int) -> None:
        """Prepare the runs from step ``first`` (0-based) on; a newer start replaces it."""
        self.jobs.submit(
            "prepare",
            prepare_job,
            str(self.lesson.path),
            self.scenes,
            str(self.store.folder),
            first,
        )

    def busy(self) -> bool:
        return self.jobs.busy("prepare")

    def close(self) -> None:
        self.jobs.close()
