"""The pygame_gui theme every scene's widgets share (assets/theme.json), at the UI scale.

The file is written at scale 1; ``load_theme()`` returns it with every font size and pixel
measure (corner radii, borders, the slider's knob) multiplied by the current scale, so a
UIManager built after a scale change draws its widgets' text as large as the scene's own.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources

from explorer.app.ui import i18n, scale

_FONT_ELEMENTS = ("button", "label", "text_entry_line", "tool_tip", "text_box")
# theme "misc" entries that are lengths in pixels
_PIXEL_MISC = (
    "shape_corner_radius",
    "border_width",
    "sliding_button_width",
    "text_shadow_size",
    "list_item_height",  # a menu's options: a row as tall as its text at every scale
)
# Chinese: pygame_gui's own Noto Sans SC, as each font block's "zh" locale entry
_LATIN_FONTS = {
    "noto_sans": {
        "regular_resource": {"package": "pygame_gui.data", "resource": "NotoSans-Regular.ttf"},
        "bold_resource": {"package": "pygame_gui.data", "resource": "NotoSans-Bold.ttf"},
    }
}
_LOCALE_FONTS = {
    "zh": ("noto_sans_sc", "NotoSansSC-Regular.otf", "NotoSansSC-Bold.otf"),
}


@cache
def _base_theme() -> dict:
    return json.loads(resources.files("explorer.assets").joinpath("theme.json").read_text("utf-8"))


def load_theme(factor: float | None = None, lang: str | None = None) -> dict:
    """The theme at ``factor`` (default: the current UI scale), its fonts for ``lang``
    (default: the current language)."""
    f = scale.factor() if factor is None else factor
    theme = copy.deepcopy(_base_theme())
    # pygame_gui reads no font from "defaults": give each kind of widget the default font, so
    # the one size there (scaled below) reaches every button, menu, box and tooltip
    default_font = theme.get("defaults", {}).get("font")
    if default_font:
        for element in _FONT_ELEMENTS:
            block = theme.setdefault(element, {})
            block.setdefault("font", dict(default_font))
        # a check box draws its tick in its own font: the symbols one has the tick (✓)
        theme.setdefault("check_box", {}).setdefault(
            "font", {"name": "fira_code_symbols", "size": default_font.get("size", "14")}
        )
    for block in theme.values():
        font = block.get("font")
        if isinstance(font, dict) and "size" in font:
            font["size"] = str(max(6, int(round(float(font["size"]) * f))))
        misc = block.get("misc")
        if isinstance(misc, dict):
            for key in _PIXEL_MISC:
                if key in misc:
                    n = float(misc[key])
                    misc[key] = str(int(round(n * f)) if n == 0 else max(1, int(round(n * f))))
    local = _LOCALE_FONTS.get(lang or i18n.language())
    if local is not None:
        name, regular, bold = local
        for element, block in theme.items():
            font = block.get("font")
            # a check box's own font draws only its tick (✓), which Noto Sans SC may lack
            if isinstance(font, dict) and element != "check_box":
                zh = {**font, "name": name, "locale": lang or i18n.language()}
                zh["regular_resource"] = {"package": "pygame_gui.data", "resource": regular}
                zh["bold_resource"] = {"package": "pygame_gui.data", "resource": bold}
                if font.get("name") in _LATIN_FONTS:  # not the default font now: say where
                    font = {**font, **_LATIN_FONTS[font["name"]]}
                block["font"] = [font, zh]
    return theme


# the loaded theme of each scale and language, shared by every manager made for them: loading it
# (its colours parsed, its fonts and shadows made) was 50 ms of each scene's build, and widgets
# drawn once are found in its shape cache by the next scene's. Each with a font made with it: a
# theme whose fonts died with pygame's font module (an app run ended: pygame.quit) is not reused
_THEMES: dict[tuple[float, str], tuple[object, object]] = {}


def _alive(font) -> bool:
    import pygame

    try:
        font.size("x")
    except pygame.error:  # "font module quit since font created"
        return False
    return True


class _Loaded:
    """A theme already loaded, handed to a new manager instead of a theme file."""

    def __init__(self, theme: object) -> None:
        self.theme = theme


@cache
def _manager_class():
    import pygame_gui

    class Manager(pygame_gui.UIManager):
        """pygame_gui's manager, on a theme loaded before where it is given one."""

        def create_new_theme(self, theme_path=None):
            if isinstance(theme_path, _Loaded):
                return theme_path.theme
            return super().create_new_theme(theme_path)

    return Manager


def ui_manager(size: tuple[int, int], old=None):
    """A pygame_gui manager for a window of ``size`` with the theme at the current scale:
    ``old`` itself, resized, while the scale and language it was built for still hold; a new one
    otherwise (its widgets are gone: the caller rebuilds them, as after any re-layout)."""
    f, lang = scale.factor(), i18n.language()
    if old is not None and getattr(old, "explorer_scale", None) == (f, lang):
        old.set_window_resolution(size)
        return old
    loaded = _THEMES.get((f, lang))
    if loaded is not None and not _alive(loaded[1]):
        _THEMES.clear()  # every one of them died with the font module
        loaded = None
    manager = _manager_class()(
        size,
        load_theme(f, lang) if loaded is None else _Loaded(loaded[0]),
        enable_live_theme_updates=False,
        starting_language=lang,  # python-i18n's locale; i18n.py put the catalogues on its path
    )
    if loaded is None:
        import pygame

        _THEMES[(f, lang)] = (manager.get_theme(), pygame.font.Font(None, 12))
    manager.explorer_scale = (f, lang)
    return manager
