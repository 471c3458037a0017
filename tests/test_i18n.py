"""English and 中文: one catalogue per language (assets/i18n), every scene drawn in Chinese without a
missing glyph, Ctrl+L switching live, --lang on the command line."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pygame
import pytest
from click.testing import CliRunner

from explorer.app.ui import i18n
from explorer.app.ui.text import Text

ROOT = Path(__file__).resolve().parents[1]
CATALOGUES = ROOT / "assets" / "i18n"
FIELD = re.compile(r"%\{(\w+)\}")


@pytest.fixture(autouse=True)
def _english_after():
    """Every test leaves the UI in English, whatever it switched to."""
    yield
    i18n.set_language("en")


def _flat(node: dict, prefix: str = "") -> dict[str, str]:
    out = {}
    for key, value in node.items():
        if isinstance(value, dict):
            out.update(_flat(value, f"{prefix}{key}."))
        else:
            out[prefix + key] = value
    return out


def _catalogue(lang: str) -> dict[str, str]:
    data = json.loads((CATALOGUES / f"dl-explorer.{lang}.json").read_text("utf-8"))
    assert list(data) == [lang], f"the {lang} catalogue's root must be {lang!r}"
    return _flat(data[lang])


def test_every_key_is_in_both_languages_with_the_same_fields():
    en, zh = _catalogue("en"), _catalogue("zh")
    assert sorted(en) == sorted(zh), {
        "only in en": sorted(set(en) - set(zh)),
        "only in zh": sorted(set(zh) - set(en)),
    }
    for key in en:
        assert set(FIELD.findall(en[key])) == set(FIELD.findall(zh[key])), key
        assert zh[key].strip(), f"{key} is empty in zh"
        # python-i18n keeps these argument names for itself
        assert not set(FIELD.findall(en[key])) & {"key", "locale", "count", "default"}, key
    # a Chinese catalogue that is mostly Chinese (not English copied over)
    chinese = [k for k, v in zh.items() if i18n.has_cjk(v)]
    assert len(chinese) > 0.8 * len(zh)


def test_every_key_the_code_asks_for_is_in_the_catalogue():
    en = _catalogue("en")
    asked: set[str] = set()
    sources = [*(ROOT / "explorer" / "app").rglob("*.py")]
    for path in sources:
        text = path.read_text("utf-8")
        asked |= set(re.findall(r"\bt\(\s*\"([a-z_]+\.[a-z0-9_.]+)\"", text))
        # help sheets and tables name their keys as plain strings
        asked |= set(
            re.findall(
                r"\"((?:help|landscape|network|status|numbers|inspector|chart|"
                r"curves|grads|function|tabs|app|dropout|activations)\."
                r"[a-z0-9_.]+)\"",
                text,
            )
        )
    asked = {k for k in asked if not k.endswith(".")}
    unknown = sorted(k for k in asked if k not in en)
    assert not unknown, unknown
    assert len(asked) > 150  # the scan found the keys (it cannot pass by finding none)


def test_t_fills_fields_and_follows_the_language():
    assert i18n.t("landscape.balls_here", n=3) == "3 balls here"
    i18n.set_language("zh")
    assert i18n.t("landscape.balls_here", n=3) == "这里有 3 个球"
    assert i18n.t("tabs.landscape") == "损失地形"
    assert i18n.t("tabs.landscape", lang="en") == "Landscape"
    with pytest.raises(ValueError, match="the languages are en, zh"):
        i18n.set_language("fr")


def test_chinese_wraps_between_characters_and_never_before_closing_punctuation():
    pygame.font.init()
    text = Text()
    sentence = i18n.t("inspector.hint", lang="zh")
    lines = text.wrap(sentence, 13, 200)
    assert len(lines) >= 3 and "".join(lines) == sentence  # nothing lost, nothing added
    font = text.font(13, "cjk")
    for line in lines:
        assert font.size(line)[0] <= 200 + font.size("。")[0], line
        assert line[0] not in "，。：；、）", line


def test_a_string_with_chinese_is_drawn_in_noto_sans_sc_and_subscripts_still_have_glyphs():
    pygame.font.init()
    text = Text()
    assert text.missing("损失 x", "sans") == ""
    assert text.kind_for("损失", "bold") == "cjk_bold"
    assert text.missing("log₁₀(损失 − 最小值)") == ""  # ₁₀ from another font, on the same line
    surf = text.render("log₁₀(损失 − 最小值)", 13, (255, 255, 255))
    assert surf.get_width() > text.font(13, "cjk").size("log(损失 − 最小值)")[0]
    # a character no font has is reported, so the tofu test below can fail
    assert text.missing("\ue000", "sans") == "\ue000"


def _widget_gaps(manager) -> list[str]:
    """Widgets (buttons, labels, menus, text boxes) whose font lacks a character of their text."""
    gaps = []
    for element in manager.ui_group.sprites():
        font = getattr(element, "font", None)
        words = [getattr(element, "text", None), getattr(element, "placeholder_text", None)]
        for word in words:
            if not isinstance(word, str) or word.isascii() or font is None:
                continue
            missing = bytes(pygame.image.tobytes(font.render_premul("\ue000", (255,) * 3), "RGBA"))
            for ch in set(word) - {" "}:
                drawn = pygame.image.tobytes(font.render_premul(ch, (255,) * 3), "RGBA")
                if bytes(drawn) == missing:
                    gaps.append(f"{word!r} ({type(element).__name__}): {ch!r}")
    return gaps


def _managers(app) -> list:
    out = []
    for scene in app.scenes:
        manager = getattr(scene, "manager", None)
        if manager is not None and manager not in out:
            out.append(manager)
    return out


@pytest.mark.slow
def test_every_scene_and_its_help_in_chinese_has_no_missing_glyph(registry, monkeypatch):
    from explorer.app.headless import init_offscreen
    from explorer.app.shell import SCENES, build_app
    from explorer.app.ui.help_overlay import HelpOverlay, show_help

    drawn: list[str] = []
    tofu: list[str] = []
    real = Text.render

    def render(self, text, size, colour, kind="sans"):
        drawn.append(text)
        gone = self.missing(text, kind)
        if gone:
            tofu.append(f"{text!r}: {gone!r}")
        return real(self, text, size, colour, kind)

    monkeypatch.setattr(Text, "render", render)
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, windowed=False, backend="thread", lang="zh")
    try:
        for entry in SCENES:
            assert tabs.show(entry.name)
            tabs.scene().wait_ready(60)
            for _ in range(3):
                app.tick(1 / 60, [])
            overlay = show_help(app)
            app.tick(1 / 60, [])
            assert isinstance(overlay, HelpOverlay) and i18n.has_cjk(overlay.sheet_data.title)
            rows = sum(len(list(r)) for _, r in overlay.sections())
            assert sum(item[0] != "head" for item in overlay.placed) == rows
            tofu.extend(f"{entry.name}: {gap}" for m in _managers(app) for gap in _widget_gaps(m))
            app.pop(overlay)
        assert tabs.buttons["network"].text == "网络实验室"
    finally:
        tabs.close()
    assert not tofu, tofu
    chinese = [s for s in drawn if i18n.has_cjk(s)]
    assert len(chinese) > 100, "the scenes drew hardly any Chinese"


@pytest.mark.slow
def test_ctrl_l_switches_the_visible_labels_live_and_back(registry):
    from explorer.app.headless import init_offscreen
    from explorer.app.shell import build_app
    from explorer.app.ui.help_overlay import show_help

    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
    ctrl_l = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_l, mod=pygame.KMOD_CTRL, unicode="")
    try:
        app.tick(1 / 60, [])
        scene = tabs.scene()
        assert tabs.buttons["landscape"].text == "Landscape"
        assert scene.controls.play_button.text == "Play"
        before = pygame.Surface.copy(app.screen.subsurface((0, 0, 300, 30)))
        overlay = show_help(app)
        app.tick(1 / 60, [ctrl_l])
        assert i18n.language() == "zh"
        assert tabs.buttons["landscape"].text == "损失地形"
        assert scene.controls.play_button.text == "运行"
        assert overlay.sheet_data.title == i18n.t("help.landscape.title")  # the open sheet too
        assert "中文" in app.scale_note
        after = app.screen.subsurface((0, 0, 300, 30))
        assert pygame.image.tobytes(before, "RGB") != pygame.image.tobytes(after, "RGB")
        # a scene first shown after the switch is built in Chinese; one built before re-lays out
        assert tabs.show("network")
        app.tick(1 / 60, [])
        controls = tabs.scene().controls
        assert controls.play_button.text in ("训练", "暂停")
        # menu words that are not names are Chinese too, and still mean what they say
        assert controls.menus["l1"].selected_option[0] == "关"
        assert controls.speed_menu.selected_option[0] == "最快"
        assert not controls._disagree()  # the widgets agree with the model: no rebuild loop
        app.tick(1 / 60, [ctrl_l])
        assert i18n.language() == "en"
        assert tabs.buttons["network"].text == "Network lab"
        assert tabs.scene().controls.play_button.text in ("Play", "Pause")
        # a plain l is not the language key (the lesson presenter may use it)
        app.tick(1 / 60, [pygame.event.Event(pygame.KEYDOWN, key=pygame.K_l, mod=0, unicode="l")])
        assert i18n.language() == "en"
    finally:
        tabs.close()


def test_lang_on_the_command_line(monkeypatch):
    from explorer import cli

    result = CliRunner().invoke(cli.main, ["--lang", "fr", "plugins"])
    assert result.exit_code != 0
    assert "--lang 'fr': the languages are en, zh" in result.output
    assert "Traceback" not in result.output
    opened = {}

    def run_with_setup(registry, scene, values, source, ui_scale=None, watch=(), lang=None):
        opened.update(scene=scene, lang=lang)

    monkeypatch.setattr("explorer.commands.open_cmd.run_with_setup", run_with_setup)
    result = CliRunner().invoke(cli.main, ["--lang", "zh", "--no-plugins"])
    assert result.exit_code == 0, result.output
    assert opened == {"scene": "landscape", "lang": "zh"}


@pytest.mark.parametrize(
    "surface, hyper, start, status",
    [
        ("bowl", {"lr": 0.1}, (1.0, 1.0), "converged"),
        ("saddle", {"lr": 0.05}, (1.0, 0.0), "stuck at a saddle"),
        ("saddle", {"lr": 0.05}, (1.0, 0.3), "escaped"),
        ("bowl", {"lr": 5.0}, (1.0, 1.0), "diverged"),
    ],
)
def test_why_a_ball_stopped_is_worded_in_chinese_with_the_races_own_numbers(
    registry, surface, hyper, start, status
):
    from explorer.app.scenes.landscape.reason_text import reason_text
    from explorer.landscape.race import BallConfig, Race

    race = Race(registry.surface(surface), [BallConfig("sgd", hyper)], start, registry=registry)
    race.step(800)
    ball = race.balls[0]
    assert ball.status == status and ball.reason
    english = str(ball.reason)  # what the command line prints
    assert reason_text(ball.reason) == english  # the app's English is the same sentence
    i18n.set_language("zh")
    worded = reason_text(ball.reason)
    assert i18n.has_cjk(worded) and not re.search(r"[a-z]{4,}", worded), worded
    number = r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?"
    # every number the race computed, and no other (the order may differ between languages)
    assert sorted(re.findall(number, english)) == sorted(re.findall(number, worded)), worded


@pytest.mark.parametrize(
    "message",
    [  # the trainer's sentences (explorer/training/session.py, trainer.py), as a run ends
        "finished 40 epochs",
        "finished 40 epochs; weights of epoch 31 restored",
        "finished 500 steps (7.81 epochs)",
        "stopped early after epoch 12: no better validation loss for 3 epoch(s); weights of "
        "epoch 9 restored",
        "diverged at epoch 2: the loss is not finite",
        "the training process exited (code -9)",
    ],
)
def test_how_a_run_ended_is_worded_in_chinese_with_its_numbers(message):
    from explorer.app.scenes.network.message_text import message_text

    assert message_text(message) == message
    i18n.set_language("zh")
    worded = message_text(message)
    assert i18n.has_cjk(worded) and not re.search(r"[a-z]{4,}", worded), worded
    number = r"-?\d+(?:\.\d+)?"
    assert sorted(re.findall(number, message)) == sorted(re.findall(number, worded)), worded
    assert message_text("plugin foo failed: boom") == "plugin foo failed: boom"  # as it came


# -- Dropout and Activations in Chinese ------------------------------------------------------------
SCENE_SECTIONS = ("dropout", "activations")
# names and symbols that stay as they are in Chinese (plugin, dataset and activation names)
KEPT_WORDS = re.compile(r"builtin/activations|leaky_relu|moons|logits|autograd")
# words of shared widgets, not of these scenes: the typed-value box's tool tip (ui/slider.py)
SHARED_WORDS: set[str] = set()  # strings from shared widgets allowed to stay English (none)


def _english_templates() -> list[tuple[str, re.Pattern]]:
    """The English sentences of the two scenes' sections (three words or more), as patterns
    whose %{fields} match anything."""
    en = _catalogue("en")
    out = []
    for key, value in en.items():
        if key.split(".")[0] in SCENE_SECTIONS and len(FIELD.sub("x", value).split()) > 2:
            parts = [re.escape(p) for p in FIELD.split(value)[0::2]]
            out.append((key, re.compile(".+?".join(parts), re.S)))
    return out


def _scene_words(scene) -> list[str]:
    """What the scene's widgets say: button and menu texts, tool tips, captions."""
    words = [slot.text for slot in scene.controls.captions]
    for element in scene.manager.ui_group.sprites():
        for name in ("text", "tool_tip_text"):
            value = getattr(element, name, None)
            if isinstance(value, str) and value.strip():
                words.append(value)
    return words


