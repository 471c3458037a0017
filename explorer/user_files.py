"""The one door for text files a user hands us (setups, lessons): regular files only, of a
bounded size, decoded as UTF-8, parsed as TOML with every way of failing turned into one
sentence. A FIFO would block ``open`` forever and ``/dev/zero`` would be read until memory runs
out; a huge integer or a 3,000-deep nested array breaks the parser with errors other than
``TOMLDecodeError``. Each becomes a ``UserFileError`` naming the file and the fix."""

from __future__ import annotations

import os
import stat
import tomllib
from pathlib import Path
from typing import Any

MAX_TEXT_BYTES = 1_000_000  # a setup is a few hundred bytes, the longest lesson ~30 KB
UTF8_BOM = b"\xef\xbb\xbf"
_BOMS = {b"\xff\xfe": "UTF-16", b"\xfe\xff": "UTF-16"}


class UserFileError(ValueError):
    """A file that cannot be read as what it should be: one sentence naming the file."""


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a regular file"


def read_bytes(path: str | os.PathLike, what: str, limit: int = MAX_TEXT_BYTES) -> bytes:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes; otherwise one
    UserFileError. Opened without blocking, so a FIFO is refused instead of waited on."""
    where = os.fspath(path)
    try:
        fd = os.open(where, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise UserFileError(f"{where}: there is no such file") from None
    except IsADirectoryError:
        raise UserFileError(f"{where} is a folder; give {what}") from None
    except OSError as exc:
        raise UserFileError(f"{where} cannot be read ({exc.strerror or exc})") from None
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UserFileError(f"{where} is {_kind(mode)}, not a file; give {what}")
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(limit + 1)  # a file that grows while read is still bounded
    except OSError as exc:
        raise UserFileError(f"{where} cannot be read ({exc.strerror or exc})") from None
    finally:
        os.close(fd)
    if len(data) > limit:
        raise UserFileError(
            f"{where} is over {limit / 1e6:g} MB; {what} is a short text file, is this the "
            "right file?"
        )
    return data


def read_text(path: str | os.PathLike, what: str, limit: int = MAX_TEXT_BYTES) -> str:
    """``read_bytes`` decoded as UTF-8. A UTF-8 byte-order mark (Windows Notepad writes one) is
    dropped; any other encoding is named in the sentence."""
    where = os.fspath(path)
    data = read_bytes(path, what, limit)
    if data.startswith(UTF8_BOM):
        data = data[len(UTF8_BOM) :]
    for mark, name in _BOMS.items():
        if data.startswith(mark):
            raise UserFileError(
                f"{where} is saved as {name} (it starts with a {name} byte-order mark); save it "
                "as UTF-8"
            )
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserFileError(
            f"{where} is not UTF-8 text (byte {exc.start} is {data[exc.start]:#04x}); save it "
            "as UTF-8"
        ) from None


def parse_toml(
    text: str, where: str, example: str, not_toml: str = "is not a TOML file"
) -> dict[str, Any]:
    """``tomllib.loads(text)``, each failure one sentence: ``example`` shows what a line of the
    file looks like."""
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UserFileError(f"{where} {not_toml} ({exc}); {example}") from None
    except RecursionError:
        raise UserFileError(
            f"{where} nests arrays or tables too deeply to read; {example}"
        ) from None
    except ValueError as exc:  # an integer of more than 4,300 digits
        raise UserFileError(f"{where} has a number too long to read ({exc}); {example}") from None


def read_toml(path: str | os.PathLike, what: str, example: str) -> dict[str, Any]:
    """A user's TOML file, read through ``read_text`` and ``parse_toml``."""
    return parse_toml(read_text(Path(path), what), os.fspath(path), example)
