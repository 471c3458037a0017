"""How a run ended (or failed), in the UI's language.

The trainer (explorer/training, no app and no catalogue there) words its messages in English;
this reads the numbers back out of its sentences and words them from the string catalogue. A
message it does not recognise (a plugin's error) is shown as the trainer wrote it.
"""

from __future__ import annotations

import re

from explorer.app.ui.i18n import reword

_RESTORED = "; weights of epoch (\\d+) restored"
_PATTERNS = (
    (
        re.compile(r"^diverged at epoch (\d+): the loss is not finite$"),
        "run.diverged",
        ("epoch",),
    ),
    (
        re.compile(
            r"^stopped early after epoch (\d+): no better validation loss for (\d+) epoch\(s\)"
            + _RESTORED
            + "$"
        ),
        "run.stopped_early",
        ("epoch", "patience", "best"),
    ),
    (
        re.compile(r"^finished (\d+) steps \(([^ ]+) epochs\)" + _RESTORED + "$"),
        "run.finished_steps_restored",
        ("steps", "epochs", "best"),
    ),
    (
        re.compile(r"^finished (\d+) steps \(([^ ]+) epochs\)$"),
        "run.finished_steps",
        ("steps", "epochs"),
    ),
    (
        re.compile(r"^finished (\d+) epochs" + _RESTORED + "$"),
        "run.finished_restored",
        ("epochs", "best"),
    ),
    (re.compile(r"^finished (\d+) epochs$"), "run.finished", ("epochs",)),
    (  # explorer.training.workers.death: a worker that ended without a word
        re.compile(r"^the worker process was killed \(([A-Z0-9]+)\) before it could say why$"),
        "run.worker_killed",
        ("signal",),
    ),
    (
        re.compile(r"^the worker process ended \(exit code ([^)]+)\) before it could say why$"),
        "run.worker_ended",
        ("code",),
    ),
    (
        re.compile(r"^the training process exited \(code ([^)]+)\)$"),
        "run.worker_exited",
        ("code",),
    ),
)


def message_text(message: str) -> str:
    """``message`` (the trainer's English sentence) in the current language."""
    return reword(message, _PATTERNS)
