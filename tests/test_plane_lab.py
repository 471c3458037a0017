"""The Network lab's "Optimizers on one plane" and "Between two minima" (issue 23, items 1 and 4 in
the lab), driven through the scene as a user would: the button starts the work in the background
and reads Cancel meanwhile, the picture shows the lab's own optimizer among the others (or the
two barriers), Esc puts it away, a change of the lab never leaves a stale picture, and Cancel
stops it."""

import time

import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.network import plane_lab
from explorer.app.scenes.network.model import NetworkModel
from explorer.app.scenes.network.scene import NetworkScene
from explorer.app.ui.i18n import t
from explorer.training import TrainConfig

TINY = TrainConfig(
    dataset="moons",
    n=120,
    depth=1,
    width=6,
    activation="relu",
    optimizer="rmsprop",
    optimizer_hyper={"lr": 0.01},
    epochs=3,
    device="cpu",
)


@pytest.fixture
def lab(registry, monkeypatch):
    monkeypatch.setattr(plane_lab, "PATH_STEPS", 30)
    monkeypatch.setattr(plane_lab, "GRID", 12)
    monkeypatch.setattr(plane_lab, "OTHERS", 1)
    monkeypatch.setattr(plane_lab, "CURVE_STEPS", 30)
    d = Driver(
        registry,
        scene=lambda reg, size: NetworkScene(NetworkModel(reg, TINY, backend="thread"), size),
    )
    d.tick(2)
    yield d
    d.scene.close()


def wait_answer(d: Driver, timeout: float = 90.0) -> None:
    end = time.monotonic() + timeout  # however busy the machine: the job's thread needs the CPU
    while d.scene.planes.busy and time.monotonic() < end:
        d.tick(1)
        pygame.time.wait(20)
    d.tick(2)


def test_optimizers_on_one_plane_shows_the_labs_optimizer_among_the_others(lab):
    d, scene = lab, lab.scene
    button = scene.controls.paths_button
    d.click(button.rect.center)
    assert scene.planes.busy and button.text == t("planes.lab_cancel")
    assert scene.planes.progress() is not None  # the card says what is being done
    wait_answer(d)
    shown = scene.planes.shown
    assert shown is not None and shown.kind == "paths"
    labels = [p.path.label for p in shown.value.paths]
    assert labels == ["rmsprop:lr=0.01", "sgd:lr=0.1", "momentum:lr=0.05"]
    starts = {tuple(p.coords[0]) for p in shown.value.paths}
    assert len(starts) == 1, "every path starts from the lab's one initialization"
    assert scene.model.message == t("planes.lab_ready") and button.text == t("planes.lab_button")
    before = d.screen.get_at(scene.layout.main.center)
    d.key(pygame.K_ESCAPE)
    assert scene.planes.shown is None
    assert d.screen.get_at(scene.layout.main.center) != before, "the lab shows again"


def test_a_change_of_the_lab_puts_the_picture_away_and_stops_the_work(lab):
    d, scene = lab, lab.scene
    d.click(scene.controls.connect_button.rect.center)
    wait_answer(d)
    c = scene.planes.shown.value
    line, curve = f"{c.line_barrier:.4g}", f"{c.curve_barrier:.4g}"
    assert scene.model.message == t("planes.lab_connect_ready", line=line, curve=curve)
    assert c.line[0] == pytest.approx(c.curve[0]) and c.line[-1] == pytest.approx(c.curve[-1])
    scene.model.set(width=7)
    d.tick(2)
    assert scene.planes.shown is None, "no picture of a net the lab no longer trains"
    d.click(scene.controls.paths_button.rect.center)
    scene.model.set(width=8)
    d.tick(2)
    assert not scene.planes.busy and scene.model.message == t("planes.lab_dropped")
    scene.planes.runner.wait(plane_lab.KEY, 90)
    d.tick(3)
    assert scene.planes.shown is None


