"""The Landscape scene's toolbar: Play, Step, Reset, the speed, the surface menu and the formula
box, Inspect, CSV and Help. One section of ``LandscapeControls``; its widgets go in the
controls' books (``sections["toolbar"]`` and ``sections["surface"]``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UIDropDownMenu, UITextEntryLine

from explorer.app.scenes.landscape.model import SPEED_RANGE
from explorer.app.scenes.landscape.section import Section
from explorer.app.scenes.landscape.surface_about import surface_line
from explorer.app.ui.i18n import t
from explorer.app.ui.row import Row
from explorer.app.ui.scale import px
from explorer.app.ui.slider import SteppedSlider
from explorer.specs import Hyper

if TYPE_CHECKING:
    from collections.abc import Callable


CUSTOM = "landscape.custom_formula"  # catalogue key (assets/i18n): worded when built
SPEED = Hyper(120.0, SPEED_RANGE[0], SPEED_RANGE[1], log=True)


class ToolbarSection(Section):
    """Builds the toolbar into ``controls`` (``play_button``, ``speed_slider``, ``surface_menu``,
    ``expr_entry``, ``inspect_button`` are set there, where the scene and tests find them) and
    keeps it showing the model (``sync``)."""

    def build(self) -> None:
        """Play, Step, Reset from the left; Help, CSV, Inspect from the right; between them the
        speed and the surface (its menu, then the formula box taking what is left)."""
        L = self.scene.layout
        self.c.clear("toolbar")
        bar = Row(px(8), L.toolbar.right - px(8), L.toolbar.y + px(6), 32)
        self._buttons(bar)
        bar.skip(6)
        self._speed(bar)
        bar.skip(6)
        self._surface(bar)

    def _button(self, rect, text: str, tip: str, action: Callable, **kwargs) -> UIButton:
        button = UIButton(rect, text, self.c.manager, tool_tip_text=tip, **kwargs)
        return self.c.add("toolbar", button, action)

    def _buttons(self, bar: Row) -> None:
        m, c = self.model, self.c
        c.play_button = self._button(
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
        c.inspect_button = self._button(
            bar.take_right(76),
            t("landscape.inspect"),
            t("landscape.inspect_tip"),
            lambda e: self.scene.toggle_inspect_mode(),
        )
        if self.scene.inspect_mode:
            c.inspect_button.select()

    def _speed(self, bar: Row) -> None:
        m, c = self.model, self.c
        c.caption("toolbar", bar.take(46, 22), t("landscape.speed"))
        spare = bar.rest() - px(2 + 64 + 12 + 170 + 6 + 120)  # what the slider and entry share
        slider_w = int(min(px(170), max(px(90), spare * 0.32)))
        c.speed_slider = c.add(
            "toolbar",
            SteppedSlider(
                pygame.Rect(bar.take(0, 22).topleft, (slider_w, px(22))),
                SPEED,
                m.speed,
                c.manager,
            ),
            lambda e: m.set_speed(getattr(e, "stepped", None) or SPEED.from_unit(e.value)),
        )
        bar.left += slider_w
        c.speed_slider.set_tooltip(t("landscape.speed_tip"))
        c.speed_label = c.caption(
            "toolbar", bar.take(64, 22), t("landscape.per_second", n=f"{m.speed:.0f}"), "value"
        )

    def _surface(self, bar: Row) -> None:
        m, c = self.model, self.c
        # as wide as its longest choice needs (a family's suggestion like net:moons?directions=pca)
        longest = max(self.scene.text.font(14).size(o)[0] for o in self._surface_options())
        self._menu_rect = bar.take(max(170, round(longest / px(100) * 100) + 40))
        self.build_surface_menu()
        entry_rect = bar.take(0, stretch=True)
        c.expr_entry = c.add(
            "toolbar",
            UITextEntryLine(
                entry_rect, c.manager, placeholder_text=self._placeholder(entry_rect.w)
            ),
            self._expression_entered,
        )
        c.expr_entry.set_tooltip(t("landscape.formula_long"))
        if m.spec.name.startswith("expr:"):
            c.expr_entry.set_text(m.spec.formula)
        c.shown[("toolbar", "expr")] = m.surface_version

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

    def build_surface_menu(self) -> None:
        m, c = self.model, self.c
        for element in c.sections.get("surface", []):
            c.actions.pop(element, None)
            element.kill()
        c.sections["surface"] = []
        options = self._surface_options()
        current = m.spec.name
        if current.startswith("expr:"):
            options.append(t(CUSTOM))
            current = t(CUSTOM)
        elif current not in options:  # a family's member (net:digits?run=…): named as it is
            options.append(current)
        menu = UIDropDownMenu(
            options, current, self._menu_rect, c.manager, expansion_height_limit=px(520)
        )
        c.surface_menu = c.add("surface", menu, self._surface_chosen)
        c.shown[("surface",)] = m.surface_version

    def _surface_tips(self) -> None:
        """What each surface is, one line as the tooltip of its place in the open menu (the
        menu makes an option's button only as it comes into view, so each frame looks)."""
        menu = self.c.surface_menu
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

    # -- reacting -------------------------------------------------------------------------------
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
        entry = self.c.expr_entry
        self.c.manager.set_focus_set(None)
        self.scene.apply_expression(event.text)
        if self.model.expr_error:
            self.c.manager.set_focus_set(entry)
            entry.set_text(entry.get_text())  # the cursor at its end

    # -- syncing --------------------------------------------------------------------------------
    def sync_buttons(self) -> None:
        """Play's word and the speed follow the model (Space, + and − change them too)."""
        m, c = self.model, self.c
        play_text = t("landscape.pause") if m.playing else t("landscape.play")
        if c.play_button.text != play_text:
            c.play_button.set_text(play_text)
        speed_text = t("landscape.per_second", n=f"{m.speed:.0f}")
        if c.speed_label.text != speed_text:
            c.speed_label.set_text(speed_text)
        if c.shown.get(("toolbar", "speed"), m.speed) != m.speed:
            c.speed_slider.show(m.speed)  # + / − keys move the knob too
        c.shown[("toolbar", "speed")] = m.speed

    def sync_surface(self) -> None:
        """The menu and the formula box show the surface the model has now."""
        m, c = self.model, self.c
        if c.shown.get(("surface",)) != m.surface_version:
            self.build_surface_menu()
        self._surface_tips()
        if c.shown.get(("toolbar", "expr")) != m.surface_version:
            # another surface: the box shows its formula, or nothing (never a stale one)
            c.shown[("toolbar", "expr")] = m.surface_version
            formula = m.spec.formula if m.spec.name.startswith("expr:") else ""
            if c.expr_entry.get_text() != formula:
                c.expr_entry.set_text(formula)

    def sync_inspect(self) -> None:
        """Inspect looks pressed while the scene is in inspect mode (the I key toggles it)."""
        button = self.c.inspect_button
        if button.is_selected != self.scene.inspect_mode:
            if self.scene.inspect_mode:
                button.select()
            else:
                button.unselect()
