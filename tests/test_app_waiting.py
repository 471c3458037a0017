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
