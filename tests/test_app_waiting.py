"""Never blank, never stale: a panel that waits says what it computes, and nothing of a previous
setup stays on screen as if current. Work that never answers (a stand-in job runner) or a surface
still being built holds the waiting state still, so each frame is what a user sees meanwhile."""

from __future__ import annotations

import numpy as np
import pygame
import pytest

import explorer.app.scenes.dropout.model as dropout_model
from explorer.app.harness import Driver
from explorer.app.ui import palette
from explorer.app.ui.i18n import set_language

NET = "net:moons?epochs=3&n=60"


class NeverAnswers:
    """A job runner whose jobs are still running, however long one waits (a loaded machine)."""

    def __init__(self, *args, **kwargs) -> None:
        self.number = 0

    def submit(self, *args, **kwargs) -> int:
        self.number += 1
        return self.number

    def result(self, key):
        return None

    def busy(self, key=None) -> bool:
        return True

    def wait(self, *args, **kwargs) -> None:
        pass

    def progress(self, key):
        return None

    def close(self) -> None:
        pass


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("DL_EXPLORER_CACHE", str(tmp_path))
    return tmp_path


@pytest.fixture(params=["en", "zh"])
def lang(request):
    set_language(request.param)
    yield request.param
    set_language("en")


def pixels(screen: pygame.Surface, rect: pygame.Rect) -> np.ndarray:
    return pygame.surfarray.array3d(screen.subsurface(rect)).reshape(-1, 3)


def colours(screen: pygame.Surface, rect: pygame.Rect) -> set[tuple[int, int, int]]:
    return {tuple(int(c) for c in p) for p in np.unique(pixels(screen, rect), axis=0)}


def coloured(screen: pygame.Surface, rect: pygame.Rect) -> int:
    """Pixels of a colour, not a grey: a map, a ball, a legend's swatches."""
    p = pixels(screen, rect).astype(int)
    return int((p.max(axis=1) - p.min(axis=1) > 40).sum())


def bright(screen: pygame.Surface, rect: pygame.Rect) -> int:
    """Pixels as light as text: a sentence is drawn there."""
    return int((pixels(screen, rect).min(axis=1) > 120).sum())


def test_a_new_net_surface_drops_the_old_map_legend_and_numbers_at_once(registry, cache, lang):
    d = Driver(registry, timer=lambda: 0.0)
    scene, m, L = d.scene, d.model, d.scene.layout
    m.play()
    d.tick(30)
    assert scene.legend is not None and coloured(d.screen, L.plot) > 1000  # a map, a race
    scene.switch_surface(NET)
    d.tick(1)
    assert m.pending_surface == NET  # built in a worker: the old race still runs meanwhile
    words = scene.waiting_text()
    assert NET in words and words.startswith("Building" if lang == "en" else "正在构建")
    # the map area is shaded greys: no old map, balls, trails, legend or inspector marks
    assert coloured(d.screen, L.map_area) == 0
    assert bright(d.screen, L.plot) > 50  # the sentence that says what is computed
    # the old race's numbers and chart are not shown as the new surface's
    assert colours(d.screen, L.numbers) == {palette.PANEL}
    assert colours(d.screen, L.chart) == {palette.PANEL}


def test_the_dropout_panels_say_what_they_wait_for_while_nothing_has_answered(
    registry, monkeypatch, lang
):
    monkeypatch.setattr(dropout_model, "JobRunner", NeverAnswers)
    d = Driver(registry, scene="dropout")
    d.tick(110)  # about 2 s of a loaded machine
    scene, A = d.scene, d.scene.layout.areas
    assert "moons" in scene._live_text and scene._live_text.endswith(
        " 2 s" if lang == "en" else " 2 秒"
    )
    for name in ("scaling", "linear", "sigmoid"):
        assert bright(d.screen, A[name]) > 50, name  # a sentence, not a blank panel
    assert bright(d.screen, A["train"].union(A["eval"])) > 50
    d.scene.close()


def hessian_answer(step: int = 40) -> dict:
    """What the worker answers for a net near a minimum: λ from −0.011 to 0.781."""
    from explorer.training.hessian import Spectrum

    values = np.concatenate([[-0.011], np.full(30, 1e-7), np.geomspace(1e-3, 0.781, 66)])
    sp = Spectrum(
        n_params=97,
        method="exact",
        eigenvalues=values,
        loss=0.3,
        grad_norm=0.0,
        seconds=0.4,
        tol=1e-5,
        positive=66 / 97,
        negative=1 / 97,
        flat=30 / 97,
        grad_tol=1e-6,
    )
    return {
        "step": step,
        "n_params": 97,
        "method": "exact",
        "minimum_ratio": sp.minimum_ratio,
        "positive": sp.positive,
        "negative": sp.negative,
        "flat": sp.flat,
        "smallest": sp.smallest,
        "largest": sp.largest,
        "tol": sp.tol,
        "loss": sp.loss,
        "grad_norm": sp.grad_norm,
        "grad_tol": sp.grad_tol,
        "critical": sp.critical,  # a critical point: the panel's key line is the minimum ratio
        "kind": sp.kind,
        "verdict": sp.verdict(),
        "histogram": [tuple(float(v) for v in r) for r in sp.histogram()],
        "seconds": 0.4,
    }


class Said:
    """A Text that remembers every string it draws."""

    def __init__(self) -> None:
        from explorer.app.ui.text import Text

        self.text, self.drawn = Text(), []
        original = self.text.blit

        def blit(target, words, *args, **kwargs):
            self.drawn.append(words)
            return original(target, words, *args, **kwargs)

        self.text.blit = blit


