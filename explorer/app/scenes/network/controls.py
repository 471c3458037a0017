"""The Network lab's widgets (pygame_gui only): every knob of the run, routed to the model.

Sliders restart the training, so a change is applied once the slider rests (a drag would
otherwise restart the run every frame); menus and boxes apply at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import pygame
import pygame_gui
from pygame_gui.elements import UIButton, UICheckBox, UIDropDownMenu

from explorer.app.scenes.network.model import COMPARE_KEYS, SPEEDS, NetworkModel
from explorer.app.ui.i18n import t
from explorer.app.ui.row import Column, Row
from explorer.app.ui.scale import factor, px
from explorer.app.ui.slider import ValueSlider
from explorer.app.ui.text_slot import TextSlot
from explorer.app.ui.widget_events import run_action
from explorer.specs import Hyper
from explorer.training import INITS, ranges
from explorer.training.config import LOSSES, NORMALIZE

ROW = 28  # a row of the side panel at UI scale 1
SETTLE_S = 0.3
# The sliders' ranges are hints; a typed value may go as far as the setting's law allows (both
# declared once, in explorer/training/ranges.py).
DEPTH = ranges.hint("depth")
DEPTH_LIMITS = ranges.limits("depth")
WIDTH = ranges.hint("width")
WIDTH_LIMITS = ranges.limits("width")
DROPOUT = ranges.hint("dropout")
INPUT_DROPOUT = ranges.hint("input_dropout")
BATCHES = ("8", "16", "32", "64", "128", "256")
PENALTIES = ("off", "1e-5", "1e-4", "1e-3", "1e-2", "1e-1")
PATIENCE = ("off", "2", "3", "5", "10")
EPOCHS = ("5", "10", "20", "40", "100", "300")
B_VALUES = {
    "activation": None,  # every activation plugin
    "init": INITS,
    "batch_norm": ("on", "off"),
    "dropout": ("0", "0.2", "0.5", "0.8"),
    "optimizer": None,
    "depth": ("1", "2", "4", "8", "12"),
}


@dataclass(frozen=True)
class _CompareFit:
    """How the side-by-side row fits: B's choices, the widths "B differs" and B's menu need, and
    whether both fit on one row."""

    values: list | tuple
    want_a: int
    want_b: int
    one_row: bool


class NetworkControls:
    def __init__(self, scene) -> None:
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
        self.build()

    # -- building -----------------------------------------------------------------------------
    def build(self) -> None:
        """Every widget, placed for the scene's layout at the current UI scale."""
        self.manager = self.scene.manager
        self.manager.clear_and_reset()
        self.actions.clear()
        self.captions.clear()
        self.sliders.clear()
        self.menus.clear()
        self.boxes.clear()
        self._toolbar()
        self._panel()

    def _add(self, element, action: Callable | None = None):
        if action is not None:
            self.actions[element] = action
        return element

    def _caption(self, rect, text: str, style: str = "label") -> TextSlot:
        slot = TextSlot(rect, text, style)
        self.captions.append(slot)
        return slot

    def _toolbar(self) -> None:
        L, m = self.scene.layout, self.model
        bar = Row(px(8), L.toolbar.right - px(8), L.toolbar.y + px(6), 32)
        self.play_button = self._add(
            UIButton(
                bar.take(76),
                t("network.pause") if m.playing else t("network.play"),
                self.manager,
                tool_tip_text=t("network.play_tip"),
            ),
            lambda e: m.toggle_play(),
        )
        self.step_button = self._add(
            UIButton(
                bar.take(100),
                t("network.minibatch"),
                self.manager,
                tool_tip_text=t("network.minibatch_tip"),
            ),
            lambda e: m.step(1),
        )
        self.epoch_button = self._add(
            UIButton(
                bar.take(70),
                t("network.epoch"),
                self.manager,
                tool_tip_text=t("network.epoch_tip"),
            ),
            lambda e: m.step(max(1, max((s.steps_per_epoch for s in m.snapshots), default=1))),
        )
        self.reset_button = self._add(
            UIButton(
                bar.take(64),
                t("network.reset"),
                self.manager,
                tool_tip_text=t("network.reset_tip"),
            ),
            lambda e: m.reset(),
        )
        self._add(
            UIButton(
                bar.take_right(56),
                t("network.help"),
                self.manager,
                tool_tip_text=t("network.help_tip"),
            ),
            lambda e: self.scene.show_help(),
        )
        bar.skip(6)
        self._caption(bar.take(44, 22), t("network.speed"))
        options = [_speed_text(v) for v in SPEEDS]
        self.speed_menu = UIDropDownMenu(
            [_word(o) for o in options], _word(_speed_text(m.speed)), bar.take(96, 24), self.manager
        )
        self._add(self.speed_menu, lambda e: m.set_speed(SPEEDS[options.index(_unword(e.text))]))
        bar.skip(8)
        self.status_rect = bar.take(0, stretch=True)

    def _panel(self) -> None:
        """The side panel, section by section, top to bottom: the row placer (``Row``,
        ``Column``) gives every widget its place at the UI scale, at the roomiest pitch that
        fits the window (docs/architecture.md, "Panels", says why not pygame_gui containers)."""
        L = self.scene.layout
        col = Column(L.side.x + px(12), L.side.y + px(8), L.side.w - px(24))
        fit = self._compare_fit(col.w)
        hypers = self._pitch(col, fit.one_row)
        self._data_section(col)
        self._network_section(col)
        self._regularization_section(col)
        self._training_section(col, hypers)
        self._side_by_side_section(col, fit)
        self._look_closer(col.x, col.y, col.w, col.head)
        col.y += col.head + col.row
        bottom = max(px(20), L.side.bottom - col.y - px(8))
        self.message_rect = pygame.Rect(col.x, col.y + px(4), col.w, bottom)

    def _compare_fit(self, w: int) -> _CompareFit:
        """B's menu as wide as its longest choice needs (a plugin's name may be long); "B
        differs" takes the rest, on the same row if both fit."""
        m, reg = self.model, self.model.registry
        values = B_VALUES[m.compare]
        if values is None:
            values = list(reg.activations if m.compare == "activation" else reg.optimizers)
        text, font = self.scene.text, self.scene.text.font(13)

        def need(label: str, options) -> int:  # label, longest option, the arrow and borders
            label_font = text.font(13, text.kind_for(label, "sans"))
            return label_font.size(label)[0] + max(font.size(str(o))[0] for o in options) + px(50)

        want_a, want_b = need(t("network.b_differs"), COMPARE_KEYS), need("B =", values)
        return _CompareFit(values, want_a, want_b, want_a + want_b <= w - px(8))

    def _pitch(self, col: Column, one_row: bool) -> list[tuple[str, Hyper]]:
        """Set ``col``'s pitch: the roomy one where it fits; else a tighter one. Returns the
        optimizer's sliders that fit (its rate at least), leaving two lines for a message."""
        cfg = self.model.config
        hypers = list(self.model.registry.optimizer(cfg.optimizer).hyper.items())[:3]
        fixed = 13 + (0 if one_row else 1)  # rows of the panel besides the optimizer's
        room = self.scene.layout.side.bottom - col.y
        room -= 2 * self.scene.text.line_height(13) + px(10)
        for row, head, gap in ((ROW, 24, 4), (26, 22, 0)):
            col.row, col.head, col.gap = px(row), px(head), px(gap)
            shown = (room - fixed * col.row - 6 * col.head - 5 * col.gap) // col.row
            if shown >= len(hypers):
                break
        return hypers[: max(min(1, len(hypers)), min(len(hypers), shown))]

    def _header(self, col: Column, text: str) -> None:
        kind = self.scene.text.kind_for(text, "bold")
        text_w = self.scene.text.font(15, kind).size(text)[0] + px(4)
        self._caption((col.x, col.y, min(col.w, text_w), px(22)), text, "header")
        col.y += col.head

    def _menu(self, col: Column, key, label, options, current, x, width, apply) -> None:
        """A labelled menu on ``col``'s row: the label takes what its text needs, the menu the
        rest of ``width``."""
        label_w = self.scene.text.font(13, self.scene.text.kind_for(label, "sans"))
        label_w = label_w.size(label)[0] + px(8)
        self._caption((x, col.y, label_w - px(4), px(24)), label)
        options = [str(o) for o in options]
        current = str(current)
        if current not in options:  # set by a setup, a lesson or --set: shown as it is
            options = _with_value(options, current)
        words = MENU_WORDS.get(key, WORDS)
        dd = UIDropDownMenu(
            [_word(o, words) for o in options],  # "off", "on", "max" in the UI's language
            _word(current, words),
            pygame.Rect(x + label_w, col.y, width - label_w, px(24)),
            self.manager,
            expansion_height_limit=px(300),
        )
        self.menus[key] = dd
        # a refused choice (one sentence below the panel) puts the menus back as they were
        self._add(dd, lambda e: apply(_unword(e.text, words)) is False and self.build())

    def _header_box(self, col: Column, key: str, label: str, on: bool, apply) -> None:
        """A check box on the header's row just above (the panel is short at 1024 × 640)."""
        rect = pygame.Rect(col.right_half, col.y - col.head + px(2), px(18), px(18))
        box = UICheckBox(rect, label, self.manager, initial_state=on)
        self.boxes[key] = box
        self._add(box, lambda e: apply(e.type == pygame_gui.UI_CHECK_BOX_CHECKED))

    def _data_section(self, col: Column) -> None:
        m, cfg, reg = self.model, self.model.config, self.model.registry
        self._header(col, t("network.data"))
        self._menu(
            col,
            "dataset",
            t("network.dataset"),
            list(reg.datasets),
            cfg.dataset,
            col.x,
            col.half,
            lambda v: m.set(dataset=v, n=None, noise=None),
        )
        self._menu(
            col,
            "batch",
            t("network.batch"),
            BATCHES,
            cfg.batch_size,
            col.right_half,
            col.half,
            lambda v: m.set(batch_size=int(v)),
        )
        col.y += col.row
        self._menu(
            col,
            "loss",
            t("network.loss"),
            LOSSES,
            cfg.loss,
            col.x,
            col.half,
            lambda v: m.set(loss=v),
        )
        self._menu(
            col,
            "normalize",
            t("network.normalize"),
            NORMALIZE,
            cfg.normalize,
            col.right_half,
            col.half,
            lambda v: m.set(normalize=v),
        )
        col.y += col.row + col.gap

    def _network_section(self, col: Column) -> None:
        m, cfg, reg = self.model, self.model.config, self.model.registry
        self._header(col, t("network.network"))
        self._header_box(
            col,
            "batch_norm",
            t("network.batch_norm"),
            cfg.batch_norm,
            lambda on: m.set(batch_norm=on),
        )
        self._slider(
            "depth",
            t("network.depth"),
            DEPTH,
            cfg.depth,
            col.x,
            col.y,
            col.w,
            lambda v: m.set(depth=int(round(v))),
            limits=DEPTH_LIMITS,
        )
        col.y += col.row
        self._slider(
            "width",
            t("network.width"),
            WIDTH,
            cfg.width,
            col.x,
            col.y,
            col.w,
            lambda v: m.set(width=int(round(v))),
            limits=WIDTH_LIMITS,
        )
        col.y += col.row
        wide = int((col.w - px(8)) * 0.56)  # "activation" is a long label, "init" a short one
        self._menu(
            col,
            "activation",
            t("network.activation"),
            list(reg.activations),
            cfg.activation,
            col.x,
            wide,
            lambda v: m.set(activation=v, pieces=None),
        )
        self._menu(
            col,
            "init",
            t("network.init"),
            INITS,
            cfg.init,
            col.x + wide + px(8),
            col.w - wide - px(8),
            lambda v: m.set(init=v),
        )
        col.y += col.row + col.gap

    def _regularization_section(self, col: Column) -> None:
        m, cfg = self.model, self.model.config
        self._header(col, t("network.regularization"))
        # both dropouts' sliders start where the longer name ends
        names = (t("network.dropout"), t("network.input_dropout"))
        font = self.scene.text.font(13)
        label_w = max(px(64), *(font.size(n)[0] + px(8) for n in names))
        self._slider(
            "dropout",
            names[0],
            DROPOUT,
            cfg.dropout,
            col.x,
            col.y,
            col.w,
            lambda v: m.set(dropout=round(v, 4)),
            label_w=label_w,
        )
        col.y += col.row
        self._slider(
            "input_dropout",
            names[1],
            INPUT_DROPOUT,
            cfg.input_dropout,
            col.x,
            col.y,
            col.w,
            lambda v: m.set(input_dropout=round(v, 4)),
            label_w=label_w,
        )
        col.y += col.row
        self._menu(
            col,
            "l1",
            "L1",
            PENALTIES,
            _penalty(cfg.l1),
            col.x,
            col.half,
            lambda v: m.set(l1=0.0 if v == "off" else float(v)),
        )
        self._menu(
            col,
            "l2",
            "L2",
            PENALTIES,
            _penalty(cfg.l2),
            col.right_half,
            col.half,
            lambda v: m.set(l2=0.0 if v == "off" else float(v)),
        )
        col.y += col.row
        self._menu(
            col,
            "patience",
            t("network.early_stop"),
            PATIENCE,
            cfg.patience or "off",
            col.x,
            col.half,
            lambda v: m.set(patience=None if v == "off" else int(v)),
        )
        self._menu(
            col,
            "epochs",
            t("network.epochs"),
            EPOCHS,
            cfg.epochs,
            col.right_half,
            col.half,
            lambda v: m.set(epochs=int(v)),
        )
        col.y += col.row + col.gap

    def _training_section(self, col: Column, hypers: list[tuple[str, Hyper]]) -> None:
        """The optimizer, its schedule (one row each: schedule names such as
        reduce_on_plateau need the whole width) and the optimizer's sliders that fit."""
        m, cfg, reg = self.model, self.model.config, self.model.registry
        self._header(col, t("network.training"))
        self._menu(
            col,
            "optimizer",
            t("network.optimizer"),
            list(reg.optimizers),
            cfg.optimizer,
            col.x,
            col.w,
            self._optimizer_chosen,
        )
        col.y += col.row
        self._menu(
            col,
            "schedule",
            t("network.schedule"),
            list(reg.schedules),
            cfg.schedule,
            col.x,
            col.w,
            lambda v: m.set(schedule=v, schedule_hyper={}),
        )
        col.y += col.row
        for key, hyper in hypers:
            value = cfg.optimizer_hyper.get(key, hyper.default)
            self._slider(
                f"opt:{key}",
                key,
                hyper,
                value,
                col.x,
                col.y,
                col.w,
                lambda v, _k=key: self._hyper_moved(_k, v),
            )
            col.y += col.row
        col.y += col.gap

    def _side_by_side_section(self, col: Column, fit: _CompareFit) -> None:
        """Two nets side by side: which setting B changes and to what; B's menu as wide as it
        needs, "B differs" beside it or on a row of its own."""
        m = self.model
        self._header(col, t("network.side_by_side"))
        self._header_box(col, "side", t("network.two_nets"), m.side_by_side, m.set_side_by_side)
        w = col.w
        b_w = max(fit.want_b, w - px(8) - fit.want_a) if fit.one_row else w
        self._menu(
            col,
            "compare",
            t("network.b_differs"),
            COMPARE_KEYS,
            m.compare,
            col.x,
            w - b_w - px(8) if fit.one_row else w,
            lambda v: m.set_side_by_side(m.side_by_side, compare=v) and self.build(),
        )
        if not fit.one_row:
            col.y += col.row
        self._menu(
            col,
            "b_value",
            "B =",
            fit.values,
            b_value_text(m),
            col.x + w - b_w,
            b_w,
            lambda v: m.set_side_by_side(m.side_by_side, value=_b_value(m.compare, v)),
        )
        col.y += col.row + col.gap

    def _look_closer(self, x0: int, y: int, w: int, head: int) -> None:
        """The "Look closer" section: "Hessian here" first in its row; ``look_closer_row`` keeps
        the rest of the row for the next button."""
        kind = self.scene.text.kind_for(t("network.look_closer"), "bold")
        text_w = self.scene.text.font(15, kind).size(t("network.look_closer"))[0] + px(4)
        self._caption((x0, y, min(w, text_w), px(22)), t("network.look_closer"), "header")
        self.look_closer_row = bar = Row(x0, x0 + w, y + head, 24)
        labels = (t("network.hessian_here"), t("network.hessian_busy"))
        text = self.scene.text
        need = max(text.font(14, text.kind_for(label, "sans")).size(label)[0] for label in labels)
        need = need / factor() + 28
        self.hessian_button = self._add(
            UIButton(
                bar.take(need),
                labels[1] if self.model.hessian_busy() else labels[0],
                self.manager,
                tool_tip_text=t("network.hessian_tip"),
            ),
            lambda e: self.scene.hessian_here(),
        )
        self.landscape_button = self._add(
            UIButton(
                bar.take(0, stretch=True),
                t("network.landscape_button"),
                self.manager,
                tool_tip_text=t("network.landscape_tooltip"),
            ),
            lambda e: self.scene.landscape_of_this_net(),
        )

    def _slider(
        self, key, label, hyper: Hyper, value, x, y, w, apply, limits=None, label_w=None
    ) -> None:
        """A named slider with its typed value at (x, y), ``w`` wide; it applies once it rests
        (``apply_pending``)."""
        label_w = px(64) if label_w is None else label_w
        self._caption((x, y, label_w - px(2), px(22)), label)

        def moved(v: float) -> None:
            self.pending[key] = (time.perf_counter(), lambda: apply(v))

        self.sliders[key] = ValueSlider(
            self.manager,
            pygame.Rect(x + label_w, y, w - label_w, px(22)),
            hyper,
            value,
            moved,
            entry_w=px(66),
            limits=limits,
            on_error=lambda text: self.model.notify(
                t("landscape.slider_error", name=label, reason=text), "error"
            ),
        )

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
        state = (m.config, m.speed, m.side_by_side, m.compare, m.compare_value)
        if state != self._seen:
            self._seen = state
            if self._disagree():
                self.build()

    def _disagree(self) -> bool:
        m, cfg = self.model, self.model.config
        expected = {
            "dataset": cfg.dataset,
            "batch": str(cfg.batch_size),
            "activation": cfg.activation,
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
        for key, text in expected.items():
            menu = self.menus.get(key)
            if menu is not None and menu.selected_option[0] != _word(text, MENU_WORDS.get(key)):
                return True
        for key, value in (("batch_norm", cfg.batch_norm), ("side", m.side_by_side)):
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


# menu words that are not names (of a plugin, a dataset): shown in the UI's language
WORDS = {"off": "network.word_off", "on": "network.word_on", "max": "network.word_max"}
MENU_WORDS = {
    "loss": {"auto": "network.word_auto", "ce": "network.word_ce", "mse": "network.word_mse"},
    "normalize": {"off": "network.word_off", "standard": "network.word_standard"},
}


def _with_value(options: list[str], value: str) -> list[str]:
    """``options`` with ``value`` added, in numeric order where the choices are numbers ("off"
    and other words stay first)."""

    def number(text: str) -> float | None:
        try:
            return float(text)
        except ValueError:
            return None

    if number(value) is None:
        return [*options, value]
    words = [o for o in options if number(o) is None]
    numbers = sorted([o for o in options if number(o) is not None] + [value], key=number)
    return words + numbers


def _word(value: str, words: dict[str, str] | None = None) -> str:
    words = WORDS if words is None else words
    return t(words[value]) if value in words else value


def _unword(text: str, words: dict[str, str] | None = None) -> str:
    words = WORDS if words is None else words
    return next((value for value, key in words.items() if t(key) == text), text)


def _speed_text(speed: float | None) -> str:
    return "max" if speed is None else f"{speed:g}/s"


def _penalty(value: float) -> str:
    if not value:
        return "off"
    short = f"{value:.0e}".replace("e-0", "e-")
    return short if float(short) == value else f"{value:g}"  # 3.5e-3 is not shown as 4e-3


def b_value_text(model: NetworkModel) -> str:
    """What the B side really uses for the compared setting, as its menu writes it."""
    b = model.variant(model.config)
    return _b_text(getattr(b, model.compare))


def _b_text(value) -> str:
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def _b_value(key: str, text: str):
    if key == "batch_norm":
        return text == "on"
    if key == "dropout":
        return float(text)
    if key == "depth":
        return int(text)
    return text
