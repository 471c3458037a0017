"""``dl-explorer render``: the app's scene drawn headless to a GIF, a PNG still or an MP4."""

from __future__ import annotations

import math
from pathlib import Path

import click
from click.core import ParameterSource

from explorer.app.scenes.network.model import COMPARE_KEYS, NetworkSetup
from explorer.commands.optspec import (
    parse_noise,
    parse_optimizer_arg,
    parse_point,
    parse_schedule_arg,
    parse_size,
)
from explorer.commands.output import LateProgress, check_output
from explorer.commands.race import check_start, fit_noise
from explorer.commands.scene_choice import SceneChoice
from explorer.knob_text import Spec
from explorer.setups import from_text
from explorer.training.config import SEED_MAX, TrainConfig
from explorer.training.session import check_config

MAX_GIF_BYTES = 4_000_000_000  # a GIF's frames before compression (one byte a pixel)
# The flags that set a scene's knobs: with --setup / --set those come from the setup instead.
KNOB_FLAGS = (
    "surface",
    "optimizers",
    "start",
    "schedule",
    "noise",
    "seed",
    "dataset",
    "depth",
    "width",
    "activation",
    "init",
    "batch_norm",
    "dropout",
    "epochs",
    "patience",
    "compare",
    "speed",
)


def _compare(text: str | None):
    """``activation=relu`` (or ``activation:relu``, as ``--set compare=``) → ("activation",
    "relu"); None → (None, None). The Network lab setup's own parser and keys."""
    if not text:
        return None, None
    key = text.replace(":", "=").split("=")[0].strip()
    if key not in COMPARE_KEYS:
        raise ValueError(
            f"--compare expects KEY=VALUE with KEY one of {', '.join(COMPARE_KEYS)}, got {text!r}"
        )
    pick = from_text(NetworkSetup, "compare", text)
    value = pick.value.name if isinstance(pick.value, Spec) else pick.value
    return pick.key, value


def _scale_for(out_width: int, size: tuple[int, int]) -> float:
    """``--out-width PX``: the scale that writes frames PX wide (drawn at ``--size``)."""
    ctx = click.get_current_context()
    if ctx.get_parameter_source("scale") is ParameterSource.COMMANDLINE:
        raise ValueError("--out-width and --scale both size the written frames: give one of them")
    if out_width > size[0]:
        raise ValueError(
            f"--out-width {out_width} is wider than the frames drawn ({size[0]} px): draw them "
            f"larger with --size {out_width}x{round(size[1] * out_width / size[0])}"
        )
    return out_width / size[0]


def _render_3d(model, out: Path, frames: int, fps: int, speed: float, size) -> None:
    """The 3-D view after the race steps ``frames`` would show (at ``speed`` steps a second),
    written as a PNG still."""
    from explorer.app.frame_file import save_png
    from explorer.app.scenes.landscape.surface3d import frame_3d

    if out.suffix.lower() != ".png":
        raise ValueError(f"--view 3d draws a still; name the --out file *.png, not {out.name}")
    model.race.step(max(0, round(frames / fps * speed)))
    save_png(frame_3d(model, size), out)
    click.echo(f"wrote {out} (3-D still, {model.race.t} race steps)")


def _render_setup(registry, scene, setup_path, assignments, out, options) -> None:
    """``render --setup FILE`` / ``--set KEY=VALUE``: the scene and its knobs from the setup."""
    from explorer.app import scene_headless
    from explorer.commands.open_cmd import gather

    ctx = click.get_current_context()
    given = [n for n in KNOB_FLAGS if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE]
    if given:
        flag = "--" + given[0].replace("_", "-").rstrip("s")
        raise ValueError(
            f"{flag} and --setup/--set both set the scene's knobs: put it in the setup, or "
            f"write --set {given[0].rstrip('s') if given[0] == 'optimizers' else given[0]}=..."
        )
    explicit = ctx.get_parameter_source("scene") is ParameterSource.COMMANDLINE
    scene, values, source = gather(registry, scene if explicit else None, setup_path, assignments)
    # written atomically (app/frame_file.py): a failure, Ctrl-C or SIGTERM keeps the old file
    written, ran = scene_headless.render_setup(registry, scene, values, source, out, **options)
    kind = "still" if out.suffix.lower() == ".png" else f"{written} frames at {options['fps']} fps"
    ran = f", {ran}" if ran else ""
    click.echo(f"wrote {out} ({kind}{ran}, {out.stat().st_size / 1e6:.2f} MB)")