def test_the_hessian_panel_says_its_key_line_whole_and_fits_its_axis_to_the_eigenvalues(lang):
    from explorer.app.scenes.network.hessian_view import render_hessian
    from explorer.training import Snapshot

    pygame.font.init()
    said = Said()
    snap = Snapshot(state="paused", step=40, hessian=hessian_answer())
    render_hessian(snap, (244, 186), said.text)  # a panel of the side-by-side lab at 1280×720
    ratio = "(positive eigenvalues)" if lang == "en" else "（正特征值的占比）"
    whole = "".join(said.drawn).replace(" ", "")
    assert ratio.replace(" ", "") in whole, said.drawn  # wrapped onto a second line, not clipped
    assert not any(line.endswith("…") for line in said.drawn), said.drawn
    assert "−0.011" in said.drawn and "+0.781" in said.drawn  # the axis ends: the data's
    assert not any("0.78" in line and line.startswith("−") for line in said.drawn)
    if lang == "zh":
        assert t_zh_title() == "海森矩阵"


def t_zh_title() -> str:
    from explorer.app.ui.i18n import t

    return t("network.hessian_title", lang="zh")


def two_of_three(ctx, gate):
    """A job that says it is two thirds done, then waits for the test to let it finish."""
    ctx.progress(2, 3)
    gate.wait(30)
    return "done"


def test_a_job_says_how_far_it_is_until_it_answers(registry):
    import threading

    from explorer.training.jobs import JobRunner

    jobs, gate = JobRunner(registry, backend="thread"), threading.Event()
    try:
        jobs.submit("long", two_of_three, gate)
        for _ in range(3000):
            if jobs.progress("long") is not None:
                break
            threading.Event().wait(0.01)
        assert jobs.progress("long") == (2, 3)
        gate.set()
        jobs.wait("long", timeout=30)
        assert jobs.result("long").value == "done" and jobs.progress("long") is None
    finally:
        jobs.close()


class TrainingForever(NeverAnswers):
    """Both Activation nets still training: the ReLU one at epoch 12 of 40, Maxout queued."""

    def progress(self, key):
        return (12, 40) if key == "relu" else None


def test_the_activation_panels_say_which_epoch_they_train(registry, monkeypatch, lang):
    import explorer.app.scenes.activations.model as activations_model

    monkeypatch.setattr(activations_model, "JobRunner", TrainingForever)
    said = Said()
    d = Driver(registry, scene="activations")
    d.scene.text = said.text
    d.scene._keys.clear()
    d.tick(2)
    whole = "".join(said.drawn).replace(" ", "")
    epoch = "epoch 12 of 40" if lang == "en" else "第 12/40 轮"
    assert epoch.replace(" ", "") in whole, said.drawn  # the ReLU net, how far
    queued = "after the ReLU net" if lang == "en" else "在 ReLU 网络之后"
    assert queued.replace(" ", "") in whole, said.drawn  # the Maxout net, what it waits for
    d.scene.close()


def test_a_network_being_built_says_which_and_for_how_long(registry, lang):
    from explorer.app.scenes.network.network_view import render_network
    from explorer.training import Snapshot

    d = Driver(registry, scene="network")
    try:
        starting = Snapshot("starting", run=7)
        first = d.scene._building_text(0, starting)
        d.tick(61)  # a second of frames while the worker builds it
        words = d.scene._building_text(0, starting)
        config = d.scene.model.configs()[0]
        assert config.dataset in words and str(config.width) in words
        assert first.endswith(" 0 s" if lang == "en" else " 0 秒")
        assert words.endswith(" 1 s" if lang == "en" else " 1 秒")
        said = Said()
        render_network(starting, (400, 300), said.text, words)
        assert config.dataset in "".join(said.drawn)
        assert d.scene._building_text(0, Snapshot("idle", sizes=(2, 8, 2))) == ""  # built
    finally:
        d.scene.close()


def test_the_hessian_being_computed_says_for_how_long(registry, lang):
    from explorer.app.scenes.network.hessian_view import render_hessian
    from explorer.training import Snapshot

    d = Driver(registry, scene="network")
    try:
        scene = d.scene
        scene.model.hessian_busy = lambda: True  # a loaded machine: the answer is not in yet
        assert scene._hessian_seconds().startswith(" 0 ")
        d.tick(121)
        waited = scene._hessian_seconds()
        assert waited.startswith(" 2 ")
        said = Said()
        snap = Snapshot("paused", step=40, hessian={"computing": True, "step": 40})
        render_hessian(snap, (244, 186), said.text, True, waited)
        whole = "".join(said.drawn).replace(" ", "")
        assert "40" in whole and waited.replace(" ", "")[:8] in whole
    finally:
        d.scene.close()


class EnsembleHalfway(NeverAnswers):
    """The Dropout ensemble's two nets train in turn: the linear one done, the sigmoid at 10."""

    def progress(self, key):
        return (50, 80) if key == "ensemble" else None


def test_the_dropout_ensemble_says_which_epoch_each_net_trains(registry, monkeypatch, lang):
    monkeypatch.setattr(dropout_model, "JobRunner", EnsembleHalfway)
    d = Driver(registry, scene="dropout")
    said = Said()
    d.scene.text = said.text
    d.scene._keys.clear()
    d.tick(2)
    whole = "".join(said.drawn).replace(" ", "")
    for epoch in ("40", "10"):
        words = f"epoch {epoch} of 40" if lang == "en" else f"第 {epoch}/40 轮"
        assert words.replace(" ", "") in whole, said.drawn
    d.scene.close()
