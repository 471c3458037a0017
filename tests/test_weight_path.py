"""The path a Network-lab run took: recorded with bounded memory in the worker, saved as a plane
through the net's weights (``net:DATASET?run=ID``), drawn on the Landscape and extended live."""

from __future__ import annotations

import time

import numpy as np
import pygame
import pytest
import torch

from explorer.app.scenes.landscape.run_path import screen_points
from explorer.app.shell import build_app
from explorer.app.ui.handoff import SliceHandoff
from explorer.landscape.net_surface import NetSurfaceError
from explorer.landscape.surface import gradient, value
from explorer.training import TrainConfig, Trainer, TrainingSession
from explorer.training.weight_path import WeightPath, pca_plane, runs_dir

SMALL = TrainConfig(dataset="moons", n=120, depth=2, width=8, epochs=200, device="cpu")


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_EXPLORER_CACHE", str(tmp_path))
    return tmp_path


def flat(session) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in session.model.parameters()]).double()


def test_the_recorder_spans_the_whole_run_evenly_within_its_bound():
    w = torch.zeros(3, 4)
    path = WeightPath({"w": w}, max_points=50)
    path.record(0, {"w": w})
    for step in range(1, 10_001):
        w += 1.0
        path.record(step, {"w": w})
    assert len(path) <= 50 and path.steps[0] == 0 and path.steps[-1] > 10_000 - path.every
    gaps = np.diff(path.steps)
    assert (gaps == path.every).all()  # even spacing: the thinned path is still the whole run
    # each point is the weights at its step
    assert all(float(p[0]) == s for p, s in zip(path.points, path.steps, strict=True))


def test_a_large_net_keeps_fewer_points_and_a_huge_one_none():
    assert WeightPath({"w": torch.zeros(100_000)}).max_points == 160  # 16 M numbers at most
    huge = WeightPath({"w": torch.zeros(300_000)})
    huge.record(0, {"w": torch.zeros(300_000)})
    assert not huge.enabled and len(huge) == 0


def test_pca_directions_explain_the_share_they_report():
    gen = torch.Generator().manual_seed(0)
    t = torch.linspace(0, 1, 40, dtype=torch.float64)[:, None]
    a, b = torch.randn(2, 30, generator=gen, dtype=torch.float64)
    noise = torch.randn(40, 30, generator=gen, dtype=torch.float64)
    path = 3 * t * a + 0.5 * torch.sin(6 * t) * b + 0.01 * noise
    d1, d2, (s1, s2), coords = pca_plane(path, path[-1])
    centred = path - path.mean(0)
    total = float((centred**2).sum())
    assert s1 == pytest.approx(float(((centred @ d1) ** 2).sum()) / total, rel=1e-9)
    assert s2 == pytest.approx(float(((centred @ d2) ** 2).sum()) / total, rel=1e-9)
    assert s1 + s2 > 0.99
    # the coordinates rebuild the path on the plane
    rebuilt = path[-1] + coords[:, :1] * d1 + coords[:, 1:] * d2
    assert float((rebuilt - path).norm() / (path - path[-1]).norm()) < 0.05


@pytest.mark.parametrize(
    "changes",
    [{}, {"loss": "mse"}, {"batch_norm": True, "dropout": 0.3, "normalize": "standard"}],
    ids=["ce", "mse", "batchnorm-dropout-normalize"],
)
def test_the_run_surface_is_the_labs_own_loss_at_its_weights(registry, cache, changes):
    session = TrainingSession(SMALL.replace(**changes), registry)
    session.step(150)
    assert session.save_path(str(runs_dir() / "r1.pt")), session.path_note
    assert "principal directions explain" in session.path_note
    spec = registry.surface("net:moons?run=r1")
    loss, _ = session.evaluate("train")  # evaluation mode: what the lab's curves show
    assert value(spec, 0.0, 0.0) == pytest.approx(loss, rel=1e-5)
    # its gradient is the lab net's full-batch gradient projected on the two directions
    session.model.eval()
    session.model.zero_grad()
    session.loss_fn(session.model(session.splits.train.x), session.splits.train.y).backward()
    g = torch.cat([p.grad.reshape(-1) for p in session.model.parameters()]).double()
    run = torch.load(runs_dir() / "r1.pt", weights_only=True)
    d = [torch.cat([t.reshape(-1) for t in run[k].values()]) for k in ("d1", "d2")]
    assert gradient(spec, 0.0, 0.0) == pytest.approx(
        [float(g @ d[0]), float(g @ d[1])], rel=1e-4, abs=1e-7
    )


