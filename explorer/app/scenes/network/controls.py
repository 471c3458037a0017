"""The Network lab's widgets (pygame_gui only): every knob of the run, routed to the model.

Sliders restart the training, so a change is applied once the slider rests (a drag would
otherwise restart the run every frame); menus and boxes apply at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UICheckBox, UIDropDownMenu

from explorer.app.scenes.network import script_export
from explorer.app.scenes.network.data_panel_widgets import DataPanelWidgets
from explorer.app.scenes.network.model import SPEEDS, NetworkModel
from explorer.app.scenes.network.panel_words import (
    MENU_WORDS,
    _penalty,
    _speed_text,
    _unword,
    _with_value,  # noqa: F401 - read by the tests as controls' own
    _word,
    b_value_text,
    dataset_text,
)
from explorer.app.scenes.network.per_layer import (
    PerLayerPanel,
    b_differs_in_activation,
    menu_value,
)
from explorer.app.scenes.network.side_panel import SidePanel
from explorer.app.ui.i18n import t
from explorer.app.ui.row import Row
from explorer.app.ui.scale import factor, px
from explorer.app.ui.slider import ValueSlider
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action
from explorer.pieces import finish

SETTLE_S = 0.3


class NetworkControls:
    """Every widget of the lab, the books that route their events to the model (``actions``,
    ``sliders``, ``menus``, ``boxes``), and keeping them in step with the model (``sync``)."""

    def __init__(self, scene, build: bool = True) -> None:
        """``build`` False: no widget yet (``build_pieces`` makes them, a piece a frame)."""
        self.scene = scene
        self.model: NetworkModel = scene.model
        self.manager: pygame_gui.UIManager = scene.manager
        self.actions: dict[object, Callable] = {}
        self.captions: list[TextSlot] = []
        self.sliders: dict[str, ValueSlider] = {}
        self.menus: dict[str, UIDropDownMenu] = {}
        self.boxes: dict[str, UICheckBox] = {}
        self.pending: dict[str, tuple[float, Callable[[], None]]] = {}
        self.status_rect = pygame.Rect(0, 0, 0, 0)
        self._seen: tuple = ()
        self.per_layer_open = False  # the panel of an activation per layer (per_layer.py)
        self.per_layer_rect: pygame.Rect | None = None
        self.activation_y = 0  # where the activation menu's row is: the panel opens beside it
        self.message_rect = pygame.Rect(0, 0, 0, 0)
        if build:
            self.build()

    # -- building -----------------------------------------------------------------------------
    def build(self) -> None:
        """Every widget, placed for the scene's layout at the current UI scale."""
        finish(self.build_pieces())

    def build_pieces(self) -> Generator[None, None, None]:
        """``build``, a piece at a time: the toolbar, then each section of the side panel."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        self.sliders.clear()
        self.menus.clear()
        self.boxes.clear()
        self.per_layer_rect = None
        self._toolbar()
        yield
        self.message_rect = yield from SidePanel(self).pieces()
        panel = self.scene.data_panel
        if panel.is_open:  # over the nets: its own rows of widgets
            self.data_widgets = DataPanelWidgets(self, panel)
            self.data_widgets.build()
        if self.per_layer_open:
            PerLayerPanel(self).build(self.activation_y)

    def add(self, element, action: Callable | None = None):
        """Put ``element`` in the book (``action``: what its event does)."""
        if action is not None:
            self.actions[element] = action
        return element

    def caption(self, rect, text: str, style: str = "label") -> TextSlot:
        slot = TextSlot(rect, text, style)
        self.captions.append(slot)
        return slot

    def _toolbar(self) -> None:
        L, m = self.scene.layout, self.model
        bar = Row(px(8), L.toolbar.right - px(8), L.toolbar.y + px(6), 32)
        self.play_button = self.add(
            UIButton(
                bar.take(76),
                t("network.pause") if m.playing else t("network.play"),
                self.manager,
                tool_tip_text=t("network.play_tip"),
            ),
            lambda e: m.toggle_play(),
        )
        self.step_button = self.add(
            UIButton(
                bar.take(100),
                t("network.minibatch"),
                self.manager,
                tool_tip_text=t("network.minibatch_tip"),
            ),
            lambda e: m.step(1),
        )
        self.epoch_button = self.add(
            UIButton(
                bar.take(70),
                t("network.epoch"),
                self.manager,
                tool_tip_text=t("network.epoch_tip"),
            ),
            lambda e: m.step(max(1, max((s.steps_per_epoch for s in m.snapshots), default=1))),
        )
        self.reset_button = self.add(
            UIButton(
                bar.take(64),
                t("network.reset"),
                self.manager,
                tool_tip_text=t("network.reset_tip"),
            ),
            lambda e: m.reset(),
        )
        self.add(
            UIButton(
                bar.take_right(56),
                t("network.help"),
                self.manager,
                tool_tip_text=t("network.help_tip"),
            ),
            lambda e: self.scene.show_help(),
        )
        self.data_button = self.add(
            UIButton(
                bar.take_right(self._text_width(t("network.data_button"))),
                t("network.data_button"),
                self.manager,
                tool_tip_text=t("network.data_button_tip"),
            ),
            lambda e: self.scene.data_panel.toggle(),
        )
        self.export_button = self.add(
            UIButton(
                bar.take_right(self._text_width(t("network.export"))),
                t("network.export"),
                self.manager,
                tool_tip_text=t("network.export_tip"),
            ),
            lambda e: self.export_script(),
        )
        bar.skip(6)
        self.caption(bar.take(44, 22), t("network.speed"))
        options = [_speed_text(v) for v in SPEEDS]
        self.speed_menu = UIDropDownMenu(
            [_word(o) for o in options], _word(_speed_text(m.speed)), bar.take(96, 24), self.manager
        )
        self.add(self.speed_menu, lambda e: m.set_speed(SPEEDS[options.index(_unword(e.text))]))
        bar.skip(8)
        self.status_rect = bar.take(0, stretch=True)

    def _text_width(self, label: str) -> float:
        """A button's width at scale 1 for ``label`` in the UI's font, with its padding."""
        text = self.scene.text
        return text.font(14, text.kind_for(label, "sans")).size(label)[0] / factor() + 24

    def export_script(self) -> None:
        """Export as PyTorch: net A's settings as one plain PyTorch script beside the saved
        setups; where it went (or why not) is the lab's message."""
        ok, said = script_export.export(self.model.config, self.model.registry)
        self.model.notify(said, "info" if ok else "error")

    # -- events -------------------------------------------------------------------------------
    def handle(self, event) -> bool:
        for slider in list(self.sliders.values()):
            if slider.handle(event):
                return True
        return run_action(self.actions, event)

    def apply_pending(self, now: float | None = None, settle: float = SETTLE_S) -> None:
        now = time.perf_counter() if now is None else now
        for key, (since, apply) in list(self.pending.items()):
            if now - since >= settle:
                del self.pending[key]
                apply()
                if key.startswith("opt:") or key in ("depth", "width", "dropout", "input_dropout"):
                    self._sync_slider(key)

    def flush(self) -> None:
        """Apply every waiting slider change now (tests, scripts)."""
        self.apply_pending(settle=0.0)

    def _optimizer_chosen(self, name: str) -> bool:
        spec = self.model.registry.optimizer(name)
        lr = {"lr": spec.hyper["lr"].default} if "lr" in spec.hyper else {}
        ok = self.model.set(optimizer=name, optimizer_hyper=lr)
        if ok:
            self.build()  # its own sliders
        return ok

    def _hyper_moved(self, key: str, value: float) -> None:
        cfg = self.model.config
        self.model.set(optimizer_hyper={**cfg.optimizer_hyper, key: value})

    def _sync_slider(self, key: str) -> None:
        cfg = self.model.config
        if key.startswith("opt:"):
            name = key[4:]
            spec = self.model.registry.optimizer(cfg.optimizer)
            value = cfg.optimizer_hyper.get(name, spec.hyper[name].default)
        else:
            value = getattr(cfg, key)
        self.sliders[key].show(value)

    def sync(self) -> None:
        """Widgets follow the model: a key, a refused change or B moving off A's value shows up
        in them too. Checked only when the model's settings change, never while a widget's own
        event is still on its way (forcing a widget back then would post the opposite event)."""
        m = self.model
        label = t("network.pause") if m.playing else t("network.play")
        if self.play_button.text != label:
            self.play_button.set_text(label)
        busy = m.hessian_busy()
        label = t("network.hessian_busy") if busy else t("network.hessian_here")
        if self.hessian_button.text != label:
            self.hessian_button.set_text(label)
            if busy:
                self.hessian_button.disable()
            else:
                self.hessian_button.enable()
        if m.landscape_pending == self.landscape_button.is_enabled:  # saving the path
            if m.landscape_pending:
                self.landscape_button.disable()
            else:
                self.landscape_button.enable()
        state = (m.config, m.speed, m.side_by_side, m.compare, m.compare_value, m.sharpness)
        if state != self._seen:
            self._seen = state
            if self._disagree():
                self.build()

    def _disagree(self) -> bool:
        m, cfg = self.model, self.model.config
        expected = {
            "dataset": dataset_text(cfg),
            "batch": str(cfg.batch_size),
            "activation": menu_value(self),
            "init": cfg.init,
            "loss": cfg.loss,
            "normalize": cfg.normalize,
            "l1": _penalty(cfg.l1),
            "l2": _penalty(cfg.l2),
            "patience": str(cfg.patience or "off"),
            "epochs": str(cfg.epochs),
            "optimizer": cfg.optimizer,
            "schedule": cfg.schedule,
            "compare": m.compare,
            "b_value": b_value_text(m),
        }
        if self.speed_menu.selected_option[0] != _word(_speed_text(m.speed)):
            return True
        if self.per_layer_open:  # the panel's menus: each layer's activation, A's and B's
            b = m.variant(cfg).layer_activations() if b_differs_in_activation(m) else ()
            for i, name in enumerate(cfg.layer_activations()):
                expected[f"layer_a{i}"] = name
            for i, name in enumerate(b):
                expected[f"layer_b{i}"] = name
        for key, text in expected.items():
            menu = self.menus.get(key)
            if menu is not None and menu.selected_option[0] != _word(text, MENU_WORDS.get(key)):
                return True
        boxes = (
            ("batch_norm", cfg.batch_norm),
            ("residual", cfg.residual),
            ("side", m.side_by_side),
        )
        for key, value in (*boxes, ("sharpness", bool(m.sharpness))):
            box = self.boxes.get(key)
            if box is not None and box.get_state() != value:
                return True
        spec = m.registry.optimizer(cfg.optimizer)
        for key, slider in self.sliders.items():
            if key in self.pending:
                continue  # the user's own change, on its way
            if key.startswith("opt:"):
                name = key[4:]
                value = cfg.optimizer_hyper.get(name, spec.hyper[name].default)
            else:
                value = getattr(cfg, key)
            if abs(slider.value - value) > 1e-9 + 1e-6 * abs(value):
                return True
        return False

    def text_focused(self) -> bool:
        """A typed-value box has the keyboard: keys are typing, not shortcuts."""
        return any(s.focused for s in self.sliders.values())