def _drawn_in(lang: str, registry, monkeypatch) -> dict[str, list[str]]:
    """Every string the Dropout and Activations scenes draw in ``lang`` (through Text.render and
    their widgets), with the nets trained, Dropout paused and Maxout selected too."""
    from explorer.app.headless import init_offscreen
    from explorer.app.shell import build_app

    drawn: list[str] = []
    real = Text.render

    def render(self, text, size, colour, kind="sans"):
        drawn.append(text)
        return real(self, text, size, colour, kind)

    monkeypatch.setattr(Text, "render", render)
    screen = init_offscreen((1280, 720))
    app, tabs = build_app(registry, screen, "dropout", windowed=False, backend="thread", lang=lang)
    out: dict[str, list[str]] = {}
    try:
        for name in SCENE_SECTIONS:
            drawn.clear()
            assert tabs.show(name)
            scene = tabs.scene()
            scene.text = Text()  # nothing from the cache: every string is rendered again
            app.tick(1 / 60, [])  # the first frame, before the background work is in
            scene.wait_ready(60)
            for _ in range(3):
                app.tick(1 / 60, [])
            if name == "dropout":
                scene.toggle_play()  # the other label of the play button
            else:
                scene.select("maxout")  # the detail panel's words for a non-elementwise unit
            app.tick(1 / 60, [])
            out[name] = [*drawn, *_scene_words(scene)]
    finally:
        tabs.close()
    return out


