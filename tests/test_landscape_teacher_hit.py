"""What a teacher hit in the Landscape (issue 19, item 7), each as the user meets it: a notice of
the old race gone when it restarts, a rate typed while paused in the numbers table at once, the
keyboard kept in the formula box after a mistake, the mistake in 中文, and every surface in the
menu saying what it is."""

import pygame
import pytest

from explorer.app.harness import Driver
from explorer.app.scenes.landscape.formula_text import formula_text
from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.app.ui import i18n
from explorer.app.ui.i18n import has_cjk


@pytest.fixture
def app(registry):
    return Driver(registry, timer=lambda: 0.0)


def _moved_again(registry) -> LandscapeModel:
    """rmsprop on the ravine settles, then moves again (tests/test_faithful.py's race)."""
    m = LandscapeModel(registry, surface="ravine", optimizers=["rmsprop"], timer=lambda: 0.0)
    m.set_hyper("rmsprop", "lr", 0.01)
    m.set_start(-3.6, 1.0)
    m.speed = 2000
    m.play()
    for _ in range(400):
        m.update(1 / 30)
        if m.race.balls[0].moved_again_at is not None:
            break
    assert any("moving again" in x.text for x in m.live_messages())
    return m


@pytest.mark.parametrize("restart", ["reset", "start", "balls"])
@pytest.mark.slow
def test_moving_again_of_the_old_race_is_gone_when_the_race_restarts(registry, restart):
    m = _moved_again(registry)
    if restart == "reset":
        m.reset()
    elif restart == "start":
        m.set_start(-3.0, 0.5)
    else:
        m.set_enabled("sgd", True)
    assert not any("moving again" in x.text for x in m.live_messages())


def test_a_rate_typed_while_paused_shows_in_the_numbers_table_at_once(app):
    app.tick(2)
    before = pygame.image.tobytes(app.scene.numbers, "RGB")
    entry = app.scene.controls.slider_of[("tune", ("sgd", "lr"))].entry
    app.click(entry.rect.center)
    entry.set_text("")
    app.type_text("0.0042")
    assert not app.model.playing and app.model.race.balls[0].lr == 0.0042
    assert pygame.image.tobytes(app.scene.numbers, "RGB") != before
    assert app.scene._panels_key is not None


def test_after_a_formula_error_keys_are_still_typing_in_the_box(app):
    entry = app.scene.controls.expr_entry
    app.click(entry.rect.center)
    app.type_text("x**2 + foo(y)")
    assert "foo" in app.model.expr_error
    app.tick(1, [pygame.event.Event(pygame.TEXTINPUT, text="0")])
    app.key(pygame.K_0, unicode="0")
    assert app.model.spec.name == "rosenbrock"  # 0 was not the surface key
    assert entry.get_text().startswith("x**2 + foo(y)")
    assert app.scene.controls.text_focused()


@pytest.mark.parametrize(
    "formula", ["x**2 + foo(y)", "x**2 +", "x**2 + z", "sni(x)", "x**999", "x if y else 1"]
)
def test_a_formula_error_is_said_in_chinese(registry, formula):
    m = LandscapeModel(registry)
    assert not m.try_expression(formula)
    i18n.set_language("zh")
    said = formula_text(m.expr_error)
    assert has_cjk(said) and said != m.expr_error
    i18n.set_language("en")
    assert formula_text(m.expr_error) == m.expr_error


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_surface_in_the_open_menu_says_what_it_is(app, lang):
    i18n.set_language(lang)
    app.scene.controls.build()  # as Ctrl+L does
    menu = app.scene.controls.surface_menu
    app.click(menu.rect.center)
    app.tick(2)
    items = menu.current_state.options_selection_list.item_list
    tips = {i["text"]: i["button_element"].tool_tip_text for i in items if i["button_element"]}
    assert tips["saddle"] and tips["rosenbrock"] != tips["saddle"]
    assert all(tips.values())
    assert has_cjk(tips["saddle"]) == (lang == "zh")
