"""The Landscape scene's widgets (pygame_gui only): built from the model, routed back to it.

Each widget is registered with the function its event calls. The panel is built section by
section (``toolbar_section``, ``tune_section``, ``schedule_section``, ``view_section``), each
writing into the books kept here (``sections``, ``actions``, ``slider_of``, ``shown``).
Sections are rebuilt on their own when what they show changes shape (another ball to tune,
another schedule, another noise mode); values are synced every frame so keys and clicks on the
map show up in the widgets too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import UIDropDownMenu, UITextEntryLine

from explorer.app.scenes.landscape.model import LandscapeModel
from explorer.app.scenes.landscape.schedule_section import NoiseSection, ScheduleSection
from explorer.app.scenes.landscape.toolbar_section import ToolbarSection
from explorer.app.scenes.landscape.tune_section import OptimizerSection, TuneSection
from explorer.app.scenes.landscape.view_section import ArrowsSection, InspectorSection
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px
from explorer.app.ui.slider import ValueSlider
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action
from explorer.specs import Hyper

ROW = 26  # a row of the side panel, at UI scale 1
OPT_ROW = 20  # an optimizer checkbox row: lower than a slider row


class LandscapeControls:
    """Every widget of the scene, the books that route their events to the model, the panel's
    layout (where each section starts, at the roomiest pitch that fits) and ``sync``."""

    def __init__(self, scene) -> None:
        self.scene = scene
        self.model: LandscapeModel = scene.model
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.sections: dict[str, list] = {}
        self.slider_of: dict[tuple, ValueSlider] = {}  # (section, key) → its slider
        self.opt_boxes: dict[str, pygame_gui.elements.UICheckBox] = {}
        self.swatches: list[tuple[tuple[int, int], tuple[int, int, int]]] = []
        self.schedule_rect = pygame.Rect(0, 0, 0, 0)
        self.inspector_rect = pygame.Rect(0, 0, 0, 0)
        self.state_label_pos = (0, 0)
        self.state_label_w = 0
        self.tune_doc: tuple[pygame.Rect, str, str] = (pygame.Rect(0, 0, 0, 0), "", "")
        self.shown: dict = {}  # what each widget last showed of the model
        self.label_entry: UITextEntryLine | None = None
        self.toolbar = ToolbarSection(self)
        self.optimizers = OptimizerSection(self)
        self.tune = TuneSection(self)
        self.schedule = ScheduleSection(self)
        self.noise = NoiseSection(self)
        self.arrows = ArrowsSection(self)
        self.inspector = InspectorSection(self)
        self.build()

    # -- building -------------------------------------------------------------------------------
    def build(self) -> None:
        """Every widget, placed for the scene's layout at the current UI scale."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.sections.clear()
        self.slider_of.clear()
        self.shown.clear()
        L = self.scene.layout
        self.x0, self.sw = L.side.x + px(12), L.side.w - px(24)
        n_opt = len(self.model.optimizer_names)
        self.opt_cols = self._optimizer_columns()
        # sections take the rows they show now (the selected ball's knobs, the schedule's), so
        # the inspector below gets the rest; a change of either lays the panel out again
        self._rows = self._row_counts()
        row, doc_h, self.schedule_h = self._fit(L.side.h - px(8), n_opt)
        n_hyper, n_sched = self._rows
        self.row = row
        y = L.side.y + px(8)
        self.y_opt = y
        self.opt_row = min(row, px(OPT_ROW))
        y += px(24) + self.opt_row * math.ceil(n_opt / self.opt_cols) + px(8)
        self.y_tune = y
        y += row + px(4) + row * n_hyper + doc_h + px(8)
        self.y_sched = y
        y += row + px(4) + row * n_sched + self.schedule_h + px(12)
        self.y_noise = y
        y += row + px(8)
        self.y_arrows = y
        y += row + px(10)
        self.y_inspect = y
        self.toolbar.build()
        self.optimizers.build()
        self.tune.build()
        self.schedule.build()
        self.noise.build()
        self.arrows.build()
        self.inspector.build()

    def _optimizer_columns(self) -> int:
        """Three columns of optimizer boxes where the longest name fits, else two, else one."""
        font = self.scene.text.font(13)
        widest = max((font.size(n)[0] for n in self.model.optimizer_names), default=0)
        need = px(14 + 18 + 8 + 6) + widest
        return max(1, min(3, self.sw // max(need, 1)))

    def _fit(self, room: int, n_opt: int) -> tuple[int, int, int]:
        """(row height, room for the rule's formula, schedule picture height) that fit the
        panel's ``room`` with the inspector's buttons and a line of its text: roomy when the
        window allows, tighter (one doc line, a flatter curve, closer rows) when it does not."""
        n_hyper, n_sched = self._rows
        line = self.scene.text.line_height(12, "mono")
        # the inspector keeps its buttons and at least one line of its (13 px) text
        fixed = px(24 + 8 + 4 + 8 + 4 + 12 + 8 + 10 + 22 + 28 + 12) + self.scene.text.line_height(
            13
        )
        rows = 1 + n_hyper + 1 + n_sched + 2
        boxes = px(OPT_ROW) * math.ceil(n_opt / self.opt_cols)  # checkbox rows are compact

        def need(row: int, doc: int, sched: int) -> int:
            return fixed + boxes + row * rows + doc + sched

        row, doc, sched = px(ROW), 3 * line, px(46)
        if need(row, doc, sched) > room:
            doc = line
        over = need(row, doc, sched) - room
        if over > 0:
            row = max(px(22), row - math.ceil(over / rows))
        over = need(row, doc, sched) - room
        if over > 0:
            sched = max(px(24), sched - over)
        if need(row, doc, sched) > room:
            doc = 0  # the fullest panels: the rule's formula stays in its tooltip
        return row, doc, sched

    def _row_counts(self) -> tuple[int, int]:
        """Slider rows of the Tune and Schedule sections for what the model shows now (Tune's
        last row is the ball's label)."""
        m = self.model
        name = m.selected_name()
        n_hyper = len(m.registry.optimizers[m.optimizer_of(name)].hyper) if name else -1
        n_sched = len(m.registry.schedule(m.schedule).hyper)
        return min(6, n_hyper) + 1, min(3, n_sched)

    def add(self, section: str, element, action: Callable | None = None):
        """Put ``element`` in ``section``'s book (``action``: what its event does)."""
        self.sections.setdefault(section, []).append(element)
        if action is not None:
            self.actions[element] = action
        return element

    def clear(self, section: str) -> None:
        """Take ``section``'s widgets off, to build it again."""
        for element in self.sections.pop(section, []):
            self.actions.pop(element, None)
            element.kill()
        for key in [k for k in self.slider_of if k[0] == section]:
            del self.slider_of[key]
        self.shown = {k: v for k, v in self.shown.items() if k[0] != section}

    def caption(self, section: str, rect, text: str, style: str = "label") -> TextSlot:
        """A caption the painter draws (``style``: label, header, value)."""
        return self.add(section, TextSlot(rect, text, style))

    def captions(self):
        for elements in self.sections.values():
            for element in elements:
                if isinstance(element, TextSlot):
                    yield element

    def slider_row(
        self, section, key, name, hyper: Hyper, value, y, on_change, label_w=78, x=None, w=None
    ):
        """A named slider with its typed value; ``label_w`` at scale 1, ``x``, ``y``, ``w`` on
        screen."""
        x = self.x0 if x is None else x
        w = self.sw if w is None else w
        label_w, h = px(label_w), px(22)
        self.caption(section, (x, y, label_w, h), name)
        vs = ValueSlider(
            self.manager,
            pygame.Rect(x + label_w, y, w - label_w, h),
            hyper,
            value,
            on_change,
            entry_w=px(74),
            on_error=lambda text, _n=name: self.model.notify(
                t("landscape.slider_error", name=_n, reason=text), "error"
            ),
        )
        for element in vs.elements:
            self.add(section, element)
        self.slider_of[(section, key)] = vs
        self.shown[(section, key)] = value
        return vs

    # -- reacting -------------------------------------------------------------------------------
    def handle(self, event) -> bool:
        for slider in list(self.slider_of.values()):
            if slider.handle(event):
                return True
        return run_action(self.actions, event)

    def apply_pending(self) -> None:
        """Schedule sliders apply once they rest (see ``SCHEDULE_DEBOUNCE_S``)."""
        self.schedule.apply_pending()

    # -- syncing --------------------------------------------------------------------------------
    def sync(self) -> None:
        """Make the widgets show the model (changes made by keys, clicks or the race itself)."""
        self.toolbar.sync_buttons()
        if self._row_counts() != self._rows and not any(
            self.menu_open(section) for section in ("tune", "schedule", "noise")
        ):
            self.build()  # another ball or schedule with more or fewer knobs
        self.toolbar.sync_surface()
        self.tune.sync()
        self.schedule.sync()
        self.noise.sync()
        self.optimizers.sync()
        self.tune.sync_sliders()
        self.toolbar.sync_inspect()
        self.inspector.sync()

    def sync_slider(self, key, value) -> None:
        """Move a slider to ``value`` if the model changed it since it last showed."""
        if key not in self.slider_of or self.shown.get(key) == value:
            return
        self.slider_of[key].show(value)
        self.shown[key] = value

    def menu_open(self, section: str) -> bool:
        """One of ``section``'s menus is open (rebuilding it now would close it)."""
        for element in self.sections.get(section, []):
            if isinstance(
                element, UIDropDownMenu
            ) and element.current_state is element.menu_states.get("expanded"):
                return True
        return False

    def text_focused(self) -> bool:
        """A text box has the keyboard: keys are typing, not shortcuts."""
        label = self.label_entry
        return (
            bool(self.expr_entry.is_focused)
            or bool(label is not None and label.is_focused)
            or any(s.focused for s in self.slider_of.values())
        )
