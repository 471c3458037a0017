"""Every scene laid out at every window size and UI scale: each widget inside its panel and the
window, no two widgets on top of each other, every label's text inside its widget, every string
drawn inside the picture it is drawn on; and the scale itself (--scale, Ctrl+= / Ctrl+- /
Ctrl+0, the full-screen pick) reaching text, widgets, the theme, lines and balls together."""

from __future__ import annotations

import itertools

import pygame
import pytest
from click.testing import CliRunner
from pygame_gui.elements import (
    UIButton,
    UICheckBox,
    UIDropDownMenu,
    UILabel,
    UITextEntryLine,
)

from explorer.app.headless import init_offscreen
from explorer.app.shell import SCENE_NAMES, build_app
from explorer.app.ui import palette, scale
from explorer.app.ui.frame import MIN_SIZE
from explorer.app.ui.slider import SteppedSlider
from explorer.app.ui.text import Text

SIZES = [(1024, 640), (1280, 720), (1920, 1080), (3840, 2160)]
SCALES = [1.0, 1.5, 2.0]
WIDGETS = (UIButton, UIDropDownMenu, UICheckBox, UILabel, UITextEntryLine, SteppedSlider)


class DrawnText:
    """Records where every string lands (Text.blit), to check none runs off its picture."""

    def __init__(self, monkeypatch) -> None:
        self.outside: list[str] = []
        real = Text.blit

        def blit(text_self, target, text, pos, size, colour, kind="sans", anchor="topleft"):
            rect = real(text_self, target, text, pos, size, colour, kind, anchor)
            bounds = target.get_rect().inflate(2, 2)  # a pixel of antialiasing either side
            if text.strip() and not bounds.contains(rect):
                self.outside.append(f"{text!r} at {tuple(rect)} on a {target.get_size()} picture")
            return rect

        monkeypatch.setattr(Text, "blit", blit)


def _app(name: str, size, ui_scale):
    screen = init_offscreen(size)
    app, tabs = build_app(
        _registry(), screen, name, windowed=False, backend="thread", ui_scale=ui_scale
    )
    return app, tabs


_REG = []


def _registry():
    if not _REG:
        from explorer.plugins import load_plugins

        _REG.append(load_plugins(third_party=False))
    return _REG[0]


def _panels(scene) -> list[pygame.Rect]:
    L = scene.layout
    rects = [r for r in (L.toolbar, getattr(L, "side", None)) if r is not None]
    data_panel = getattr(scene, "data_panel", None)  # the Network lab's, over its nets
    if data_panel is not None and data_panel.is_open:
        rects.append(data_panel.rect)
    return rects


def _widgets(manager) -> list:
    root = manager.get_root_container()
    return [
        e
        for e in manager.get_sprite_group().sprites()
        if isinstance(e, WIDGETS) and getattr(e, "ui_container", None) is root and e.visible
    ]


def _text_width(element) -> tuple[int, int] | None:
    """(width of the text it shows, room for it), for widgets that show one line of text."""
    if isinstance(element, UIDropDownMenu):
        button = element.current_state.selected_option_button  # left of the arrow
        if button is None:
            return None
        # whichever option is chosen must show whole ("B = sigmoic" was "sigmoid" cut short)
        options = [o[0] if isinstance(o, tuple) else o for o in element.options_list]
        longest = max(button.font.size(o)[0] for o in options)
        return longest, button.rect.w - 4  # inside its border
    if isinstance(element, UIButton):
        return element.font.size(element.text)[0], element.rect.w - 4
    return None


