"""Presenter mode: a lesson told on the live app, driven from the keyboard (a clicker works).

An overlay above the scene tabs. The scene's toolbar becomes the lesson's title bar (title, step
"3 / 9", the keys) and its control panel becomes the caption in large type (28 px at 1280×720,
growing with the UI scale), with live numbers; the parts a step points at are outlined with a
pulse. Tab shows the control panels again (the caption then sits at the bottom of the picture).

Keys: → / Space / PgDn next step, ← / PgUp back, R replay the step (the same numbers), P pause,
L English ↔ 中文, Tab panels, Esc leaves the lesson and keeps the scene as it is. An ``expect``
that fails while the lesson plays is a quiet note for the teacher, never an error on screen.
"""

from __future__ import annotations

import math
from importlib import resources

import pygame

from explorer.app.ui import i18n, palette, scale
from explorer.app.ui.scene import Scene
from explorer.app.ui.scene_keys import key_code, key_range
from explorer.app.ui.text import wrap_with as wrap
from explorer.lessons import LANGUAGES, Lesson
from explorer.lessons.ahead import LessonAhead
from explorer.lessons.player import Driver, LessonPlayer
from explorer.lessons.prepared import PreparedStore
from explorer.lessons.replay import Replays
from explorer.lessons.scenes import by_name

CAPTION_PT = 28  # caption body at UI scale 1 (1280×720)
TITLE_PT = 20
NOTE_PT = 14
LIFTED_MIN_PT = 120  # a panel part shown under the caption is at least this tall (scale 1)
NUMBERS_REFRESH_S = 0.1  # live numbers in the caption: at most 10 times a second
CATCH_UP_STEPS = 400  # units (Landscape race steps) a frame may spend catching up earlier steps
HIGHLIGHT = (255, 214, 90)
NOTICE_S = 4.0  # seconds a passing note stays
NEXT_KEYS = (pygame.K_RIGHT, pygame.K_SPACE, pygame.K_PAGEDOWN)
BACK_KEYS = (pygame.K_LEFT, pygame.K_PAGEUP)
MOUSE_EVENTS = (pygame.MOUSEBUTTONDOWN, pygame.MOUSEBUTTONUP, pygame.MOUSEMOTION, pygame.MOUSEWHEEL)
# Noto Sans SC (shipped with pygame_gui) has Latin, Greek, the maths signs the captions use
# (→ √ ≤ − ²) and Chinese: one font for both languages, so a caption never shows a missing glyph.
_FONT_FILES = {"regular": "NotoSansSC-Regular.otf", "bold": "NotoSansSC-Bold.otf"}


class CaptionFonts:
    """The presenter's fonts by size in pixels (cached)."""

    def __init__(self) -> None:
        self._fonts: dict[tuple[str, int], pygame.font.Font] = {}

    def get(self, size_px: int, weight: str = "regular") -> pygame.font.Font:
        key = (weight, size_px)
        if key not in self._fonts:
            try:
                path = resources.files("pygame_gui.data").joinpath(_FONT_FILES[weight])
                with resources.as_file(path) as real:
                    self._fonts[key] = pygame.font.Font(str(real), size_px)
            except (OSError, FileNotFoundError, ModuleNotFoundError):
                self._fonts[key] = pygame.font.Font(None, int(size_px * 1.3))
        return self._fonts[key]


_TOFU: dict[str, bytes] = {}  # the caption font's "no such glyph" box, rendered once


def missing_glyphs(text: str) -> str:
    """The characters of ``text`` the caption font cannot draw (each would show as a box): the
    font's rendering of a character compared with its rendering of a private-use one."""
    if not pygame.font.get_init():
        pygame.font.init()
    font = CaptionFonts().get(14)
    white = (255, 255, 255)
    if "box" not in _TOFU:
        _TOFU["box"] = pygame.image.tobytes(font.render("\ue000", True, white), "RGBA")
    return "".join(
        ch
        for ch in dict.fromkeys(text)
        if not ch.isspace()
        and not ch.isascii()
        and pygame.image.tobytes(font.render(ch, True, white), "RGBA") == _TOFU["box"]
    )