def test_cancel_stops_the_comparison_and_nothing_shows_later(lab):
    d, scene = lab, lab.scene
    button = scene.controls.paths_button
    d.click(button.rect.center)
    d.click(button.rect.center)  # now "Cancel"
    assert not scene.planes.busy and scene.model.message == t("planes.lab_cancelled")
    scene.planes.runner.wait(plane_lab.KEY, 90)
    d.tick(3)
    assert scene.planes.shown is None and button.text == t("planes.lab_button")


def test_one_comparison_at_a_time_the_second_press_is_one_sentence(lab):
    d, scene = lab, lab.scene
    d.click(scene.controls.paths_button.rect.center)
    d.click(scene.controls.connect_button.rect.center)
    assert scene.model.message == t("planes.lab_busy") and scene.model.message_kind == "error"
    assert scene.planes.kind == "paths", "the first goes on"
    wait_answer(d)
    assert scene.planes.shown is not None and scene.planes.shown.kind == "paths"


def test_a_refused_comparison_gives_its_reason_in_the_labs_language(lab):
    from explorer.app.ui import i18n

    d, scene = lab, lab.scene
    assert scene.model.set(optimizer="sgd", optimizer_hyper={"lr": 1e9})  # no minima to connect
    d.tick(2)
    i18n.set_language("zh")
    try:
        d.click(scene.controls.connect_button.rect.center)
        wait_answer(d)
        said = scene.model.message
        assert scene.model.message_kind == "error" and scene.planes.shown is None, said
        assert said.startswith("无法完成比较：种子 0 没有训练出一个解（"), said
        assert "diverged" not in said and "seed" not in said and "learning rate" not in said
    finally:
        i18n.set_language("en")


def choose(d: Driver, menu, option: str) -> None:
    d.click(menu.rect.center)
    items = menu.current_state.options_selection_list.item_list
    buttons = {i["text"]: i["button_element"] for i in items if i["button_element"] is not None}
    assert option in buttons, f"{option!r} not in the menu"
    d.click(buttons[option].rect.center)


def test_the_teacher_picks_the_optimizers_that_race_the_labs_own(lab):
    d, scene = lab, lab.scene
    menus = [scene.controls.menus[f"planes_{k}"] for k in (0, 1)]
    assert [m.selected_option[0] for m in menus] == ["sgd", "momentum"]  # the defaults
    choose(d, menus[0], "adam")
    choose(d, scene.controls.menus["planes_1"], plane_lab.NONE)  # no third one
    tip = scene.controls.paths_button.tool_tip_text
    assert "rmsprop:lr=0.01, adam:lr=0.001" in tip and "sgd" not in tip
    d.click(scene.controls.paths_button.rect.center)
    wait_answer(d)
    labels = [p.path.label for p in scene.planes.shown.value.paths]
    assert labels == ["rmsprop:lr=0.01", "adam:lr=0.001"]
    scene.model.set(width=7)  # the lab's net changes: the picks stay
    d.tick(2)
    assert scene.controls.menus["planes_0"].selected_option[0] == "adam"


def test_the_labs_own_optimizer_picked_again_races_at_its_default_rate(registry):
    config = TINY.replace(optimizer="sgd", optimizer_hyper={"lr": 0.5})
    known = registry.optimizers
    chosen = plane_lab.lab_optimizers(config, known, ["sgd", "adagrad"])
    assert chosen == [
        ("sgd:lr=0.5", "sgd", {"lr": 0.5}),
        ("sgd:lr=0.1", "sgd", {"lr": 0.1}),
        ("adagrad:lr=0.1", "adagrad", {"lr": known["adagrad"].hyper["lr"].default}),
    ]
    same = plane_lab.lab_optimizers(config.replace(optimizer_hyper={"lr": 0.1}), known, ["sgd"])
    assert [label for label, *_ in same] == ["sgd:lr=0.1"], "one path, not the same one twice"
