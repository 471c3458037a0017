"""The Network lab's side panel, section by section, top to bottom (data, network,
regularization, training, side by side, look closer): each widget placed by the row placer at
the roomiest pitch that fits the window, and put in the controls' books (actions, captions,
sliders, menus, boxes) that route its events to the model."""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pygame
import pygame_gui
from pygame_gui.elements import UICheckBox

from explorer.app.scenes.network.look_closer import LookCloser
from explorer.app.scenes.network.model import COMPARE_KEYS
from explorer.app.scenes.network.panel_words import (
    B_VALUES,
    BATCHES,
    EPOCHS,
    MENU_WORDS,
    PATIENCE,
    PENALTIES,
    ROW,
    WORDS,
    _b_value,
    _penalty,
    _unword,
    _with_value,
    _word,
    b_value_text,
    dataset_text,
)
from explorer.app.scenes.network.per_layer import PER_LAYER, chosen, menu_value, set_depth
from explorer.app.ui.i18n import t
from explorer.app.ui.menus import drop_down
from explorer.app.ui.row import Column
from explorer.app.ui.scale import px
from explorer.app.ui.slider import ValueSlider
from explorer.pieces import finish
from explorer.specs import Hyper
from explorer.training import INITS, ranges
from explorer.training.config import LOSSES, NORMALIZE

if TYPE_CHECKING:
    from explorer.app.scenes.network.controls import NetworkControls


@dataclass(frozen=True)
class _CompareFit:
    """How the side-by-side row fits: B's choices, the widths "B differs" and B's menu need, and
    whether both fit on one row."""

    values: list | tuple
    want_a: int
    want_b: int
    one_row: bool


