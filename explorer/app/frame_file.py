"""Frames written to a file (``render``, ``render --lesson``, ``render --setup``): a PNG still
(the last frame), an animated GIF streamed frame by frame, or an MP4 through imageio-ffmpeg.

Every kind is written atomically (``explorer.atomic_write``): into a temporary file beside the
target, renamed over it only once the last frame is in. A failing plugin, Ctrl-C, SIGTERM or an
exception half-way leaves the previous file as it was and no temporary; SIGTERM unwinds like
Ctrl-C while frames are written, so a render that is asked to stop, stops."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from explorer.atomic_write import atomic_path


def save_png(picture, out: Path, option: str = "--out") -> None:
    """A pygame surface as a PNG at ``out``, atomically (the temporary keeps the .png suffix)."""
    import pygame

    with atomic_path(out, option) as tmp:
        pygame.image.save(picture, str(tmp))


TRANSPARENT = 255  # the palette's last index: "as the frame before" (never a colour)


class GifStream:
    """An animated GIF written frame by frame (nothing held but the current and last frames),
    made for sharing: a fixed palette (from a lesson step's first frame, ``new_palette``, plus
    the UI's own colours exactly, so balls and trails keep their colours) and frame differencing:
    each frame stores only the rectangle that changed, its unchanged pixels transparent, so a
    race or a training run costs its moving parts, not the whole picture 30 times a second."""

    def __init__(self, path: Path, size: tuple[int, int], fps: int) -> None:
        from PIL import GifImagePlugin

        self._gif = GifImagePlugin
        self.fp = open(path, "wb")  # noqa: SIM115 - closed in close()
        self.duration = max(20, round(1000 / fps))
        self.palette = None
        self._last: np.ndarray | None = None  # the last frame's palette indices (None: new palette)
        # (image, offset, transparent?, own palette?), written once its duration is known
        self._pending = None
        self._pending_ms = 0
        self._size = size
        self._global = None  # the first palette: the file's own, which its frames need not repeat

    def new_palette(self, image) -> None:
        from PIL import Image

        from explorer.app.ui import palette as colours

        exact = [
            *colours.BALL_COLOURS,
            colours.TEXT,
            colours.TEXT_DIM,
            colours.ERROR,
            colours.GOOD,
            colours.WARN,
            colours.PANEL,
            colours.BACKGROUND,
            (255, 214, 90),
            colours.STATE_ARROW,
            colours.MARK,
            (0, 0, 0),
        ]
        n = TRANSPARENT - len(exact)  # 255 colours: the quantized frames never use index 255
        base = image.quantize(colors=n, method=Image.Quantize.MEDIANCUT).getpalette()[: 3 * n]
        base += [0] * (3 * n - len(base))
        self.palette = Image.new("P", (1, 1))
        self.palette.putpalette(base + [c for rgb in exact for c in rgb])
        if self._global is None:  # the header: the file's size, its palette, looping
            self._global = self.palette
            first = Image.new("P", self._size)
            first.putpalette(self.palette.getpalette())
            header, _ = self._gif.getheader(first, info={"loop": 0})
            self.fp.write(b"".join(header))
        self._last = None  # the next frame is whole: the colours it is drawn with changed

    def append(self, image) -> None:
        from PIL import Image

        if self.palette is None:
            self.new_palette(image)
        frame = image.quantize(palette=self.palette, dither=Image.Dither.NONE)
        now = np.asarray(frame)
        if self._last is None:
            self._flush()
            self._pending = (frame, (0, 0), False, self.palette is not self._global)
            self._pending_ms = self.duration
        else:
            changed = now != self._last
            rows, cols = np.flatnonzero(changed.any(axis=1)), np.flatnonzero(changed.any(axis=0))
            if not len(rows):  # the same picture: the last frame stays longer
                self._pending_ms += self.duration
                return
            top, bottom, left, right = rows[0], rows[-1] + 1, cols[0], cols[-1] + 1
            part = now[top:bottom, left:right].copy()
            part[~changed[top:bottom, left:right]] = TRANSPARENT
            patch = Image.fromarray(part, "P")
            patch.putpalette(self.palette.getpalette())
            self._flush()
            self._pending = (patch, (int(left), int(top)), True, self.palette is not self._global)
            self._pending_ms = self.duration
        self._last = now

    def repeat(self) -> None:
        """The same picture once more: the last frame just stays longer."""
        self._pending_ms += self.duration

    def _flush(self) -> None:
        if self._pending is not None:
            image, offset, transparent, local = self._pending
            extra = {"transparency": TRANSPARENT} if transparent else {}
            chunks = self._gif.getdata(
                image,
                offset,
                duration=self._pending_ms,
                disposal=1,
                **extra,
                include_color_table=local,  # a later step's palette, with its frames
            )
            self.fp.write(b"".join(chunks))
            self._pending = None

    def close(self) -> None:
        if not self.fp.closed:
            try:
                if self._global is None:  # no frame came: still a valid (black) GIF
                    from PIL import Image

                    self.new_palette(Image.new("RGB", self._size))
                self._flush()
                self.fp.write(b";")
            finally:
                self.fp.close()

    def abandon(self) -> None:
        """Close without finishing (the file is being thrown away)."""
        self.fp.close()


class FrameWriter:
    """One interface for the three kinds: ``append(image)`` (a PIL RGB image), ``repeat()`` (the
    last frame once more), ``new_palette(image)`` (a GIF's next scene); ``finish()`` completes
    the file at ``path``."""

    def __init__(self, path: Path, size: tuple[int, int], fps: int, fast: bool = False) -> None:
        self.path, self.suffix = path, path.suffix.lower()
        self.gif = self.mp4 = None
        self.last = None  # the last image (a still's, and an MP4's repeat)
        self.frames = 0
        if self.suffix == ".mp4":
            import imageio.v2 as imageio

            # veryfast (a lesson): the encoder keeps up with the drawing of still pictures
            extra = {"ffmpeg_params": ["-preset", "veryfast"]} if fast else {}
            self.mp4 = imageio.get_writer(str(path), fps=fps, macro_block_size=1, **extra)
        elif self.suffix == ".gif":
            self.gif = GifStream(path, size, fps)

    def new_palette(self, image) -> None:
        if self.gif is not None:
            self.gif.new_palette(image)

    def append(self, image) -> None:
        if self.mp4 is not None:
            self.last = np.asarray(image)
            self.mp4.append_data(self.last)
        elif self.gif is not None:
            self.gif.append(image)
        else:
            self.last = image
        self.frames += 1

    def repeat(self) -> None:
        if self.mp4 is not None and self.last is not None:
            self.mp4.append_data(self.last)
        elif self.gif is not None:
            self.gif.repeat()
        self.frames += 1

    def finish(self) -> None:
        """Complete the file: the GIF's trailer, the MP4's last packets, the still's image."""
        if self.mp4 is not None:
            self.mp4.close()
        elif self.gif is not None:
            self.gif.close()
        elif self.last is not None:
            self.last.save(self.path, format="PNG")

    def abandon(self) -> None:
        """Release the file without completing it (an error or a signal: it is removed)."""
        with contextlib.suppress(Exception):
            if self.mp4 is not None:
                self.mp4.close()
            elif self.gif is not None:
                self.gif.abandon()


@contextlib.contextmanager
def frame_file(
    out: Path, size: tuple[int, int], fps: int, fast: bool = False, option: str = "--out"
) -> Iterator[FrameWriter]:
    """A ``FrameWriter`` on a temporary beside ``out``; ``out`` is replaced only when the block
    ends normally, else it stays as it was and the temporary is removed."""
    with atomic_path(out, option) as tmp:
        writer = FrameWriter(tmp, size, fps, fast)
        try:
            yield writer
        except BaseException:
            writer.abandon()
            raise
        writer.finish()
