"""Why a typed formula was not used, in the UI's language.

The formula's parser (``explorer.safe_eval``, below the app, no catalogue there) refuses with an
English sentence and the same as data (``code`` and ``fields``). The model keeps the refusal as a
``Refusal``: the English sentence (what the command line prints, what tests read) that also
carries the code, so the scene words it from the catalogue (``landscape.formula_<code>``). Nothing
parses a sentence back; a refusal without a code (a plugin surface's own message) is shown as
written.
"""

from __future__ import annotations

from collections.abc import Mapping

from explorer.app.ui.i18n import t


class Refusal(str):
    """A refusal's English sentence, carrying its ``code`` and ``fields`` for other languages."""

    code: str
    fields: Mapping[str, str]

    def __new__(cls, sentence: str, code: str = "", fields: Mapping[str, str] | None = None):
        self = super().__new__(cls, sentence)
        self.code, self.fields = code, dict(fields or {})
        return self

    @classmethod
    def of(cls, exc: BaseException) -> Refusal:
        """The refusal an exception states (``code``/``fields`` where it has them)."""
        return cls(str(exc), getattr(exc, "code", ""), getattr(exc, "fields", None))


def formula_text(said: str) -> str:
    """``said`` (the model's refusal) in the current language."""
    code = getattr(said, "code", "")
    if not code:
        return said
    fields = dict(said.fields)  # type: ignore[attr-defined] - a Refusal has them with its code
    if "inner" in fields and isinstance(fields["inner"], Refusal):
        fields["inner"] = formula_text(fields["inner"])
    return t(f"landscape.formula_{code}", **fields)
