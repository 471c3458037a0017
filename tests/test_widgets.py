"""The widgets a teacher found wanting: slider arrows that step by round values and take typed
values (past the slider's range, as the command line allows), the formula box that gives the
keyboard back and never keeps a stale formula, and text that fits where it is drawn."""

from __future__ import annotations

import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.landscape import painter
from explorer.app.ui.numbers_format import num
from explorer.app.ui.slider import parse_typed, step_value
from explorer.app.ui.text import Text
from explorer.specs import Hyper
from explorer.training import TrainConfig

SMALL = TrainConfig(
    dataset="moons",
    depth=3,
    width=8,
    activation="relu",
    optimizer="adam",
    optimizer_hyper={"lr": 0.02},
    epochs=5,
    device="cpu",
)


# -- stepping -------------------------------------------------------------------------------------
def test_arrows_step_whole_numbers_by_one_and_the_rest_by_round_values():
    depth = Hyper(3, 0, 12, integer=True)
    assert [step_value(depth, 3, +1), step_value(depth, 3, -1)] == [4, 2]
    dropout = Hyper(0.0, 0.0, 0.9)
    v, seen = 0.0, []
    for _ in range(4):
        v = step_value(dropout, v, +1)
        seen.append(v)
    assert seen == [0.05, 0.1, 0.15, 0.2]  # not 0.018, 0.036 …
    assert step_value(dropout, 0.018, +1) == 0.05  # an odd value snaps onto the grid
    lr = Hyper(0.01, 1e-4, 1.0, log=True)
    v, seen = 0.01, []
    for _ in range(4):
        v = step_value(lr, v, +1)
        seen.append(v)
    assert seen == [0.02, 0.05, 0.1, 0.2]  # 1-2-5, never 0.07962
    assert step_value(lr, 0.07962, +1) == 0.1 and step_value(lr, 0.07962, -1) == 0.05
    assert step_value(lr, 1.0, +1) == 1.0 and step_value(lr, 1e-4, -1) == 1e-4  # the ends hold
    assert step_value(depth, 40, +1) == 40  # a typed value past the range is not pulled back


def test_a_typed_value_is_checked_with_one_sentence():
    depth = Hyper(3, 0, 12, integer=True)
    assert parse_typed(" 40 ", depth, (0, 64)) == 40
    for text, words in (("abc", "not a number"), ("2.5", "whole number"), ("99", "outside")):
        with pytest.raises(ValueError, match=words):
            parse_typed(text, depth, (0, 64))
    assert parse_typed("−0,5", Hyper(0.0, -1, 1), None) == -0.5  # the minus the app prints


@pytest.fixture
def landscape(registry):
    return Driver(registry, timer=lambda: 0.0)


def test_the_landscape_lr_arrow_walks_1_2_5_and_the_box_says_so(landscape):
    m = landscape.model
    name = m.selected_name()
    vs = landscape.scene.controls.slider_of[("tune", (name, "lr"))]
    m.set_hyper(name, "lr", 0.001)
    landscape.tick(2)
    seen = []
    for _ in range(3):
        landscape.click(vs.slider.right_button.rect.center)
        seen.append(m.hyper[name]["lr"])
    assert seen == pytest.approx([0.002, 0.005, 0.01])
    assert vs.entry.get_text() == num(0.01)


def type_into(driver: Driver, entry, text: str) -> None:
    driver.click(entry.rect.center)
    entry.set_text("")
    driver.type_text(text)


def test_a_value_typed_into_the_landscape_box_is_used(landscape):
    m = landscape.model
    name = m.selected_name()
    vs = landscape.scene.controls.slider_of[("tune", (name, "lr"))]
    type_into(landscape, vs.entry, "0.0123")
    assert m.hyper[name]["lr"] == pytest.approx(0.0123)
    assert vs.slider.get_current_value() == pytest.approx(vs.hyper.to_unit(0.0123))
    assert not vs.focused  # Enter gives the keyboard back: space plays again
    landscape.key(pygame.K_SPACE)
    assert m.playing


@pytest.mark.slow
def test_depth_steps_by_one_layer_a_click_and_takes_40_typed(network_lab):
    d = network_lab(SMALL)
    controls = d.scene.controls
    depth = controls.sliders["depth"]
    d.click(depth.slider.right_button.rect.center, ticks=3)
    controls.flush()
    assert d.scene.model.config.depth == 4  # one click, one layer
    type_into(d, depth.entry, "40")
    controls.flush()
    assert d.scene.model.config.depth == 40  # past the slider's 12, as render allows
    assert depth.entry.get_text() == "40"
    d.tick(2)
    assert d.scene.model.config.depth == 40  # the widgets do not pull it back to 12
    type_into(d, depth.entry, "deep")
    controls.flush()
    assert d.scene.model.config.depth == 40
    assert "not a number" in d.scene.model.message
    dropout = controls.sliders["dropout"]
    for _ in range(2):
        d.click(dropout.slider.right_button.rect.center, ticks=3)
    controls.flush()
    assert d.scene.model.config.dropout == pytest.approx(0.1)  # two clicks: 0.05 each


