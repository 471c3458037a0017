"""The help sheet (h, F1 or the Help button): the current scene's keys, mouse actions and a legend
of every colour and arrow it draws, with swatches, over the scene, which keeps running.

Each scene describes itself with a ``HelpSheet`` (help_sheet.py; its ``help_sheet()``, in a small
``help.py`` in its package); the keys every scene shares (``app_keys``) are added here, once: the
keys that switch scenes and the scenes' names come from the table of scenes the tab strip shows.
Every sentence is a key of the string catalogue (assets/i18n): ``localised`` words a sheet in the
current language when it is shown, and the open sheet is worded again when the language changes.
"""

from __future__ import annotations

import math

import pygame

from explorer.app.ui import palette, scale
from explorer.app.ui.help_sheet import (  # noqa: F401 - the sheet's names, here too
    APP_KEYS,
    SWATCH_KINDS,
    Colour,
    HelpSheet,
    Swatch,
    app_keys,
    localised,
)
from explorer.app.ui.i18n import t
from explorer.app.ui.scene import Scene
from explorer.app.ui.text import Text

INPUT_EVENTS = {
    pygame.KEYDOWN,
    pygame.KEYUP,
    pygame.MOUSEBUTTONDOWN,
    pygame.MOUSEBUTTONUP,
    pygame.MOUSEMOTION,
    pygame.MOUSEWHEEL,
    pygame.TEXTINPUT,
    pygame.TEXTEDITING,
}
HEADER = (143, 180, 255)
SWATCH_W, SWATCH_H = 30, 14
MARGIN = 20  # between the window's edge and the panel


def current_scene(app) -> Scene | None:
    """The scene the user is looking at: the topmost opaque one (under the tabs and overlays)."""
    for scene in reversed(app.scenes):
        if scene.opaque:
            return scene
    return None


def typing(app) -> bool:
    """True while a text box has the keyboard (then ``h`` is a letter, not help)."""
    from pygame_gui.elements import UITextEntryLine

    for scene in app.scenes:
        manager = getattr(scene, "manager", None)
        if manager is None:
            continue
        if any(isinstance(e, UITextEntryLine) for e in manager.get_focus_set() or ()):
            return True
    return False


def show_help(app) -> HelpOverlay | None:
    """Open the help sheet of the scene on screen (once: a second call leaves the first)."""
    if app is None:
        return None
    for scene in app.scenes:
        if isinstance(scene, HelpOverlay):
            return scene
    scene = current_scene(app)
    overlay = HelpOverlay(_sheet_of(scene), getattr(scene, "text", None), scene_rows(app))
    overlay.source = scene
    app.push(overlay)
    return overlay


def scene_rows(app) -> tuple:
    """The table of scenes the tab strip on ``app``'s stack shows (its ``entries``; none: no
    strip). Found on the stack: the strip opens this overlay, so this module cannot import it."""
    for scene in app.scenes:
        entries = getattr(scene, "entries", None)
        if entries:
            return tuple(entries)
    return ()


def _sheet_of(scene) -> HelpSheet:
    sheet = scene.help_sheet() if scene is not None else None
    return sheet if sheet is not None else HelpSheet(t("app.title"), [])


