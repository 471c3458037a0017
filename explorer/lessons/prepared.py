"""Prepared lesson runs: what a run of a lesson showed, kept in the cache so that a class sees it
at once.

A *run* is the steps from one that applies a setup to the last before the next run (see
``player``). It is deterministic: the same setup (the seed is part of it), the same steps and
the same code give the same numbers. So what its driver showed after ``apply`` and after each
``advance`` / ``ask_hessian`` (its live numbers, its progress, whether it had finished, the
units used) is recorded once and replayed (``replay.ReplayDriver``).

The key holds everything the numbers depend on: the scene, the whole setup as its setup file
writes it (``setups.dumps``), every step of the run that moves it (``until``, ``limit``,
``hessian``, ``inspect``), the cache format, the app's version, a digest of the app's own
source files (a change to the code between two releases still gives a new key) and torch's
version. An entry is JSON (no pickle: a planted file can only be wrong, never run code), carries
its key and a digest of its frames, and is read only when all of them match; anything else
(truncated, altered, another run's entry copied over this one's name) is recomputed.

The cache stays bounded (``PreparedStore.prune``, after every entry written): an entry's file
names start with a tag of the code that wrote it, so the entries of any other code (which could
never be read again) are removed first; then, while the folder holds more than ``cap`` bytes, the
least recently used entries (a read touches its entry) go, the one just written never.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from explorer.lessons import state_codec

FORMAT = 2  # 2: pictures as JSON and an array block (state_codec), no longer torch.save
MAX_BYTES = 64 * 1024 * 1024  # an entry larger than this is not ours: not even read
CAP_BYTES = 512 * 1024 * 1024  # the whole folder, beyond which the least recently used go
STATES = ".states.bin"  # an entry's pictures, beside its JSON
OLD_STATES = (".states.pt",)  # the pictures of format 1: only ever pruned
ORPHAN_S = 600.0  # a states file without its entry, older than this, was left by a failed write


@dataclass(frozen=True)
class Frame:
    """The driver's state after one action of the run (``apply``, ``advance``, ``ask_hessian``)."""

    values: dict[str, Any]
    progress: int
    finished: bool
    used: int  # what ``advance`` returned (0 after apply / ask_hessian)
    state: Any = None  # what the scene drew (``Driver.state``), None where it records none


@functools.cache
def code_version() -> str:
    """The app's version and a digest of its source files: a recording made by other code is
    never replayed."""
    import torch

    from explorer import __version__

    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        h.update(str(path.relative_to(root)).encode())
        h.update(path.read_bytes())
    return f"{__version__}+{h.hexdigest()[:16]}+torch{torch.__version__}"


def code_tag() -> str:
    """The start of every file name an entry of this code writes (the entries of any other code
    are pruned)."""
    return hashlib.sha256(code_version().encode()).hexdigest()[:10]


