"""The scenes without a window: stills, GIFs and MP4s of any scene from its setup, and the frame-time
benchmarks (the UI drawing while a real net trains beside it)."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np

from explorer.app.headless import init_offscreen, record
from explorer.app.scenes.network.model import NetworkModel
from explorer.app.scenes.network.scene import NetworkScene
from explorer.app.shell import build_app
from explorer.app.ui import scale as ui  # beside parameters named scale (the frames')
from explorer.plugins import Registry
from explorer.training import TrainConfig


def render_network(
    registry: Registry,
    config: TrainConfig,
    out: Path,
    frames: int,
    steps_per_frame: int,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    scale: float = 1.0,
    side_by_side: bool = False,
    compare: str = "activation",
    compare_value=None,
) -> tuple[int, NetworkModel]:
    """Train ``steps_per_frame`` mini-batches between frames (the same pictures for the same seed,
    however fast the machine) and write the frames to ``out``."""
    init_offscreen(size)
    model = NetworkModel(
        registry,
        config,
        backend="thread",
        side_by_side=side_by_side,
        compare=compare,
        compare_value=compare_value,
    )
    return record_network(model, out, frames, steps_per_frame, size, fps, scale), model


def record_network(
    model: NetworkModel,
    out: Path,
    frames: int,
    steps_per_frame: int,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    scale: float = 1.0,
    ui_scale: float | None = None,
) -> int:
    """The Network lab on ``model`` (thread backend), ``steps_per_frame`` mini-batches a frame,
    at the UI scale the app would draw at this size (``ui_scale``; None: auto, as the other
    scenes' renders). The scene is built at that scale, as the app's tabs build theirs: built
    first at scale 1, a 1920 × 1080 render drew its side panel's widgets small and its words
    at 1.5 ("D…", "Net…")."""
    screen = init_offscreen(size)
    ui.set_factor(ui.effective(size, ui_scale))
    try:
        scene = NetworkScene(model, size)
        app, tabs = build_app(
            model.registry,
            screen,
            "network",
            windowed=False,
            scenes={"network": lambda _s: scene},
            ui_scale=ui_scale,
        )
    except BaseException:
        model.close()  # no trainer thread outlives a failed start (it would abort the exit)
        raise

    def advance(k: int) -> None:
        if k:
            model.step(steps_per_frame)
        scene.wait_ready()
        failed = [s.message for s in model.snapshots if s.state == "error"]
        if failed:  # never a picture of an untrained net with exit code 0
            raise ValueError(failed[0])

    try:
        return record(app, out, frames, fps, scale, before_frame=advance)
    finally:
        tabs.close()


def render_setup(
    registry: Registry,
    scene: str,
    values: dict,
    source: str,
    out: Path,
    frames: int,
    steps_per_frame: int,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    scale: float = 1.0,
) -> tuple[int, str]:
    """Any scene of the table (a file's values, ``--set``, applied through its model's
    ``apply``): (frames written, what ran). A scene whose row has its own ``render`` plays that
    way (the Landscape races, the Network lab trains between frames); any other is drawn once
    its background work is done."""
    from explorer.app import scene_table

    row = scene_table.spec(scene)
    if row is None:
        raise ValueError(
            f"there is no {scene} scene; the scenes are {', '.join(scene_table.names())}"
        )
    if row.render is not None:
        return row.render(registry, values, source, out, frames, steps_per_frame, size, fps, scale)
    return render_scene(registry, scene, out, frames, size, fps, scale, values, source), ""


def render_landscape_setup(
    registry, values, source, out, frames, steps_per_frame, size, fps, scale
) -> tuple[int, str]:
    """The Landscape's ``render``: the race played at its speed (``steps_per_frame`` unused)."""
    from explorer import setups
    from explorer.app.headless import render_to_file
    from explorer.app.scenes.landscape.model import LandscapeModel

    model = LandscapeModel(registry)
    setups.apply(model, values, source)
    return render_to_file(model, out, frames, size, fps, scale), f"{model.race.t} race steps"


def render_network_setup(
    registry, values, source, out, frames, steps_per_frame, size, fps, scale
) -> tuple[int, str]:
    """The Network lab's ``render``: ``steps_per_frame`` mini-batches between frames, on the CPU
    (the same pictures for the same seed on every machine)."""
    from explorer import setups
    from explorer.app.scenes.network.model import DEFAULT

    init_offscreen(size)
    net = NetworkModel(registry, DEFAULT.replace(device="cpu"), backend="thread")
    try:
        setups.apply(net, values, source)
    except Exception:
        net.close()
        raise
    written = record_network(net, out, frames, steps_per_frame, size, fps, scale)
    return written, f"{net.snapshots[0].step} training steps"


def render_scene(
    registry: Registry,
    name: str,
    out: Path,
    frames: int,
    size: tuple[int, int] = (1280, 720),
    fps: int = 30,
    scale: float = 1.0,
    values: dict | None = None,
    source: str = "",
) -> int:
    """Scene ``name`` (with ``values`` applied to its setup), once its background work is done,
    played for ``frames`` frames."""
    from explorer.app import setup_files

    screen = init_offscreen(size)
    app, tabs = build_app(registry, screen, name, windowed=False, backend="thread")
    try:
        setup_files.apply_to_scene(tabs.scene(), values or {}, source, size)
        tabs.scene().wait_ready()
        return record(app, out, frames, fps, scale)
    finally:
        tabs.close()


def bench_network_frames(
    registry: Registry,
    config: TrainConfig,
    size: tuple[int, int],
    frames: int,
    side_by_side: bool = False,
    warmup_s: float = 3.0,
    ui_scale: float | None = 1.0,
    big_maps: bool = False,
) -> dict:
    """Frame times of the Network lab at 60 Hz while its net(s) train in a worker process, as
    in the app; how fast the training went meanwhile; and how often the units' maps drawn in
    the network picture changed (``maps_per_s``) and how big they were (``tile``, px).
    ``big_maps``: in the view that gives the maps the network's full height (N)."""
    from explorer.training.pool import POOL

    screen = init_offscreen(size)
    ui.set_factor(ui.effective(size, ui_scale))
    POOL.focus("network")  # its workers join as the shown scene's, as in the app (else held)
    model = NetworkModel(registry, config, backend="process", side_by_side=side_by_side)
    model.big_maps = big_maps  # a view key the model keeps (a setup's), the scene reads it
    try:
        scene = NetworkScene(model, size)
        app, tabs = build_app(
            registry,
            screen,
            "network",
            windowed=False,
            scenes={"network": lambda _s: scene},
            ui_scale=ui_scale,
        )
    except BaseException:
        model.close()
        raise
    period = 1 / 60
    try:
        model.play()
        t_end = time.perf_counter() + 60
        while time.perf_counter() < t_end and not all(s.step > 0 for s in model.snapshots):
            app.tick(period, [])
            time.sleep(period)  # the worker starts (imports torch) in the meantime
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < warmup_s:
            app.tick(period, [])
            time.sleep(period)
        step0 = model.snapshots[0].step
        times = []
        drawn_maps, last = 0, None
        start = time.perf_counter()
        for _ in range(frames):
            a = time.perf_counter()
            app.tick(period, [])
            b = time.perf_counter()
            times.append(b - a)
            tiles = scene.tiles.get(0)
            key = tiles._key if tiles is not None else None
            if key is not None and key != last and scene.nets[0].tile:
                drawn_maps, last = drawn_maps + 1, key
            time.sleep(max(0.0, period - (b - a)))
        elapsed = time.perf_counter() - start
        model.update()
        steps = model.snapshots[0].step - step0
        done = model.snapshots[0].finished
    finally:
        tabs.close()
    return {
        "frame": np.array(times),
        "steps_per_s": steps / elapsed,
        "finished_early": done,
        "nets": len(model.configs()),
        "maps_per_s": drawn_maps / elapsed,
        "tile": scene.nets[0].tile if 0 in scene.nets else 0,
    }


def bench_scene_frames(
    registry: Registry, name: str, size: tuple[int, int], frames: int, warmup_s: float = 2.0
) -> dict:
    """Frame times of the Dropout or Activations scene at 60 Hz while its work runs, as in the
    app (jobs in worker processes): the Dropout scene plays at its fastest rate and recomputes its
    ensemble over and over; the Activations scene retrains its two nets over and over."""
    screen = init_offscreen(size)
    app, tabs = build_app(registry, screen, name, windowed=False, backend="process")
    scene = tabs.scene()
    model = scene.model
    period = 1 / 60

    jobs = getattr(model, "jobs", None)  # the job scenes' runner; another scene: never busy

    def busy() -> bool:
        return jobs is not None and jobs.busy()

    def keep_busy() -> int:
        if name == "dropout":
            model.playing = True
            model.set_rate(30.0)
            if model.ensemble_ready:
                model._start_ensemble()  # the heaviest job, again
                return 1
        elif name == "activations" and not busy():
            model.retrain()
            return 1
        return 0

    try:
        t_end = time.perf_counter() + 60
        while time.perf_counter() < t_end and busy():  # workers start (import torch)
            app.tick(period, [])
            time.sleep(period)
        t0 = time.perf_counter()
        while time.perf_counter() - t0 < warmup_s:
            keep_busy()
            app.tick(period, [])
            time.sleep(period)
        times, busy_frames, n_jobs = [], 0, 0
        for _ in range(frames):
            n_jobs += keep_busy()
            busy_frames += busy()
            a = time.perf_counter()
            app.tick(period, [])
            b = time.perf_counter()
            times.append(b - a)
            time.sleep(max(0.0, period - (b - a)))
        steps = model.view.step if name == "dropout" and model.view is not None else None
    finally:
        tabs.close()
    return {"frame": np.array(times), "busy": busy_frames / frames, "jobs": n_jobs, "steps": steps}


def bench_lab_landscape_frames(
    registry: Registry,
    config: TrainConfig,
    size: tuple[int, int],
    frames: int,
    warmup_steps: int = 200,
    ui_scale: float | None = 1.0,
) -> dict:
    """ "Landscape of this net", as in the app: the Network lab trains ``config`` in a worker
    process; after ``warmup_steps`` its path is saved and the Landscape opened on it. Frame times
    (a) while the Landscape's worker builds the slice and computes its map, (b) for ``frames``
    frames after that while the lab trains on and its path grows on the map, (c) for half as
    many with the balls racing on the slice too (each race step runs in this process)."""
    from explorer.training.trainer import discard_spares, prestart

    screen = init_offscreen(size)
    ui.set_factor(ui.effective(size, ui_scale))
    app, tabs = build_app(
        registry, screen, "network", windowed=False, backend="process", ui_scale=ui_scale
    )
    prestart(registry)  # as the app does once its window is up: workers started ahead
    period = 1 / 60

    def tick() -> float:
        a = time.perf_counter()
        app.tick(period, [])
        took = time.perf_counter() - a
        time.sleep(max(0.0, period - took))
        return took

    try:
        lab = tabs.scene()
        lab.model.apply(lab.model.setup().__class__(**_setup_of(config)))
        lab.model.play()
        deadline = time.perf_counter() + 120
        while lab.model.snapshots[0].step < warmup_steps and time.perf_counter() < deadline:
            tick()
        lab.landscape_of_this_net()
        while tabs.current != "landscape" and time.perf_counter() < deadline:
            tick()
        if tabs.current != "landscape":
            raise RuntimeError(lab.model.message or "the Landscape did not open in 120 s")
        scene = tabs.scene()
        m = scene.model
        building, t0, first_map_s = [], time.perf_counter(), None
        while (m.pending_surface or scene._grid_asked is not None or m.run_path is None) and (
            time.perf_counter() < deadline
        ):
            building.append(tick())
            if first_map_s is None and scene.picture is not None and not m.pending_surface:
                first_map_s = time.perf_counter() - t0
        built_s = time.perf_counter() - t0
        if m.run_path is None:
            raise RuntimeError("the slice was not built in 120 s")
        points0 = len(m.run_path)
        growing = [tick() for _ in range(frames)]  # the path grows; the balls wait
        points1, t_race0 = len(m.run_path), m.race.t
        m.play()
        racing = [tick() for _ in range(max(10, frames // 2))]
        return {
            "building": np.array(building),
            "growing": np.array(growing),
            "racing": np.array(racing),
            "built_s": built_s,
            "first_map_s": first_map_s if first_map_s is not None else built_s,
            "surface": m.spec.name,
            "points": (points0, points1),
            "race_steps": m.race.t - t_race0,
            "step_cost": m.step_cost,
            "balls": len(m.race.balls),
        }
    finally:
        tabs.close()
        discard_spares()


def _setup_of(config: TrainConfig) -> dict:
    """The Network-lab setup keys of a training configuration (what the bench trains)."""
    keys = (
        "dataset",
        "batch_size",
        "depth",
        "width",
        "activation",
        "init",
        "batch_norm",
        "dropout",
        "epochs",
        "seed",
    )
    return {k: getattr(config, k) for k in keys}
