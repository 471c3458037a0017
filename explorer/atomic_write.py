"""The one way every output file is written (setups, run files, the surface cache, CSVs, GIFs,
MP4s, stills): into a temporary file beside the target, renamed over it only when complete. An
interrupted, killed or failing writer never leaves a truncated file, never destroys the previous
one, and never leaves its temporary behind (except after SIGKILL, which nothing can catch; the
temporaries are hidden ``.NAME.*.part*`` files).

It sits below every layer (commands, the app, ``landscape/``, ``training/``) so none of them
needs a copy of its own."""

from __future__ import annotations

import contextlib
import os
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path


class OutputError(ValueError):
    """An output path that cannot be written: one sentence naming the path and the reason."""


class Terminated(SystemExit):
    """SIGTERM, unwinding like Ctrl-C: never mistaken for a plugin calling ``sys.exit``."""


@contextlib.contextmanager
def sigterm_unwinds() -> Iterator[None]:
    """Within this block SIGTERM unwinds like Ctrl-C (``Terminated(143)``, a SystemExit), so
    whatever is being written is cleaned up by the ``finally`` blocks on the way out. Only the
    main thread can install a handler, and only where SIGTERM would otherwise end the process
    outright; elsewhere this does nothing."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum, frame):  # noqa: ARG001
        raise Terminated(128 + signum)

    try:
        if signal.getsignal(signal.SIGTERM) not in (signal.SIG_DFL, None):
            yield  # someone handles SIGTERM already (e.g. holds it while results are saved)
            return
        previous = signal.signal(signal.SIGTERM, stop)
    except (ValueError, OSError):
        yield
        return
    try:
        yield
    finally:  # None: the previous handler was not Python's (SDL's); the default is the safe one
        signal.signal(signal.SIGTERM, previous if previous is not None else signal.SIG_DFL)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, option: str = "output") -> Iterator[Path]:
    """Yield a temporary path beside ``path`` (same suffix, so writers that look at it still
    work); when the block ends normally it is renamed over ``path``, otherwise removed. An
    OSError (a full disk, a vanished folder) becomes one OutputError sentence naming ``option``
    and the path; anything else raised in the block goes on unchanged, the temporary removed."""
    target = Path(path)
    try:
        fd, tmp_name = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=f".part{target.suffix}"
        )
    except OSError as exc:
        raise OutputError(f"{option} {target}: could not write ({exc.strerror or exc})") from None
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with sigterm_unwinds():
            yield tmp
            try:
                if target.exists():  # keep the old file's permissions
                    os.chmod(tmp, target.stat().st_mode & 0o7777)
                else:
                    os.chmod(tmp, 0o666 & ~_umask())
                os.replace(tmp, target)
            except OSError as exc:
                raise OutputError(f"{option} {target}: could not write ({exc.strerror})") from None
    except OSError as exc:
        raise OutputError(f"{option} {target}: could not write ({exc.strerror or exc})") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_text(path: str | os.PathLike, text: str, option: str = "output") -> None:
    """``text`` into ``path`` atomically (UTF-8, ``\\n`` line ends on every system)."""
    with atomic_path(path, option) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as fh:
        fh.write(text)


def write_bytes(path: str | os.PathLike, data: bytes, option: str = "output") -> None:
    """``data`` into ``path`` atomically."""
    with atomic_path(path, option) as tmp, open(tmp, "wb") as fh:
        fh.write(data)


def save_tensors(path: str | os.PathLike, data: object, option: str = "cache file") -> None:
    """``torch.save(data)`` into ``path`` atomically. torch reports a full disk as a RuntimeError
    ("enforce fail at inline_container.cc"), not an OSError: that is an OutputError here too."""
    import torch

    with atomic_path(path, option) as tmp:
        try:
            torch.save(data, tmp)
        except RuntimeError as exc:
            raise OutputError(f"{option} {path}: could not write ({_torch_reason(exc)})") from None


def _torch_reason(exc: RuntimeError) -> str:
    text = str(exc)
    for words, reason in (("No space", "the disk is full"), ("Quota", "the disk quota is full")):
        if words in text:
            return reason
    return text.splitlines()[0][:120] if text else type(exc).__name__
