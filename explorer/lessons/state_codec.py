"""A scene's picture state (the Network lab's snapshots) in and out of a prepared run, without
pickle: a JSON tree of dicts, lists and numbers, followed by one block of raw array bytes that
the tree points into, rebuilt into the dataclasses the scene's driver names. A planted file can
name no class but those, builds them only from their fields, and holds arrays only of numbers.

Why not ``torch.save`` / ``torch.load(weights_only=True)``: its safe unpickler is written in
Python and holds the GIL; a 200-epoch run (3,800 small arrays) took 1.8 s to read on a quiet
machine and 5.5 s on a busy one, while the teacher waited on → and the frames stalled. JSON is
read in C and an array is a view of the block (``np.frombuffer``, no copy): the same run reads in
a tenth of that (``bench lesson --all``)."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import struct
from collections.abc import Sequence
from typing import Any, overload

import numpy as np

MAGIC = b"DLX-STATES 3\n"
_ALIGN = 16  # each array starts on a 16-byte boundary of the block (aligned views)


def dumps(states: Sequence[Any]) -> bytes:
    """Each frame's state as a JSON document of its own (read when that frame is shown), after
    an index of their lengths, then the array block."""
    arrays, seen = _Arrays(), dict[int, int]()
    items = [
        json.dumps(_encode(s, seen, arrays), separators=(",", ":"), allow_nan=False).encode()
        for s in states
    ]
    index = json.dumps([len(i) for i in items]).encode()
    return b"".join([MAGIC, struct.pack("<Q", len(index)), index, *items, arrays.block()])


def loads(data: bytes, types: Sequence[type]) -> list[Any]:
    """Every state ``dumps`` wrote; ValueError for anything else."""
    states = States(data, types)
    return [states[k] for k in range(len(states))]


class States(Sequence[Any]):
    """The states of a file ``dumps`` wrote, each decoded the first time it is asked for (in
    order: a state refers to objects of those before it). Opening reads only the index, so a
    prepared run's first picture is drawn without decoding the other 200; each later one costs
    a fraction of a millisecond when its frame comes. ValueError (on opening, or for a state
    that is not ours) for anything else."""

    def __init__(self, data: bytes, types: Sequence[type]) -> None:
        start = len(MAGIC) + 8
        if not data.startswith(MAGIC) or len(data) < start:
            raise ValueError("not a prepared state")
        (size,) = struct.unpack_from("<Q", data, len(MAGIC))
        try:
            lengths = json.loads(data[start : start + size])
        except (ValueError, RecursionError):
            raise ValueError("not a prepared state") from None
        if not isinstance(lengths, list) or not all(isinstance(n, int) and n >= 0 for n in lengths):
            raise ValueError("not a prepared state")
        self._bounds: list[tuple[int, int]] = []  # each state's JSON: (begin, end)
        at = start + size
        for n in lengths:
            self._bounds.append((at, at + n))
            at += n
        if at > len(data):
            raise ValueError("a prepared state cut short")
        self._data = data
        self._block = memoryview(data)[at:]
        self._types = {t.__name__: t for t in types}
        self._met: list[Any] = []  # the objects met so far (what ``~ref`` points to)
        self._done: list[Any] = []
        self._broken = False

    def __len__(self) -> int:
        return len(self._bounds)

    @overload
    def __getitem__(self, k: int) -> Any: ...

    @overload
    def __getitem__(self, k: slice) -> list[Any]: ...

    def __getitem__(self, k: int | slice) -> Any:
        if isinstance(k, slice):
            return [self[j] for j in range(*k.indices(len(self)))]
        if not 0 <= k < len(self):
            raise IndexError(k)
        while len(self._done) <= k:
            if self._broken:  # a state not ours: those after it are not read either
                raise ValueError("not a prepared state")
            begin, end = self._bounds[len(self._done)]
            try:
                tree = json.loads(self._data[begin:end])
                self._done.append(_decode(tree, self._types, self._met, self._block))
            except (ValueError, TypeError, KeyError, IndexError, AttributeError, RecursionError):
                self._broken = True
                raise ValueError("not a prepared state") from None
        return self._done[k]


class _Arrays:
    """The block of array bytes being written: an array met again with the same bytes (a run's
    data points, the same in each snapshot) is stored once."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self.at: dict[tuple[str, bytes], int] = {}

    def add(self, array: np.ndarray) -> int:
        raw = np.ascontiguousarray(array).tobytes()
        name = (array.dtype.str, hashlib.blake2b(raw, digest_size=16).digest())
        if name not in self.at:
            pad = -self.size % _ALIGN
            self.parts += [b"\0" * pad, raw]
            self.at[name] = self.size + pad
            self.size += pad + len(raw)
        return self.at[name]

    def block(self) -> bytes:
        return b"".join(self.parts)


