"""``--scene NAME`` on the command line: the choices are the table of scenes' names."""

from __future__ import annotations

import click


class SceneChoice(click.Choice):
    """A ``click.Choice`` of the scenes in ``explorer.app.scene_table``, read each time the
    option is parsed or its help shown, so a scene registered after import is a choice too.
    ``extra``: further choices after the scenes (``bench frames``' ``lab-landscape``)."""

    def __init__(self, extra: tuple[str, ...] = ()) -> None:
        self.extra = tuple(extra)
        super().__init__((), case_sensitive=True)

    @property
    def choices(self) -> tuple[str, ...]:  # type: ignore[override]
        from explorer.app.scene_table import names

        return (*names(), *self.extra)

    @choices.setter
    def choices(self, value) -> None:
        """``click.Choice.__init__`` sets the choices; the table keeps them."""