# -- the formula box ------------------------------------------------------------------------------
def test_enter_in_the_formula_box_gives_space_back_to_play(landscape):
    entry = landscape.scene.controls.expr_entry
    type_into(landscape, entry, "x**2 + 3*y**2")
    assert landscape.model.spec.name == "expr:x**2 + 3*y**2"
    assert not entry.is_focused
    landscape.key(pygame.K_SPACE, unicode=" ")
    assert landscape.model.playing  # not a space typed into the box
    assert entry.get_text() == "x**2 + 3*y**2"


def test_another_surface_clears_a_stale_or_invalid_formula(landscape):
    entry = landscape.scene.controls.expr_entry
    type_into(landscape, entry, "x**2 + foo(y)")
    assert "foo" in landscape.model.expr_error
    landscape.key(pygame.K_2)  # the keyboard stays in the box after a mistake: typing, not a key
    assert landscape.model.spec.name == "rosenbrock" and "foo" in landscape.model.expr_error
    landscape.click(landscape.scene.layout.plot.center)  # out of the box
    landscape.key(pygame.K_2)  # another surface, from the keyboard
    assert landscape.model.spec.name == list(landscape.model.registry.surfaces)[1]
    assert entry.get_text() == "" and landscape.model.expr_error == ""
    type_into(landscape, entry, "x**2 - y**2")
    landscape.scene.switch_surface("himmelblau")
    landscape.tick(2)
    assert entry.get_text() == ""  # the box never shows a formula that is not on the map


def test_the_formula_hint_fits_its_box(registry):
    text = Text()
    for size in ((1024, 640), (1280, 720)):
        d = Driver(registry, size=size, timer=lambda: 0.0)
        entry = d.scene.controls.expr_entry
        hint = entry.placeholder_text
        assert text.font(13, "mono").size(hint)[0] <= entry.rect.w - 12, (size, hint)
        assert "f(x, y)" in hint


# -- text that fits -------------------------------------------------------------------------------
class Recorder:
    """Every string drawn (Text.blit and Text.tag) with where it landed."""

    def __init__(self, monkeypatch) -> None:
        self.items: list[tuple[str, pygame.Rect, tuple[int, int], str]] = []
        self.targets: list[int] = []  # id of the surface each item was drawn on
        blit, tag = Text.blit, Text.tag

        def rec_blit(s, target, text, pos, size, colour, kind="sans", anchor="topleft"):
            rect = blit(s, target, text, pos, size, colour, kind, anchor)
            self.items.append((text, rect, target.get_size(), "blit"))
            self.targets.append(id(target))
            return rect

        def rec_tag(s, target, text, pos, size, colour, kind="mono"):
            rect = tag(s, target, text, pos, size, colour, kind)
            self.items.append((text, rect, target.get_size(), "tag"))
            self.targets.append(id(target))
            return rect

        monkeypatch.setattr(Text, "blit", rec_blit)
        monkeypatch.setattr(Text, "tag", rec_tag)

    def on(self, size) -> list[tuple[str, pygame.Rect]]:
        return [(t, r) for t, r, s, _ in self.items if s == tuple(size)]

    def pictures(self, size) -> list[list[tuple[str, pygame.Rect]]]:
        """The strings of each picture of ``size``, one list per picture."""
        groups: dict[int, list] = {}
        for (t, r, s, _), target in zip(self.items, self.targets, strict=True):
            if s == tuple(size):
                groups.setdefault(target, []).append((t, r))
        return list(groups.values())


def _no_overlaps(items) -> list[str]:
    out = []
    for i, (a, ra) in enumerate(items):
        for b, rb in items[i + 1 :]:
            if ra.inflate(-2, -2).colliderect(rb.inflate(-2, -2)):
                out.append(f"{a!r} {tuple(ra)} overlaps {b!r} {tuple(rb)}")
    return out


def test_inspector_lines_fit_and_do_not_overlap_at_1280x720(registry, monkeypatch):
    d = Driver(registry, size=(1280, 720), timer=lambda: 0.0)
    d.scene.switch_surface("saddle")
    d.tick(2)
    rec = Recorder(monkeypatch)
    d.model.inspect(0.123456, -0.987654)
    d.tick(2)
    panel = d.scene.controls.inspector_rect.size
    lines = rec.on(panel)
    assert len(lines) >= 4  # position, eigenvalues, verdict, sentence
    bounds = pygame.Rect((0, 0), panel)
    assert [t for t, r in lines if not bounds.contains(r)] == []
    assert _no_overlaps(lines) == []


