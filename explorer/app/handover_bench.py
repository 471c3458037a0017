"""``bench frames --handover LESSON``: the frames a lesson draws while one step hands over to the
next, in presenter mode, offscreen, as in the app (workers in processes, started ahead).

After a step is done the presenter gets the next step's run ready while the teacher talks: its
scene built (a piece a frame, ``LessonPlayer.get_ready``), its prepared run read ahead. Built at
once, the Network lab froze the picture for 0.6–1.3 s just then, in front of the class. Each
handover is measured twice in one run: as the app does it (in pieces) and at once (as before),
so the two figures come from the same machine at the same moment.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import pygame

from explorer.app.headless import init_offscreen

FPS = 60
TALK_FRAMES = 30  # frames after the next run is ready, still "the teacher talks"
MAX_TALK_FRAMES = 1200  # 20 s: a readying that takes longer is cut off (and said)
STEP_TIMEOUT_S = 300.0


@dataclass(frozen=True)
class Handover:
    """One → of a lesson: from step ``step`` (1-based) to the next."""

    step: int
    scenes: tuple[str, str]  # the step's scene, the next step's
    built: bool  # the next step's scene was built while the teacher talked
    frames: int  # frames from the step's end until its next run was ready
    longest_s: float  # the longest of them (0: none)
    after_s: float  # the longest of the TALK_FRAMES after: the scene's own frames meanwhile
    right_s: float  # the frame of the → press itself
    cut_off: bool = False  # not ready after MAX_TALK_FRAMES


def bench_handovers(registry, lesson, size: tuple[int, int], at_once: bool) -> list[Handover]:
    """Every handover of ``lesson`` (its steps played to their end at 60 Hz), the next scene
    built a piece a frame as the app does, or ``at_once`` (in the frame after the step's end,
    as before). The lesson's runs are computed (an empty cache of its own: nothing prepared),
    so each new scene is built during the step before it, as in the app."""
    from explorer.app.shell import build_app
    from explorer.app.ui.presenter import start_lesson
    from explorer.lessons.prepared import PreparedStore
    from explorer.training.workers import discard_spares, prestart

    screen = init_offscreen(size)
    app, tabs = build_app(registry, screen, lesson.steps[0].scene, windowed=False)
    prestart(registry)  # as the app does once its window is up
    right = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0, unicode="")
    out: list[Handover] = []
    with tempfile.TemporaryDirectory(prefix="dl-explorer-bench-") as folder:
        try:
            presenter = start_lesson(tabs, lesson, registry, store=PreparedStore(Path(folder)))
            player = presenter.player
            if at_once:
                player.build_pieces = None
            for k in range(len(lesson.steps) - 1):
                deadline = time.perf_counter() + STEP_TIMEOUT_S
                while not player.done and time.perf_counter() < deadline:
                    _frame(app, [])  # (the frame that ends the step begins nothing of the next)
                had = set(tabs.built)
                times, after = [], 0
                while after < TALK_FRAMES and len(times) < MAX_TALK_FRAMES:
                    times.append(_frame(app, []))
                    after = after + 1 if player.ready else 0
                frames = len(times) - after
                scenes = (lesson.steps[k].scene, lesson.steps[k + 1].scene)
                built = bool(set(tabs.built) - had)
                cut = len(times) >= MAX_TALK_FRAMES
                right_s = _frame(app, [right])
                longest = max(times[:frames], default=0.0)
                after_s = max(times[frames:], default=0.0)
                out.append(Handover(k + 1, scenes, built, frames, longest, after_s, right_s, cut))
        finally:
            tabs.close()
            discard_spares()
    return out


def _frame(app, events) -> float:
    """One frame at 60 Hz (the rest of its 1/60 s slept, as the app's clock does); its time."""
    t0 = time.perf_counter()
    app.tick(1 / FPS, events)
    spent = time.perf_counter() - t0
    time.sleep(max(0.0, 1 / FPS - spent))
    return spent
