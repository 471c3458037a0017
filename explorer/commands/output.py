"""What every command writes through (``explorer.output``: it lives below the commands, because
the library's own writers use it too and nothing below ``explorer/commands/`` imports it)."""

from explorer.output import (
    MAX_OUTPUT_BYTES,
    LateProgress,
    OutputError,
    atomic_path,
    check_output,
    check_size,
    console,
    write_text,
)

__all__ = [
    "MAX_OUTPUT_BYTES",
    "LateProgress",
    "OutputError",
    "atomic_path",
    "check_output",
    "check_size",
    "console",
    "write_text",
]