def check_layout(app, tabs) -> list[str]:
    """Every problem a user would see, as sentences (empty: the layout holds)."""
    problems = []
    window = app.screen.get_rect()
    scene = tabs.scene()
    panels = _panels(scene)
    strip = pygame.Rect(0, 0, window.w, scene.layout.toolbar.y)
    managers = [(scene.manager, panels), (tabs.manager, [strip])]
    for manager, homes in managers:
        widgets = _widgets(manager)
        for e in widgets:
            label = f"{type(e).__name__} {getattr(e, 'text', '')!r} {tuple(e.rect)}"
            if not window.contains(e.rect):
                problems.append(f"{label} leaves the window")
            elif not any(home.contains(e.rect) for home in homes):
                problems.append(f"{label} leaves its panel")
            fit = _text_width(e)
            if fit is not None and fit[0] > fit[1]:
                problems.append(f"{label}: its text is {fit[0]} px in {fit[1]} px")
        for a, b in itertools.combinations(widgets, 2):
            if a.rect.colliderect(b.rect):
                problems.append(
                    f"{type(a).__name__} {tuple(a.rect)} overlaps "
                    f"{type(b).__name__} {getattr(b, 'text', '')!r} {tuple(b.rect)}"
                )
    captions = scene.controls.captions
    captions = list(captions() if callable(captions) else captions)
    widgets = _widgets(scene.manager)
    for slot in captions:
        if slot.rect.w <= 0:
            continue
        if not any(home.contains(slot.rect) for home in panels):
            problems.append(f"caption {slot.text!r} {tuple(slot.rect)} leaves its panel")
        for e in widgets:
            if slot.rect.colliderect(e.rect):
                problems.append(
                    f"caption {slot.text!r} {tuple(slot.rect)} is under "
                    f"{type(e).__name__} {tuple(e.rect)}"
                )
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("name", SCENE_NAMES)
def test_every_widget_and_string_fits_at_every_size_and_scale(name, size, monkeypatch):
    drawn = DrawnText(monkeypatch)
    app, tabs = _app(name, size, SCALES[0])
    try:
        for ui_scale in SCALES:
            app.set_scale(ui_scale)  # the live change (Ctrl+=) re-lays every scene out
            tabs.scene().wait_ready(60)
            app.tick(1 / 60, [])
            app.tick(1 / 60, [])
            where = f"{name} at {size[0]}×{size[1]}, scale {ui_scale:g} (drawn {scale.factor():g})"
            assert check_layout(app, tabs) == [], where
            assert drawn.outside == [], where
        if name == "landscape":  # the tallest panel: the ball and the schedule with most knobs
            scene = tabs.scene()
            m, reg = scene.model, scene.model.registry
            fullest = max(reg.optimizers, key=lambda n: len(reg.optimizers[n].hyper))
            m.set_enabled(fullest, True)
            m.select([b.spec.name for b in m.race.balls].index(fullest))
            m.set_schedule(max(reg.schedules, key=lambda n: len(reg.schedules[n].hyper)))
            m.set_noise("gaussian", 0.3)
            app.tick(1 / 60, [])
            app.tick(1 / 60, [])
            where = f"landscape with {fullest} and {m.schedule}"
            assert check_layout(app, tabs) == [], where
            assert drawn.outside == [], where
            assert scene.controls.inspector_rect.h >= scene.text.line_height(13), where
        if name == "network":  # the tallest panel: the optimizer with most knobs, two nets
            scene = tabs.scene()
            reg = scene.model.registry
            fullest = max(reg.optimizers, key=lambda n: len(reg.optimizer(n).hyper))
            scene.controls._optimizer_chosen(fullest)
            scene.model.set_side_by_side(True, compare="optimizer")
            app.tick(1 / 60, [])
            assert check_layout(app, tabs) == [], f"network with {fullest}, side by side"
            scene.model.set(dataset="blobs")  # three classes: the most class buttons
            assert scene.data_panel.open()  # the Data panel, its rows of widgets over the nets
            for ui_scale in SCALES:
                app.set_scale(ui_scale)
                app.tick(1 / 60, [])
                app.tick(1 / 60, [])
                where = f"the Data panel at {size[0]}×{size[1]}, scale {ui_scale:g}"
                assert tabs.scene().data_panel.is_open, where
                assert check_layout(app, tabs) == [], where
                assert drawn.outside == [], where
    finally:
        tabs.close()


def test_the_effective_scale_never_needs_more_room_than_the_window():
    for size, ui_scale in itertools.product(SIZES, SCALES):
        f = scale.effective(size, ui_scale)
        assert size[0] / f >= MIN_SIZE[0] - 1e-6 and size[1] / f >= MIN_SIZE[1] - 1e-6
        assert f <= ui_scale
    assert scale.effective((3840, 2160), 2.0) == 2.0  # room enough: what was asked
    assert scale.effective((1280, 720), 2.0) == pytest.approx(1.125)  # as much as fits


@pytest.mark.slow
def test_full_screen_at_1920x1080_draws_body_text_at_20_px_or_more():
    app, tabs = _app("landscape", (1920, 1080), None)  # no --scale: the window picks
    try:
        assert scale.factor() == 1.5
        body = Text().font(scale.BODY_PT)
        assert body.point_size >= 20
        play = tabs.scene().controls.play_button
        assert play.font.point_size >= 20  # the widgets' theme font too
    finally:
        tabs.close()
    app, tabs = _app("landscape", (1280, 720), None)
    try:
        assert scale.factor() == 1.0  # a laptop window keeps the size it was designed for
    finally:
        tabs.close()


