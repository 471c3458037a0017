"""A section of the Landscape's side panel or toolbar: it builds its widgets into the books of
``LandscapeControls`` (``controls.add``, ``caption``, ``slider_row``) and, where it follows the
model, rebuilds or syncs them (``sync``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from explorer.app.scenes.landscape.controls import LandscapeControls


class Section:
    def __init__(self, controls: LandscapeControls) -> None:
        self.c = controls
        self.scene = controls.scene
        self.model = controls.model