def _app_driver(tabs, scene_name: str) -> Driver:
    """The lesson's driver on the app's own scene (built by the tabs on first use): the class its
    row in the tabs' table names (none: the scene is shown as it is, not advanced)."""
    scene = tabs.build(scene_name)
    row = by_name(tabs.entries).get(scene_name)
    cls = row.driver_class() if row is not None else None
    return (cls or Driver)(scene.model)


def start_lesson(
    tabs,
    lesson: Lesson,
    registry,
    lang: str = "en",
    step: int = 0,
    store: PreparedStore | None = None,
    ahead: bool = False,
) -> Presenter:
    """Push a presenter for ``lesson`` above ``tabs`` (its App must be running) at ``step``.
    ``store``: prepared runs are replayed from it; ``ahead``: the runs after ``step`` are
    prepared into it in the background while the lesson is shown."""
    presenter = Presenter(tabs, lesson, registry, lang, store=store)
    if hasattr(tabs.app, "set_language"):
        tabs.app.set_language(presenter.lang)  # the UI speaks the lesson's language
    tabs.app.push(presenter)
    presenter.go(step)
    if ahead and store is not None:
        presenter.ahead = LessonAhead(lesson, tabs.entries, registry, store)
        presenter.ahead.start(step + 1)
    return presenter