def test_the_path_keeps_growing_on_the_saved_plane(registry, cache):
    session = TrainingSession(SMALL, registry)
    session.step(60)
    session.save_path(str(runs_dir() / "r2.pt"))
    saved = session.snapshot().path_xy
    assert saved.shape == (61, 2) and np.allclose(saved[-1], 0.0)  # the plane is through θ now
    session.step(40)
    grown = session.snapshot().path_xy
    assert len(grown) == 101 and np.allclose(grown[:61], saved)
    run = torch.load(runs_dir() / "r2.pt", weights_only=True)
    D = torch.stack([torch.cat([t.reshape(-1) for t in run[k].values()]) for k in ("d1", "d2")], 1)
    theta0 = torch.cat([t.reshape(-1) for t in run["theta0"].values()])
    expected = torch.linalg.lstsq(D, (flat(session) - theta0)[:, None]).solution[:, 0]
    assert grown[-1] == pytest.approx(expected.numpy(), rel=1e-4, abs=1e-6)


def test_a_path_too_short_or_a_missing_run_is_one_sentence(registry, cache):
    session = TrainingSession(SMALL, registry)
    assert not session.save_path(str(runs_dir() / "r3.pt"))
    assert "at least three points" in session.path_note
    assert not (runs_dir() / "r3.pt").exists()
    for bad, words in [
        ("net:moons?run=nope", "no recorded run 'nope'"),
        ("net:moons?run=../../etc", "run must be a run's id"),
    ]:
        with pytest.raises(NetSurfaceError, match=words):
            registry.surface(bad)
    session.step(20)
    session.save_path(str(runs_dir() / "r4.pt"))
    with pytest.raises(NetSurfaceError, match="trained on 'moons', not 'circle'"):
        registry.surface("net:circle?run=r4")


def wait_until(done, tick=lambda: None, seconds: float = 60.0) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        tick()
        if done():
            return
        time.sleep(0.01)
    raise AssertionError("not in time")


def test_the_trainer_saves_the_path_from_its_worker(registry, cache):
    with Trainer(SMALL, registry) as trainer:
        trainer.step(30)
        trainer.wait(30)
        number = trainer.save_path(runs_dir() / "r5.pt")
        snap = trainer.wait(30)
        assert snap.ack >= number and snap.path_file == str(runs_dir() / "r5.pt")
        assert snap.path_points == 31 and snap.path_xy.shape == (31, 2)


@pytest.mark.slow
def test_landscape_of_this_net_opens_the_landscape_with_the_live_path(registry, cache):
    """The lab saves its path, the Landscape builds the slice in a worker and draws the path, the
    path grows as the lab trains, and a click on one of its dots starts the race there."""
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    app, tabs = build_app(registry, screen, first="network", windowed=False, backend="thread")
    try:
        _landscape_of_this_net(app, tabs)
    finally:
        for scene in tabs.built.values():
            scene.close()


