"""Balls by label: SGD at η = 0.5 and SGD at η = 2.2 race side by side as ``sgd`` and
``sgd_fast``. A ball's label is its optimizer's name, or a label of its own for a second ball of
one optimizer; ``BallLabels`` remembers which optimizer each such label races, the colour it
takes, where it sits in the list and whether a new label may be used. The model keeps the balls'
hyperparameters and the race; this keeps the names straight, and the settings kept by name
(``hyper``, ``arrows_for``, the racing list) in step when a label comes, goes or changes."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from explorer.app.ui.i18n import t
from explorer.knob_text import LABEL


class BallLabels:
    def __init__(self, names: Sequence[str]) -> None:
        self.names = names  # the optimizers in menu order (the model's list, which may grow)
        self.kinds: dict[str, str] = {}  # a label of its own → the optimizer it races

    def optimizer_of(self, label: str) -> str:
        """``sgd_fast`` → ``sgd``; an optimizer's name → itself."""
        return self.kinds.get(label, label)

    def colour_index(self, label: str) -> int:
        """Its optimizer's place in the menu (one registered later takes the next colour, never
        the first ball's); a labelled ball takes the colours after them, its own for good."""
        if label in self.names:
            return list(self.names).index(label)
        extra = list(self.kinds)
        return len(self.names) + (extra.index(label) + 1 if label in extra else 0)

    def sort_key(self, label: str) -> tuple[int, int]:
        """Menu order, a labelled ball right after the optimizer it races."""
        names, extra, opt = list(self.names), list(self.kinds), self.optimizer_of(label)
        place = names.index(opt) if opt in names else len(names)
        return place, (extra.index(label) + 1 if label in extra else 0)

    def free(self, optimizer: str, taken: Collection[str]) -> str:
        """``sgd_2`` (``sgd_3`` … if taken): a label no ball and no optimizer has."""
        k = 2
        while f"{optimizer}_{k}" in taken or f"{optimizer}_{k}" in self.names:
            k += 1
        return f"{optimizer}_{k}"

    def refusal(self, label: str, new: str, racing: Collection[str]) -> str | None:
        """Why ``label`` cannot be called ``new`` (one sentence), or None."""
        if not LABEL.fullmatch(new):
            return t("landscape.label_invalid", label=new)
        other = new in self.names and new != self.optimizer_of(label)
        if new in racing or new in self.kinds or other:
            return t("landscape.label_taken", label=new)
        return None

    def rename(self, label: str, new: str) -> None:
        """``label`` is ``new`` from now on, in the same place (so its colour stays)."""
        opt = self.optimizer_of(label)
        kinds = {}
        for key, value in self.kinds.items():
            if key == label:
                if new != opt:
                    kinds[new] = opt
            else:
                kinds[key] = value
        if label not in self.kinds and new != opt:
            kinds[new] = opt
        self.kinds = kinds

    def copy(self, label: str, hyper: dict[str, dict[str, float]], arrows_for: dict) -> str:
        """A label for a second ball of ``label``'s optimizer (``sgd_2`` …), written into
        ``hyper`` and ``arrows_for`` with ``label``'s settings; the new label."""
        opt = self.optimizer_of(label)
        new = self.free(opt, hyper)
        self.kinds[new] = opt
        hyper[new] = dict(hyper[label])
        arrows_for[new] = arrows_for.get(label, True)
        return new

    def rename_with(
        self, label: str, new: str, hyper: dict[str, dict[str, float]], arrows_for: dict
    ) -> None:
        """``rename``, and ``label``'s settings in ``hyper`` and ``arrows_for`` kept under
        ``new`` (an optimizer's own settings stay under its name too)."""
        opt = self.optimizer_of(label)
        self.rename(label, new)
        hyper[new] = dict(hyper[label])
        if label != opt:
            hyper.pop(label, None)
        arrows_for[new] = arrows_for.get(label, True)

    def toggle(
        self, label: str, on: bool, enabled: list[str], hyper: dict[str, dict[str, float]]
    ) -> None:
        """``label`` put in ``enabled`` (in menu order) or taken out; a labelled ball taken
        out is gone, its settings in ``hyper`` too (its optimizer's own tick stays)."""
        if on:
            enabled.append(label)
            enabled.sort(key=self.sort_key)
            return
        enabled.remove(label)
        if label in self.kinds:
            del self.kinds[label]
            hyper.pop(label, None)
