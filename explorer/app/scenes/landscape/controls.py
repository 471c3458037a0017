"""The Landscape scene's widgets (pygame_gui only): built from the model, routed back to it.

Each widget is registered with the function its event calls. Sections are rebuilt on their own
when what they show changes shape (another ball to tune, another schedule, another noise mode);
values are synced every frame so keys and clicks on the map show up in the widgets too.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import pygame
import pygame_gui
from pygame_gui.elements import (
    UIButton,
    UICheckBox,
    UIDropDownMenu,
    UITextEntryLine,
)

from explorer.app.scenes.landscape.model import (
    BATCH_RANGE,
    SIGMA_RANGE,
    SPEED_RANGE,
    LandscapeModel,
)
from explorer.app.scenes.landscape.surface_about import surface_line
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.row import Row
from explorer.app.ui.scale import px
from explorer.app.ui.slider import SteppedSlider, ValueSlider
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action
from explorer.specs import Hyper

ROW = 26  # a row of the side panel, at UI scale 1
OPT_ROW = 20  # an optimizer checkbox row: lower than a slider row
CUSTOM = "landscape.custom_formula"  # catalogue keys (assets/i18n): worded when built
NOISE_OPTIONS = {
    "none": "landscape.noise_none",
    "gaussian": "landscape.noise_gaussian",
    "minibatch": "landscape.noise_minibatch",
}
ARROW_LABELS = {
    "gradient": "landscape.arrow_gradient",
    "step": "landscape.arrow_step",
    "state": "landscape.arrow_state",
    "squares": "landscape.arrow_squares",
}
SPEED = Hyper(120.0, SPEED_RANGE[0], SPEED_RANGE[1], log=True)
SIGMA = Hyper(0.3, SIGMA_RANGE[0], SIGMA_RANGE[1], log=True)
BATCH = Hyper(8, BATCH_RANGE[0], BATCH_RANGE[1], log=True, integer=True)
SCHEDULE_DEBOUNCE_S = 0.25  # a schedule curve costs ~0.2 s: apply it when the slider rests


class LandscapeControls:
    def __init__(self, scene) -> None:
        self.scene = scene
        self.model: LandscapeModel = scene.model
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.sections: dict[str, list] = {}
        self.slider_of: dict[tuple, ValueSlider] = {}  # (section, key) → its slider
        self.opt_boxes: dict[str, UICheckBox] = {}
        self.swatches: list[tuple[tuple[int, int], tuple[int, int, int]]] = []
        self.schedule_rect = pygame.Rect(0, 0, 0, 0)
        self.inspector_rect = pygame.Rect(0, 0, 0, 0)
        self.state_label_pos = (0, 0)
        self.state_label_w = 0
        self.tune_doc: tuple[pygame.Rect, str, str] = (pygame.Rect(0, 0, 0, 0), "", "")
        self.pending_schedule: dict[str, tuple[float, float]] = {}
        self._shown: dict = {}
        self.label_entry: UITextEntryLine | None = None
        self.build()

    # -- building -------------------------------------------------------------------------------
    def build(self) -> None:
        """Every widget, placed for the scene's layout at the current UI scale."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.sections.clear()
        self.slider_of.clear()
        self._shown.clear()
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
        self._build_toolbar()
        self._build_optimizers()
        self._build_tune()
        self._build_schedule()
        self._build_noise()
        self._build_arrows()
        self._build_inspector()

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

    def _add(self, section: str, element, action: Callable | None = None):
        self.sections.setdefault(section, []).append(element)
        if action is not None:
            self.actions[element] = action
        return element

    def _clear(self, section: str) -> None:
        for element in self.sections.pop(section, []):
            self.actions.pop(element, None)
            element.kill()
        for key in [k for k in self.slider_of if k[0] == section]:
            del self.slider_of[key]
        self._shown = {k: v for k, v in self._shown.items() if k[0] != section}

    def _label(self, section, rect, text, style="label"):
        return self._add(section, TextSlot(rect, text, style))

    def captions(self):
        for elements in self.sections.values():
            for element in elements:
                if isinstance(element, TextSlot):
                    yield element

    def _slider_row(
        self, section, key, name, hyper: Hyper, value, y, on_change, label_w=78, x=None, w=None
    ):
        """A named slider with its typed value; ``label_w`` at scale 1, ``x``, ``y``, ``w`` on
        screen."""
        x = self.x0 if x is None else x
        w = self.sw if w is None else w
        label_w, h = px(label_w), px(22)
        self._label(section, (x, y, label_w, h), name)
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
            self._add(section, element)
        self.slider_of[(section, key)] = vs
        self._shown[(section, key)] = value
        return vs

    def _build_toolbar(self) -> None:
        """Play, Step, Reset from the left; Help, CSV, Inspect from the right; between them the
        speed and the surface (its menu, then the formula box taking what is left)."""
        L = self.scene.layout
        self._clear("toolbar")
        bar = Row(px(8), L.toolbar.right - px(8), L.toolbar.y + px(6), 32)
        self._toolbar_buttons(bar)
        bar.skip(6)
        self._toolbar_speed(bar)
        bar.skip(6)
        self._toolbar_surface(bar)

    def _button(self, rect, text: str, tip: str, action: Callable, **kwargs) -> UIButton:
        button = UIButton(rect, text, self.manager, tool_tip_text=tip, **kwargs)
        return self._add("toolbar", button, action)

    def _toolbar_buttons(self, bar: Row) -> None:
        m = self.model
        self.play_button = self._button(
            bar.take(76),
            t("landscape.play"),
            t("landscape.play_tip"),
            lambda e: m.toggle_play(),
            object_id="@play",
        )
        self._button(
            bar.take(60), t("landscape.step"), t("landscape.step_tip"), lambda e: m.step_once()
        )
        self._button(
            bar.take(64), t("landscape.reset"), t("landscape.reset_tip"), lambda e: m.reset()
        )
        # from the right: Help, CSV, Inspect
        self._button(
            bar.take_right(56),
            t("landscape.help"),
            t("landscape.help_tip"),
            lambda e: self.scene.show_help(),
        )
        self._button(bar.take_right(60), "CSV", t("landscape.csv_tip"), lambda e: m.export_csv())
        self.inspect_button = self._button(
            bar.take_right(76),
            t("landscape.inspect"),
            t("landscape.inspect_tip"),
            lambda e: self.scene.toggle_inspect_mode(),
        )
        if self.scene.inspect_mode:
            self.inspect_button.select()

    def _toolbar_speed(self, bar: Row) -> None:
        m = self.model
        self._label("toolbar", bar.take(46, 22), t("landscape.speed"))
        spare = bar.rest() - px(2 + 64 + 12 + 170 + 6 + 120)  # what the slider and entry share
        slider_w = int(min(px(170), max(px(90), spare * 0.32)))
        self.speed_slider = self._add(
            "toolbar",
            SteppedSlider(
                pygame.Rect(bar.take(0, 22).topleft, (slider_w, px(22))),
                SPEED,
                m.speed,
                self.manager,
            ),
            lambda e: m.set_speed(getattr(e, "stepped", None) or SPEED.from_unit(e.value)),
        )
        bar.left += slider_w
        self.speed_slider.set_tooltip(t("landscape.speed_tip"))
        self.speed_label = self._label(
            "toolbar", bar.take(64, 22), t("landscape.per_second", n=f"{m.speed:.0f}"), "value"
        )

    def _toolbar_surface(self, bar: Row) -> None:
        m = self.model
        # as wide as its longest choice needs (a family's suggestion like net:moons?directions=pca)
        longest = max(self.scene.text.font(14).size(o)[0] for o in self._surface_options())
        self._surface_menu_rect = bar.take(max(170, round(longest / px(100) * 100) + 40))
        self._build_surface_menu()
        entry_rect = bar.take(0, stretch=True)
        self.expr_entry = self._add(
            "toolbar",
            UITextEntryLine(
                entry_rect, self.manager, placeholder_text=self._placeholder(entry_rect.w)
            ),
            self._expression_entered,
        )
        self.expr_entry.set_tooltip(t("landscape.formula_long"))
        if m.spec.name.startswith("expr:"):
            self.expr_entry.set_text(m.spec.formula)
        self._shown[("toolbar", "expr")] = m.surface_version

    def _placeholder(self, width: int) -> str:
        """The longest hint that fits the formula box (at 1024 px it is short)."""
        for hint in (
            t("landscape.formula_long"),
            t("landscape.formula_medium"),
            t("landscape.formula_short"),
        ):
            font = self.scene.text.font(13, self.scene.text.kind_for(hint, "mono"))
            if font.size(hint)[0] <= width - px(16):
                return hint
        return "f(x, y)"

    def _surface_options(self) -> list[str]:
        """Every registered surface, then each family's suggested members (net:moons)."""
        registry = self.model.registry
        options = list(registry.surfaces)
        for family in registry.families.values():
            if family.prefix != "expr":  # formulas have their own box
                options += [e for e in family.examples if e not in options]
        return options

    def _build_surface_menu(self) -> None:
        m = self.model
        for element in self.sections.get("surface", []):
            self.actions.pop(element, None)
            element.kill()
        self.sections["surface"] = []
        options = self._surface_options()
        current = m.spec.name
        if current.startswith("expr:"):
            options.append(t(CUSTOM))
            current = t(CUSTOM)
        elif current not in options:  # a family's member (net:digits?run=…): named as it is
            options.append(current)
        menu = UIDropDownMenu(
            options, current, self._surface_menu_rect, self.manager, expansion_height_limit=px(520)
        )
        self.surface_menu = self._add("surface", menu, self._surface_chosen)
        self._shown[("surface",)] = m.surface_version

    def _surface_tips(self) -> None:
        """What each surface is, one line as the tooltip of its place in the open menu (the
        menu makes an option's button only as it comes into view, so each frame looks)."""
        menu = self.surface_menu
        state = menu.current_state
        if state is menu.menu_states.get("expanded"):
            buttons = [
                (item["text"], item["button_element"])
                for item in state.options_selection_list.item_list
            ]
        else:
            buttons = [(menu.selected_option[0], getattr(state, "selected_option_button", None))]
        for name, button in buttons:
            if button is not None and button.tool_tip_text is None:
                line = surface_line(self.model.registry, name)
                if line:
                    button.set_tooltip(line)

    def _build_optimizers(self) -> None:
        m = self.model
        self._clear("optimizers")
        self.opt_boxes.clear()
        self.swatches = []
        self._label(
            "optimizers",
            (self.x0, self.y_opt, self.sw, px(20)),
            t("landscape.optimizers"),
            "header",
        )
        cols = self.opt_cols
        col_w = self.sw // cols
        for k, name in enumerate(m.optimizer_names):
            spec = m.registry.optimizers[name]
            cx = self.x0 + (k % cols) * col_w
            cy = self.y_opt + px(24) + (k // cols) * self.opt_row
            box = UICheckBox(
                pygame.Rect(cx + px(14), cy + px(1), px(18), px(18)),
                name,
                self.manager,
                initial_state=name in m.enabled,
                tool_tip_text=f"{spec.doc.splitlines()[0] if spec.doc else name}  [{spec.plugin}]",
            )
            self._add("optimizers", box, lambda e, _n=name: self._toggle_optimizer(_n, e))
            self.opt_boxes[name] = box
            self.swatches.append(((cx + px(5), cy + px(10)), palette.ball_colour(k)))

    def _build_tune(self) -> None:
        m = self.model
        self._clear("tune")
        y, row = self.y_tune, self.row
        self._label("tune", (self.x0, y + px(2), px(54), px(22)), t("landscape.tune"), "header")
        labels = [b.label for b in m.race.balls]
        self.tune_doc = (pygame.Rect(0, 0, 0, 0), "", "")
        self.label_entry = None
        if not labels:
            self._label(
                "tune",
                (self.x0 + px(60), y + px(2), self.sw - px(60), px(22)),
                t("landscape.none_ticked"),
            )
            self._shown[("tune", "shape")] = ((), None)
            return
        current = labels[m.selected] if m.selected < len(labels) else labels[0]
        menu = UIDropDownMenu(
            labels, current, pygame.Rect(self.x0 + px(58), y, px(126), px(24)), self.manager
        )
        self._add("tune", menu, lambda e: self._select_ball(e.text))
        name = m.selected_name()
        # + : a second ball of this optimizer (its own sliders); − on such a ball takes it off
        copy = name in m.kinds
        button = UIButton(
            pygame.Rect(self.x0 + px(186), y, px(28), px(24)),
            "−" if copy else "+",
            self.manager,
            tool_tip_text=t("landscape.remove_copy_tip" if copy else "landscape.copy_tip"),
        )
        self._add("tune", button, lambda e, _n=name, _c=copy: self._copy_ball(_n, _c))
        arrows = UICheckBox(
            pygame.Rect(self.x0 + px(222), y + px(3), px(18), px(18)),
            t("landscape.arrows_box"),
            self.manager,
            initial_state=bool(m.arrows_for.get(name, True)),
            tool_tip_text=t("landscape.arrows_box_tip"),
        )
        self._add("tune", arrows, lambda e, _n=name: self._set_arrows_for(_n, e))
        self.arrows_box = arrows
        self.state_label_pos = (self.x0 + px(300), y + px(5))
        self.state_label_w = self.sw - px(300)
        spec = m.registry.optimizers[m.optimizer_of(name)]
        rows = list(spec.hyper.items())[:6]
        for k, (key, hyper) in enumerate(rows):
            self._slider_row(
                "tune",
                (name, key),
                key,
                hyper,
                m.hyper[name][key],
                y + row + px(4) + k * row,
                lambda v, _n=name, _k=key: m.set_hyper(_n, _k, v),
            )
        top = self._label_row(name, y + row + px(4) + len(rows) * row) + px(4)
        self.tune_doc = (
            pygame.Rect(self.x0, top, self.sw, self.y_sched - top - px(6)),
            spec.doc,
            spec.plugin,
        )
        self._shown[("tune", "shape")] = (tuple(labels), name)

    def _label_row(self, name: str, top: int) -> int:
        """The selected ball's label, typed to rename it (``sgd_2`` → ``sgd_fast``: what a
        lesson and the CSV call it); the row's bottom."""
        self._label("tune", (self.x0, top, px(78), px(22)), t("landscape.label"))
        entry = UITextEntryLine(
            pygame.Rect(self.x0 + px(78), top, px(150), px(22)),
            self.manager,
            initial_text=name,
        )
        entry.set_tooltip(t("landscape.label_tip"))
        self._add("tune", entry, lambda e, _n=name: self._label_entered(_n, e))
        self.label_entry = entry
        return top + self.row

    def _build_schedule(self) -> None:
        m = self.model
        self._clear("schedule")
        y, row = self.y_sched, self.row
        self._label(
            "schedule", (self.x0, y + px(2), px(80), px(22)), t("landscape.schedule"), "header"
        )
        menu = UIDropDownMenu(
            list(m.registry.schedules),
            m.schedule,
            pygame.Rect(self.x0 + px(84), y, px(170), px(24)),
            self.manager,
        )
        self._add("schedule", menu, lambda e: self._schedule_chosen(e.text))
        spec = m.registry.schedule(m.schedule)
        values = m.schedule_values()
        rows = list(spec.hyper.items())[:3]
        for k, (key, hyper) in enumerate(rows):
            self._slider_row(
                "schedule",
                key,
                key,
                hyper,
                values[key],
                y + row + px(4) + k * row,
                lambda v, _k=key: self._schedule_hyper_moved(_k, v),
            )
        self.schedule_rect = pygame.Rect(
            self.x0, y + row + px(4) + len(rows) * row + px(2), self.sw, self.schedule_h
        )
        self._shown[("schedule", "shape")] = m.schedule

    def _build_noise(self) -> None:
        m = self.model
        self._clear("noise")
        y = self.y_noise
        self._label("noise", (self.x0, y + px(2), px(54), px(22)), t("landscape.noise"), "header")
        modes = ["none", "gaussian"] + (["minibatch"] if m.spec.has_data else [])
        options = [t(NOISE_OPTIONS[k]) for k in modes]
        current = t(NOISE_OPTIONS.get(m.noise.mode, NOISE_OPTIONS["none"]))
        menu = UIDropDownMenu(
            options, current, pygame.Rect(self.x0 + px(58), y, px(128), px(24)), self.manager
        )
        self._add("noise", menu, lambda e: self._noise_chosen(e.text))
        x, w = self.x0 + px(192), self.sw - px(192)
        if m.noise.mode == "gaussian":
            self._slider_row(
                "noise",
                "sigma",
                "σ",
                SIGMA,
                m.sigma,
                y + px(1),
                lambda v: m.set_noise("gaussian", v),
                label_w=16,
                x=x,
                w=w,
            )
        elif m.noise.mode == "minibatch":
            self._slider_row(
                "noise",
                "batch",
                "B",
                BATCH,
                m.batch,
                y + px(1),
                lambda v: m.set_noise("minibatch", v),
                label_w=16,
                x=x,
                w=w,
            )
        elif not m.spec.has_data:
            self._label("noise", (x, y + px(2), w, px(22)), t("landscape.minibatch_data_only"))
        self._shown[("noise", "shape")] = (m.noise.mode, m.spec.has_data)

    def _build_arrows(self) -> None:
        m = self.model
        self._clear("arrows")
        y = self.y_arrows
        self._label("arrows", (self.x0, y + px(2), px(60), px(22)), t("landscape.arrows"), "header")
        x = self.x0 + px(64)
        step = (self.sw - px(64)) // 4

        for k, kind in enumerate(ARROW_LABELS):
            box = UICheckBox(
                pygame.Rect(x + k * step, y + px(3), px(18), px(18)),
                t(ARROW_LABELS[kind]),
                self.manager,
                initial_state=bool(m.arrow_kinds.get(kind)),
                tool_tip_text=t(ARROW_LABELS[kind] + "_tip"),
            )
            self._add("arrows", box, lambda e, _k=kind: self._set_kind(_k, e))

    def _build_inspector(self) -> None:
        self._clear("inspector")
        L = self.scene.layout
        y = self.y_inspect
        self._label("inspector", (self.x0, y, px(200), px(20)), t("landscape.inspector"), "header")
        bottom = L.side.bottom - px(8)
        top = y + px(22)
        button_h = px(28)
        self.inspector_rect = pygame.Rect(
            self.x0, top, self.sw, max(px(10), bottom - button_h - px(4) - top)
        )
        self.start_here = self._add(
            "inspector",
            UIButton(
                pygame.Rect(self.x0, bottom - button_h, self.sw - px(86), button_h),
                t("landscape.start_here"),
                self.manager,
                tool_tip_text=t("landscape.start_here_tip"),
            ),
            lambda e: self.model.start_from_inspection(),
        )
        self._add(
            "inspector",
            UIButton(
                pygame.Rect(self.x0 + self.sw - px(80), bottom - button_h, px(80), button_h),
                t("landscape.close"),
                self.manager,
            ),
            lambda e: self.model.close_inspector(),
        )
        self._shown[("inspector", "shape")] = None

    # -- reacting -------------------------------------------------------------------------------
    def handle(self, event) -> bool:
        for slider in list(self.slider_of.values()):
            if slider.handle(event):
                return True
        return run_action(self.actions, event)

    def _surface_chosen(self, event) -> None:
        if event.text == t(CUSTOM):
            return
        self.scene.switch_surface(event.text)

    def _expression_entered(self, event) -> None:
        if event.type != pygame_gui.UI_TEXT_ENTRY_FINISHED:
            return
        # Enter hands the keyboard back to the scene: Space plays again, keys are shortcuts;
        # after a formula error it stays in the box, where the user mends the formula (a "0"
        # typed there must not switch the surface and wipe the text)
        self.manager.set_focus_set(None)
        self.scene.apply_expression(event.text)
        if self.model.expr_error:
            self.manager.set_focus_set(self.expr_entry)
            self.expr_entry.set_text(self.expr_entry.get_text())  # the cursor at its end

    def _toggle_optimizer(self, name: str, event) -> None:
        if event.type == pygame_gui.UI_CHECK_BOX_CHECKED:
            self.model.set_enabled(name, True)
        elif event.type == pygame_gui.UI_CHECK_BOX_UNCHECKED:
            self.model.set_enabled(name, False)

    def _copy_ball(self, name: str, copy: bool) -> None:
        if copy:
            self.model.set_enabled(name, False)
        else:
            self.model.add_copy(name)

    def _label_entered(self, name: str, event) -> None:
        if event.type != pygame_gui.UI_TEXT_ENTRY_FINISHED:
            return
        self.manager.set_focus_set(None)  # Enter hands the keyboard back to the scene
        problem = self.model.rename(name, event.text)
        if problem:
            self.model.notify(problem, "error", 8)
            if self.label_entry is not None:
                self.label_entry.set_text(name)

    def _select_ball(self, label: str) -> None:
        for i, ball in enumerate(self.model.race.balls):
            if ball.label == label:
                self.model.select(i)

    def _set_arrows_for(self, name: str, event) -> None:
        self.model.arrows_for[name] = event.type == pygame_gui.UI_CHECK_BOX_CHECKED

    def _set_kind(self, kind: str, event) -> None:
        self.model.arrow_kinds[kind] = event.type == pygame_gui.UI_CHECK_BOX_CHECKED

    def _schedule_chosen(self, name: str) -> None:
        self.pending_schedule.clear()
        self.model.set_schedule(name)

    def _schedule_hyper_moved(self, key: str, value: float) -> None:
        self.pending_schedule[key] = (value, self.model.clock)
        self._shown[("schedule", key)] = value

    def _noise_chosen(self, text: str) -> None:
        mode = next((k for k, v in NOISE_OPTIONS.items() if t(v) == text), "none")
        value = {"gaussian": self.model.sigma, "minibatch": self.model.batch}.get(mode)
        self.model.set_noise(mode, value)

    def apply_pending(self) -> None:
        """Schedule sliders apply once they rest (see SCHEDULE_DEBOUNCE_S)."""
        if not self.pending_schedule:
            return
        latest = max(t for _, t in self.pending_schedule.values())
        if self.model.clock - latest < SCHEDULE_DEBOUNCE_S:
            return
        for key, (value, _) in self.pending_schedule.items():
            self.model.schedule_hyper[key] = value
        self.pending_schedule.clear()
        self.model.set_schedule(self.model.schedule, dict(self.model.schedule_hyper))

    # -- syncing --------------------------------------------------------------------------------
    def sync(self) -> None:
        """Make the widgets show the model (changes made by keys, clicks or the race itself)."""
        m = self.model
        play_text = t("landscape.pause") if m.playing else t("landscape.play")
        if self.play_button.text != play_text:
            self.play_button.set_text(play_text)
        speed_text = t("landscape.per_second", n=f"{m.speed:.0f}")
        if self.speed_label.text != speed_text:
            self.speed_label.set_text(speed_text)
        if self._shown.get(("toolbar", "speed"), m.speed) != m.speed:
            self.speed_slider.show(m.speed)  # + / − keys move the knob too
        self._shown[("toolbar", "speed")] = m.speed
        if self._row_counts() != self._rows and not any(
            self._menu_open(section) for section in ("tune", "schedule", "noise")
        ):
            self.build()  # another ball or schedule with more or fewer knobs
        if self._shown.get(("surface",)) != m.surface_version:
            self._build_surface_menu()
        self._surface_tips()
        if self._shown.get(("toolbar", "expr")) != m.surface_version:
            # another surface: the box shows its formula, or nothing (never a stale one)
            self._shown[("toolbar", "expr")] = m.surface_version
            formula = m.spec.formula if m.spec.name.startswith("expr:") else ""
            if self.expr_entry.get_text() != formula:
                self.expr_entry.set_text(formula)
        labels = tuple(b.label for b in m.race.balls)
        if self._shown.get(("tune", "shape")) != (
            labels,
            m.selected_name(),
        ) and not self._menu_open("tune"):
            self._build_tune()
        if self._shown.get(("schedule", "shape")) != m.schedule and not self._menu_open("schedule"):
            self._build_schedule()
        if self._shown.get(("noise", "shape")) != (
            m.noise.mode,
            m.spec.has_data,
        ) and not self._menu_open("noise"):
            self._build_noise()
        # Widgets follow the model only when the model changed (by a key, a click on the map):
        # comparing with the widget instead would undo a click whose event is still queued.
        for name, box in self.opt_boxes.items():
            on = name in m.enabled
            if self._shown.get(("optimizers", name), on) != on:
                box.set_state(on)
            self._shown[("optimizers", name)] = on
        name = m.selected_name()
        if name:
            for key in m.registry.optimizers[m.optimizer_of(name)].hyper:
                self._sync_slider(("tune", (name, key)), m.hyper[name][key])
        if self.inspect_button.is_selected != self.scene.inspect_mode:
            if self.scene.inspect_mode:
                self.inspect_button.select()
            else:
                self.inspect_button.unselect()
        has_point = m.inspection is not None
        if self._shown.get(("inspector", "shape")) != has_point:
            (self.start_here.enable if has_point else self.start_here.disable)()
            self._shown[("inspector", "shape")] = has_point
        text = t("landscape.start_here")
        if has_point and m.inspection.escape_direction is not None:
            text = t("landscape.start_nudged")
        if self.start_here.text != text:
            self.start_here.set_text(text)

    def _sync_slider(self, key, value) -> None:
        if key not in self.slider_of or self._shown.get(key) == value:
            return
        self.slider_of[key].show(value)
        self._shown[key] = value

    def _menu_open(self, section: str) -> bool:
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