@pytest.mark.slow
def test_dropout_and_activations_drawn_in_chinese_show_no_english_sentence(registry, monkeypatch):
    templates = _english_templates()
    assert len(templates) > 60  # the two sections hold the scenes' sentences
    drawn = _drawn_in("zh", registry, monkeypatch)
    zh = _catalogue("zh")
    for name, strings in drawn.items():
        left = []
        for s in set(strings) - SHARED_WORDS:
            whole = s.removesuffix("…")  # a string cut short to fit still shows its start
            for key, pattern in templates:
                if pattern.fullmatch(s) or (s.endswith("…") and pattern.match(whole + "\n")):
                    left.append(f"{s!r} ({key})")
            # an English phrase not from the catalogue (a literal someone added): three words
            plain = KEPT_WORDS.sub("", s)
            if re.search(r"[A-Za-z]{2,}(?:[ ,:;'’()-]+[A-Za-z]{2,}){2,}", plain):
                left.append(f"{s!r} (three English words)")
        assert not left, f"{name} in Chinese still says: {left}"
        # and it does say the scene's sentences in Chinese (the spy saw them)
        chinese = [s for s in strings if i18n.has_cjk(s)]
        assert len(chinese) > 25, (name, chinese)
        titles = [v for k, v in zh.items() if k.startswith(f"{name}.title_") and "%{" not in v]
        assert titles and all(v in strings for v in titles), (name, titles)
    dropout, activations = drawn["dropout"], drawn["activations"]
    assert i18n.t("dropout.play", lang="zh") in dropout  # paused: the button says 训练
    assert i18n.t("dropout.next_batch_tip", lang="zh") in dropout  # tool tips too
    assert i18n.t("activations.maxout_note", lang="zh") not in activations  # drawn wrapped
    assert i18n.t("activations.retrain", lang="zh") in activations
    assert i18n.t("activations.doc.maxout", lang="zh") in activations  # a built-in's doc line


