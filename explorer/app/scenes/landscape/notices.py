"""The Landscape's notices: one-line messages shown for a while over the map ("wrote 120 rows",
"every ball has stopped", a plugin's error), at most four at a time, the newest last. A notice
about the race now goes when the race restarts or is rebuilt."""

from __future__ import annotations

from dataclasses import dataclass

from explorer.app.ui.i18n import LANGUAGES, t


@dataclass
class Message:
    text: str
    level: str  # "info" | "error"
    until: float
    of_race: bool = False  # about the race now ("moving again at step 941"): gone when it restarts


RACE_OVER_NOTICES = ("every ball has stopped", "paused after ")


def race_over_notices() -> tuple[str, ...]:
    """How the race-over notices begin, in every language (a notice outlives a Ctrl+L)."""
    return RACE_OVER_NOTICES + tuple(
        text
        for lang in LANGUAGES
        for text in (
            t("landscape.all_stopped", lang=lang),
            t("landscape.paused_after", lang=lang).split("%{")[0],
        )
    )


class Notices:
    """The notices shown now and those gone stale (``items``, oldest first)."""

    def __init__(self) -> None:
        self.items: list[Message] = []

    def add(self, text: str, level: str, until: float, of_race: bool) -> None:
        """``text`` until model time ``until``; the same text again replaces the old one."""
        self.items = [m for m in self.items if m.text != text][-3:]
        self.items.append(Message(text, level, until, of_race))

    def forget_race(self) -> None:
        """A new race: the old one's "every ball has stopped", "paused after" and "moving again
        at step 941" notices are stale."""
        stale = race_over_notices()
        self.items = [m for m in self.items if not m.of_race and not m.text.startswith(stale)]

    def forget_starting(self, prefix: str) -> None:
        """Notices that begin with ``prefix`` ("building net:moons") are over."""
        self.items = [m for m in self.items if not m.text.startswith(prefix)]

    def live(self, clock: float) -> list[Message]:
        """The notices still shown at model time ``clock``."""
        return [m for m in self.items if m.until > clock]