def _render_lesson(registry, name, lang, frames_per_step, out, size, fps, scale) -> None:
    """``render --lesson NAME``: the lesson in presenter mode, frames streamed to the file."""
    import time

    from explorer.app.headless import render_lesson, single_threaded_torch
    from explorer.app.scene_table import scenes
    from explorer.lessons.catalogue import load
    from explorer.lessons.player import missing_scenes

    lesson = load(name, registry, scenes())
    missing = missing_scenes(lesson, scenes())
    if missing:
        raise ValueError(
            f"{lesson.path.name}: the {' and '.join(missing)} scene cannot be recorded by a "
            "lesson yet (no model with live numbers)."
        )
    ctx = click.get_current_context()
    given = [n for n in KNOB_FLAGS if ctx.get_parameter_source(n) is ParameterSource.COMMANDLINE]
    if given or ctx.get_parameter_source("setup_path") is ParameterSource.COMMANDLINE:
        raise ValueError("--lesson sets every scene itself: leave out the scene's own options")
    single_threaded_torch()
    t0 = time.perf_counter()
    with LateProgress(len(lesson.steps), f"rendering {out.name}") as bar:  # written atomically
        done = render_lesson(
            registry,
            lesson,
            out,
            lang,
            frames_per_step,
            parse_size(size),
            fps,
            scale,
            progress=lambda k, n: bar.update(k + 1),
        )
    seconds = time.perf_counter() - t0
    kind = "still" if out.suffix.lower() == ".png" else f"{done['frames']} frames at {fps} fps"
    click.echo(
        f"wrote {out} ({lesson.name}, {done['steps']} steps, {kind}: {done['seconds']:.1f} s of "
        f"video rendered in {seconds:.1f} s, {out.stat().st_size / 1e6:.2f} MB)"
    )


