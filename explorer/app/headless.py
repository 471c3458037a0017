"""Running the app without a window: still images, GIFs, MP4s, and the frame-time benchmark."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pygame

from explorer.app.frame_file import frame_file
from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.app.scenes.landscape.scene import LandscapeScene
from explorer.app.ui.app_loop import DT, App
from explorer.app.ui.recording import recording


def single_threaded_torch() -> None:
    """The app's tensors are tiny (a grid, a few balls): torch's thread pool only adds latency,
    and on a busy 2-core machine its spinning threads made a surface grid 10× slower."""
    import torch

    torch.set_num_threads(1)


def init_offscreen(size: tuple[int, int]) -> pygame.Surface:
    """pygame set up with no display needed (SDL's dummy driver unless one is already up).
    SDL's own SIGINT/SIGTERM handlers are left out: they turn SIGTERM into a QUIT event that
    nothing headless reads, so ``render`` went on for a minute after being told to stop."""
    os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
    if not pygame.display.get_init():
        os.environ["SDL_VIDEODRIVER"] = "dummy"
        pygame.display.init()
    pygame.font.init()
    if pygame.display.get_surface() is None:
        pygame.display.set_mode((1, 1))
    return pygame.Surface(size)


def offscreen_app(
    model: LandscapeModel, size: tuple[int, int], ui_scale: float | None = 1.0
) -> tuple[App, LandscapeScene]:
    """The app as a window shows it (scene tabs included), drawn offscreen, on ``model``, at UI
    scale ``ui_scale`` (None: the one the window would pick)."""
    from explorer.app.shell import build_app
    from explorer.app.ui import scale

    screen = init_offscreen(size)
    scale.set_factor(scale.effective(size, ui_scale))
    scene = LandscapeScene(model, size)
    app, _ = build_app(
        model.registry,
        screen,
        windowed=False,
        backend="thread",
        scenes={"landscape": lambda _size: scene},
        ui_scale=ui_scale,
    )
    return app, scene


def frame_image(surface: pygame.Surface):
    from PIL import Image

    return Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))


class FrameClock:
    """The app's fixed updates a recorded frame covers at ``fps``: the video's own time, never
    the wall clock (a frame at 10 fps is six updates of 1/60 s, where a live tick would drop
    time), so the same recording comes out of a fast machine and a loaded one."""

    def __init__(self, fps: int) -> None:
        self.per_frame = 1.0 / (fps * DT)
        self.owed = 0.0

    def updates(self) -> int:
        self.owed += self.per_frame
        n = int(self.owed + 1e-9)
        self.owed -= n
        return n


SETTLE_TIMEOUT_S = 600.0  # one frame's work on a loaded machine: a stuck worker, not a slow one


def settle(scene) -> None:
    """Wait for the work ``scene``'s last update sent to its workers (a net's mini-batches, the
    Dropout scene's jobs, a slow surface): what a recorded frame shows follows the run's state
    (steps, epochs), not how far a worker got while the frame was drawn."""
    model = getattr(scene, "model", None)
    if model is not None and callable(getattr(model, "wait", None)):
        model.wait(SETTLE_TIMEOUT_S)


def pass_time(app: App, clock: FrameClock, settled: Callable[[], None]) -> None:
    """A frame's worth of the app's updates, undrawn, each followed by ``settled()`` (the work
    it sent is applied before the next update reads the state)."""
    for _ in range(clock.updates()):
        app.tick(DT, [], draw=False)
        settled()


def play_frame(
    app: App,
    clock: FrameClock,
    settled: Callable[[], None],
    ready: Callable[[], None] | None = None,
) -> None:
    """One recorded frame: its updates (``pass_time``), ``ready()`` (every picture of that
    state made), then drawn."""
    pass_time(app, clock, settled)
    if ready is not None:
        ready()
    app.tick(0.0, [])


def render_to_file(
    model: LandscapeModel,
    out: Path,
    frames: int,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    scale: float = 1.0,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Play ``model`` for ``frames`` frames at ``fps`` and write ``out`` (.png: the last frame;
    .gif: all of them; .mp4: all of them, needs imageio-ffmpeg). Returns the frames written."""
    check_out(out)
    app, scene = offscreen_app(model, size)
    try:
        scene.wait_ready()  # a real net's loss: its map is computed before the first frame
        model.timer = lambda: 0.0  # no time budget: every frame gets exactly speed/fps steps
        model.play()
        return record(app, out, frames, fps, scale, progress=progress)
    finally:
        model.close()  # its worker (a thread here) ends before the interpreter does


def check_out(out: Path) -> None:
    if out.suffix.lower() not in (".png", ".gif", ".mp4"):
        raise ValueError(f"--out {out.name}: use a .png (still), .gif or .mp4 file name")
    if out.suffix.lower() == ".mp4":
        try:
            import imageio.v2  # noqa: F401
            import imageio_ffmpeg  # noqa: F401
        except ImportError:
            raise ValueError(
                "writing MP4 needs imageio and imageio-ffmpeg: pip install 'dl-explorer[video]' "
                "(or write a .gif)"
            ) from None


# ``render --region``: frames cropped to one part of the scene (the map, the network, ...)
_REGION: str | None = None
REGION_ALIASES = {"figure": "function"}  # the Network lab's function picture


@contextlib.contextmanager
def cropped_to(region: str | None):
    """Within this block, ``record`` writes only the scene's part ``region`` (for slides)."""
    global _REGION
    old, _REGION = _REGION, region
    try:
        yield
    finally:
        _REGION = old


def region_rect(app: App, region: str) -> pygame.Rect:
    """Where the scene draws its part ``region`` (one sentence naming the parts if unknown)."""
    scene = app.scenes[0] if app.scenes else None
    parts = scene.highlight_rects() if hasattr(scene, "highlight_rects") else {}
    parts = {k: v for k, v in parts.items() if not k.startswith("ball:")}
    name = REGION_ALIASES.get(region, region)
    if name not in parts:
        kind = type(scene).__name__.replace("Scene", "").lower() or "this"
        shown = ", ".join(sorted(parts)) or "none: record it whole"
        raise ValueError(f"--region {region!r}: the {kind} scene's parts are {shown}")
    rects = parts[name] if isinstance(parts[name], list) else [parts[name]]
    box = rects[0].unionall(rects[1:]) if len(rects) > 1 else pygame.Rect(rects[0])
    return box.clip(app.screen.get_rect())


def record(
    app: App,
    out: Path,
    frames: int,
    fps: int = 30,
    scale: float = 1.0,
    before_frame: Callable[[int], None] | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Tick ``app`` ``frames`` times at ``fps`` (``before_frame(k)`` first, e.g. to advance a
    training run a fixed amount) and write the frames to ``out``; returns the frames written."""
    check_out(out)
    suffix = out.suffix.lower()
    crop = region_rect(app, _REGION) if _REGION else None  # before any file is opened
    size = crop.size if crop is not None else app.screen.get_size()
    target = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    clock = FrameClock(fps)
    shown = app.scenes[0] if app.scenes else None
    scene = shown.scene() if callable(getattr(shown, "scene", None)) else shown  # under the tabs

    def settled() -> None:
        settle(scene)

    def ready() -> None:
        if scene is not None:
            scene.wait_ready(SETTLE_TIMEOUT_S)  # every panel of this state, not one a frame

    # atomic: all of it, or the old file; drawn as a recording (no wall-clock figures)
    with recording(), frame_file(out, target, fps) as frames_out:
        for k in range(frames):
            if before_frame is not None:
                before_frame(k)
            settled()
            if suffix == ".png" and k < frames - 1:
                pass_time(app, clock, settled)  # a still: the state moves, nothing is drawn
                continue
            play_frame(app, clock, settled, ready)
            image = frame_image(app.screen if crop is None else app.screen.subsurface(crop))
            if target != image.size:
                image = image.resize(target, resample=3)  # LANCZOS
            frames_out.append(image)
            if progress:
                progress(k)
    return frames_out.frames


def bench_frames(
    model: LandscapeModel,
    size: tuple[int, int],
    frames: int,
    warmup: int = 30,
    ui_scale: float | None = 1.0,
) -> dict:
    """Per frame (one tick at 60 Hz while racing): the whole tick, and the same without the race
    simulation (which the race engine owns; ``bench race`` measures it); surface-switch times."""
    app, scene = offscreen_app(model, size, ui_scale)
    scene.wait_ready()  # a real net's loss: its map first (computed in a worker)
    sim = [0.0]
    run_steps = model._run_steps

    def timed_steps(n: int) -> int:
        t0 = time.perf_counter()
        done = run_steps(n)
        sim[0] += time.perf_counter() - t0
        return done

    model._run_steps = timed_steps
    model.play()
    ticks, frames_only, sims = [], [], []
    steps = 0
    for k in range(warmup + frames):
        if not model.playing:
            steps += model.race.t
            model.reset()
            model.play()
        sim[0] = 0.0
        t0 = time.perf_counter()
        app.tick(1 / 60, [])
        t1 = time.perf_counter()
        if k >= warmup:
            ticks.append(t1 - t0)
            frames_only.append(t1 - t0 - sim[0])
            sims.append(sim[0])
    steps += model.race.t
    model._run_steps = run_steps
    first, second = {}, {}
    for table in (first, second):  # the second round: surfaces already visited once
        for name in model.registry.surfaces:
            t0 = time.perf_counter()
            scene.switch_surface(name)
            scene.prepare()
            app.draw()
            table[name] = time.perf_counter() - t0
    return {
        "tick": np.array(ticks),
        "frame": np.array(frames_only),
        "sim": np.array(sims),
        "switch_first": first,
        "switch": second,
        "steps": steps,
        "balls": len(model.race.balls),
    }


# -- lessons -----------------------------------------------------------------------------------
HOLD_CHARS_PER_S = 18.0  # a caption stays on screen long enough to read it at this pace
HOLD_RANGE_S = (3.0, 8.0)
HOLD_REDRAW_EVERY = 3  # while a caption is read, the pulse is drawn at a third of the frame rate


def lesson_settled(presenter) -> None:
    """The lesson's work applied (the step's mini-batches, jobs, a Hessian), and the shown
    scene's own: the next update and the frame read the run's state, not a race with a worker."""
    player = presenter.player
    while player.queue and player.queue[0][0].driver.busy():
        player.queue[0][0].driver.wait(SETTLE_TIMEOUT_S)
    settle(presenter.scene())


def lesson_ready(presenter) -> None:
    """Before a lesson's frame is drawn: every panel of this state made (not one a frame), and
    the caption's numbers read again, so they are this frame's."""
    scene = presenter.scene()
    if scene is not None:
        scene.wait_ready(SETTLE_TIMEOUT_S)
    presenter.fresh_numbers()


def _step_frames(
    presenter, frame: Callable[..., None], frames_per_step: int | None, fps: int
) -> None:
    """One lesson step's frames through ``frame(new_step, redraw)``: ``frames_per_step`` of
    them, or as many as its advance takes plus time to read its caption (a still caption is
    redrawn every ``HOLD_REDRAW_EVERY``-th frame)."""
    if frames_per_step is not None:
        for j in range(frames_per_step):
            frame(j == 0)
        return
    j = 0
    while not presenter.player.done:
        frame(j == 0)
        j += 1
    chars = len(presenter.caption())
    hold = min(max(chars / HOLD_CHARS_PER_S, HOLD_RANGE_S[0]), HOLD_RANGE_S[1])
    for i in range(round(hold * fps)):
        frame(j == 0 and i == 0, redraw=i % HOLD_REDRAW_EVERY == 0)


def render_lesson(
    registry,
    lesson,
    out: Path,
    lang: str = "en",
    frames_per_step: int | None = None,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    scale: float = 1.0,
    ui_scale: float | None = 1.0,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Play ``lesson`` in presenter mode with its captions burnt in, frames streamed to ``out``
    (.gif or .mp4; .png: the last frame). Each step lasts ``frames_per_step`` frames, or as long as
    its own advance takes at the scene's speed, plus time to read the caption. Deterministic:
    a Network-lab step's mini-batches are applied before each frame is drawn.
    Returns frames written, the lesson's length in seconds of video, and the steps."""
    from explorer.app.shell import build_app
    from explorer.app.ui import scale as ui
    from explorer.app.ui.presenter import start_lesson

    check_out(out)
    suffix = out.suffix.lower()
    screen = init_offscreen(size)
    ui.set_factor(ui.effective(size, ui_scale))
    app, tabs = build_app(
        registry, screen, lesson.steps[0].scene, windowed=False, backend="thread", ui_scale=ui_scale
    )
    target = (max(1, round(size[0] * scale)), max(1, round(size[1] * scale)))
    still = suffix == ".png"
    drawn = False

    clock = FrameClock(fps)

    def settled() -> None:
        lesson_settled(presenter)

    def ready() -> None:
        lesson_ready(presenter)

    def frame(new_step: bool, redraw: bool = True) -> None:
        nonlocal drawn
        if not redraw and drawn and not still:
            pass_time(app, clock, settled)  # a still caption: the time passes, undrawn
            frames_out.repeat()  # only the outline's pulse would move
            return
        play_frame(app, clock, settled, ready)
        image = frame_image(app.screen)
        if target != image.size:
            image = image.resize(target, resample=3)  # LANCZOS
        if new_step:
            frames_out.new_palette(image)
        frames_out.append(image)
        drawn = True

    # atomic: a failing step, Ctrl-C or SIGTERM leaves the previous file and no temporary
    with recording(), frame_file(out, target, fps, fast=True) as frames_out:
        try:
            presenter = start_lesson(tabs, lesson, registry, lang=lang, step=0)
            n = len(lesson.steps)
            for k in range(n):
                if k:
                    presenter.go(k)
                # a new setup is in place (its net built) before the step's first update:
                # else that update advances a run or finds it still building, by chance
                settled()
                if progress is not None:
                    progress(k, n)
                _step_frames(presenter, frame, frames_per_step, fps)
        finally:
            tabs.close()
    written = frames_out.frames
    return {"frames": written, "seconds": written / fps, "steps": len(lesson.steps)}


def _waiting(driver) -> bool:
    """A step's new run not yet pictured: the lab's nets not yet drawn (``pictured``), a job
    scene's answers not yet in (``busy``)."""
    pictured = getattr(driver, "pictured", None)
    return not pictured() if pictured is not None else bool(driver.busy())


def bench_lesson_steps(registry, the_lesson, size: tuple[int, int], store=None) -> list[tuple]:
    """Next-step response of ``the_lesson`` in presenter mode (offscreen): per → press, (step,
    scene, "new setup" | "goes on", seconds to the frame showing it, seconds to the first
    picture of a new run whose work runs in the background (the Network lab's, the job
    scenes') or None). ``store``: prepared runs replayed from it (None: all computed)."""
    from explorer.app.shell import build_app
    from explorer.app.ui.presenter import start_lesson
    from explorer.training.workers import discard_spares, prestart

    single_threaded_torch()
    screen = init_offscreen(size)
    app, tabs = build_app(
        registry, screen, the_lesson.steps[0].scene, windowed=False, backend="process"
    )
    if not os.environ.get("DL_EXPLORER_NO_PRESTART"):  # as the app does once its window is up
        prestart(registry)  # (the variable: the figures without workers started ahead)
    dt = 1 / 60
    rows = []
    try:
        presenter = start_lesson(tabs, the_lesson, registry, store=store)
        right = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_RIGHT, mod=0, unicode="")
        for k in range(1, len(the_lesson.steps)):
            deadline = time.perf_counter() + 600
            while not presenter.player.done and time.perf_counter() < deadline:
                app.tick(dt, [])
                time.sleep(0.002)
            app.tick(dt, [])  # the frame that shows the step done: → comes after it is seen
            step = the_lesson.steps[k]
            t0 = time.perf_counter()
            app.tick(dt, [right])  # the key, the new setup applied, the first frame drawn
            response = time.perf_counter() - t0
            first = None
            driver = presenter.player.driver(step.scene)
            if driver.speed() is None and presenter.player.run_start(k) == k:
                # a new run of a scene whose work runs in the background: its first picture
                # (the lab's nets drawn; a job scene's answers in)
                while _waiting(driver) and time.perf_counter() - t0 < 60:
                    app.tick(dt, [])
                    time.sleep(0.002)
                app.tick(dt, [])
                first = time.perf_counter() - t0
            kind = "new setup" if step.setup else "goes on"
            rows.append((k + 1, step.scene, kind, response, first))
    finally:
        tabs.close()
        discard_spares()
    return rows