# A run's snapshots share most of what they hold (each one's ``epochs`` are the one before's plus
# one): an object met again is written as a reference to its first time (``~ref``: its number in
# the order first met, depth first, the order ``_decode`` meets them in), so a run of n epochs
# stores n epoch records, not n²/2, and reads in a tenth of the time.
def _encode(value: Any, seen: dict[int, int], arrays: _Arrays) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if id(value) in seen:
            return {"~ref": seen[id(value)]}
        seen[id(value)] = len(seen)
        fields = {
            f.name: _encode(getattr(value, f.name), seen, arrays) for f in dataclasses.fields(value)
        }
        return {"~cls": type(value).__name__, "f": fields}

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"~float": repr(value)}
    if isinstance(value, np.ndarray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"an array of {value.dtype} cannot be prepared")
        return {"~nd": [arrays.add(value), value.dtype.str, list(value.shape)]}
    if isinstance(value, np.generic):
        return {"~np": value.dtype.str, "v": _encode(value.item(), seen, arrays)}
    if isinstance(value, tuple):
        return {"~tuple": [_encode(v, seen, arrays) for v in value]}
    if isinstance(value, list):
        return [_encode(v, seen, arrays) for v in value]
    if isinstance(value, dict):
        return {
            "~dict": [
                [_encode(k, seen, arrays), _encode(v, seen, arrays)] for k, v in value.items()
            ]
        }
    raise TypeError(f"a state of type {type(value).__name__} cannot be prepared")


def _array(spec: Any, block: memoryview) -> np.ndarray:
    at, dtype_str, shape = spec
    dtype = np.dtype(dtype_str)
    if dtype.kind not in "biuf" or dtype.hasobject:
        raise ValueError("only numbers")
    if not (
        isinstance(at, int) and isinstance(shape, list) and all(isinstance(n, int) for n in shape)
    ):
        raise ValueError("an array's place and shape")
    count = math.prod(shape)
    if at < 0 or min(shape, default=0) < 0 or at + count * dtype.itemsize > len(block):
        raise ValueError("an array outside its block")
    return np.frombuffer(block, dtype, count, at).reshape(shape)  # read-only, as live


def _decode(value: Any, types: dict[str, type], met: list[Any], block: memoryview) -> Any:
    if isinstance(value, list):
        return [_decode(v, types, met, block) for v in value]
    if not isinstance(value, dict):
        return value
    if "~nd" in value:
        return _array(value["~nd"], block)
    if "~float" in value:
        return float(value["~float"])
    if "~np" in value:
        dtype = np.dtype(value["~np"])
        if dtype.kind not in "biuf":
            raise ValueError("only numbers")
        return dtype.type(_decode(value["v"], types, met, block))
    if "~ref" in value:
        return met[value["~ref"]]  # an IndexError (a reference ahead): not ours, recomputed
    if "~cls" in value:
        cls = types.get(value["~cls"])
        if cls is None:
            raise ValueError(f"a class the scene does not name: {value['~cls']!r}")
        at = len(met)
        met.append(None)  # its number, taken before its fields (depth first, as written)
        fields = {str(k): _decode(v, types, met, block) for k, v in value["f"].items()}
        met[at] = cls(**fields)
        return met[at]
    if "~tuple" in value:
        return tuple(_decode(v, types, met, block) for v in value["~tuple"])
    if "~dict" in value:
        return {
            _decode(k, types, met, block): _decode(v, types, met, block) for k, v in value["~dict"]
        }
    raise ValueError("an unknown value")
