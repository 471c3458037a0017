"""Why a ball stopped, in the UI's language.

The race hands its reasons over as ``Reason(code, fields)`` (explorer/landscape/reasons.py);
this words one from the string catalogue in the current language, its numbers formatted as the
command line formats them. Nothing is parsed back from a sentence.
"""

from __future__ import annotations

from explorer.app.ui.i18n import t
from explorer.landscape.reasons import Reason


def reason_text(reason: Reason | None) -> str:
    """``reason`` in the current language ("" for none)."""
    return reason.word(t) if reason is not None else ""