@pytest.mark.slow
def test_dropout_and_activations_drawn_in_english_are_caught_by_the_same_check(
    registry, monkeypatch
):
    """The check above can fail: in English it finds the catalogue's sentences on screen."""
    templates = _english_templates()
    drawn = _drawn_in("en", registry, monkeypatch)
    for name, strings in drawn.items():
        found = {key for s in strings for key, p in templates if p.fullmatch(s)}
        assert len(found) > 10, (name, sorted(found))
        assert not any(i18n.has_cjk(s) for s in strings), name


def test_every_key_of_the_two_scenes_sections_is_used_by_their_code():
    """A sentence left in the catalogue after its code changed is a sentence nobody sees."""
    used = ""
    for name in SCENE_SECTIONS:
        for path in (ROOT / "explorer" / "app" / "scenes" / name).glob("*.py"):
            used += path.read_text("utf-8")
    unused = [
        key
        for key in _catalogue("en")
        if key.split(".")[0] in SCENE_SECTIONS
        and key.split(".")[1] not in ("doc", "formula")  # looked up by the activation's name
        and f'"{key}"' not in used
    ]
    assert not unused, unused


def test_the_built_in_activations_words_follow_the_language_a_plugins_own_do_not():
    from explorer.app.scenes.activations.activation_plots import plugin_words, said
    from explorer.training.activation_curves import Curve

    builtin = Curve("prelu", formula="max(a·z, z), a learned (starts at 0.25)", doc="")
    own = Curve("prelu", formula="max(0.1·z, z), my own", doc="mine")
    assert plugin_words(builtin, "formula") == builtin.formula  # English: as the plugin says
    i18n.set_language("zh")
    assert plugin_words(builtin, "formula") == "max(a·z, z)，a 可学习（初值 0.25）"
    assert plugin_words(own, "formula") == own.formula and plugin_words(own, "doc") == "mine"
    assert said("Not plotted: NaN or ∞.") == "无法作图：出现 NaN 或 ∞。"
    assert said("401 inputs of shape (401, 1) gave (401, 2).") == (
        "401 个形状为 (401, 1) 的输入得到了 (401, 2)。"
    )
    assert said("ValueError: boom") == "ValueError: boom"  # an exception's words as they came


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1024, 640), (1280, 720), (1920, 1080)], ids=str)
@pytest.mark.parametrize("name", SCENE_SECTIONS)
def test_dropout_and_activations_in_chinese_fit_their_panels(name, size, monkeypatch):
    """The layout test's checks (tests/test_layout.py), in Chinese: every widget and its label
    inside its panel, every string drawn inside its picture, at scale 1 and 1.5."""
    from test_layout import DrawnText, _app, check_layout

    drawn = DrawnText(monkeypatch)
    i18n.set_language("zh")
    app, tabs = _app(name, size, 1.0)
    try:
        for ui_scale in (1.0, 1.5):
            app.set_scale(ui_scale)
            tabs.scene().wait_ready(60)
            app.tick(1 / 60, [])
            app.tick(1 / 60, [])
            where = f"{name} in Chinese at {size}, scale {ui_scale:g}"
            assert check_layout(app, tabs) == [], where
            assert drawn.outside == [], where
            assert i18n.has_cjk(tabs.scene().controls.captions[0].text), where
    finally:
        tabs.close()