def _landscape_of_this_net(app, tabs) -> None:
    lab = tabs.scene().model
    lab.apply(lab.setup().__class__(dataset="moons", depth=2, width=8, epochs=200))
    lab.step(60)
    lab.wait(60)
    lab.save_landscape()
    assert lab.landscape_pending
    ready = None

    def poll():
        nonlocal ready
        lab.update()
        ready = ready or lab.landscape_ready()

    wait_until(lambda: ready is not None, poll)
    surface, file = ready
    assert surface.startswith("net:moons?run="), ready
    assert app.open_scene("landscape", SliceHandoff(surface, lambda: lab.path_on(file))) == ""
    scene = tabs.scene()
    m = scene.model
    wait_until(
        lambda: m.spec.name == surface and scene._grid_asked is None, lambda: app.tick(1 / 60, [])
    )
    first = len(m.run_path)
    assert first >= 61 and np.allclose(m.run_path[-1], 0.0)
    # the help sheet says what the white line is, and the Network lab's what the button does
    assert any("Network lab's training path" in w.label for w in scene.help_sheet().legend)
    lab_help = tabs.built["network"].help_sheet()
    assert any(label == "Landscape of this net" for label, _ in lab_help.mouse)
    lab.step(40)
    lab.wait(60)
    wait_until(lambda: len(m.run_path) > first, lambda: app.tick(0.3, []))
    assert m.path_live and not scene.idle()
    # a click on a dot of the path races from exactly that point
    k = len(m.run_path) // 3
    dot = screen_points(scene.view, m.run_path)[k]
    app.tick(
        1 / 60,
        [
            pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=tuple(dot + 3), button=1),
            pygame.event.Event(pygame.MOUSEBUTTONUP, pos=tuple(dot + 3), button=1),
        ],
    )
    pts = screen_points(scene.view, m.run_path)
    nearest = int(np.argmin(np.hypot(*(pts - (dot + 3)).T)))
    assert m.start == pytest.approx(tuple(m.run_path[nearest]), abs=1e-12)  # on the path exactly
    assert abs(nearest - k) <= 3
    # , and . (a clicker's keys) move the start along the path's recorded points
    step = max(1, len(m.run_path) // 20)
    app.tick(1 / 60, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_PERIOD, mod=0, unicode=".")])
    assert m.start == pytest.approx(tuple(m.run_path[nearest + step]), abs=1e-12)
    app.tick(1 / 60, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_COMMA, mod=0, unicode=",")])
    assert m.start == pytest.approx(tuple(m.run_path[nearest]), abs=1e-12)
    # the run ends: a path that no longer changes is not drawn again and again
    lab.step(2000)
    lab.wait(60)
    m.pause()
    for _ in range(300):  # its notices expire (model time runs at most a few steps a tick)
        app.tick(0.3, [])
        if scene.idle():
            break
    assert m.path_live and scene.idle(), [x.text for x in m.live_messages()]
    # the lab restarts: the path stays drawn, frozen
    lab.reset()
    wait_until(lambda: not m.path_live, lambda: app.tick(0.3, []))
    assert m.run_path is not None


def test_landscape_of_an_untrained_net_is_a_sentence_and_the_lab_stays(registry, cache):
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    app, tabs = build_app(registry, screen, first="network", windowed=False, backend="thread")
    try:
        lab = tabs.scene()
        lab.model.apply(lab.model.setup().__class__(dataset="moons", depth=2, width=8))
        lab.model.wait(60)
        button = lab.controls.landscape_button
        at = button.rect.center
        app.tick(
            1 / 60, [pygame.event.Event(pygame.MOUSEMOTION, pos=at, rel=(0, 0), buttons=(0, 0, 0))]
        )
        app.tick(
            1 / 60,
            [
                pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=at, button=1),
                pygame.event.Event(pygame.MOUSEBUTTONUP, pos=at, button=1),
            ],
        )
        for _ in range(3):
            app.tick(1 / 60, pygame.event.get())
        assert lab.model.landscape_pending or "three points" in lab.model.message
        wait_until(lambda: not lab.model.landscape_pending, lambda: app.tick(1 / 60, []))
        assert tabs.current == "network" and lab.model.message_kind == "error"
        assert "at least three points" in lab.model.message
        assert not list(runs_dir().glob("*.pt"))  # nothing written
    finally:
        for scene in tabs.built.values():
            scene.close()


@pytest.mark.slow
def test_the_lab_at_a_set_speed_trains_on_behind_the_landscape(registry, cache):
    """A lab handing out its steps at a set speed keeps doing so while another tab is shown,
    so the Landscape's path of it keeps growing."""
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    app, tabs = build_app(registry, screen, first="network", windowed=False, backend="thread")
    try:
        lab = tabs.scene().model
        lab.apply(lab.setup().__class__(dataset="moons", depth=2, width=8, epochs=200))
        lab.set_speed(50.0)
        lab.play()
        assert tabs.show("landscape")
        before = lab.trainers[0].latest().step

        def tick():
            app.tick(0.1, [])
            lab.update()

        wait_until(lambda: lab.trainers[0].latest().step >= before + 20, tick, seconds=60)
    finally:
        for scene in tabs.built.values():
            scene.close()
