"""The Scoreboard's toolbar (pygame_gui only): which task the table and the tuned settings show
(all of them, or one), a button that reads the latest benchmark again, one that races the
chosen surface task's optimizers at their tuned settings on the Landscape, one that trains a net
task's in the Network lab, and what the benchmark was (or how far a running one has come)."""

from __future__ import annotations

from collections.abc import Callable

import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu

from explorer.app.ui.i18n import t
from explorer.app.ui.row import Row
from explorer.app.ui.scale import px
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action


class ScoreboardControls:
    def __init__(self, scene) -> None:
        self.scene = scene
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.captions: list[TextSlot] = []
        self.task_menu: UIDropDownMenu | None = None
        self.task_of: dict[str, str] = {}  # a task's words in the menu → its name
        self._shown = ""  # the task the menu was built to show
        self._version = -1
        self.status = TextSlot((0, 0, 0, 0), "")
        self.build()

    def build(self) -> None:
        """The toolbar, placed for the scene's layout at the current UI scale."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        s = self.scene
        bar = s.layout.toolbar
        row = Row(bar.x + px(10), bar.right - px(10), bar.y + px(6), 32)
        self._caption(row.take(56, 22), t("scoreboard.label_task"))
        board = s.model.board
        # the menu shows each task in the UI's language; a choice is read back by its words
        self.task_of = {board.label(name): name for name in board.tasks}
        options = [t("scoreboard.all_tasks"), *self.task_of]
        chosen = board.label(s.model.task) if s.model.task else options[0]
        self.task_menu = UIDropDownMenu(options, chosen, row.take(190), self.manager)
        self._shown = s.model.task
        self._version = s.model.version  # the board the menu and the buttons were built for
        self.actions[self.task_menu] = lambda e: s.choose_task(self.task_of.get(e.text, ""))
        row.skip(12)
        reload = UIButton(
            row.take(120),
            t("scoreboard.reload"),
            self.manager,
            tool_tip_text=t("scoreboard.reload_tip"),
        )
        self.actions[reload] = lambda e: s.reload()
        race = UIButton(
            row.take(170),
            t("scoreboard.race"),
            self.manager,
            tool_tip_text=t("scoreboard.race_tip"),
        )
        if s.model.race_values() is None:
            race.disable()  # all tasks, or a task of a net: nothing to race on the Landscape
        self.actions[race] = lambda e: s.race()
        train = UIButton(
            row.take(150),
            t("scoreboard.train"),
            self.manager,
            tool_tip_text=t("scoreboard.train_tip"),
        )
        if s.model.task not in s.model.board.nets:
            train.disable()  # all tasks, or a surface's: nothing to train in the lab
        self.actions[train] = lambda e: s.train()
        row.skip(10)
        self.status = self._caption(row.take(0, 22, stretch=True), "", "value")

    def _caption(self, rect, text: str, style: str = "label") -> TextSlot:
        slot = TextSlot(rect, text, style)
        self.captions.append(slot)
        return slot

    def handle(self, event) -> bool:
        return run_action(self.actions, event)

    def sync(self) -> None:
        """A setup opened or a lesson choose the task too, and a new benchmark brings other
        tasks: the menu follows (rebuilt, unless it is open)."""
        menu, model = self.task_menu, self.scene.model
        moved = menu is not None and (model.task != self._shown or model.version != self._version)
        if moved and menu.current_state is not menu.menu_states.get("expanded"):
            self.build()
        self.status.set_text(self.scene.status_text())
