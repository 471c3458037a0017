"""What a teacher hit in front of a class (issue 19, item 7): a bad setup picked with Ctrl+O is
one sentence on screen, ``--scale`` that does not fit the window says so from the first frame,
every help sheet names a quit key and the key quits, and ``--lang zh`` speaks Chinese from the
loading screen on."""

from __future__ import annotations

from pathlib import Path

import pygame
import pygame_gui
import pytest

from explorer.app import splash
from explorer.app.shell import build_app
from explorer.app.ui import i18n
from explorer.app.ui.help_sheet import app_keys


@pytest.fixture
def app(registry, tmp_path, monkeypatch):
    """The whole app drawn offscreen (training in threads); Ctrl+O starts in tmp_path."""
    monkeypatch.setenv("DL_EXPLORER_SETUPS", str(tmp_path))
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    made = []

    def make(first="landscape", **kwargs):
        the_app, tabs = build_app(
            registry, screen, first, windowed=False, backend="thread", **kwargs
        )
        made.append(tabs)
        return the_app, tabs

    yield make
    for tabs in made:
        tabs.close()


def tick(the_app, n=1, events=()):
    events = list(events)
    for _ in range(n):
        the_app.tick(1 / 60, events + pygame.event.get())
        events = []


def ctrl(key):
    return pygame.event.Event(
        pygame.KEYDOWN, key=key, mod=pygame.KMOD_LCTRL, unicode="", scancode=0
    )


def pick_in_the_dialog(the_app, tabs, path: Path) -> None:
    """Ctrl+O, choose ``path`` and press OK, as a user does: the dialog posts the path and
    closes itself in the same frame; the app reads the path from the queue a frame later."""
    tick(the_app, 1, [ctrl(pygame.K_o)])
    dialog = tabs.setup_keys.dialog
    assert isinstance(dialog, pygame_gui.windows.UIFileDialog)
    dialog.current_file_path = path
    ok = pygame.event.Event(pygame_gui.UI_BUTTON_PRESSED, ui_element=dialog.ok_button)
    tick(the_app, 3, [ok])


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_ctrl_o_of_a_bad_setup_file_is_one_sentence_on_screen(app, tmp_path, lang):
    path = tmp_path / "broken.toml"
    path.write_text("depth = = 3\n")
    i18n.set_language(lang)
    the_app, tabs = app("landscape")
    before = the_app.screen.copy()
    pick_in_the_dialog(the_app, tabs, path)
    message = tabs.setup_keys.message
    assert "broken.toml" in message and "TOML" in message
    # the sentence names the file and the fault (in English it is the whole message)
    assert message.startswith({"en": str(path), "zh": f"未打开：{path}"}[lang])
    assert tabs.setup_keys.level == "error"
    assert tabs.current == "landscape"
    # drawn: the box at the bottom centre is in the error colour
    w, h = the_app.screen.get_size()
    band = pygame.Rect(w // 2 - 300, h - 90, 600, 70)
    from explorer.app.ui import palette

    drawn = the_app.screen.subsurface(band)
    seen = {drawn.get_at((x, y))[:3] for x in range(0, band.w, 2) for y in range(band.h)}
    assert tuple(palette.ERROR) in seen
    assert before.get_size() == the_app.screen.get_size()


@pytest.mark.slow
def test_ctrl_o_of_a_good_file_picked_and_okayed_opens_it(app, tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text('version = 1\nscene = "network"\ndepth = 10\nactivation = "relu"\n')
    the_app, tabs = app("landscape")
    pick_in_the_dialog(the_app, tabs, path)
    assert tabs.current == "network"
    assert tabs.scene().model.config.depth == 10


@pytest.mark.parametrize("lang", ["en", "zh"])
@pytest.mark.slow
def test_a_scale_the_window_cannot_hold_is_said_from_the_first_frame(app, lang):
    i18n.set_language(lang)
    the_app, tabs = app("landscape", ui_scale=1.5)
    tick(the_app, 1)
    note = the_app.scale_note
    assert "1.12×" in note and "1.5×" in note  # the scale drawn and the scale asked
    assert "1536×960" in note  # the window it needs


def test_a_scale_that_fits_says_nothing_at_start(app):
    the_app, _ = app("landscape", ui_scale=1.0)
    assert the_app.scale_note == ""


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_help_sheet_names_the_quit_key(lang):
    i18n.set_language(lang)
    keys = dict(app_keys())
    assert "Ctrl+Q" in keys
    assert (
        keys["Ctrl+Q"]
        == {"en": "quit (closing the window does the same)", "zh": "退出（关闭窗口也一样）"}[lang]
    )


def test_ctrl_q_quits_whatever_scene_is_shown(app):
    the_app, tabs = app("network")
    assert the_app.running
    tick(the_app, 1, [ctrl(pygame.K_q)])
    assert not the_app.running


def test_the_loading_screen_speaks_the_language_asked_for(monkeypatch):
    assert splash.language(["--lang", "zh"]) == "zh"
    assert splash.language(["--scene", "network", "--lang=zh"]) == "zh"
    assert splash.language(["--lang", "klingon"]) == "en"  # the command line says why
    assert splash.language([]) == "en"
    shown = []
    from explorer.app.ui import text as text_module

    real = text_module.Text.blit

    def blit(self, screen, words, *args, **kwargs):
        shown.append(words)
        return real(self, screen, words, *args, **kwargs)

    monkeypatch.setattr(text_module.Text, "blit", blit)
    monkeypatch.delenv("DL_EXPLORER_NO_SPLASH", raising=False)
    assert splash.show(["--lang", "zh"])
    assert "正在加载损失地形…" in shown
    assert pygame.display.get_caption()[0] == i18n.t("app.window_title", lang="zh")
