"""Help everywhere: h, F1 and the Help button open the scene's own sheet in every scene, with the
keys every scene shares and a legend whose swatches are drawn in the colours the scene uses, and
the sheet fits the smallest window."""

import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.shell import SCENES, build_app
from explorer.app.ui import palette
from explorer.app.ui.frame import MIN_SIZE
from explorer.app.ui.help_overlay import SWATCH_H, SWATCH_W, HelpOverlay, Swatch, app_keys
from explorer.app.ui.scene_keys import key_code

SHARED_KEYS = {"F2 – F6", "Ctrl+Tab", "Ctrl+S", "Ctrl+O", "Ctrl+=", "Ctrl+-", "Ctrl+0", "F11"}


def key(app, k, mod=0):
    app.tick(1 / 60, [pygame.event.Event(pygame.KEYDOWN, key=k, mod=mod, unicode="", scancode=0)])
    app.tick(1 / 60, [pygame.event.Event(pygame.KEYUP, key=k, mod=mod, unicode="", scancode=0)])


def overlays(app):
    return [s for s in app.scenes if isinstance(s, HelpOverlay)]


@pytest.fixture(scope="module")
def shell(registry):
    """The whole app (tabs and all four scenes, each built once)."""
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    app, tabs = build_app(registry, screen, windowed=False, backend="thread")
    yield app, tabs
    while overlays(app):
        app.pop(overlays(app)[0])
    tabs.close()


# every scene in the full suite; the fast subset keeps the Landscape's
@pytest.mark.parametrize(
    "entry",
    [pytest.param(e, marks=[] if e.name == "landscape" else pytest.mark.slow) for e in SCENES],
    ids=[e.name for e in SCENES],
)
def test_h_and_f1_open_this_scenes_own_sheet_in_every_scene(shell, entry):
    app, tabs = shell
    key(app, key_code(entry.key))
    assert tabs.current == entry.name
    scene = tabs.scene()
    sheet = scene.help_sheet()
    assert sheet is not None and sheet.keys and sheet.legend, f"{entry.name} has no help sheet"
    for k in (pygame.K_h, pygame.K_F1):
        key(app, k)
        shown = overlays(app)
        assert len(shown) == 1 and app.top is shown[0]
        assert shown[0].sheet_data.title == sheet.title
        rows = {r[0] for _, rows in shown[0].sections() for r in rows if isinstance(r, tuple)}
        assert rows >= SHARED_KEYS, SHARED_KEYS - rows
        assert {k for k, _ in sheet.keys} <= rows
        key(app, pygame.K_ESCAPE if k == pygame.K_h else pygame.K_F1)
        assert not overlays(app)


def test_the_help_button_in_the_tab_strip_opens_the_sheet_and_a_click_closes_it(shell):
    app, tabs = shell
    key(app, pygame.K_F4)
    pos = tabs.help_button.rect.center
    assert tabs.help_button.rect.right <= app.screen.get_width()
    for ev in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP):
        app.tick(1 / 60, [pygame.event.Event(ev, pos=pos, button=1)])
    for _ in range(3):
        app.tick(1 / 60, pygame.event.get())
    assert len(overlays(app)) == 1
    assert overlays(app)[0].sheet_data.title == tabs.scene().help_sheet().title
    app.tick(1 / 60, [pygame.event.Event(pygame.MOUSEBUTTONDOWN, pos=(5, 300), button=1)])
    assert not overlays(app)


def test_a_scene_switch_takes_the_help_sheet_away(shell):
    app, tabs = shell
    key(app, pygame.K_F2)
    key(app, pygame.K_F1)
    assert overlays(app)
    key(app, pygame.K_F3)  # the overlay has the keyboard: F3 does not reach the tabs
    assert tabs.current == "landscape" and overlays(app)
    key(app, pygame.K_ESCAPE)
    key(app, pygame.K_F3)
    assert tabs.current == "network" and not overlays(app)


@pytest.mark.parametrize("size", [MIN_SIZE, (1280, 720)], ids=["1024x640", "1280x720"])
def test_every_sheet_fits_the_window_with_nothing_left_out(shell, size):
    app, tabs = shell
    for entry in SCENES:
        key(app, key_code(entry.key))
        overlay = HelpOverlay(tabs.scene().help_sheet(), tabs.scene().text)
        overlay.render(size)
        w, h = size
        assert pygame.Rect(0, 0, w, h).contains(overlay.panel), (entry.name, overlay.panel)
        assert overlay.font_size >= 12, f"{entry.name}: help squeezed to {overlay.font_size}px"
        # every row of every section was placed (none clipped away)
        rows = sum(len(list(r)) for _, r in overlay.sections())
        assert len([p for p in overlay.placed if p[0] != "head"]) == rows
        for i, item in enumerate(overlay.placed):  # a heading sits atop its first row
            if item[0] == "head":
                below = overlay.placed[i + 1]
                assert below[0] != "head" and below[1][0] == item[1][0], (entry.name, item[2])
        for item in overlay.placed:  # and inside the panel
            x, y = item[1]
            assert x >= 0 and y + (item[5] * len(item[3]) if item[0] != "head" else 0) <= (
                overlay.panel.h
            ), (entry.name, item)


def test_legend_swatches_are_drawn_in_the_colours_the_scene_uses(shell):
    app, tabs = shell
    key(app, pygame.K_F2)
    scene = tabs.scene()
    m = scene.model
    sheet = scene.help_sheet()
    colours = {s.colour for s in sheet.legend}
    for ball in m.race.balls:  # every ball on the map, in its own colour
        assert palette.ball_colour(m.colour_index(ball.spec.name)) in colours
    for mark in (palette.GRADIENT_ARROW, palette.STATE_ARROW, palette.ESCAPE_ARROW, palette.MARK):
        assert mark in colours
    overlay = HelpOverlay(sheet, scene.text)
    picture = overlay.render((1280, 720))
    ox, oy = overlay.panel.topleft
    checked = 0
    for item in overlay.placed:
        if item[0] == "swatch" and item[2].kind in ("dot", "box"):
            swatch: Swatch = item[2]
            x, y = item[1]
            line = item[5]
            centre = (ox + x + SWATCH_W // 2, oy + y + (line - SWATCH_H) // 2 + SWATCH_H // 2)
            assert tuple(picture.get_at(centre))[:3] == swatch.colour, swatch.label
            checked += 1
    assert checked >= len(m.race.balls)


def test_h_typed_in_the_formula_box_is_a_letter_not_help(registry):
    d = Driver(registry)
    entry = d.scene.controls.expr_entry
    d.click(entry.rect.center)
    assert entry.is_focused
    d.tick(1, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_h, mod=0, unicode="h", scancode=0)])
    d.tick(1, [pygame.event.Event(pygame.TEXTINPUT, text="h")])
    assert not overlays(d.app)
    assert "h" in entry.get_text()
    d.tick(1, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_F1, mod=0, unicode="", scancode=0)])
    assert overlays(d.app)  # F1 always opens it


def test_the_shared_keys_are_listed_once_in_one_place():
    names = [k for k, _ in app_keys(SCENES)]
    assert len(names) == len(set(names))
    assert set(names) >= SHARED_KEYS
