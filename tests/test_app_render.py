"""Headless output: `dl-explorer render` writes GIFs and PNGs; `bench frames` prints figures."""

import numpy as np
import pygame
import pytest
from click.testing import CliRunner
from PIL import Image

from explorer.app.ui import palette
from explorer.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.mark.slow
def test_render_writes_an_animated_gif(tmp_path):
    out = tmp_path / "run.gif"
    result = run(
        "render",
        "--scene",
        "landscape",
        "--surface",
        "two_valleys",
        "--optimizer",
        "sgd",
        "--optimizer",
        "momentum",
        "--frames",
        "6",
        "--size",
        "1024x640",
        "--scale",
        "0.5",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 6
        assert im.size == (512, 320)
        # written frame by frame (nothing held), every frame keeps the balls' exact colours
        for k in (0, 5):
            im.seek(k)
            colours = {c for _, c in im.convert("RGB").getcolors(1 << 20)}
            assert {palette.BALL_COLOURS[0], palette.BALL_COLOURS[1]} <= colours


@pytest.mark.slow
def test_render_writes_a_still_png_with_the_race_on_it(tmp_path):
    out = tmp_path / "shot.png"
    result = run(
        "render",
        "--surface",
        "bowl",
        "--optimizer",
        "sgd:lr=0.05",
        "--start=-1.5,1",
        "--frames",
        "10",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    with Image.open(out) as im:
        assert im.size == (1280, 720)
        # the red sgd ball is somewhere on the map
        pixels = np.asarray(im.convert("RGB")).reshape(-1, 3)
        assert (pixels == (255, 82, 82)).all(axis=1).any()


def test_render_mistakes_are_one_sentence(tmp_path):
    result = run("render", "--surface", "rosenbrok", "--out", str(tmp_path / "x.png"))
    assert result.exit_code != 0 and "Did you mean 'rosenbrock'" in result.output
    result = run("render", "--out", str(tmp_path / "x.bmp"), "--frames", "1")
    assert result.exit_code != 0 and ".png" in result.output
    result = run("render", "--optimizer", "sgd:beta=1", "--out", str(tmp_path / "x.png"))
    assert result.exit_code != 0 and "no hyperparameter 'beta'" in result.output


def test_render_help_names_every_key_side_by_side_can_compare():
    # the keys come from the lab's own table: residual and fold were missing from a typed list
    from explorer.app.scenes.network.comparison import COMPARE_KEYS

    words = " ".join(run("render", "--help").output.split())
    listed = words.split("(keys: ", 1)[1].split(")", 1)[0]
    assert listed.split(", ") == list(COMPARE_KEYS)
    assert {"residual", "fold"} <= set(listed.split(", "))


@pytest.mark.slow
def test_bench_frames_prints_percentiles():
    result = run("bench", "frames", "--scene", "landscape", "--frames", "20")
    assert result.exit_code == 0, result.output
    for word in ("p50", "p95", "p99", "surface switch", "8 balls"):
        assert word in result.output


@pytest.mark.slow
def test_bench_frames_of_the_lab_in_its_big_maps_view_prints_the_maps_size_and_rate():
    result = run(
        "bench", "frames", "--scene", "network", "--net", "4x8", "--dataset", "moons",
        "--big-maps", "--frames", "20",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "p95" in result.output and "48" in result.output


@pytest.mark.slow
def test_render_writes_mp4_when_imageio_ffmpeg_is_installed(tmp_path):
    pytest.importorskip("imageio_ffmpeg")
    import imageio.v2 as imageio

    out = tmp_path / "run.mp4"
    result = run("render", "--surface", "bowl", "--frames", "5", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert imageio.get_reader(str(out)).count_frames() == 5


@pytest.mark.slow
def test_render_the_network_lab_side_by_side(tmp_path):
    out = tmp_path / "net.gif"
    result = run(
        "render",
        "--scene",
        "network",
        "--dataset",
        "moons",
        "--depth",
        "3",
        "--width",
        "8",
        "--activation",
        "sigmoid",
        "--compare",
        "activation=relu",
        "--frames",
        "3",
        "--steps-per-frame",
        "5",
        "--scale",
        "0.5",
        "--out",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "10 training steps" in result.output  # frames after the first train 5 mini-batches
    with Image.open(out) as im:
        assert im.format == "GIF" and im.n_frames == 3 and im.size == (640, 360)


@pytest.mark.slow
@pytest.mark.parametrize("scene", ["activations", "dropout"])
def test_render_the_activation_and_dropout_scenes(tmp_path, scene):
    out = tmp_path / f"{scene}.png"
    result = run("render", "--scene", scene, "--frames", "2", "--out", str(out))
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.size == (1280, 720)
        # more than a blank window: the scene drew its panels and plots
        assert len(np.unique(np.asarray(im.convert("RGB")).reshape(-1, 3), axis=0)) > 200


def test_network_render_mistakes_are_one_sentence(tmp_path):
    out = str(tmp_path / "x.png")
    result = run("render", "--scene", "network", "--compare", "colour=red", "--out", out)
    assert result.exit_code != 0 and "--compare expects KEY=VALUE" in result.output
    result = run("render", "--scene", "network", "--activation", "sigmoidd", "--out", out)
    assert result.exit_code != 0 and "sigmoid" in result.output
    result = run("render", "--scene", "network", "--dropout", "1.5", "--out", out)
    assert result.exit_code != 0 and "dropout" in result.output


@pytest.mark.slow
def test_render_region_records_one_part_of_the_scene_for_slides(tmp_path):
    from PIL import Image

    from explorer.cli import main

    out = tmp_path / "map.png"
    args = ["--no-plugins", "render", "--frames", "3", "--size", "1280x720", "--region", "map"]
    result = CliRunner().invoke(main, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    whole = tmp_path / "whole.png"
    args = ["--no-plugins", "render", "--frames", "3", "--size", "1280x720"]
    assert CliRunner().invoke(main, [*args, "--out", str(whole)]).exit_code == 0
    part, full = Image.open(out), Image.open(whole)
    assert part.size[0] < full.size[0] and part.size[1] < full.size[1]
    # the part is exactly those pixels of the whole picture (no widgets, no tab strip)
    from explorer.app.scenes.landscape.layout import compute_layout

    plot = compute_layout((1280, 720)).plot
    assert part.size == plot.size
    assert part.tobytes() == full.crop((plot.x, plot.y, plot.right, plot.bottom)).tobytes()


@pytest.mark.slow
def test_render_of_a_real_nets_loss_has_its_map_and_ends_cleanly(tmp_path):
    """`render --surface net:moons`: the map is computed (in a worker) before the first frame,
    and the process ends with 0 — it used to write a black map and abort at exit ("terminate
    called without an active exception") while the worker thread still ran torch."""
    import os
    import subprocess
    import sys

    out = tmp_path / "slice.png"
    env = {**os.environ, "DL_EXPLORER_CACHE": str(tmp_path / "cache"), "SDL_VIDEODRIVER": "dummy"}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "explorer",
            "--no-plugins",
            "render",
            "--surface",
            "net:moons",
            "--frames",
            "2",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "terminate called" not in done.stderr
    with Image.open(out) as im:
        rgb = np.asarray(im.convert("RGB"))
    map_area = rgb[100:480, 60:560]  # the heatmap's left part (the legend is on the right)
    assert len(np.unique(map_area.reshape(-1, 3), axis=0)) > 50  # a colour map, not black
    bench = subprocess.run(
        [
            sys.executable,
            "-m",
            "explorer",
            "--no-plugins",
            "bench",
            "frames",
            "--surface",
            "net:moons",
            "--frames",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )
    assert bench.returncode == 0 and "terminate called" not in bench.stderr, bench.stderr[-2000:]


def _ball_frames(n: int, size=(640, 360)) -> list:
    """A colour-map-like background (every row its own shade) and one ball that moves."""
    w, h = size
    shade = np.linspace(40, 200, h, dtype=np.uint8)[:, None].repeat(w, axis=1)
    back = np.stack([shade, shade[::-1], np.full_like(shade, 90)], axis=2)
    back[:, ::37] = palette.TEXT  # contour-like lines: the frames are not flat colour
    frames = []
    for k in range(n):
        rgb = back.copy()
        rgb[100:110, 20 + 8 * k : 30 + 8 * k] = palette.BALL_COLOURS[0]
        frames.append(Image.fromarray(rgb, "RGB"))
    return frames


@pytest.mark.slow
def test_a_gif_stores_only_what_changed_and_plays_back_every_frame(tmp_path):
    from explorer.app.frame_file import frame_file

    frames = _ball_frames(30)
    out, first = tmp_path / "ball.gif", tmp_path / "first.gif"
    with frame_file(out, frames[0].size, 30) as writer:
        for image in frames:
            writer.append(image)
    with frame_file(first, frames[0].size, 30) as writer:
        writer.append(frames[0])
    # thirty frames of a moving ball cost little more than the first picture alone
    assert out.stat().st_size < 1.5 * first.stat().st_size
    with Image.open(out) as gif:
        assert gif.n_frames == 30
        for k in (0, 1, 17, 29):  # each decodes to its picture (the palette keeps these colours)
            gif.seek(k)
            shown = np.asarray(gif.convert("RGB")).astype(int)
            want = np.asarray(frames[k].quantize(256).convert("RGB")).astype(int)
            ball = np.asarray(frames[k])[100:110, 20 + 8 * k : 30 + 8 * k]
            assert (shown[100:110, 20 + 8 * k : 30 + 8 * k] == ball).all()
            assert np.abs(shown - want).mean() < 3


@pytest.mark.slow
def test_a_lower_fps_records_the_same_race_time(tmp_path):
    """--fps sets how many frames a second of the race gets, not how fast the race goes: half a
    second at speed 60 is 30 race steps at 10 fps as at 30 fps (a live tick would drop time)."""
    for fps, frames in ((10, 5), (30, 15)):
        out = tmp_path / f"run{fps}.gif"
        result = run(
            "render",
            "--surface",
            "two_valleys",
            "--optimizer",
            "sgd",
            "--speed",
            "60",
            "--fps",
            str(fps),
            "--frames",
            str(frames),
            "--scale",
            "0.25",
            "--out",
            str(out),
        )
        assert result.exit_code == 0, result.output
        assert f"{frames} frames at {fps} fps, 30 race steps" in result.output


@pytest.mark.slow
def test_out_width_sizes_the_written_frames(tmp_path):
    out = tmp_path / "small.gif"
    result = run(
        "render", "--surface", "bowl", "--frames", "2", "--out-width", "320", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    with Image.open(out) as im:
        assert im.size == (320, 180)
    both = run("render", "--frames", "2", "--out-width", "320", "--scale", "0.5", "--out", str(out))
    assert both.exit_code != 0 and "--out-width and --scale both" in both.output
    wide = run("render", "--frames", "2", "--out-width", "2000", "--out", str(out))
    assert wide.exit_code != 0 and "--size 2000x1125" in wide.output


def test_a_recording_shows_no_time_measured_on_this_machine(registry):
    """The Hessian panel says how long its answer took; a recording leaves that out, so the
    same run draws the same frame on a fast machine and a loaded one."""
    import dataclasses

    from explorer.app.headless import init_offscreen
    from explorer.app.scenes.network.hessian_view import render_hessian
    from explorer.app.ui.recording import recording
    from explorer.app.ui.text import Text
    from explorer.training import TrainConfig, TrainingSession
    from explorer.training.worker import hessian_answer

    init_offscreen((8, 8))
    config = TrainConfig(
        dataset="circle",
        depth=1,
        width=4,
        activation="tanh",
        epochs=2,
        batch_size=4096,
        seed=0,
        device="cpu",
    )
    session = TrainingSession(config, registry)
    session.fit()
    answer = hessian_answer(session)
    assert "error" not in answer, answer
    snap = session.snapshot()

    def picture(seconds: float) -> bytes:
        shown = dataclasses.replace(snap, hessian={**answer, "seconds": seconds})
        return pygame.image.tobytes(render_hessian(shown, (300, 260), Text()), "RGB")

    assert picture(0.11) != picture(2.5)  # live, the panel says how long it took
    with recording():
        assert picture(0.11) == picture(2.5)


def test_a_large_network_render_builds_its_widgets_at_the_scale_its_words_are_drawn(
    monkeypatch, tmp_path
):
    """A 1920 × 1080 render drew the lab's side panel words at 1.5 and its widgets at 1 ("D…",
    "Net…"): the scene was built before the render's scale was set."""
    from explorer.app import scene_headless
    from explorer.app.scenes.network.model import NetworkModel
    from explorer.app.ui import scale
    from explorer.plugins import load_plugins
    from explorer.training import TrainConfig

    built, seen = [], {}

    def scene(*args, **kwargs):
        built.append(scene_headless.NetworkScene.__wrapped__(*args, **kwargs))
        return built[-1]

    def grab(app, out, frames, fps, frame_scale, before_frame=None):
        seen["factor"] = scale.factor()  # the words' scale, as the frames are drawn
        seen["play"] = built[0].controls.play_button.rect.height
        return 0

    scene.__wrapped__ = scene_headless.NetworkScene
    monkeypatch.setattr(scene_headless, "NetworkScene", scene)
    monkeypatch.setattr(scene_headless, "record", grab)
    registry = load_plugins([], third_party=False)
    model = NetworkModel(registry, TrainConfig(dataset="moons", depth=2, width=4), backend="thread")
    try:
        scene_headless.record_network(model, tmp_path / "x.png", 1, 1, (1920, 1080))
    finally:
        for each in built:
            each.close()
        model.close()
        scale.set_factor(1.0)
    assert seen["factor"] == 1.5  # auto at 1920 × 1080, as the app full screen
    assert seen["play"] == round(32 * 1.5)  # the toolbar's buttons at that scale too
