"""The Scoreboard scene: the latest benchmark's performance profiles on the left, the per-task
table and the tuned settings on the right; before any benchmark, the sentence that says how to
run one. It reads the file ``dl-explorer benchmark`` leaves and starts nothing itself."""

from __future__ import annotations

from dataclasses import dataclass

import pygame

from explorer.app.scenes.scoreboard.board_view import (
    draw_profiles,
    draw_sentence,
    draw_table,
    draw_tuned,
)
from explorer.app.scenes.scoreboard.controls import ScoreboardControls
from explorer.app.scenes.scoreboard.help import help_sheet
from explorer.app.scenes.scoreboard.model import ScoreboardModel, ScoreboardSetup
from explorer.app.ui import palette
from explorer.app.ui.frame import MIN_SIZE, tab_h, toolbar_h
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import lw, px
from explorer.app.ui.scene import ModelScene
from explorer.app.ui.widget_events import widget_event

PAD, TITLE_H = 8, 26  # at UI scale 1
TITLES = {
    "profiles": "scoreboard.title_profiles",
    "table": "scoreboard.title_table",
    "tuned": "scoreboard.title_tuned",
}


@dataclass(frozen=True)
class ScoreboardLayout:
    size: tuple[int, int]
    toolbar: pygame.Rect
    panels: dict[str, pygame.Rect]  # "profiles", "table", "tuned": framed and titled
    areas: dict[str, pygame.Rect]  # what the pictures fill inside them


def compute_layout(size: tuple[int, int]) -> ScoreboardLayout:
    w, h = max(size[0], MIN_SIZE[0]), max(size[1], MIN_SIZE[1])
    pad, title_h = px(PAD), px(TITLE_H)
    toolbar = pygame.Rect(0, tab_h(), w, toolbar_h())
    top = toolbar.bottom + pad
    left_w = int((w - 3 * pad) * 0.4)
    full_h = h - top - pad
    profiles = pygame.Rect(pad, top, left_w, full_h)
    right_x = profiles.right + pad
    right_w = w - right_x - pad
    table_h = int((full_h - pad) * 0.6)
    table = pygame.Rect(right_x, top, right_w, table_h)
    tuned = pygame.Rect(right_x, table.bottom + pad, right_w, full_h - table_h - pad)

    def body(r: pygame.Rect) -> pygame.Rect:
        return pygame.Rect(
            r.x + px(10), r.y + title_h + px(4), r.w - px(20), r.h - title_h - px(12)
        )

    panels = {"profiles": profiles, "table": table, "tuned": tuned}
    return ScoreboardLayout((w, h), toolbar, panels, {k: body(r) for k, r in panels.items()})


