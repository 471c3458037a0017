"""The UI's language: one catalogue of strings per language, read through python-i18n (the
library pygame_gui localises its own widgets with), and the current language in one place.

The catalogues are ``assets/i18n/dl-explorer.<lang>.json`` (``{"<lang>": {"tabs": {...}}}``), so
``t("tabs.landscape")`` is python-i18n's key ``dl-explorer.tabs.landscape``. Fields are
``%{name}`` in the catalogue and keyword arguments here: ``t("app.scale_note", factor="1.5")``.

No pygame here: the scenes' pygame-free models word their messages with ``t`` too.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources

import i18n as _i18n

from explorer.languages import CJK_CHARS, LANGUAGES

PREFIX = "dl-explorer"
_state = {"lang": "en"}

# the CJK ideographs and punctuation the catalogue uses: a string with one is drawn in Noto Sans SC
_CJK = re.compile(f"[{CJK_CHARS}]")


@cache
def catalogue_dir() -> str:
    """The folder of the catalogues (a real folder in editable installs and wheels alike)."""
    return str(resources.files("explorer.assets").joinpath("i18n"))


def _ready() -> None:
    path = catalogue_dir()
    if path not in _i18n.config.get("load_path"):
        _i18n.set("file_format", "json")
        _i18n.set("filename_format", "{namespace}.{locale}.{format}")
        _i18n.set("fallback", "en")
        _i18n.load_path.append(path)


def add_catalogues(folder: str) -> None:
    """Read strings from ``folder``'s ``dl-explorer.<lang>.json`` files too (a scene package
    from elsewhere brings its own tab label and sentences; explorer.app.scene_table.register)."""
    _ready()
    if folder not in _i18n.config.get("load_path"):
        _i18n.load_path.append(folder)


def remove_catalogues(folder: str) -> None:
    """Stop reading ``folder`` (its scene left the table; the folder may be gone)."""
    if folder in _i18n.config.get("load_path"):
        _i18n.load_path.remove(folder)


def parse_language(text: str | None) -> str:
    """``text`` as a language code, or ValueError with one sentence."""
    lang = (text or "en").strip().lower().replace("_", "-")
    lang = {"cn": "zh", "zh-cn": "zh", "zh-hans": "zh", "chinese": "zh", "english": "en"}.get(
        lang, lang
    )
    if lang not in LANGUAGES:
        raise ValueError(f"--lang {text!r}: the languages are {', '.join(LANGUAGES)}")
    return lang


def language() -> str:
    """The language the UI speaks now."""
    return _state["lang"]


def set_language(lang: str) -> str:
    """Make ``lang`` the UI's language (what ``t`` returns and pygame_gui's widgets use from
    the next manager on). The App's ``set_language`` also re-lays out every scene."""
    lang = parse_language(lang)
    _ready()
    _state["lang"] = lang
    _i18n.set("locale", lang)
    return lang


def other(lang: str | None = None) -> str:
    """The next language after ``lang`` (the current one by default): Ctrl+L's target."""
    lang = lang or language()
    return LANGUAGES[(LANGUAGES.index(lang) + 1) % len(LANGUAGES)]


def key(name: str) -> str:
    """python-i18n's full key for a catalogue entry (what pygame_gui translates)."""
    return f"{PREFIX}.{name}"


def t(name: str, /, *, lang: str | None = None, **fields) -> str:
    """The catalogue's string ``name`` in ``lang`` (default: the current language), with its
    ``%{field}`` places filled from ``fields``. A key missing from ``lang`` falls back to
    English; one missing from both comes back as the key itself (the i18n test catches it).
    python-i18n keeps the field names key, locale, count and default for itself."""
    _ready()
    text = _i18n.t(key(name), locale=lang or language(), **{k: str(v) for k, v in fields.items()})
    return text[len(PREFIX) + 1 :] if text == key(name) else text


def reword(text: str, table) -> str:
    """``text``, an English sentence from a layer below the app (the race, the trainer), in the
    current language: ``table`` holds (compiled pattern, catalogue key, field names); the first
    pattern that matches gives the key, its groups the fields (a field named ``inner`` is
    reworded too). A sentence no pattern matches is returned as it is."""
    if language() == "en" or not text:
        return text
    for pattern, name, fields in table:
        match = pattern.match(text)
        if match:
            values = {f: v or "" for f, v in zip(fields, match.groups(), strict=True)}
            if "inner" in values:
                values["inner"] = reword(values["inner"], table)
            return t(name, **values)
    return text


def has_cjk(text: str) -> bool:
    """True when ``text`` has a Chinese character or CJK punctuation."""
    return bool(_CJK.search(text))