class Presenter(Scene):
    opaque = False
    updates_below = True

    def __init__(
        self, tabs, lesson: Lesson, registry, lang: str = "en", store: PreparedStore | None = None
    ) -> None:
        super().__init__()
        rows = by_name(tabs.entries)  # the table of scenes the tabs show

        self.tabs = tabs
        self.lesson = lesson
        self.lang = lang if lang in LANGUAGES else "en"
        self.paused = False
        self.panels = False  # the scene's control panels shown (Tab)
        self.fonts = CaptionFonts()
        self._wrapped: dict[tuple, list[str]] = {}  # (text, width, px) → lines
        self._lines: dict[tuple, pygame.Surface] = {}  # (line, px, colour) → rendered
        self._parts: dict[str, tuple[tuple, pygame.Surface]] = {}  # a lifted part, drawn anew
        self.clock = 0.0
        self._owed = 0.0
        self._values: dict = {}
        self._values_at = -1.0
        self._stale_widgets = False
        self.notes: list[str] = []  # failed expects, for the teacher
        self.error = ""  # a step that could not be shown (one sentence)
        self.notice: tuple[str, float] | None = None  # a passing note and when it goes
        self.player = LessonPlayer(
            lesson,
            lambda name: _app_driver(tabs, name),
            lambda name: rows[name].setup_class() if name in rows else None,
            registry,
            on_scene=self._show_scene,
            replays=Replays(store) if store is not None else None,
            build_pieces=tabs.pieces,  # the next scene built a piece a frame, not in one frame
        )
        self.ahead: LessonAhead | None = None  # the lesson prepared in the background

    # -- the lesson ---------------------------------------------------------------------------
    @property
    def index(self) -> int:
        return self.player.current

    def go(self, k: int) -> None:
        self.notes = []
        try:
            self.player.go(k)
            self.error = ""
        except Exception as exc:  # noqa: BLE001 - a setup the scene refuses: said, not raised
            self.error = f"step {k + 1} could not be shown: {exc}"
        self._values_at = -1.0
        self._owed = 0.0

    def next(self) -> None:
        if self.index < len(self.lesson.steps) - 1:
            self.go(self.index + 1)

    def back(self) -> None:
        if self.index > 0:
            self.go(self.index - 1)

    def replay(self) -> None:
        try:
            self.player.replay()
            self.error = ""
        except Exception as exc:  # noqa: BLE001
            self.error = f"step {self.index + 1} could not be replayed: {exc}"
        self._values_at = -1.0

    def _show_scene(self, name: str, driver: Driver) -> None:
        """Show the step's scene under the tabs (the presenter stays on top) at the tabs' size."""
        app = self.app
        if self.tabs.current != name:
            on_stack = app is not None and self in app.scenes
            if on_stack:
                app.scenes.remove(self)
            self.tabs.show(name)
            if on_stack:
                app.scenes.append(self)
        self._stale_widgets = True  # rebuilt from the new setup when the panels are shown
        self._hide_controls(not self.panels)

    def _refresh_widgets(self) -> None:
        """The hidden panels' widgets, rebuilt from the scene's setup (done when they are shown,
        not on every step: a rebuild costs more than the 100 ms a step may take)."""
        scene = self.tabs.scene()
        if self._stale_widgets and scene is not None:
            scene.resize(self.tabs.size)
        self._stale_widgets = False
        self._hide_controls(False)

    def _hide_controls(self, hidden: bool) -> None:
        """A scene that can skip keeping its hidden widgets in sync is told so."""
        for scene in self.tabs.built.values():
            if hasattr(scene, "controls_hidden"):
                scene.controls_hidden = hidden

    def scene(self):
        return self.tabs.scene()

    def step_values(self) -> dict:
        """The live numbers of the step's scene (refreshed at most 10 times a second)."""
        if self.index < 0:
            return {}
        if self.clock - self._values_at >= NUMBERS_REFRESH_S or self._values_at < 0:
            step = self.lesson.steps[self.index]
            try:
                self._values = self.player.driver(step.scene).values()
            except Exception:  # noqa: BLE001 - no numbers: the caption shows "…"
                self._values = {}
            self._values_at = self.clock
        return self._values

    def fresh_numbers(self) -> None:
        """The caption's numbers are read again at the next draw (a recording: every frame
        its own, so a caption never lags the picture under it)."""
        self._values_at = -1.0

    def caption(self) -> str:
        if self.index < 0:
            return ""
        return self.player.caption(self.lang, self.step_values())

    # -- events and time ------------------------------------------------------------------------
    def handle_event(self, event) -> bool:
        if event.type == pygame.KEYDOWN and not event.mod & (pygame.KMOD_CTRL | pygame.KMOD_ALT):
            key = event.key
            if key in NEXT_KEYS:
                self.next()
            elif key in BACK_KEYS:
                self.back()
            elif key == pygame.K_r:
                self.replay()
            elif key == pygame.K_p:
                self.paused = not self.paused
            elif key == pygame.K_l:
                self.lang = LANGUAGES[(LANGUAGES.index(self.lang) + 1) % len(LANGUAGES)]
                if self.app is not None and hasattr(self.app, "set_language"):
                    self.app.set_language(self.lang)  # the whole UI follows the captions
            elif key == pygame.K_TAB:
                self.panels = not self.panels
                if self.panels:
                    self._refresh_widgets()
                else:
                    self._hide_controls(True)
            elif key == pygame.K_ESCAPE:
                self.leave()
            elif key in {key_code(e.key) for e in self.tabs.entries}:
                # switching scenes would silently end the lesson: the lesson shows its own
                keys = key_range(self.tabs.entries)
                self.notice = (i18n.t("tabs.lesson_scene_keys", keys=keys), self.clock + NOTICE_S)
            else:
                return False
            return True
        if event.type in MOUSE_EVENTS and not self.panels:
            pos = getattr(event, "pos", None) or pygame.mouse.get_pos()
            return any(r.collidepoint(pos) for r in self._covered())
        return False

    def leave(self) -> None:
        """Esc: the lesson ends; the scene stays exactly as it is, for exploring from there."""
        self._refresh_widgets()
        if self.app is not None:
            self.app.pop(self)

    def update(self, dt: float) -> None:
        self.clock += dt
        if self.paused or self.player.done:
            return  # (the next run is made ready meanwhile: ``prepare``)
        budget = catch_up = None
        step = self.lesson.steps[self.index]
        driver = self.player.driver(step.scene)
        speed = driver.speed()
        if speed is not None:  # a scene the lesson paces (the Landscape's race)
            catch_up = CATCH_UP_STEPS  # earlier steps as fast as the frame allows
            if not self.player.catching_up:  # this step at the scene's own speed
                self._owed += speed * dt
                budget = int(self._owed)
                self._owed -= budget
            else:
                budget = 0
        try:
            done = self.player.poll(budget, catch_up)
        except Exception as exc:  # noqa: BLE001 - a lesson never takes the app down
            self.error = f"step {self.index + 1} stopped: {exc}"
            self.player.queue.clear()
            return
        if done:
            self._values_at = -1.0
            failures = self.player.failures.get(self.index, [])
            self.notes = [
                f"expect {f.condition} "
                + ("did not hold here" if f.checked else "could not be checked here")
                for f in failures
            ]

    def prepare(self) -> None:
        self.player.get_ready()  # the next run, a piece a frame (not an update), while one talks

    def at_end(self) -> bool:
        """The last step is shown and done: the title bar says the lesson is over."""
        return self.index == len(self.lesson.steps) - 1 and self.player.done

    def idle(self) -> bool:
        return False  # the highlight pulses

    # -- drawing ----------------------------------------------------------------------------------
    def _covered(self) -> list[pygame.Rect]:
        """The scene's toolbar and control panel (hidden while presenting)."""
        layout = getattr(self.scene(), "layout", None)
        rects = []
        for name in ("toolbar", "side"):
            rect = getattr(layout, name, None)
            if rect is not None:
                rects.append(pygame.Rect(rect))
        return rects

    def _highlights(self) -> list[tuple[str, pygame.Rect]]:
        if self.index < 0:
            return []
        scene = self.scene()
        rects = scene.highlight_rects() if hasattr(scene, "highlight_rects") else {}
        out = []
        for name in self.lesson.steps[self.index].highlight:
            found = rects.get(name)
            if found is None:
                continue
            for rect in found if isinstance(found, list) else [found]:  # a rect, or one per net
                out.append((name, pygame.Rect(rect)))
        return out

    def draw(self, screen: pygame.Surface) -> None:
        if self.index < 0:
            return
        highlights = self._highlights()
        covered = [] if self.panels else self._covered()
        side = covered[1] if len(covered) > 1 else None
        # parts of the hidden panel the step points at are lifted out and shown under the caption
        lifted = []
        if side is not None:
            room = side.w - 2 * scale.px(14)
            for name, rect in highlights:
                if side.contains(rect) and rect.w > 0 and rect.h > 0:
                    picture = screen.subsurface(rect.clip(screen.get_rect())).copy()
                    lifted.append((name, lifted_part(self, name, picture, room)))
        if covered:
            self._draw_title_bar(screen, covered[0])
        if side is not None:
            bottom = self._draw_caption(screen, side.inflate(-scale.px(28), -scale.px(24)))
            y = bottom + scale.px(14)
            moved = {}
            for name, picture in lifted:
                at = picture.get_rect(topleft=(side.x + scale.px(14), y))
                if at.bottom > side.bottom - scale.px(6):
                    at.bottom = side.bottom - scale.px(6)
                screen.blit(picture, at)
                moved[name] = at
                y = at.bottom + scale.px(10)
            highlights = [(n, moved.get(n, r)) for n, r in highlights]
        else:
            self._draw_caption_band(screen, [rect for _, rect in highlights])
        self._draw_outlines(screen, highlights)

    def _draw_title_bar(self, screen: pygame.Surface, bar: pygame.Rect) -> None:
        px = scale.px
        screen.fill(palette.PANEL, bar)
        pygame.draw.line(screen, palette.PANEL_LINE, bar.bottomleft, bar.bottomright, scale.lw())
        font = self.fonts.get(px(TITLE_PT), "bold")
        counter = f"{self.index + 1} / {len(self.lesson.steps)}"
        c = font.render(counter, True, HIGHLIGHT)
        screen.blit(c, c.get_rect(midleft=(bar.x + px(14), bar.centery)))
        keys = "→ next   ← back   R replay   P pause   L 中文/English   Tab panels   Esc leave"
        if self.lang == "zh":
            keys = "→ 下一步   ← 上一步   R 重放   P 暂停   L English/中文   Tab 面板   Esc 退出"
        state = []
        if self.at_end():
            state.append(i18n.t("tabs.lesson_end"))
        if self.paused:
            state.append("paused" if self.lang == "en" else "已暂停")
        elif self.player.catching_up:
            state.append("catching up…" if self.lang == "en" else "追赶中…")
        small = self.fonts.get(px(NOTE_PT))
        k = small.render("   ".join([*state, keys]), True, palette.TEXT_DIM)
        kr = k.get_rect(midright=(bar.right - px(14), bar.centery))
        title_room = kr.x - (bar.x + px(30) + c.get_width()) - px(20)
        title = self._fit(font, self.lesson.title[self.lang], title_room)
        t = font.render(title, True, palette.TEXT)
        screen.blit(t, t.get_rect(midleft=(bar.x + px(30) + c.get_width(), bar.centery)))
        if kr.x > bar.x + px(30) + c.get_width() + t.get_width():
            screen.blit(k, kr)

    @staticmethod
    def _fit(font, text: str, width: int) -> str:
        if font.size(text)[0] <= width:
            return text
        while text and font.size(text + "…")[0] > width:
            text = text[:-1]
        return text + "…"

    def _caption_lines(self, width: int, size_pt: int):
        size = scale.px(size_pt)
        font = self.fonts.get(size)
        text = self.caption()
        key = (text, width, size)
        lines = self._wrapped.get(key)
        if lines is None:
            if len(self._wrapped) > 200:
                self._wrapped.clear()
            lines = self._wrapped[key] = wrap(font, text, width)
        return font, lines

    def _line(self, font, text: str, colour) -> pygame.Surface:
        """A rendered caption line (cached: text rendering is the costliest part of a frame)."""
        key = (text, font.get_height(), tuple(colour))
        surf = self._lines.get(key)
        if surf is None:
            if len(self._lines) > 400:
                self._lines.clear()
            surf = self._lines[key] = font.render(text, True, colour)
        return surf

    def _draw_caption(self, screen: pygame.Surface, box: pygame.Rect) -> int:
        """The caption in the (hidden) control panel's place; returns the y under it."""
        px = scale.px
        screen.fill(palette.PANEL, box.inflate(px(28), px(24)))
        font, lines = self._caption_lines(box.w, CAPTION_PT)
        line_h = round(font.get_linesize() * 1.08)
        y = box.y
        for line in lines:
            if y + line_h > box.bottom:
                break
            screen.blit(self._line(font, line, palette.TEXT), (box.x, y))
            y += line_h
        y = self._draw_notes(screen, box.x, y + px(8), box.w)
        return y

    def _draw_notes(self, screen: pygame.Surface, x: int, y: int, width: int) -> int:
        """The quiet notes: a step that could not be shown, expects that did not hold."""
        small = self.fonts.get(scale.px(NOTE_PT))
        notes = ([self.error] if self.error else []) + self.notes
        if self.notice is not None and self.clock < self.notice[1]:
            notes.append(self.notice[0])
        for note in notes:
            for line in wrap(small, note, width):
                screen.blit(small.render(line, True, palette.WARN), (x, y))
                y += small.get_linesize()
        return y

    def _draw_caption_band(self, screen: pygame.Surface, outlined: list[pygame.Rect]) -> None:
        """Panels shown (or a scene without a control panel): the caption on a dark band over
        the bottom of the picture, or over its top where the bottom holds a part the step
        outlines (the Dropout lesson's verdict in panel 3)."""
        px = scale.px
        layout = getattr(self.scene(), "layout", None)
        side = getattr(layout, "side", None)
        toolbar = getattr(layout, "toolbar", None)
        w, h = screen.get_size()
        right = side.x if side is not None else w
        font, lines = self._caption_lines(right - px(40), CAPTION_PT)
        line_h = round(font.get_linesize() * 1.08)
        lines = lines[: max(1, (h // 3) // line_h)]
        band = pygame.Rect(0, h - len(lines) * line_h - px(24), right, len(lines) * line_h + px(24))
        top = pygame.Rect(band.x, toolbar.bottom if toolbar is not None else 0, band.w, band.h)

        def hidden(r: pygame.Rect) -> int:
            return sum(r.clip(o).w * r.clip(o).h for o in outlined)

        if hidden(band) and hidden(top) < hidden(band):
            band = top
        shade = pygame.Surface(band.size, pygame.SRCALPHA)
        shade.fill((12, 14, 18, 215))
        screen.blit(shade, band)
        y = band.y + px(12)
        for line in lines:
            screen.blit(self._line(font, line, palette.TEXT), (band.x + px(20), y))
            y += line_h
        counter = self.fonts.get(px(NOTE_PT)).render(
            f"{self.index + 1} / {len(self.lesson.steps)}", True, HIGHLIGHT
        )
        screen.blit(counter, counter.get_rect(topright=(band.right - px(8), band.y + px(4))))

    def _draw_outlines(self, screen: pygame.Surface, highlights) -> None:
        pulse = 0.5 + 0.5 * math.sin(self.clock * 2 * math.pi / 1.2)
        width = scale.lw(2 + 2 * pulse)
        colour = tuple(int(c * (0.65 + 0.35 * pulse)) for c in HIGHLIGHT)
        for name, rect in highlights:
            grow = scale.px(3 + 3 * pulse) if name.startswith("ball:") else scale.px(2)
            r = rect.inflate(2 * grow, 2 * grow)
            if name.startswith("ball:"):
                pygame.draw.circle(screen, colour, r.center, r.w // 2, width)
            else:
                pygame.draw.rect(screen, colour, r, width, border_radius=scale.px(6))

    def close(self) -> None:
        # the scenes belong to the tabs: they stay as they are; the preparation ends
        if self.ahead is not None:
            self.ahead.close()
            self.ahead = None


def lifted_part(
    presenter: Presenter, name: str, picture: pygame.Surface, room: int
) -> pygame.Surface:
    """A part of the hidden panel the step points at, as the class sees it under the caption:
    at least ``LIFTED_MIN_PT`` tall (a schedule strip drawn 30 px tall in its panel cannot be
    read from the back of a room). The scene draws it anew at that size where it can
    (``part_picture(name, size)``: crisp text and lines); otherwise the panel's pixels are
    enlarged to the width there is, keeping their proportions."""
    w, h = picture.get_size()
    tall = scale.px(LIFTED_MIN_PT)
    if h >= tall:
        return picture
    draw = getattr(presenter.scene(), "part_picture", None)
    if draw is not None:
        key = (name, room, tall, presenter.clock // NUMBERS_REFRESH_S)
        cached = presenter._parts.get(name)
        if cached is not None and cached[0] == key:
            return cached[1]
        drawn = draw(name, (room, tall))
        if drawn is not None:
            presenter._parts[name] = (key, drawn)
            return drawn
    grow = min(room / w, tall / h) if w and h else 1.0
    if grow <= 1.0:
        return picture
    return pygame.transform.smoothscale(picture, (round(w * grow), round(h * grow)))