class SidePanel:
    """Builds the side panel once (``build``) into ``controls``; a new layout, scale or language
    builds a new one."""

    def __init__(self, controls: NetworkControls) -> None:
        self.controls = controls
        self.scene = controls.scene
        self.model = controls.model
        self.manager = controls.manager

    def build(self) -> pygame.Rect:
        """The side panel, section by section, top to bottom: the row placer (``Row``,
        ``Column``) gives every widget its place at the UI scale, at the roomiest pitch that
        fits the window (docs/architecture.md, "Panels", says why not pygame_gui containers).
        Returns the room left under it, for the lab's messages."""
        return finish(self.pieces())

    def pieces(self) -> Generator[None, None, pygame.Rect]:
        """``build``, a section a piece (a lesson's next scene is built between frames)."""
        L = self.scene.layout
        col = Column(L.side.x + px(12), L.side.y + px(8), L.side.w - px(24))
        fit = self._compare_fit(col.w)
        hypers = self._pitch(col, fit.one_row)
        self._data_section(col)
        yield
        self._network_section(col)
        yield
        self._regularization_section(col)
        yield
        self._training_section(col, hypers)
        yield
        self._side_by_side_section(col, fit)
        yield
        LookCloser(self.controls).section(col, L.side.bottom)
        bottom = max(px(20), L.side.bottom - col.y - px(8))
        return pygame.Rect(col.x, col.y + px(4), col.w, bottom)

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

        shown = [*values, b_value_text(m)]  # B's own value too ("tanh/relu/sigmoid", a name)
        want_a, want_b = need(t("network.b_differs"), COMPARE_KEYS), need("B =", shown)
        return _CompareFit(values, want_a, want_b, want_a + want_b <= w - px(8))

    def _pitch(self, col: Column, one_row: bool) -> list[tuple[str, Hyper]]:
        """Set ``col``'s pitch: the roomy one where it fits; else a tighter one. Returns the
        optimizer's sliders that fit (its rate at least), leaving two lines for a message."""
        cfg = self.model.config
        hypers = list(self.model.registry.optimizer(cfg.optimizer).hyper.items())[:3]
        fixed = 16 + (0 if one_row else 1)  # rows of the panel besides the optimizer's
        room = self.scene.layout.side.bottom - col.y
        room -= 2 * self.scene.text.line_height(13) + px(10)
        for row, head, gap in ((ROW, 24, 4), (26, 22, 0), (25, 22, 0)):  # the last: a crowd
            col.row, col.head, col.gap = px(row), px(head), px(gap)
            shown = (room - fixed * col.row - 6 * col.head - 5 * col.gap) // col.row
            if shown >= len(hypers):
                break
        return hypers[: max(min(1, len(hypers)), min(len(hypers), shown))]

    def _header(self, col: Column, text: str) -> None:
        kind = self.scene.text.kind_for(text, "bold")
        text_w = self.scene.text.font(15, kind).size(text)[0] + px(4)
        self.controls.caption((col.x, col.y, min(col.w, text_w), px(22)), text, "header")
        col.y += col.head

    def _menu(self, col: Column, key, label, options, current, x, width, apply) -> None:
        """A labelled menu on ``col``'s row: the label takes what its text needs, the menu the
        rest of ``width``."""
        label_w = self.scene.text.font(13, self.scene.text.kind_for(label, "sans"))
        label_w = label_w.size(label)[0] + px(8)
        self.controls.caption((x, col.y, label_w - px(4), px(24)), label)
        options = [str(o) for o in options]
        current = str(current)
        if current not in options:  # set by a setup, a lesson or --set: shown as it is
            options = _with_value(options, current)
        words = MENU_WORDS.get(key, WORDS)
        dd = drop_down(  # its open list stays in the window: up where below is too short
            [_word(o, words) for o in options],  # "off", "on", "max" in the UI's language
            _word(current, words),
            pygame.Rect(x + label_w, col.y, width - label_w, px(24)),
            self.manager,
            limit=px(300),
        )
        self.controls.menus[key] = dd
        # a refused choice (one sentence below the panel) puts the menus back as they were
        self.controls.add(
            dd, lambda e: apply(_unword(e.text, words)) is False and self.controls.build()
        )

    def _header_box(
        self, col: Column, key: str, label: str, on: bool, apply, x=None, tip=None
    ) -> None:
        """A check box on the header's row just above (the panel is short at 1024 × 640), at
        ``x`` (default: the right half)."""
        x = col.right_half if x is None else x
        rect = pygame.Rect(x, col.y - col.head + px(2), px(18), px(18))
        box = UICheckBox(rect, label, self.manager, initial_state=on, tool_tip_text=tip)
        self.controls.boxes[key] = box
        self.controls.add(box, lambda e: apply(e.type == pygame_gui.UI_CHECK_BOX_CHECKED))

    def _data_section(self, col: Column) -> None:
        m, cfg, reg = self.model, self.model.config, self.model.registry
        self._header(col, t("network.data"))
        self._menu(
            col,
            "dataset",
            t("network.dataset"),
            list(reg.datasets),
            dataset_text(cfg),  # your own points show as csv:FILE; a dataset picked replaces them
            col.x,
            col.half,
            lambda v: (
                v == dataset_text(m.config)
                or m.set(dataset=v, n=None, noise=None, data=None, data_sha256=None)
            ),
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
        head = t("network.network")  # skips: between the header's word and batch norm
        head_w = self.scene.text.font(15, self.scene.text.kind_for(head, "bold")).size(head)[0]
        self._header_box(
            col,
            "residual",
            t("network.residual"),
            cfg.residual,
            lambda on: m.set(residual=on),
            x=col.x + head_w + px(16),
            tip=t("network.residual_tip"),
        )
        self._slider(
            "depth",
            t("network.depth"),
            ranges.hint("depth"),
            cfg.depth,
            col.x,
            col.y,
            col.w,
            lambda v: set_depth(m, int(round(v))),
            limits=ranges.limits("depth"),
        )
        col.y += col.row
        self._slider(
            "width",
            t("network.width"),
            ranges.hint("width"),
            cfg.width,
            col.x,
            col.y,
            col.w,
            lambda v: m.set(width=int(round(v))),
            limits=ranges.limits("width"),
        )
        col.y += col.row
        wide = int((col.w - px(8)) * 0.56)  # "activation" is a long label, "init" a short one
        self._menu(
            col,
            "activation",
            t("network.activation"),
            [*reg.activations, PER_LAYER],
            menu_value(self.controls),
            col.x,
            wide,
            lambda v: chosen(self.controls, v),
        )
        self.controls.activation_y = col.y
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
            ranges.hint("dropout"),
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
            ranges.hint("input_dropout"),
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
            self.controls._optimizer_chosen,
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
                lambda v, _k=key: self.controls._hyper_moved(_k, v),
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
            lambda v: m.set_side_by_side(m.side_by_side, compare=v) and self.controls.build(),
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
            lambda v: m.set_side_by_side(m.side_by_side, value=_b_value(m, v)),
        )
        col.y += col.row + col.gap

    def _slider(
        self, key, label, hyper: Hyper, value, x, y, w, apply, limits=None, label_w=None
    ) -> None:
        """A named slider with its typed value at (x, y), ``w`` wide; it applies once it rests
        (``apply_pending``)."""
        label_w = px(64) if label_w is None else label_w
        self.controls.caption((x, y, label_w - px(2), px(22)), label)

        def moved(v: float) -> None:
            self.controls.pending[key] = (time.perf_counter(), lambda: apply(v))

        self.controls.sliders[key] = ValueSlider(
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