def run_key(scene: str, setup_text: str, steps: Sequence[Any]) -> str:
    """The key of a run of ``scene`` from ``setup_text`` (its setup as a setup file) through
    ``steps`` (the lesson's ``Step`` objects of the run, in order)."""
    moves = [
        [
            s.until.text if s.until is not None else None,
            s.limit,
            bool(s.hessian),
            list(s.inspect) if s.inspect is not None else None,
        ]
        for s in steps
    ]
    text = json.dumps([FORMAT, code_version(), scene, setup_text, moves], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def default_folder() -> Path:
    from explorer.training.weight_path import cache_root

    return cache_root() / "lessons"


class PreparedStore:
    """The prepared runs in ``folder`` (the cache's ``lessons`` folder by default)."""

    def __init__(self, folder: Path | None = None, cap: int = CAP_BYTES) -> None:
        self.folder = folder if folder is not None else default_folder()
        self.cap = cap  # bytes the folder may hold (``prune``)

    def path(self, key: str) -> Path:
        return self.folder / f"{code_tag()}-{key[:32]}.json"

    def states_path(self, key: str) -> Path:
        return self.folder / f"{code_tag()}-{key[:32]}{STATES}"

    def load(self, key: str, types: Sequence[type] = ()) -> list[Frame] | None:
        """The run's frames, or None (recompute) when there is no entry or it is not exactly
        the one written for ``key``. ``types``: the classes its states may hold."""
        opened = self.open(key, types)
        if opened is None:
            return None
        frames, states = opened
        if states is None:
            return frames
        try:
            every = states[:]
        except ValueError:
            return None
        return [dataclasses.replace(f, state=st) for f, st in zip(frames, every, strict=True)]

    def open(
        self, key: str, types: Sequence[type] = ()
    ) -> tuple[list[Frame], state_codec.States | None] | None:
        """The run's frames (their numbers) and its pictures, each read when asked for (a replay
        draws its first picture at once, not after reading 200); None as ``load``. The pictures'
        file is checked whole (its digest) here: a picture that still cannot be read later was
        planted with a forged digest, and the replay ends there."""
        from explorer.lessons import state_codec

        frames = self._frames(key)
        if frames is not None:
            _touch(self.path(key))  # used: the last to be pruned
        if frames is None or frames[1] is None:
            return (frames[0], None) if frames is not None else None
        try:
            data = self.states_path(key).read_bytes()
            if hashlib.sha256(data).hexdigest() != frames[1]:
                return None
            states = state_codec.States(data, types)
        except (OSError, ValueError):
            return None
        if len(states) != len(frames[0]):
            return None
        return frames[0], states

    def _frames(self, key: str) -> tuple[list[Frame], str | None] | None:
        path = self.path(key)
        try:
            if not path.is_file() or path.stat().st_size > MAX_BYTES:
                return None
            data = json.loads(path.read_bytes())
        except (OSError, ValueError, RecursionError):
            return None
        if not isinstance(data, dict) or data.get("format") != FORMAT or data.get("key") != key:
            return None
        frames, states = data.get("frames"), data.get("states")
        if not isinstance(frames, list) or data.get("digest") != _digest([frames, states]):
            return None
        if states is not None and not isinstance(states, str):
            return None
        try:
            return [_frame(f) for f in frames], states
        except (TypeError, ValueError, KeyError):
            return None

    def save(self, key: str, frames: Sequence[Frame]) -> None:
        """Write the run's entry atomically; a cache that cannot be written only costs the next
        class its computing time."""
        from explorer.atomic_write import OutputError, write_bytes, write_text
        from explorer.lessons import state_codec

        rows = [
            {"v": _encode(f.values), "p": f.progress, "f": f.finished, "u": f.used} for f in frames
        ]
        states = None
        blob = b""
        if any(f.state is not None for f in frames):
            blob = state_codec.dumps([f.state for f in frames])
            states = hashlib.sha256(blob).hexdigest()
        data = {
            "format": FORMAT,
            "key": key,
            "digest": _digest([rows, states]),
            "frames": rows,
            "states": states,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if states is not None:  # first: an entry never names states that are not there
                write_bytes(self.states_path(key), blob, "a prepared lesson run")
            write_text(self.path(key), json.dumps(data), "a prepared lesson run")
        except (OSError, OutputError):
            return
        self.prune(keep=key)

    def prune(self, keep: str | None = None) -> int:
        """Remove the entries of other code, then the least recently used ones while the folder
        holds more than ``cap`` bytes (never ``keep``'s). Each entry goes as a whole, its JSON
        first: a reader then finds no entry, never an entry without its pictures. Another
        process pruning at the same time is harmless (a file already gone is skipped). Returns
        the bytes freed."""
        tag = code_tag()
        entries: dict[str, list[Path]] = {}
        try:
            files = [p for p in self.folder.iterdir() if p.is_file()]
        except OSError:
            return 0
        for p in files:
            if p.name.endswith((".json", STATES, *OLD_STATES)) and not p.name.startswith("."):
                entries.setdefault(p.name.split(".", 1)[0], []).append(p)
        kept = f"{tag}-{keep[:32]}" if keep is not None else None
        now = time.time()
        ours: list[tuple[float, int, str]] = []  # (last used, bytes, stem)
        freed = 0
        for stem, paths in entries.items():
            stats = [_stat(p) for p in paths]
            size = sum(st.st_size for st in stats if st is not None)
            used = max((st.st_mtime for st in stats if st is not None), default=0.0)
            orphan = all(not p.name.endswith(".json") for p in paths) and now - used > ORPHAN_S
            if not stem.startswith(f"{tag}-") or orphan:
                freed += _remove(paths, size)
            elif stem != kept:
                ours.append((used, size, stem))
        total = sum(size for _, size, _ in ours)
        total += sum(_size(p) for p in entries.get(kept or "", []))
        for _, size, stem in sorted(ours):  # least recently used first
            if total <= self.cap:
                break
            freed += _remove(entries[stem], size)
            total -= size
        return freed

    def has(self, key: str, types: Sequence[type] = ()) -> bool:
        return self.load(key, types) is not None


def _touch(path: Path) -> None:
    with contextlib.suppress(OSError):  # a read-only cache: it is only pruned sooner
        os.utime(path)


def _stat(path: Path) -> os.stat_result | None:
    try:
        return path.stat()
    except OSError:
        return None


def _size(path: Path) -> int:
    st = _stat(path)
    return st.st_size if st is not None else 0


def _remove(paths: Sequence[Path], size: int) -> int:
    """Remove an entry's files, its JSON first; the bytes freed (0 where another took them)."""
    gone = 0
    for p in sorted(paths, key=lambda p: not p.name.endswith(".json")):
        try:
            p.unlink()
            gone += 1
        except OSError:
            pass
    return size if gone else 0


def _digest(rows: object) -> str:
    return hashlib.sha256(json.dumps(rows, sort_keys=True).encode()).hexdigest()


def _frame(row: Any) -> Frame:
    if not isinstance(row, dict):
        raise TypeError("a frame is an object")
    values = _decode(row["v"])
    if not isinstance(values, dict):
        raise TypeError("a frame's values are an object")
    progress, finished, used = row["p"], row["f"], row["u"]
    if not (isinstance(progress, int) and isinstance(finished, bool) and isinstance(used, int)):
        raise TypeError("a frame's progress, finished and used")
    return Frame(values, progress, finished, used)


# -- values, exactly ---------------------------------------------------------------------------
# JSON keeps a Python float to the bit (repr round-trips). What it would change is tagged: a
# tuple stays a tuple, a numpy scalar its own type (a caption formats np.float32 as it did live),
# a non-finite float its value.
def _encode(value: Any) -> Any:
    import numpy as np

    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"~float": repr(value)}
    if isinstance(value, np.generic):
        return {"~np": value.dtype.str, "v": _encode(value.item())}
    if isinstance(value, tuple):
        return {"~tuple": [_encode(v) for v in value]}
    if isinstance(value, list):
        return [_encode(v) for v in value]
    if isinstance(value, dict) and all(isinstance(k, str) for k in value):
        return {"~dict": {k: _encode(v) for k, v in value.items()}}
    raise TypeError(f"a live number of type {type(value).__name__} cannot be recorded")


def _decode(value: Any) -> Any:
    import numpy as np

    if isinstance(value, list):
        return [_decode(v) for v in value]
    if not isinstance(value, dict):
        return value
    if "~float" in value:
        return float(value["~float"])
    if "~np" in value:
        dtype = np.dtype(value["~np"])
        if dtype.kind not in "biuf":
            raise ValueError("only numbers")
        return dtype.type(_decode(value["v"]))
    if "~tuple" in value:
        return tuple(_decode(v) for v in value["~tuple"])
    if "~dict" in value:
        return {str(k): _decode(v) for k, v in value["~dict"].items()}
    raise ValueError("an unknown value")
