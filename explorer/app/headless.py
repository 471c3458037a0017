"""Running the app without a window: still images, GIFs, MP4s, and the frame-time benchmark."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pygame

from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.app.scenes.landscape.scene import LandscapeScene
from explorer.app.ui.app_loop import App


def single_threaded_torch() -> None:
    """The app's tensors are tiny (a grid, a few balls): torch's thread pool only adds latency,
    and on a busy 2-core machine its spinning threads made a surface grid 10× slower."""
    import torch

    torch.set_num_threads(1)


def init_offscreen(size: tuple[int, int]) -> pygame.Surface:
    """pygame set up with no display needed (SDL's dummy driver unless one is already up)."""
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
        model.registry, screen, windowed=False, backend="thread",
        scenes={"landscape": lambda _size: scene}, ui_scale=ui_scale,
    )  # fmt: skip
    return app, scene


def frame_image(surface: pygame.Surface):
    from PIL import Image

    return Image.frombytes("RGB", surface.get_size(), pygame.image.tobytes(surface, "RGB"))


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
    app, _ = offscreen_app(model, size)
    model.timer = lambda: 0.0  # no time budget: every frame gets exactly speed/fps steps
    model.play()
    return record(app, out, frames, fps, scale, progress=progress)


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
    writer = None
    if suffix == ".mp4":
        import imageio.v2 as imageio

        writer = imageio.get_writer(str(out), fps=fps, macro_block_size=1)
    size = app.screen.get_size()
    images = []
    target = (max(1, int(size[0] * scale)), max(1, int(size[1] * scale)))
    try:
        for k in range(frames):
            if before_frame is not None:
                before_frame(k)
            app.tick(1.0 / fps, [])
            if suffix == ".png" and k < frames - 1:
                continue
            image = frame_image(app.screen)
            if target != image.size:
                image = image.resize(target, resample=3)  # LANCZOS
            if writer is not None:
                writer.append_data(np.asarray(image))
            else:
                images.append(image)
            if progress:
                progress(k)
    finally:
        if writer is not None:
            writer.close()
    if suffix == ".png":
        images[-1].save(out)
        return 1
    if suffix == ".gif":
        _save_gif(images, out, fps)
    return len(images) if suffix == ".gif" else frames


def _save_gif(images, out: Path, fps: int) -> None:
    from PIL import Image

    from explorer.app.ui import palette as colours

    # One palette for every frame (from the last, which has every trail): no flicker, and fast.
    # The balls' and the UI's own colours are added exactly, so a small GIF keeps them vivid.
    exact = [*colours.BALL_COLOURS, colours.TEXT, colours.TEXT_DIM, colours.ERROR, colours.GOOD,
             colours.WARN, colours.STATE_ARROW, colours.ESCAPE_ARROW, colours.PANEL,
             colours.BACKGROUND, (0, 0, 0)]  # fmt: skip
    n = 256 - len(exact)
    base = images[-1].quantize(colors=n, method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * n]
    base += [0] * (3 * n - len(base))
    palette = Image.new("P", (1, 1))
    palette.putpalette(base + [c for rgb in exact for c in rgb])
    frames = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in images]
    frames[0].save(
        out,
        save_all=True,
        append_images=frames[1:],
        duration=max(20, round(1000 / fps)),
        loop=0,
        optimize=False,
    )


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