@click.command()
@click.option(
    "--scene",
    type=SceneChoice(),
    default="landscape",
    show_default=True,
)
@click.option(
    "--surface", default="rosenbrock", show_default=True, help="A surface name or expr:FORMULA."
)
@click.option(
    "--optimizer",
    "optimizers",
    multiple=True,
    metavar="NAME[:k=v,...]",
    help="An optimizer and its hyperparameters, e.g. momentum:lr=0.001. Repeat for more balls "
    "(default: the app's six, with its per-surface learning rates).",
)
@click.option("--start", default=None, help="Start point x,y (default: the surface's suggestion).")
@click.option("--schedule", default="constant", show_default=True, metavar="NAME[:k=v,...]")
@click.option(
    "--noise", default="none", show_default=True, help="none, gaussian:SIGMA or minibatch:B."
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option("--dataset", default="digits", show_default=True, help="Network lab: a dataset.")
@click.option("--depth", default=8, show_default=True, type=click.IntRange(0, 64))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1, 1024))
@click.option("--activation", default="sigmoid", show_default=True)
@click.option("--init", "init", default="auto", show_default=True)
@click.option("--batch-norm/--no-batch-norm", default=False, show_default=True)
@click.option("--dropout", default=0.0, show_default=True, type=float)
@click.option("--epochs", default=40, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--patience", default=None, type=click.IntRange(1, 1000), help="Early stopping.")
@click.option(
    "--compare",
    default=None,
    metavar="KEY=VALUE",
    help="Network lab side by side: a second net that differs in one setting, e.g. "
    f"activation=relu (keys: {', '.join(COMPARE_KEYS)}).",  # the lab's own keys: never drifts
)
@click.option(
    "--steps-per-frame",
    default=4,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="Network lab: mini-batches trained between frames.",
)
@click.option("--frames", default=240, show_default=True, type=click.IntRange(1, 20_000))
@click.option("--fps", default=30, show_default=True, type=click.IntRange(1, 120))
@click.option(
    "--speed",
    default=120.0,
    show_default=True,
    type=click.FloatRange(1.0, 2000.0),
    help="Race steps per second of video.",
)
@click.option("--size", default="1280x720", show_default=True, help="Frame size WIDTHxHEIGHT.")
@click.option(
    "--view",
    type=click.Choice(["map", "3d"]),
    default="map",
    show_default=True,
    help="Landscape: the map seen from above, or (3d) the surface as a lit mesh with the balls "
    "rolling on it after the race steps the frames cover (a PNG still).",
)
@click.option(
    "--scale",
    default=1.0,
    show_default=True,
    type=click.FloatRange(0.1, 1.0),
    help="Shrink the written frames (e.g. 0.5 for a small GIF).",
)
@click.option(
    "--out-width",
    default=None,
    type=click.IntRange(16, 7680),
    metavar="PX",
    help="The written frames' width in pixels, the height to scale (e.g. 640 for a GIF to "
    "share); instead of --scale. (--width is the Network lab's layer width.)",
)
@click.option(
    "--setup",
    "setup_path",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="A setup file (Ctrl+S in the app writes one): its scene and every knob, seed and speed.",
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set one knob of the scene's setup (repeatable), as the app's --set: e.g. depth=10.",
)
@click.option(
    "--lesson",
    "lesson_name",
    default=None,
    metavar="NAME|FILE",
    help="Record a lesson (a built-in name or a lesson file) with its captions burnt in; each "
    "step lasts as its own advance takes, plus time to read it (or --frames-per-step).",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),
    default=None,
    help="The language of the scene's words (--lesson: of its captions too); by default the "
    "app's (dl-explorer --lang), English unless set.",
)
@click.option(
    "--region",
    default=None,
    metavar="PART",
    help="Record one part of the scene without the widgets, for slides: the Landscape's map, "
    "numbers, chart, inspector or schedule; the Network lab's network, gradient_bars, curves or "
    "figure (the decision regions or digits).",
)
@click.option(
    "--frames-per-step",
    default=None,
    type=click.IntRange(1, 100_000),
    help="--lesson: every step lasts exactly this many frames.",
)
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="run.gif (animation), shot.png (the last frame) or run.mp4 (needs imageio-ffmpeg).",
)
@click.pass_obj
def render(
    registry,
    scene,
    surface,
    optimizers,
    start,
    schedule,
    noise,
    seed,
    dataset,
    depth,
    width,
    activation,
    init,
    batch_norm,
    dropout,
    epochs,
    patience,
    compare,
    steps_per_frame,
    frames,
    fps,
    speed,
    size,
    scale,
    out_width,
    setup_path,
    assignments,
    lesson_name,
    lang,
    region,
    frames_per_step,
    out,
    view,
) -> None:
    """Play a scene headless and write it to a GIF, PNG or MP4 (no display needed)."""
    from explorer.app.headless import check_out, cropped_to, render_to_file, single_threaded_torch

    if region is not None:  # every frame recorded below is cropped to that part
        crop = cropped_to(region)
        crop.__enter__()
        click.get_current_context().call_on_close(lambda: crop.__exit__(None, None, None))
    from explorer.app.scenes.landscape.model import LandscapeModel

    for option, value in (("--speed", speed), ("--scale", scale)):
        if not math.isfinite(value):  # click's ranges let NaN through
            raise ValueError(f"{option} must be a number, got {value}")
    check_out(out)
    out = check_output(out, "--out")
    if out_width is not None:
        scale = _scale_for(out_width, parse_size(size))
    from explorer.app.ui import i18n

    lang = lang or i18n.language()
    if lesson_name is not None:
        _render_lesson(registry, lesson_name, lang, frames_per_step, out, size, fps, scale)
        return
    i18n.set_language(lang)  # the scene's words in that language, as Ctrl+L would show them
    if out.suffix.lower() == ".gif":  # streamed to disk frame by frame: its size is the limit
        w, h = parse_size(size)
        pixels = frames * round(w * scale) * round(h * scale)
        if pixels > MAX_GIF_BYTES:
            raise ValueError(
                f"a GIF of {frames} frames at {w}x{h} (scale {scale:g}) is about "
                f"{pixels / 1e9:.1f} GB before compression, over the {MAX_GIF_BYTES / 1e9:g} GB "
                "budget; use fewer --frames, a smaller --size or --scale, or write an .mp4"
            )
    single_threaded_torch()
    if setup_path is not None or assignments:
        options = dict(
            frames=frames,
            steps_per_frame=steps_per_frame,
            size=parse_size(size),
            fps=fps,
            scale=scale,
        )
        _render_setup(registry, scene, setup_path, assignments, out, options)
        return
    if scene != "landscape":
        from explorer.app import scene_headless

        if scene == "network":
            name, hyper = parse_optimizer_arg(
                optimizers[0] if optimizers else "sgd:lr=0.1", registry
            )
            sched_name, sched_hyper = parse_schedule_arg(schedule, registry)
            config = TrainConfig(
                dataset=dataset,
                depth=depth,
                width=width,
                activation=activation,
                init=init,
                batch_norm=batch_norm,
                dropout=dropout,
                optimizer=name,
                optimizer_hyper=hyper,
                schedule=sched_name,
                schedule_hyper=sched_hyper,
                epochs=epochs,
                patience=patience,
                seed=seed,
                device="cpu",
            )
            check_config(config, registry)
            key, value = _compare(compare)
            written, model = scene_headless.render_network(
                registry,
                config,
                out,
                frames,
                steps_per_frame,
                parse_size(size),
                fps,
                scale,
                side_by_side=key is not None,
                compare=key or "activation",
                compare_value=value,
            )
            steps = f", {model.snapshots[0].step} training steps"
        else:
            written = scene_headless.render_scene(
                registry, scene, out, frames, parse_size(size), fps, scale
            )
            steps = ""
        kind = "still" if out.suffix.lower() == ".png" else f"{written} frames at {fps} fps"
        click.echo(f"wrote {out} ({kind}{steps}, {out.stat().st_size / 1e6:.2f} MB)")
        return

    spec = registry.surface(surface)  # an unknown name or a bad formula: one sentence, first
    names, hyper = [], {}
    for text in optimizers:
        name, values = parse_optimizer_arg(text, registry)
        if name not in names:
            names.append(name)
        hyper[name] = hyper.get(name, {}) | values
    sched_name, sched_hyper = parse_schedule_arg(schedule, registry)
    point = parse_point(start, "--start") if start else None
    if point is not None:
        check_start(spec, point)
    the_noise, note = fit_noise(parse_noise(noise), spec)
    if note:
        click.echo(note)
    model = LandscapeModel(
        registry,
        surface,
        names or None,
        hyper=hyper,
        start=point,
        schedule=sched_name,
        schedule_hyper=sched_hyper,
        noise=the_noise,
        seed=seed,
        speed=speed,
    )
    if view == "3d":
        _render_3d(model, out, frames, fps, speed, parse_size(size))
        return
    with LateProgress(frames, f"rendering {out.name}") as bar:  # written atomically
        written = render_to_file(
            model, out, frames, parse_size(size), fps, scale, progress=lambda k: bar.update(k + 1)
        )
    kind = "still" if out.suffix.lower() == ".png" else f"{written} frames at {fps} fps"
    click.echo(
        f"wrote {out} ({kind}, {model.race.t} race steps, {out.stat().st_size / 1e6:.2f} MB)"
    )
