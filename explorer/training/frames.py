"""Messages from a worker process as frames on a pipe: an 8-byte big-endian length, then that many
bytes (a pickle). The reader never waits and keeps a partial frame until the rest arrives, so a
frame half-written by a worker that died never blocks the UI."""

from __future__ import annotations

import os
import struct

_HEADER = struct.Struct(">Q")


class FrameReader:
    """Complete frames from a non-blocking pipe: ``read()`` returns every frame that has fully
    arrived and keeps a partial one for later; it never waits. ``eof`` once the writer is gone."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        os.set_blocking(fd, False)
        self.buffer = bytearray()
        self.eof = False

    def read(self) -> list[bytes]:
        while not self.eof:
            try:
                chunk = os.read(self.fd, 1 << 20)
            except (BlockingIOError, InterruptedError):
                break
            except OSError:
                self.eof = True
                break
            if not chunk:
                self.eof = True
                break
            self.buffer += chunk
        frames = []
        buf = self.buffer
        start = 0
        while len(buf) - start >= _HEADER.size:
            (n,) = _HEADER.unpack_from(buf, start)
            if len(buf) - start - _HEADER.size < n:
                break
            frames.append(bytes(buf[start + _HEADER.size : start + _HEADER.size + n]))
            start += _HEADER.size + n
        if start:
            del buf[:start]
        return frames


def write_frame(fd: int, payload: bytes) -> None:
    """Write one whole frame (blocking: only the worker writes)."""
    view = memoryview(_HEADER.pack(len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]