@pytest.mark.slow
def test_ctrl_keys_scale_text_widgets_and_panels_live_in_every_scene():
    app, tabs = _app("landscape", (1920, 1080), 1.0)

    def ctrl(key):
        app.tick(
            1 / 60,
            [
                pygame.event.Event(
                    pygame.KEYDOWN, key=key, mod=pygame.KMOD_LCTRL, unicode="", scancode=0
                )
            ],
        )

    try:
        landscape = tabs.scene()
        before = landscape.controls.play_button.rect.h, landscape.layout.side.w
        ctrl(pygame.K_EQUALS)
        assert scale.factor() == 1.1
        ctrl(pygame.K_EQUALS)
        assert scale.factor() == 1.25
        play = landscape.controls.play_button  # rebuilt at the new scale
        assert play.rect.h == round(32 * 1.25) > before[0]
        assert landscape.layout.side.w > before[1]
        assert play.font.point_size == round(14 * 1.25)
        assert landscape.layout.toolbar.y == round(30 * 1.25)  # under a taller tab strip
        ctrl(pygame.K_MINUS)
        assert scale.factor() == 1.1
        ctrl(pygame.K_0)  # back to what the window picks
        assert scale.factor() == 1.5
        # a scene shown after the change is laid out at the new scale too
        tabs.show("dropout")
        dropout = tabs.scene()
        assert dropout.layout.toolbar.h == round(44 * 1.5)
        assert dropout.controls.play_button.rect.h == 48
    finally:
        tabs.close()


def _ball_area(surface: pygame.Surface, centre, colour) -> int:
    """Pixels of exactly the ball's colour around ``centre``."""
    x0, y0 = int(centre[0]), int(centre[1])
    return sum(
        surface.get_at((x, y))[:3] == colour
        for x in range(x0 - 40, x0 + 41)
        for y in range(y0 - 40, y0 + 41)
    )


@pytest.mark.slow
def test_balls_and_lines_grow_with_the_scale():
    areas, widths = {}, {}
    for ui_scale in (1.0, 2.0):
        app, tabs = _app("landscape", (2048, 1280), ui_scale)
        try:
            scene = tabs.scene()
            app.tick(1 / 60, [])
            # the balls share their start: one pie with a wedge each
            at = scene.view.point_to_screen(*scene.model.race.start)
            m = scene.model
            colours = [
                tuple(palette.ball_colour(m.colour_index(b.spec.name))) for b in m.race.balls
            ]
            areas[ui_scale] = sum(_ball_area(app.screen, at, c) for c in colours)
            side = scene.layout.side  # the line between the map and the side panel
            line = [app.screen.get_at((side.x + dx, side.centery))[:3] for dx in range(-2, 6)]
            widths[ui_scale] = sum(c == palette.PANEL_LINE for c in line)
        finally:
            tabs.close()
    assert areas[1.0] > 100  # a ball of radius 7
    assert areas[2.0] > 3.3 * areas[1.0]  # twice the radius: about four times the pixels
    assert widths[1.0] == 1 and widths[2.0] == 2


def test_the_scale_option_takes_a_number_or_auto_and_refuses_the_rest():
    from explorer.cli import main

    assert scale.parse_scale("1.5") == 1.5
    assert scale.parse_scale("auto") is None
    for bad, words in (("big", "not a number"), ("9", "outside")):
        result = CliRunner().invoke(main, ["--scale", bad, "plugins"])
        assert result.exit_code != 0
        assert words in result.output and "Traceback" not in result.output


def test_dl_explorer_scale_opens_the_app_at_that_scale(monkeypatch):
    import explorer.app.main as app_main
    from explorer.cli import main

    seen = {}
    monkeypatch.setattr(app_main, "run_app", lambda registry, **kw: seen.update(kw))
    result = CliRunner().invoke(main, ["--no-plugins", "--scale", "1.5"])
    assert result.exit_code == 0, result.output
    assert seen["ui_scale"] == 1.5
    CliRunner().invoke(main, ["--no-plugins"])
    assert seen["ui_scale"] is None  # the window picks


@pytest.mark.slow
def test_a_scale_the_window_cannot_hold_is_explained_in_the_tab_strip():
    app, tabs = _app("landscape", (1280, 720), 1.0)
    try:
        for _ in range(2):
            app.tick(
                1 / 60,
                [
                    pygame.event.Event(
                        pygame.KEYDOWN,
                        key=pygame.K_EQUALS,
                        mod=pygame.KMOD_CTRL,
                        unicode="",
                        scancode=0,
                    )
                ],
            )
        assert scale.factor() == pytest.approx(1.125)  # as much as 1280×720 holds
        assert "1.25× needs a 1280×800 window" in app.scale_note
        for _ in range(5 * 60):
            app.tick(1 / 60, [])
        assert app.scale_note == ""  # gone after a few seconds
    finally:
        tabs.close()
