"""The Landscape scene's sections for what is drawn on the map: which arrows (gradient, step,
state, squares) and the inspector (the picture of a clicked point, Start here, Close). Sections
of ``LandscapeControls``; their widgets go in the controls' books."""

from __future__ import annotations

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UICheckBox

from explorer.app.scenes.landscape.section import Section
from explorer.app.ui.i18n import t
from explorer.app.ui.scale import px

ARROW_LABELS = {  # catalogue keys (assets/i18n); each has its "_tip"
    "gradient": "landscape.arrow_gradient",
    "step": "landscape.arrow_step",
    "state": "landscape.arrow_state",
    "squares": "landscape.arrow_squares",
}


class ArrowsSection(Section):
    """A box per kind of arrow, four across the panel."""

    def build(self) -> None:
        m, c = self.model, self.c
        c.clear("arrows")
        y = c.y_arrows
        c.caption("arrows", (c.x0, y + px(2), px(60), px(22)), t("landscape.arrows"), "header")
        x = c.x0 + px(64)
        step = (c.sw - px(64)) // 4
        for k, kind in enumerate(ARROW_LABELS):
            box = UICheckBox(
                pygame.Rect(x + k * step, y + px(3), px(18), px(18)),
                t(ARROW_LABELS[kind]),
                c.manager,
                initial_state=bool(m.arrow_kinds.get(kind)),
                tool_tip_text=t(ARROW_LABELS[kind] + "_tip"),
            )
            c.add("arrows", box, lambda e, _k=kind: self._set_kind(_k, e))

    def _set_kind(self, kind: str, event) -> None:
        self.model.arrow_kinds[kind] = event.type == pygame_gui.UI_CHECK_BOX_CHECKED


class InspectorSection(Section):
    """The inspector's header, the room its picture is drawn in (``controls.inspector_rect``)
    and its two buttons: Start here (``controls.start_here``: a ball from the clicked point,
    nudged along a saddle's way down) and Close."""

    def build(self) -> None:
        c = self.c
        c.clear("inspector")
        L = c.scene.layout
        y = c.y_inspect
        c.caption("inspector", (c.x0, y, px(200), px(20)), t("landscape.inspector"), "header")
        bottom = L.side.bottom - px(8)
        top = y + px(22)
        button_h = px(28)
        c.inspector_rect = pygame.Rect(
            c.x0, top, c.sw, max(px(10), bottom - button_h - px(4) - top)
        )
        c.start_here = c.add(
            "inspector",
            UIButton(
                pygame.Rect(c.x0, bottom - button_h, c.sw - px(86), button_h),
                t("landscape.start_here"),
                c.manager,
                tool_tip_text=t("landscape.start_here_tip"),
            ),
            lambda e: self.model.start_from_inspection(),
        )
        c.add(
            "inspector",
            UIButton(
                pygame.Rect(c.x0 + c.sw - px(80), bottom - button_h, px(80), button_h),
                t("landscape.close"),
                c.manager,
            ),
            lambda e: self.model.close_inspector(),
        )
        c.shown[("inspector", "shape")] = None

    def sync(self) -> None:
        """Start here works only with a point to start from, and says when it nudges."""
        m, c = self.model, self.c
        has_point = m.inspection is not None
        if c.shown.get(("inspector", "shape")) != has_point:
            (c.start_here.enable if has_point else c.start_here.disable)()
            c.shown[("inspector", "shape")] = has_point
        text = t("landscape.start_here")
        if has_point and m.inspection.escape_direction is not None:
            text = t("landscape.start_nudged")
        if c.start_here.text != text:
            c.start_here.set_text(text)
