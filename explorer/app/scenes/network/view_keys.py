"""The Network lab's view settings that are setup keys, without pygame: ``big_maps`` (the view
for what each neuron computes, ``maps_view``). The model keeps them with the rest of the setup,
so a saved setup and a lesson step's setup carry them; the scene reads them from the model and
lays itself out again when they change. A mixin of ``NetworkModel``, as ``SharpnessSwitch`` is."""

from __future__ import annotations


class ViewKeys:
    """``big_maps``: the network takes the height and each unit's map is drawn up to 48 px."""

    big_maps: bool = False

    def toggle_big_maps(self) -> None:
        self.big_maps = not self.big_maps
