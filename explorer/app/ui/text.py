"""Fonts and a cache of rendered strings (text rendering is the costliest thing in a frame)."""

from __future__ import annotations

import re
from collections import OrderedDict
from importlib import resources

import pygame

from explorer.app.ui import i18n, scale
from explorer.languages import CJK_CHARS

# pygame_gui ships these fonts; using them keeps the drawn text and the widgets alike, and they
# have the Greek letters (θ, η, σ, λ) pygame's default font lacks. Noto Sans has no arrows and few
# maths signs (→ ≤ ≈ ∂ ∇ ∞ …): a string with one of those is drawn in Fira Code, which has them.
# A string with a Chinese character is drawn in Noto Sans SC (pygame_gui ships it too).
_FONTS = {
    "sans": "NotoSans-Regular.ttf",
    "bold": "NotoSans-Bold.ttf",
    "mono": "FiraCode-Regular.ttf",
    "cjk": "NotoSansSC-Regular.otf",
    "cjk_bold": "NotoSansSC-Bold.otf",
}
# pygame_gui's Noto Sans draws the minus sign (U+2212) with its hyphen's outline, so "−1" in a
# label read as the ASCII "-1" beside Fira Code's and Noto Sans SC's true minus (as wide as the
# plus). A font whose minus is narrower than its plus lacks the sign: in a Latin string it is drawn
# from Noto Sans SC (the same design), the rest of the string staying in its own font.
MINUS = "\u2212"
_MINUS_FROM = {"sans": "cjk", "bold": "cjk_bold"}
# a line may break before any Chinese character, never before closing punctuation
_TOKENS = re.compile(rf"\s+|[{CJK_CHARS}]|[^\s{CJK_CHARS}]+")
_CLOSING = set("，。：；、！？）》」』”’,.:;!?)]")


def _tokens(paragraph: str) -> list[str]:
    out: list[str] = []
    for match in _TOKENS.finditer(paragraph):
        token = match.group()
        if out and token[0] in _CLOSING and not out[-1].isspace():
            out[-1] += token
        else:
            out.append(token)
    return out


def _cut(word: str, font: pygame.font.Font, width: int) -> list[str]:
    """``word`` in pieces no wider than ``width`` (at least one character each): a word wider
    than the line (a URL, a 1,000,000-character "word" in a shared lesson file) is broken
    instead of overflowing the picture (or, past SDL's surface limit, crashing the renderer)."""
    pieces: list[str] = []
    while word and font.size(word)[0] > width:
        lo, hi = 1, len(word)
        while lo < hi:  # the longest prefix that fits
            mid = (lo + hi + 1) // 2
            if font.size(word[:mid])[0] <= width:
                lo = mid
            else:
                hi = mid - 1
        while 1 < lo < len(word) and word[lo] in _CLOSING:  # "。" never starts a line
            lo -= 1
        while lo < len(word) and word[lo] in _CLOSING:  # a one-character piece keeps it
            lo += 1
        pieces.append(word[:lo])
        word = word[lo:]
    return [*pieces, word] if word or not pieces else pieces


