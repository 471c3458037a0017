"""An activation for each hidden layer, chosen in the lab: "per layer…" in the activation menu
opens a small panel beside the side panel with one menu per hidden layer (every registered
activation), and a second column for net B when side by side compares the activation, so B can
differ from A layer by layer. "Same for all" puts every layer back on layer 1's activation (the
one-name case, as the menu sets it). The panel floats over the nets rather than growing the side
panel, which has no room for twelve menus at 1024 × 640.

The choice is ``TrainConfig.activation`` as setups and ``train`` write it ("relu,tanh,relu"), so
a saved setup keeps it; a depth moved by the slider keeps the layers' choices, the last layer's
activation given to a new layer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pygame
from pygame_gui.elements import UIButton

from explorer.app.scenes.network.comparison import for_depth
from explorer.app.ui import palette
from explorer.app.ui.i18n import t
from explorer.app.ui.menus import drop_down
from explorer.app.ui.scale import lw, px
from explorer.training.model import activation_text

if TYPE_CHECKING:
    from explorer.app.scenes.network.controls import NetworkControls

PER_LAYER = "per_layer"  # the activation menu's last choice (shown as "per layer…")
ROW = 28  # a layer's row at scale 1


def menu_value(controls: NetworkControls) -> str:
    """What the activation menu shows: the one name, or "per layer…" while the layers differ
    or their panel is open."""
    activation = controls.model.config.activation
    return PER_LAYER if "," in activation or controls.per_layer_open else activation


def chosen(controls: NetworkControls, value: str) -> bool:
    """The activation menu's choice: "per layer…" opens the panel; a name is every layer's."""
    if value == PER_LAYER:
        controls.per_layer_open = True
        controls.build()
        return True
    controls.per_layer_open = False
    return controls.model.set(activation=value, pieces=None)


def set_depth(model, depth: int) -> bool:
    """The depth slider: the layers' own activations kept (B's too, when it differs in them),
    the last one's given to each new layer."""
    old = model.compare_value
    if model.compare == "activation" and isinstance(old, str):
        model.compare_value = for_depth(old, depth)
    ok = model.set(depth=depth, activation=for_depth(model.config.activation, depth))
    if not ok:
        model.compare_value = old
    return ok


def b_differs_in_activation(model) -> bool:
    return bool(model.side_by_side and model.compare == "activation")


class PerLayerPanel:
    """The panel's widgets, built into the controls' books while it is open."""

    def __init__(self, controls: NetworkControls) -> None:
        self.controls = controls
        self.model = controls.model
        self.scene = controls.scene

    def rect(self, top: int) -> pygame.Rect:
        """Right of the nets, beside the side panel, as high as ``top`` allows (moved up to
        fit the window)."""
        m = self.model
        depth = m.config.depth
        columns = 2 if b_differs_in_activation(m) else 1
        w = px(84) + columns * px(124) + px(16)
        h = self._head(columns) + depth * px(ROW) + px(40)
        main = self.scene.layout.main
        r = pygame.Rect(main.right - w - px(8), top, w, h)
        r.bottom = min(r.bottom, main.bottom - px(4))
        r.top = max(r.top, main.top + px(4))
        return r

    @staticmethod
    def _head(columns: int) -> int:
        """The title's row, and "A" and "B" over their menus when there are two columns."""
        return px(34) + (px(22) if columns == 2 else 0)

    def build(self, top: int) -> None:
        c, m = self.controls, self.model
        if m.config.depth == 0:
            c.per_layer_open = False
            return
        box = self.rect(top)
        c.per_layer_rect = box
        names = m.config.layer_activations()
        options = list(m.registry.activations)
        c.caption(
            (box.x + px(10), box.y + px(6), box.w - px(20), px(22)),
            t("network.per_layer_title"),
            "header",
        )
        columns = [("a", names)]
        if b_differs_in_activation(m):
            columns.append(("b", m.variant(m.config).layer_activations()))
        x0 = box.x + px(10) + px(74)
        y = box.y + self._head(len(columns))
        if len(columns) == 2:  # "A" and "B" over their menus
            for j, (side, _) in enumerate(columns):
                at = (x0 + j * px(124) + px(4), box.y + px(32), px(110), px(20))
                c.caption(at, side.upper(), "value")
        step = min(px(ROW), (box.bottom - px(40) - y) // max(1, len(names)))
        for i in range(len(names)):
            c.caption((box.x + px(10), y, px(70), px(24)), t("network.layer_n", n=i + 1))
            for j, (side, layers) in enumerate(columns):
                rect = pygame.Rect(x0 + j * px(124), y, px(118), min(px(24), step - px(2)))
                self._menu(side, i, options, layers, rect)
            y += step
        bar_y = box.bottom - px(34)
        same = UIButton(
            pygame.Rect(box.x + px(10), bar_y, px(120), px(26)),
            t("network.same_for_all"),
            c.manager,
            tool_tip_text=t("network.same_for_all_tip"),
        )
        c.add(same, lambda e: self._same_for_all())
        done = UIButton(
            pygame.Rect(box.right - px(10) - px(72), bar_y, px(72), px(26)),
            t("network.done"),
            c.manager,
        )
        c.add(done, lambda e: self._close())

    def _menu(self, side: str, i: int, options: list[str], layers, rect: pygame.Rect) -> None:
        c = self.controls
        current = layers[i] if i < len(layers) else layers[-1]
        shown = options if current in options else [*options, current]
        menu = drop_down(shown, current, rect, c.manager, limit=px(300))  # in the window
        c.menus[f"layer_{side}{i}"] = menu
        c.add(menu, lambda e: self._pick(side, i, e.text) is False and c.build())

    def _pick(self, side: str, i: int, name: str) -> bool:
        m = self.model
        if side == "a":
            names = list(m.config.layer_activations())
            names[i] = name
            return m.set(activation=activation_text(names), pieces=None)
        names = list(m.variant(m.config).layer_activations())
        names[i] = name
        return m.set_side_by_side(True, value=activation_text(names))

    def _same_for_all(self) -> None:
        m = self.model
        first = m.config.layer_activations()[0]
        if m.set(activation=first, pieces=None):
            self.controls.build()

    def _close(self) -> None:
        self.controls.per_layer_open = False
        self.controls.build()


def covers(controls: NetworkControls, event) -> bool:
    """A mouse event over the open panel (its widgets had it first): not the nets' under it."""
    r = controls.per_layer_rect
    pos = getattr(event, "pos", None)
    return controls.per_layer_open and r is not None and pos is not None and r.collidepoint(pos)


def draw_back(controls: NetworkControls, screen: pygame.Surface) -> None:
    """The open panel's background, under its captions and widgets."""
    if not controls.per_layer_open or controls.per_layer_rect is None:
        return
    r = controls.per_layer_rect
    screen.fill(palette.PANEL, r)
    pygame.draw.rect(screen, palette.PANEL_LINE, r, lw())