class HelpOverlay(Scene):
    opaque = False
    updates_below = True

    def __init__(self, sheet: HelpSheet, text: Text | None = None, entries=()) -> None:
        super().__init__()
        self.sheet_data = sheet
        self.rows = tuple(entries)  # the table of scenes whose keys it lists
        self.text = text or Text()
        self.sheet: pygame.Surface | None = None  # the shade and the panel, built once per size
        self.panel = pygame.Rect(0, 0, 0, 0)  # where the panel is (tests check it fits)
        self.font_size = 14  # the size the sheet fitted at
        self.placed: list = []
        self.source: Scene | None = None  # the scene whose sheet this is (worded again on resize)

    def resize(self, size: tuple[int, int]) -> None:
        """A new size, scale or language: the sheet is worded and laid out again."""
        if self.source is not None:
            self.sheet_data = _sheet_of(self.source)
        self.sheet = None

    def prepare(self) -> None:
        size = self.app.screen.get_size() if self.app is not None else (1280, 720)
        if self.sheet is None or self.sheet.get_size() != size:
            self.sheet = self.render(size)

    def handle_event(self, event) -> bool:
        closing = (
            event.type == pygame.KEYDOWN and event.key in (pygame.K_h, pygame.K_ESCAPE, pygame.K_F1)
        ) or (event.type == pygame.MOUSEBUTTONDOWN and getattr(event, "button", 1) in (1, 3))
        if closing and self.app is not None:
            self.app.pop(self)
        return event.type in INPUT_EVENTS

    def idle(self) -> bool:
        return True  # a still sheet: what is under it decides

    def draw(self, screen: pygame.Surface) -> None:
        if self.sheet is not None:
            screen.blit(self.sheet, (0, 0))

    # -- layout -------------------------------------------------------------------------------
    def render(self, size: tuple[int, int]) -> pygame.Surface:
        w, h = size
        sheet = pygame.Surface((w, h), pygame.SRCALPHA)
        sheet.fill((10, 12, 16, 190))
        p = scale.px  # the layout's pixels grow with the UI scale, as the type does
        pw = min(w - 2 * p(MARGIN), p(1240))
        columns = 3 if pw >= p(880) else 2
        max_h = h - 2 * p(MARGIN)
        # The largest type at which everything fits; below 11 px it is clipped, never smaller.
        for size_px in (15, 14, 13, 12, 11):
            placed, used_h = self._flow(pw, max_h, columns, size_px)
            if placed is not None:
                # the shortest panel that still holds everything: columns of even length
                lo, hi = 0, max_h
                while hi - lo > 6:
                    mid = (lo + hi) // 2
                    if self._flow(pw, mid, columns, size_px)[0] is None:
                        lo = mid
                    else:
                        hi = mid
                placed, used_h = self._flow(pw, hi, columns, size_px)
                break
        else:
            placed, used_h = self._flow(pw, 10**6, columns, 11)
        self.font_size = size_px
        self.placed = placed  # what was laid out where (tests check nothing was left out)
        ph = min(used_h, max_h)
        panel = pygame.Rect((w - pw) // 2, (h - ph) // 2, pw, ph)
        self.panel = panel
        pygame.draw.rect(sheet, palette.PANEL, panel, border_radius=p(8))
        pygame.draw.rect(sheet, palette.PANEL_LINE, panel, 1, border_radius=p(8))
        text = self.text
        text.blit(
            sheet,
            self.sheet_data.title,
            (panel.x + p(20), panel.y + p(12)),
            size_px + 5,
            palette.TEXT,
            "bold",
        )
        text.blit(
            sheet,
            t("help.closes"),
            (panel.right - p(20), panel.y + p(18)),
            size_px - 1,
            palette.TEXT_DIM,
            anchor="topright",
        )
        sheet.set_clip(panel)
        for item in placed:
            self._draw_item(sheet, panel.topleft, item, size_px)
        sheet.set_clip(None)
        return sheet

    def _flow(self, pw: int, max_h: int, columns: int, size: int):
        """Sections laid out down the columns, left to right, a row never split. Returns
        (items, panel height) or (None, 0) when they do not fit in ``max_h``."""
        txt = self.text
        p = scale.px
        line = round(p(size) * 1.45)
        gap = p(22)
        col_w = (pw - p(40) - gap * (columns - 1)) // columns
        top = p(12) + round(p(size + 5) * 1.5) + p(10)
        x, y, col, bottom = p(20), top, 0, top
        items = []

        def room(height: int) -> bool:
            nonlocal x, y, col
            if y + height <= max_h - p(14):
                return True
            if col + 1 >= columns:
                return False
            col += 1
            x, y = p(20) + col * (col_w + gap), top
            return True

        for title, rows in self.sections():
            head_h = round(p(size) * 1.7)
            first_h = head_h + (line if rows else 0)
            if y > top and not room(first_h + p(6)):
                return None, 0
            if y > top:
                y += p(6)
            head = len(items)
            items.append(("head", (x, y), title, col_w))
            y += head_h
            if isinstance(rows, str):
                rows = [rows]
            for k, row in enumerate(rows):
                if isinstance(row, Swatch):
                    desc_x = p(SWATCH_W + 10)
                    lines = txt.wrap(row.label, size, col_w - desc_x)
                    kind = "swatch"
                elif isinstance(row, str):
                    desc_x = 0
                    lines = txt.wrap(row, size, col_w)
                    kind = "note"
                else:
                    key_w = self._key_width(rows, size, col_w)
                    desc_x = key_w + p(12)
                    lines = txt.wrap(row[1], size, col_w - desc_x)
                    kind = "key"
                height = line * len(lines)
                if k == 0 and y + height > max_h - p(14):
                    # a heading never ends a column: it moves along with its first row
                    if not room(10**9 if col + 1 < columns else height):
                        return None, 0
                    items[head] = ("head", (x, y), title, col_w)
                    y += head_h
                if not room(height):
                    return None, 0
                items.append((kind, (x, y), row, lines, desc_x, line))
                y += height
                bottom = max(bottom, y)
        return items, bottom + p(14)

    def sections(self) -> list:
        out = self.sheet_data.sections(self.rows)
        if self.sheet_data.notes:
            out.append((t("help.notes"), list(self.sheet_data.notes)))
        return out

    def _key_width(self, rows, size: int, col_w: int) -> int:
        text = self.text
        widest = max(
            (
                text.font(size, text.kind_for(k, "mono")).size(k)[0]
                for k, _ in rows
                if isinstance(k, str)
            ),
            default=0,
        )
        return min(widest, int(col_w * 0.42))

    def _draw_item(self, sheet, origin, item, size: int) -> None:
        txt, (ox, oy) = self.text, origin
        kind, (x, y) = item[0], item[1]
        x, y = ox + x, oy + y
        if kind == "head":
            txt.blit(sheet, item[2], (x, y), size + 1, HEADER, "bold")
            return
        row, lines, desc_x, line = item[2], item[3], item[4], item[5]
        if kind == "key":
            key = txt.ellipsize(row[0], size, desc_x - scale.px(12), "mono")
            txt.blit(sheet, key, (x, y), size, palette.WARN, "mono")
        elif kind == "swatch":
            sw, sh = scale.px(SWATCH_W), scale.px(SWATCH_H)
            draw_swatch(sheet, row, pygame.Rect(x, y + (line - sh) // 2, sw, sh))
        colour = palette.TEXT_DIM if kind == "note" else palette.TEXT
        for k, text in enumerate(lines):
            txt.blit(sheet, text, (x + desc_x, y + line * k), size, colour)


def draw_swatch(target: pygame.Surface, swatch: Swatch, rect: pygame.Rect) -> None:
    """A small picture of ``swatch`` inside ``rect``, on a patch of the map's dark background."""
    c, kind = swatch.colour, swatch.kind
    cx, cy = rect.center
    pygame.draw.rect(target, palette.BACKGROUND, rect.inflate(4, 4), border_radius=3)
    if kind == "dot":
        pygame.draw.circle(target, c, (cx, cy), 6)
        if swatch.colours:
            pygame.draw.circle(target, swatch.colours[0], (cx, cy), 6, 2)
    elif kind == "ring":
        pygame.draw.circle(target, c, (cx, cy), 6, 2)
        if swatch.colours:
            pygame.draw.circle(target, swatch.colours[0], (cx, cy), 3)
    elif kind == "line":
        pygame.draw.line(target, c, (rect.x + 2, cy), (rect.right - 3, cy), 3)
    elif kind == "dashed":
        for x0 in range(rect.x + 2, rect.right - 3, 7):
            pygame.draw.line(target, c, (x0, cy), (min(x0 + 4, rect.right - 3), cy), 2)
    elif kind in ("arrow", "dasharrow"):
        tip, base = (rect.right - 2, cy), (rect.right - 9, cy)
        pygame.draw.line(target, c, (rect.x + 2, cy), base, 3)
        pygame.draw.polygon(target, c, [tip, (base[0], cy - 5), (base[0], cy + 5)])
        if kind == "dasharrow":
            for x0 in range(rect.x + 6, base[0] - 3, 7):
                pygame.draw.line(target, palette.BACKGROUND, (x0, cy), (x0 + 3, cy), 5)
    elif kind == "pie":
        colours = swatch.colours or (c,)
        n = len(colours)
        for k, col in enumerate(colours):
            a0, a1 = -math.pi / 2 + 2 * math.pi * k / n, -math.pi / 2 + 2 * math.pi * (k + 1) / n
            pts = [(cx, cy)] + [
                (
                    cx + 7 * math.cos(a0 + (a1 - a0) * j / 6),
                    cy + 7 * math.sin(a0 + (a1 - a0) * j / 6),
                )
                for j in range(7)
            ]
            pygame.draw.polygon(target, col, pts)
    elif kind == "ellipse":
        pygame.draw.ellipse(target, c, rect.inflate(-2, -2), 1)
    elif kind == "cross":
        pygame.draw.line(target, c, (cx - 5, cy - 5), (cx + 5, cy + 5), 2)
        pygame.draw.line(target, c, (cx - 5, cy + 5), (cx + 5, cy - 5), 2)
    elif kind == "box":
        pygame.draw.rect(target, c, rect.inflate(-8, -2))
    elif kind == "ramp":
        colours = swatch.colours or (palette.BACKGROUND, c)
        n = len(colours)
        for i in range(rect.w):
            f = i / max(1, rect.w - 1) * (n - 1)
            k = min(int(f), n - 2) if n > 1 else 0
            a, b = colours[k], colours[min(k + 1, n - 1)]
            u = f - k
            col = tuple(int(a[j] + (b[j] - a[j]) * u) for j in range(3))
            pygame.draw.line(target, col, (rect.x + i, rect.y + 1), (rect.x + i, rect.bottom - 2))
    elif kind == "fade":
        start = swatch.colours[0] if swatch.colours else palette.dim(c, 0.7)
        steps = 5
        seg = (rect.w - 4) / steps
        for k in range(steps):
            u = k / (steps - 1)
            col = tuple(int(start[j] + (c[j] - start[j]) * u) for j in range(3))
            x0 = rect.x + 2 + seg * k
            pygame.draw.line(target, col, (x0, cy), (x0 + seg, cy), 2 if k < steps - 1 else 3)
