"""What a help sheet says: one scene's keys, mouse actions and legend (``HelpSheet``, written in
a small ``help.py`` in each scene package), and the keys every scene shares (``app_keys``: the
keys that switch scenes and the scenes' names come from the table of scenes the tab strip shows).
Every sentence is a key of the string catalogue; ``localised`` words a sheet in the current
language. The overlay that draws a sheet is ``help_overlay``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from explorer.app.ui.i18n import t
from explorer.app.ui.scene_keys import key_range

Colour = tuple[int, int, int]

#: what every scene answers to (the tab strip and the app handle them): (key, catalogue key);
#: ``app_keys`` puts the keys of the scenes before them
APP_KEYS: tuple[tuple[str, str], ...] = (
    ("Ctrl+Tab", "help.app.next_scene"),
    ("Ctrl+S", "help.app.save"),
    ("Ctrl+O", "help.app.open"),
    ("Ctrl+=", "help.app.larger"),
    ("Ctrl+-", "help.app.smaller"),
    ("Ctrl+0", "help.app.normal_size"),
    ("Ctrl+L", "help.app.language"),
    ("F11", "help.app.full_screen"),
    ("h  /  F1", "help.app.help"),
    ("Ctrl+Q", "help.app.quit"),
)


def app_keys(entries=()) -> list[tuple[str, str]]:
    """The keys every scene shares, worded: first the function keys of the scenes in ``entries``
    (the table's rows, in tab order) and their names, then ``APP_KEYS``."""
    entries = tuple(entries)
    out = [(k, t(v)) for k, v in APP_KEYS]
    if entries:
        names = t("help.app.scene_separator").join(e.label for e in entries)
        out.insert(0, (key_range(entries), names))
    return out


SWATCH_KINDS = (
    "dot",
    "ring",
    "line",
    "dashed",
    "arrow",
    "dasharrow",
    "ellipse",
    "cross",
    "box",
    "ramp",
    "fade",
    "pie",
)


@dataclass(frozen=True)
class Swatch:
    """One legend entry: a small picture of what the scene draws, and what it means.

    ``kind``: dot (a filled disc), ring (a circle outline), line, dashed (a dashed line), arrow,
    dasharrow (a dashed arrow), ellipse, cross, box (a filled square), ramp (a colour ramp:
    ``colours`` low → high), fade (a line from faded to full ``colour``) or pie (a disc cut into
    one wedge per colour of ``colours``). ``colours`` also gives a dot its ring, a ring its
    centre."""

    kind: str
    colour: Colour
    label: str
    colours: tuple[Colour, ...] = ()

    def __post_init__(self) -> None:
        if self.kind not in SWATCH_KINDS:
            raise ValueError(f"unknown swatch kind {self.kind!r}: one of {', '.join(SWATCH_KINDS)}")


@dataclass(frozen=True)
class HelpSheet:
    """What the help overlay shows for one scene."""

    title: str
    keys: Sequence[tuple[str, str]]
    mouse: Sequence[tuple[str, str]] = ()
    legend: Sequence[Swatch] = ()
    notes: Sequence[str] = field(default_factory=tuple)  # a sentence or two under the legend

    def sections(self, entries=()) -> list[tuple[str, list]]:
        """Its sections, with the keys every scene shares (``entries``: the table's rows)."""
        out: list[tuple[str, list]] = [(t("help.keys"), list(self.keys))]
        if self.mouse:
            out.append((t("help.mouse"), list(self.mouse)))
        out.append((t("help.every_scene"), app_keys(entries)))
        if self.legend:
            out.append((t("help.legend"), list(self.legend)))
        return out


def localised(
    title: str,
    keys: Sequence[tuple[str, str]],
    mouse: Sequence[tuple[str, str]] = (),
    legend: Sequence[Swatch] = (),
    notes: Sequence[str] = (),
) -> HelpSheet:
    """A sheet worded in the current language from catalogue keys: the title, each key's
    meaning (the keys themselves are keycaps: "space", "→"), both sides of a mouse row, each
    swatch's label and each note."""
    return HelpSheet(
        t(title),
        [(k, t(v)) for k, v in keys],
        [(t(k), t(v)) for k, v in mouse],
        [replace(s, label=t(s.label)) for s in legend],
        tuple(t(n) for n in notes),
    )
