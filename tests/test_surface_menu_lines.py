"""The Landscape's surface menu says what each surface is (issue 19, item 7): every option of
the open menu carries its one line as its tooltip, in the UI's language, and every built-in
surface has its line in both catalogues."""

from __future__ import annotations

import re

import pytest

from explorer.app.headless import init_offscreen
from explorer.app.shell import build_app
from explorer.app.ui import i18n

CJK = re.compile(r"[\u4e00-\u9fff]")


def _open_menu_tips(registry) -> dict[str, str]:
    app, tabs = build_app(
        registry, init_offscreen((1280, 720)), "landscape", windowed=False, backend="thread"
    )
    try:
        menu = tabs.scene().controls.surface_menu
        state = menu.current_state
        state.should_transition, state.target_state = True, "expanded"  # as a click opens it
        for _ in range(3):
            app.tick(1 / 60, [])
        assert menu.current_state is menu.menu_states["expanded"]
        items = menu.current_state.options_selection_list.item_list
        return {
            item["text"]: item["button_element"].tool_tip_text
            for item in items
            if item["button_element"] is not None
        }
    finally:
        tabs.close()


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_surface_in_the_open_menu_says_what_it_is(registry, lang):
    i18n.set_language(lang)
    try:
        tips = _open_menu_tips(registry)
    finally:
        i18n.set_language("en")
    assert "ravine" in tips and "saddle" in tips
    for name, tip in tips.items():
        assert tip, f"{name} has no line in the surface menu"
        assert bool(CJK.search(tip)) == (lang == "zh"), f"{name}: {tip!r} in {lang}"
    assert (
        tips["saddle"]
        == {
            "en": "A saddle at the origin: the gradient vanishes there, yet it is no minimum.",
            "zh": "原点处的鞍点：那里梯度为零，却不是极小值。",
        }[lang]
    )


def test_every_built_in_surface_has_its_line_in_both_catalogues(registry):
    for name in registry.surfaces:
        for lang in ("en", "zh"):
            key = f"landscape.surface_about.{name}"
            assert i18n.t(key, lang=lang) != key, f"{name} has no line in {lang}"