def test_the_numbers_panel_shows_every_ball_whole_at_1280x720(registry, monkeypatch):
    d = Driver(registry, size=(1280, 720), timer=lambda: 0.0)
    for name in d.model.registry.optimizers:
        d.model.set_enabled(name, True)
    rec = Recorder(monkeypatch)
    d.tick(3)
    panel = d.scene.layout.numbers.size
    cells = rec.on(panel)
    bounds = pygame.Rect((0, 0), panel)
    assert [t for t, r in cells if not bounds.contains(r)] == []
    assert _no_overlaps(cells) == []
    shown = {t for t, _ in cells}
    assert all(b.label in shown for b in d.model.race.balls)  # a row per ball


@pytest.mark.slow
def test_exit_tags_stay_above_the_message_banner(registry, monkeypatch):
    d = Driver(
        registry,
        size=(1280, 720),
        timer=lambda: 0.0,
        surface="rosenbrock",
        optimizers=["sgd", "momentum", "nesterov"],
    )
    for name in ("sgd", "momentum", "nesterov"):
        d.model.set_hyper(name, "lr", 0.5)  # all three leave the map, at one place
    d.model.play()
    d.run(2.0)
    assert d.scene.exits, "no ball diverged"
    rec = Recorder(monkeypatch)
    d.tick(1)
    wrapped = painter._banner_lines(d.scene)
    assert wrapped  # the banner says why they stopped
    top = painter._banner_top(d.scene, wrapped)
    tags = [(t, r) for t, r, _, kind in rec.items if kind == "tag" and "diverged" in t]
    assert tags and all(r.bottom <= top for _, r in tags), (top, tags)
    assert _no_overlaps(tags) == []


def test_the_b_menu_shows_sigmoid_whole_at_1024x640(network_lab):
    d = network_lab(SMALL, size=(1024, 640))
    m = d.scene.model
    m.set_side_by_side(True, compare="activation", value="sigmoid")
    d.tick(2)
    menu = d.scene.controls.menus["b_value"]
    button = menu.current_state.selected_option_button
    assert button.text == "sigmoid"
    assert button.font.size("sigmoid")[0] <= button.rect.w - 4


def test_the_selected_activation_shows_its_whole_formula(registry, monkeypatch):
    from explorer.app.scenes.activations.model import ActivationsModel
    from explorer.app.scenes.activations.scene import ActivationScene

    d = Driver(
        registry,
        size=(1280, 720),
        scene=lambda reg, size: ActivationScene(ActivationsModel(reg, backend="thread"), size),
    )
    try:
        scene = d.scene
        for name, curve in scene.model.curves.items():
            if not curve.formula:
                continue
            rec = Recorder(monkeypatch)
            scene.select(name)
            scene._keys.pop("detail", None)  # drawn again, even if it was selected already
            d.tick(1)
            detail = scene.layout.areas["detail"].size
            head = "".join(t for t, r in rec.on(detail) if r.y < 60).replace(" ", "")
            assert curve.formula.replace(" ", "") in head, name
            monkeypatch.undo()
    finally:
        scene.close()


def test_the_ensemble_table_headers_stay_apart_at_1024x640(registry, monkeypatch):
    from explorer.app.scenes.dropout.model import DropoutModel
    from explorer.app.scenes.dropout.scene import DropoutScene

    d = Driver(
        registry,
        size=(1024, 640),
        scene=lambda reg, size: DropoutScene(DropoutModel(reg, backend="thread"), size),
    )
    try:
        d.scene.wait_ready()
        rec = Recorder(monkeypatch)
        d.scene._keys.clear()
        d.tick(1)
        pictures = rec.pictures(d.scene.layout.areas["linear"].size)
        assert len(pictures) == 2  # the linear net's and the sigmoid net's
        for strings in pictures:
            names = ("average", "scaled", "weight-scaled", "|gap|")
            heads = [(t, r) for t, r in strings if t in names]
            assert len(heads) == 3
            rects = sorted((r for _, r in heads), key=lambda r: r.x)
            gaps = [b.x - a.right for a, b in zip(rects, rects[1:], strict=False)]
            assert min(gaps) >= 6, heads  # a space a reader can see between two headers
    finally:
        d.scene.close()


def test_every_activation_cell_shows_its_whole_formula_at_1280x720(registry, monkeypatch):
    from explorer.app.scenes.activations.model import ActivationsModel
    from explorer.app.scenes.activations.scene import ActivationScene

    d = Driver(
        registry,
        size=(1280, 720),
        scene=lambda reg, size: ActivationScene(ActivationsModel(reg, backend="thread"), size),
    )
    try:
        rec = Recorder(monkeypatch)
        d.scene._keys.clear()
        d.tick(1)
        grid = d.scene.grid
        drawn = rec.on(grid.surface.get_size())
        for name, cell in grid.cells.items():
            curve = d.scene.model.curves[name]
            if not curve.plotted or not curve.formula:
                continue
            inside = [t for t, r in drawn if cell.contains(r)]
            shown = " ".join(inside).replace(" ", "")
            assert curve.formula.replace(" ", "") in shown, (name, inside)
            assert not any("…" in t for t in inside), (name, inside)
    finally:
        d.scene.close()