def wrap_with(font: pygame.font.Font, text: str, width: int) -> list[str]:
    """Lines of ``text`` no wider than ``width`` in ``font``: breaks between words and between
    any two Chinese characters, never before closing punctuation (the presenter's captions and
    ``Text.wrap``'s Chinese lines)."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        lines.extend(Text._wrap_cjk(paragraph, font, width))
    return lines


def _font_path(kind: str):
    return resources.files("pygame_gui.data").joinpath(_FONTS[kind])


class Text:
    """``text.render("θ = 1", 14, colour)`` → a cached Surface. Sizes are written at scale 1:
    the font drawn is ``size`` times the UI scale (explorer.app.ui.scale), so every string of
    every scene grows together."""

    def __init__(self, max_entries: int = 1500) -> None:
        self._fonts: dict[tuple[str, int], pygame.font.Font] = {}
        self._cache: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._max = max_entries
        self._fits: dict[tuple, str] = {}
        self._glyphs: dict[tuple[str, str], bool] = {}

    def font(self, size: int, kind: str = "sans") -> pygame.font.Font:
        """The font for ``size`` (at scale 1) at the current scale."""
        return self._font(max(1, scale.px(size)), kind)

    def line_height(self, size: int, kind: str = "sans") -> int:
        """Pixels from one line of ``size`` text to the next, at the current scale (in Chinese,
        Noto Sans SC's taller lines)."""
        height = self.font(size, kind).get_linesize()
        if i18n.language() == "zh":
            height = max(height, self.font(size, "cjk").get_linesize())
        return height

    def _font(self, size: int, kind: str) -> pygame.font.Font:
        key = (kind, size)
        if key not in self._fonts:
            try:
                with resources.as_file(_font_path(kind)) as path:
                    self._fonts[key] = pygame.font.Font(str(path), size)
            except (OSError, FileNotFoundError, ModuleNotFoundError):
                self._fonts[key] = pygame.font.Font(None, int(size * 1.3))
        return self._fonts[key]

    def _has_glyph(self, kind: str, ch: str) -> bool:
        key = (kind, ch)
        found = self._glyphs.get(key)
        if found is None:
            font = self._font(14, kind)
            missing = pygame.image.tobytes(font.render("\ue000", True, (255, 255, 255)), "RGBA")
            drawn = pygame.image.tobytes(font.render(ch, True, (255, 255, 255)), "RGBA")
            found = drawn != missing
            if found and ch == MINUS:  # a hyphen's outline is no minus (see MINUS)
                widths = font.metrics(MINUS + "+")
                found = bool(widths[0] and widths[1] and widths[0][4] >= 0.8 * widths[1][4])
            self._glyphs[key] = found
        return found

    def _measured(self, text: str, kind: str) -> str:
        """``text`` as wide as it is drawn in ``kind``'s font: a minus drawn from Noto Sans SC
        is as wide as the plus (see MINUS)."""
        if MINUS in text and kind in _MINUS_FROM and not self._has_glyph(kind, MINUS):
            return text.replace(MINUS, "+")
        return text

    def kind_for(self, text: str, kind: str) -> str:
        """``kind``; Noto Sans SC ("cjk", "cjk_bold") for a string with a Chinese character;
        "mono" when ``kind``'s font lacks another character of ``text``."""
        if text.isascii() or kind.startswith("cjk"):
            return kind
        if i18n.has_cjk(text):
            return "cjk_bold" if kind == "bold" else "cjk"
        if kind == "mono":
            return kind
        if all(self._has_glyph(kind, ch) for ch in set(text) - {MINUS} if not ch.isascii()):
            return kind  # (a minus the font lacks is drawn from Noto Sans SC on the same line)
        return "mono"

    def render(self, text: str, size: int, colour, kind: str = "sans") -> pygame.Surface:
        key = (text, size, scale.factor(), tuple(colour), kind)
        surf = self._cache.get(key)
        if surf is not None:
            self._cache.move_to_end(key)
            return surf
        surf = self._render_runs(text, size, colour, self.kind_for(text, kind))
        self._cache[key] = surf
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return surf

    def missing(self, text: str, kind: str = "sans") -> str:
        """The characters of ``text`` that no font drawing it has (tofu boxes on screen)."""
        first = self.kind_for(text, kind)
        return "".join(
            ch
            for ch in dict.fromkeys(text)
            if not ch.isspace() and not any(self._has_glyph(k, ch) for k in self._chain(first))
        )

    @staticmethod
    def _chain(kind: str) -> tuple[str, ...]:
        """``kind``, then the fonts a character it lacks is looked for in."""
        return (kind, *(k for k in ("sans", "mono", "cjk") if k != kind))

    def _render_runs(self, text: str, size: int, colour, kind: str) -> pygame.Surface:
        """``text`` in ``kind``'s font; a character that font lacks (Noto Sans SC has no ₁ or
        ₀) drawn in the first font of the chain that has it, on the same baseline."""
        font = self.font(size, kind)
        if text.isascii() or all(self._has_glyph(kind, ch) for ch in set(text) if ch != " "):
            return font.render(text, True, colour)
        runs: list[tuple[str, str]] = []
        for ch in text:
            k = next((k for k in self._chain(kind) if ch == " " or self._has_glyph(k, ch)), kind)
            if ch == MINUS and kind in _MINUS_FROM and k != kind:
                k = _MINUS_FROM[kind]
            if runs and runs[-1][0] == k:
                runs[-1] = (k, runs[-1][1] + ch)
            else:
                runs.append((k, ch))
        pieces = [(self.font(size, k), part) for k, part in runs]
        ascent = max(f.get_ascent() for f, _ in pieces)
        height = max(ascent - f.get_ascent() + f.get_height() for f, _ in pieces)
        surfs = [(f.render(part, True, colour), ascent - f.get_ascent()) for f, part in pieces]
        out = pygame.Surface((sum(s.get_width() for s, _ in surfs), height), pygame.SRCALPHA)
        x = 0
        for surf, dy in surfs:
            out.blit(surf, (x, dy))
            x += surf.get_width()
        return out

    def blit(
        self,
        target: pygame.Surface,
        text: str,
        pos,
        size: int,
        colour,
        kind="sans",
        anchor="topleft",
    ):
        surf = self.render(text, size, colour, kind)
        rect = surf.get_rect(**{anchor: (int(pos[0]), int(pos[1]))})
        target.blit(surf, rect)
        return rect

    def tag(self, target: pygame.Surface, text: str, pos, size: int, colour, kind="mono"):
        """Text on a dark box, readable over trails and the colour map."""
        surf = self.render(text, size, colour, kind)
        box = surf.get_rect(topleft=(int(pos[0]), int(pos[1]))).inflate(scale.px(8), scale.px(4))
        pygame.draw.rect(target, (14, 16, 20), box, border_radius=scale.px(3))
        target.blit(surf, surf.get_rect(center=box.center))
        return box

    def wrap(self, text: str, size: int, width: int, kind: str = "sans") -> list[str]:
        """Greedy word wrap to ``width`` pixels (Chinese breaks between characters)."""
        kind = self.kind_for(text, kind)
        font = self.font(size, kind)
        lines: list[str] = []
        for paragraph in text.split("\n"):
            if i18n.has_cjk(paragraph):
                lines.extend(self._wrap_cjk(paragraph, font, width))
                continue
            line = ""
            for word in paragraph.split(" "):
                trial = f"{line} {word}" if line else word
                if font.size(self._measured(trial, kind))[0] <= width:
                    line = trial
                    continue
                if line:
                    lines.append(line)
                *whole, line = _cut(word, font, width)
                lines.extend(whole)
            lines.append(line)
        return lines

    @staticmethod
    def _wrap_cjk(paragraph: str, font: pygame.font.Font, width: int) -> list[str]:
        lines: list[str] = []
        line = ""
        for token in _tokens(paragraph):
            if token.isspace():
                line += token if line else ""
                continue
            trial = line + token
            if font.size(trial)[0] <= width:
                line = trial
                continue
            if line.strip():
                lines.append(line.rstrip())
            *whole, line = _cut(token, font, width)
            lines.extend(whole)
        lines.append(line.rstrip())
        return lines

    def ellipsize(self, text: str, size: int, width: int, kind: str = "sans") -> str:
        key = ("…", text, size, scale.factor(), width, kind)
        if key not in self._fits:
            if len(self._fits) > self._max:
                self._fits.clear()
            self._fits[key] = self._ellipsize(text, size, width, kind)
        return self._fits[key]

    def _ellipsize(self, text: str, size: int, width: int, kind: str) -> str:
        kind = self.kind_for(text, kind)
        font = self.font(size, kind)
        if font.size(self._measured(text, kind))[0] <= width:
            return text
        lo, hi = 0, len(text)
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if font.size(self._measured(text[:mid], kind) + "…")[0] <= width:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo] + "…"