class ScoreboardScene(ModelScene):
    def __init__(self, model: ScoreboardModel, size: tuple[int, int] = (1280, 720)) -> None:
        self.layout = compute_layout(size)
        super().__init__(model, self.layout.size)
        self.model: ScoreboardModel = model
        self.message = ""  # why the last race could not start ("": it did, or none asked)
        self._seen = -1  # the board version last prepared for drawing
        self._news = True  # that version is new since the frame before: draw it
        self.controls = ScoreboardControls(self)
        self.prepare()

    # -- what the controls call ---------------------------------------------------------------
    def choose_task(self, name: str) -> None:
        """A task of the menu, or its first line (all tasks)."""
        self.message = ""  # a refusal was about the task shown before
        self.model.apply(ScoreboardSetup(name if name in self.model.board.tasks else ""))

    def reload(self) -> None:
        self.message = ""
        self.model.reload()
        self.controls.build()

    def race(self) -> None:
        """Race the chosen task's optimizers at their tuned settings on the Landscape (the
        tabs apply the settings as a setup file's; a refusal is said in the toolbar)."""
        from explorer.app.ui.handoff import SetupHandoff

        values = self.model.race_values()
        if values is None or self.app is None:
            self.message = t("scoreboard.race_needs_task")
            return
        self.message = self.app.open_scene("landscape", SetupHandoff(values, t("tabs.scoreboard")))

    def train(self) -> None:
        """Train the chosen net task in the Network lab: its net, its two best optimizers at
        their tuned settings side by side (the tab strip says which is which, and who is left
        out); a task the lab cannot build is said in the toolbar."""
        from explorer.app.ui.handoff import SetupHandoff

        plan = self.model.lab_plan()
        if plan.refusal or self.app is None:
            self.message = plan.refusal or t("scoreboard.lab_needs_task")
            return
        handoff = SetupHandoff(plan.values, t("tabs.scoreboard"), plan.note())
        self.message = self.app.open_scene("network", handoff)

    def rows(self) -> list[dict]:
        """The chosen task's rows, or every task's, task by task in the suite's order."""
        board, task = self.model.board, self.model.task
        order = {name: i for i, name in enumerate(board.tasks)}
        shown = [r for r in board.rows if not task or r["task"] == task]
        return sorted(shown, key=lambda r: order.get(r["task"], len(order)))

    def status_text(self) -> str:
        b = self.model.board
        if self.message:
            return self.message
        if b.running is not None:
            return t("scoreboard.running", done=b.running[0], of=b.running[1], suite=b.suite)
        if b.empty:
            return ""
        return t(
            "scoreboard.status",
            suite=b.suite,
            optimizers=len(b.optimizers),
            tasks=len(b.tasks),
            budget=b.budget,
            seeds=b.seeds,
        )

    def help_sheet(self):
        return help_sheet(self)

    def idle(self) -> bool:
        return not self._news  # still until a new benchmark (or more of a running one) is read

    def highlight_rects(self) -> dict[str, pygame.Rect]:
        return dict(self.layout.panels)

    # -- events and time ----------------------------------------------------------------------
    def handle_event(self, event: pygame.event.Event) -> bool:
        if widget_event(self.manager, self.controls.handle, event):
            return True
        if event.type == pygame.KEYDOWN and event.key == pygame.K_r:
            self.reload()
            return True
        return False

    def update(self, dt: float) -> None:
        version = self.model.version
        self.model.update(dt)  # a new or a running benchmark's file is read as it changes
        if self.model.version != version:
            self.message = ""  # the toolbar says what the new benchmark is
        self.manager.update(dt)

    def resize(self, size: tuple[int, int]) -> None:
        self.layout = compute_layout(size)
        self.renew_manager(self.layout.size)
        self.controls.build()

    def prepare(self) -> None:
        self.controls.sync()
        self._news = self._seen != self.model.version
        self._seen = self.model.version

    # -- drawing ------------------------------------------------------------------------------
    def draw(self, screen: pygame.Surface) -> None:
        L, board = self.layout, self.model.board
        self.draw_toolbar(screen, L.toolbar)
        for name, rect in L.panels.items():
            screen.fill(palette.PANEL, rect)
            pygame.draw.rect(screen, palette.PANEL_LINE, rect, lw())
            words = t(TITLES[name])
            if board.running is not None:  # partial results, shown as such
                words = t("scoreboard.so_far", title=words)
            title = self.text.ellipsize(words, 15, rect.w - px(20), "bold")
            self.text.blit(
                screen, title, (rect.x + px(10), rect.y + px(5)), 15, palette.TEXT, "bold"
            )
        if board.problem or board.empty:
            words = board.problem or t("scoreboard.none_yet")
            colour = palette.ERROR if board.problem else palette.TEXT
            draw_sentence(screen, L.areas["table"], words, self.text, colour)
        else:
            rows = self.rows()
            if board.tau:
                draw_profiles(screen, L.areas["profiles"], board, self.text)
            else:  # a running benchmark before every optimizer has finished one task
                words = t("scoreboard.profiles_later")
                draw_sentence(screen, L.areas["profiles"], words, self.text, palette.TEXT_DIM)
            draw_table(screen, L.areas["table"], rows, board, self.text)
            draw_tuned(screen, L.areas["tuned"], rows, board, self.text)
        self.draw_widgets(screen, self.controls.captions)
