"""``dl-explorer bench frames``: frame times of the app's scenes, headless, and surface switches."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import click
import numpy as np

from explorer.commands.optspec import parse_size
from explorer.commands.output import console as make_console
from explorer.commands.scene_choice import SceneChoice

TARGETS = {"p50": 4.0, "p99": 12.0, "switch": 60.0}  # milliseconds, on a 2-core CPU


@click.command()
@click.option(
    "--scene",
    type=SceneChoice(extra=("lab-landscape",)),
    default="landscape",
    show_default=True,
    help='lab-landscape: the Landscape of the Network lab\'s net ("Landscape of this net") '
    "while its slice is computed, then while its path grows.",
)
@click.option("--frames", default=600, show_default=True, type=click.IntRange(10, 100_000))
@click.option("--size", default="1280x720", show_default=True, help="Window size WIDTHxHEIGHT.")
@click.option("--surface", default="rosenbrock", show_default=True)
@click.option(
    "--speed",
    default=120.0,
    show_default=True,
    type=click.FloatRange(1.0, 2000.0),
    help="Simulation steps per second.",
)
@click.option(
    "--side-by-side", is_flag=True, help="Network lab: two nets training (sigmoid vs ReLU)."
)
@click.option("--scale", "ui_scale", default="1", show_default=True, help="UI scale (or auto).")
@click.option(
    "--net",
    "net_shape",
    default=None,
    metavar="DEPTHxWIDTH",
    help="Network lab: the net's hidden layers, e.g. 4x8 (default: the lab's own).",
)
@click.option("--dataset", default=None, help="Network lab: a dataset (e.g. moons, 2-D).")
@click.option(
    "--big-maps",
    is_flag=True,
    help="Network lab: in the big-maps view (N), the units' maps at their full size.",
)
@click.option(
    "--preparing",
    default=None,
    metavar="LESSON",
    help="Measure while LESSON is prepared in the background, as the presenter prepares the "
    "steps ahead (into a cache of its own).",
)
@click.option(
    "--beside",
    "hogs",
    default=0,
    show_default=True,
    type=click.IntRange(0, 16),
    help="Measure twice in one run: as it is, then with N CPU-bound processes running beside "
    "the app (each `python -c 'while True: pass'`, ended after), the frame times of both printed.",
)
@click.option(
    "--handover",
    default=None,
    metavar="LESSON",
    help="The frames from each step's end of LESSON to the → of the next, in presenter mode, "
    "while the next step's scene is built: a piece a frame (as the app does) and at once (as "
    "before), side by side. The other options do not apply (--size does).",
)
@click.pass_obj
def frames(
    registry,
    scene: str,
    frames: int,
    size: str,
    surface: str,
    speed: float,
    side_by_side: bool,
    ui_scale: str,
    net_shape: str | None,
    dataset: str | None,
    big_maps: bool,
    preparing: str | None,
    handover: str | None,
    hogs: int,
) -> None:
    """Frame times: the Landscape with 8 balls, trails, arrows and the chart (and surface-switch
    time), or the Network lab, Dropout or Activations scene while its work runs in the
    background; with --preparing, while a lesson is prepared in the background too."""
    import math

    from explorer.app.headless import single_threaded_torch

    if not math.isfinite(speed):  # click's ranges let NaN through
        raise ValueError(f"--speed must be a number, got {speed}")

    single_threaded_torch()
    if handover is not None:
        for busy in (0, hogs) if hogs else (0,):
            with _beside(busy):
                _handover(registry, handover, parse_size(size))
        return
    for busy in (0, hogs) if hogs else (0,):
        with _beside(busy), _prepared_meanwhile(registry, preparing):
            _measure(
                registry,
                scene,
                frames,
                size,
                surface,
                speed,
                side_by_side,
                ui_scale,
                net_shape,
                dataset,
                big_maps,
            )


@contextlib.contextmanager
def _beside(n: int) -> Iterator[None]:
    """``n`` CPU-bound processes running while the block measures (said first; ended after)."""
    if not n:
        yield
        return
    import subprocess
    import sys

    make_console().print(
        f"with {n} CPU-bound process{'es' if n > 1 else ''} running beside the app:",
        highlight=False,
    )
    hogs = [
        subprocess.Popen([sys.executable, "-c", "while True: pass"])  # noqa: S603 - our own
        for _ in range(n)
    ]
    try:
        yield
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()


@contextlib.contextmanager
def _prepared_meanwhile(registry, name: str | None) -> Iterator[None]:
    """The lesson ``name`` prepared in the background (a worker at the lowest priority, into a
    temporary cache) while the block measures; what it got done is said after."""
    if name is None:
        yield
        return
    import tempfile
    import time
    from pathlib import Path

    from explorer.app.scene_table import scenes
    from explorer.lessons.ahead import NICE, LessonAhead
    from explorer.lessons.catalogue import load
    from explorer.lessons.prepared import PreparedStore

    lesson = load(name, registry, scenes())
    with tempfile.TemporaryDirectory(prefix="dl-explorer-bench-") as folder:
        store = PreparedStore(Path(folder))
        ahead = LessonAhead(lesson, scenes(), registry, store)
        t0 = time.perf_counter()
        try:
            ahead.start(0)
            yield
            busy = ahead.busy()
        finally:
            ahead.close()
        entries = len(list(Path(folder).glob("*.json")))
        state = "still preparing at the end" if busy else "done before the end"
        make_console().print(
            f"  meanwhile: lesson {lesson.name} prepared in the background (nice "
            f"{NICE}): {entries} run(s) written in {time.perf_counter() - t0:.0f} s, {state}",
            highlight=False,
        )


def _measure(
    registry,
    scene: str,
    frames: int,
    size: str,
    surface: str,
    speed: float,
    side_by_side: bool,
    ui_scale: str,
    net_shape: str | None,
    dataset: str | None,
    big_maps: bool = False,
) -> None:
    from explorer.app.headless import bench_frames
    from explorer.app.scenes.landscape.model import LandscapeModel
    from explorer.app.ui import scale

    w, h = parse_size(size)
    requested = scale.parse_scale(ui_scale)
    drawn = f"UI scale {scale.effective((w, h), requested):g}"
    if scene == "network":
        _network(
            registry, (w, h), frames, side_by_side, requested, drawn, net_shape, dataset, big_maps
        )
        return
    if scene == "lab-landscape":
        _lab_landscape(registry, (w, h), frames, requested, drawn)
        return
    if scene != "landscape":  # any other scene: frame times while its own work runs
        _scene(registry, scene, (w, h), frames)
        return
    names = list(registry.optimizers)[:8]
    model = LandscapeModel(registry, surface, names, speed=speed)
    model.arrow_kinds = {k: True for k in model.arrow_kinds}
    try:
        result = bench_frames(model, (w, h), frames, ui_scale=requested)
    finally:
        model.close()  # a net surface's worker thread ends before the interpreter does
    out = make_console()
    out.print(
        f"bench frames: {scene} at {w}×{h}, {drawn}, {result['balls']} balls with trails, every arrow "
        f"kind, legend, numbers and loss chart; {frames} frames at 60 Hz racing at "
        f"{speed:g} steps/s (headless)"
    )

    def line(name: str, values: np.ndarray, target: str = "") -> None:
        p50, p95, p99 = np.percentile(values * 1e3, [50, 95, 99])
        out.print(
            f"  {name:28s} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   p99 {p99:6.2f} ms{target}",
            highlight=False,
        )

    line(
        "frame (UI, caches, drawing)",
        result["frame"],
        f"   targets p50 ≤ {TARGETS['p50']:g}, p99 ≤ {TARGETS['p99']:g}",
    )
    line("race simulation in the frame", result["sim"])
    line("whole tick (both)", result["tick"])
    for label, key in (("first visit", "switch_first"), ("later visits", "switch")):
        sw = np.array(list(result[key].values())) * 1e3
        slowest = max(result[key].items(), key=lambda kv: kv[1])
        out.print(
            f"  surface switch, {label:13s} median {np.median(sw):6.1f} ms   max {sw.max():6.1f} ms"
            f" ({slowest[0]})   target ≤ {TARGETS['switch']:g} ms",
            highlight=False,
        )
    per_step = result["sim"].sum() / max(result["steps"], 1) * 1e3
    out.print(
        f"  {result['steps']} race steps simulated while measuring, {per_step:.2f} ms a step for "
        f"{result['balls']} balls: the machine's speed in this run (`bench race` targets "
        "0.5 ms a step); compare figures from runs at similar speeds",
        highlight=False,
    )


def _network(
    registry,
    size: tuple[int, int],
    frames: int,
    side_by_side: bool,
    ui_scale,
    drawn: str,
    net_shape: str | None = None,
    dataset: str | None = None,
    big_maps: bool = False,
) -> None:
    from explorer.app.scene_headless import bench_network_frames
    from explorer.app.scenes.network.model import DEFAULT

    config = DEFAULT.replace(dropout=0.2, epochs=10_000)  # trains through the whole measurement
    if net_shape is not None:
        depth, _, width = net_shape.lower().partition("x")
        if not (depth.isdigit() and width.isdigit()):
            raise click.BadParameter(f"give the net as DEPTHxWIDTH, e.g. 4x8, not {net_shape!r}")
        config = config.replace(depth=int(depth), width=int(width))
    if dataset is not None:
        config = config.replace(dataset=dataset)
    result = bench_network_frames(
        registry,
        config,
        size,
        frames,
        side_by_side=side_by_side,
        ui_scale=ui_scale,
        big_maps=big_maps,
    )
    out = make_console()
    nets = "two nets (sigmoid vs relu)" if side_by_side else "one net"
    nets += ", big maps (N)" if big_maps else ""
    out.print(
        f"bench frames: network lab at {size[0]}×{size[1]}, {drawn}, {nets}: {config.depth} × "
        f"{config.width} {config.activation} on {config.dataset}, dropout {config.dropout:g}, "
        f"training in a worker process; {frames} frames paced at 60 Hz (headless)",
        highlight=False,
    )
    p50, p95, p99 = np.percentile(result["frame"] * 1e3, [50, 95, 99])
    out.print(
        f"  frame (read snapshot, redraw, draw) p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   "
        f"p99 {p99:6.2f} ms   target p95 ≤ 16.7 ms",
        highlight=False,
    )
    out.print(
        f"  training meanwhile: {result['steps_per_s']:.0f} steps/s (first net)", highlight=False
    )
    if result["tile"]:
        out.print(
            f"  units' maps drawn: {result['maps_per_s']:.1f} new sets a second, "
            f"{result['tile']}×{result['tile']} px each   target ≥ 10 a second",
            highlight=False,
        )
    else:
        out.print("  units drawn as circles (no room for their maps)", highlight=False)


def _lab_landscape(registry, size: tuple[int, int], frames: int, ui_scale, drawn: str) -> None:
    from explorer.app.scene_headless import bench_lab_landscape_frames
    from explorer.app.scenes.network.model import DEFAULT

    config = DEFAULT.replace(epochs=10_000)  # trains through the whole measurement
    r = bench_lab_landscape_frames(registry, config, size, frames, ui_scale=ui_scale)
    out = make_console()
    out.print(
        f"bench frames: the Landscape of the Network lab's net at {size[0]}×{size[1]}, {drawn}: "
        f"{config.depth} × {config.width} {config.activation} on {config.dataset} training in a "
        "worker process, its path saved after 200 steps (headless, paced at 60 Hz)",
        highlight=False,
    )

    def line(name: str, values: np.ndarray) -> None:
        p50, p95, p99 = np.percentile(values * 1e3, [50, 95, 99])
        out.print(
            f"  {name:44s} p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   p99 {p99:6.2f} ms   "
            "target p95 ≤ 16.7 ms",
            highlight=False,
        )

    line(f"while the slice is built and mapped ({r['built_s']:.1f} s)", r["building"])
    out.print(
        f"  the first (coarse) map was on screen after {r['first_map_s']:.1f} s, the full one "
        f"after {r['built_s']:.1f} s",
        highlight=False,
    )
    a, b = r["points"]
    line(f"then while the path grows ({a} → {b} kept points)", r["growing"])
    line(f"and with {r['balls']} balls racing on it too", r["racing"])
    racing_s = r["racing"].size / 60
    out.print(
        f"  {r['surface']}: {r['race_steps']} race steps in {racing_s:.1f} s (a full-data gradient "
        "of the lab's net per ball, computed on a helper thread while frames are drawn)",
        highlight=False,
    )


def _scene(registry, name: str, size: tuple[int, int], frames: int) -> None:
    from explorer.app.scene_headless import bench_scene_frames

    result = bench_scene_frames(registry, name, size, frames)
    work = {
        "dropout": "the live net training at 30 mini-batches/s and the ensemble (2 × 4096 thinned "
        "networks) recomputed over and over",
        "activations": "the ReLU and Maxout nets retrained over and over",
    }.get(name, "its work runs")
    out = make_console()
    out.print(
        f"bench frames: {name} at {size[0]}×{size[1]} while {work}, as jobs in worker "
        f"processes; {frames} frames paced at 60 Hz (headless)",
        highlight=False,
    )
    p50, p95, p99 = np.percentile(result["frame"] * 1e3, [50, 95, 99])
    out.print(
        f"  frame (answers in, redraw, draw)    p50 {p50:6.2f} ms   p95 {p95:6.2f} ms   "
        f"p99 {p99:6.2f} ms   target p95 ≤ 16.7 ms",
        highlight=False,
    )
    steps = f", live net at mini-batch {result['steps']}" if result["steps"] is not None else ""
    out.print(
        f"  work running during {result['busy']:.0%} of the frames ({result['jobs']} jobs "
        f"started while measuring{steps})",
        highlight=False,
    )


HANDOVER_TARGET_MS = 50.0


def _handover(registry, name: str, size: tuple[int, int]) -> None:
    from explorer.app.handover_bench import bench_handovers
    from explorer.app.scene_table import scenes
    from explorer.lessons.catalogue import load

    lesson = load(name, registry, scenes())
    out = make_console()
    out.print(
        f"bench frames --handover {lesson.name} at {size[0]}×{size[1]}: presenter mode (workers in "
        "processes), the frames from each step's end to the → of the next while the next run is "
        "made ready; its scene built a piece a frame (as the app does) and at once (as before), "
        "in one run (headless, 60 Hz)",
        highlight=False,
    )
    pieces = bench_handovers(registry, lesson, size, at_once=False)
    at_once = bench_handovers(registry, lesson, size, at_once=True)
    out.print(
        "  the longest frame while the next run is made ready (at once: in the frame after the "
        "step's end), the longest of the 30 frames after it (the scene's own meanwhile), and "
        "the → frame",
        highlight=False,
    )
    out.print(
        f"  {'step':<7} {'scenes':<32} {'frames':>6}  {'readying':>8} {'at once':>8}  "
        f"{'after':>6}  {'→':>5} {'at once':>8}",
        highlight=False,
    )

    def ms(seconds: float) -> str:
        return f"{seconds * 1e3:.0f} ms" if seconds else "—"

    for a, b in zip(pieces, at_once, strict=True):
        move = f"{a.scenes[0]} → {a.scenes[1]}" + (", built" if a.built else "")
        cut = " (not ready in 20 s)" if a.cut_off else ""
        out.print(
            f"  {a.step:>2} → {a.step + 1:<2} {move:<32} {a.frames:>6}  {ms(a.longest_s):>8} "
            f"{ms(b.longest_s):>8}  {ms(a.after_s):>6}  {ms(a.right_s):>5} {ms(b.right_s):>8}{cut}",
            highlight=False,
        )
    worst = max((h.longest_s for h in pieces), default=0.0) * 1e3
    before = max((h.longest_s for h in at_once), default=0.0) * 1e3
    out.print(
        f"  longest frame while the next run is made ready: {worst:.0f} ms in pieces, {before:.0f} "
        f"ms at once   target ≤ {HANDOVER_TARGET_MS:g} ms",
        highlight=False,
    )
