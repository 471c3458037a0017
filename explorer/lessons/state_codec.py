"""A scene's picture state (the Network lab's snapshots) in and out of a prepared run, without
pickle: a tree of dicts, lists, numbers and tensors that ``torch.load(weights_only=True)`` reads
(it refuses to build any object but those), rebuilt into the dataclasses the scene's driver
names. A planted file can name no class but those, and builds them only from their fields."""

from __future__ import annotations

import dataclasses
import io
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np


def dumps(state: Any) -> bytes:
    import torch

    out = io.BytesIO()
    torch.save(_encode(state, {}), out)
    return out.getvalue()


def loads(data: bytes, types: Sequence[type]) -> Any:
    """The state ``dumps`` wrote; ValueError for anything else."""
    import torch

    try:
        with warnings.catch_warnings():  # a foreign file's pickle protocol: refused, not said
            warnings.simplefilter("ignore")
            tree = torch.load(io.BytesIO(data), weights_only=True)
    except Exception as exc:  # noqa: BLE001 - damaged or foreign: recomputed
        raise ValueError(f"not a prepared state ({type(exc).__name__})") from None
    return _decode(tree, {t.__name__: t for t in types}, [])


# A run's snapshots share most of what they hold (each one's ``epochs`` are the one before's plus
# one): an object met again is written as a reference to its first time (``~ref``: its number in
# the order first met, depth first, the order ``_decode`` meets them in), so a run of n epochs
# stores n epoch records, not n²/2, and reads in a tenth of the time.
def _encode(value: Any, seen: dict[int, int]) -> Any:
    import torch

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if id(value) in seen:
            return {"~ref": seen[id(value)]}
        seen[id(value)] = len(seen)
        fields = {f.name: _encode(getattr(value, f.name), seen) for f in dataclasses.fields(value)}
        return {"~cls": type(value).__name__, "f": fields}

    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, np.ndarray):
        return {"~nd": torch.from_numpy(np.ascontiguousarray(value).copy())}
    if isinstance(value, np.generic):
        return {"~np": value.dtype.str, "v": value.item()}
    if isinstance(value, tuple):
        return {"~tuple": [_encode(v, seen) for v in value]}
    if isinstance(value, list):
        return [_encode(v, seen) for v in value]
    if isinstance(value, dict):
        return {"~dict": [[_encode(k, seen), _encode(v, seen)] for k, v in value.items()]}
    raise TypeError(f"a state of type {type(value).__name__} cannot be prepared")


def _decode(value: Any, types: dict[str, type], met: list[Any]) -> Any:
    import torch

    if isinstance(value, list):
        return [_decode(v, types, met) for v in value]
    if not isinstance(value, dict):
        if isinstance(value, torch.Tensor):
            raise ValueError("a bare tensor")
        return value
    if "~nd" in value:
        array = value["~nd"].numpy()
        array.flags.writeable = False  # a snapshot's arrays are read-only, as live
        return array
    if "~np" in value:
        dtype = np.dtype(value["~np"])
        if dtype.kind not in "biuf":
            raise ValueError("only numbers")
        return dtype.type(value["v"])
    if "~ref" in value:
        return met[value["~ref"]]  # an IndexError (a reference ahead): not ours, recomputed
    if "~cls" in value:
        cls = types.get(value["~cls"])
        if cls is None:
            raise ValueError(f"a class the scene does not name: {value['~cls']!r}")
        at = len(met)
        met.append(None)  # its number, taken before its fields (depth first, as written)
        fields = {str(k): _decode(v, types, met) for k, v in value["f"].items()}
        met[at] = cls(**fields)
        return met[at]
    if "~tuple" in value:
        return tuple(_decode(v, types, met) for v in value["~tuple"])
    if "~dict" in value:
        return {_decode(k, types, met): _decode(v, types, met) for k, v in value["~dict"]}
    raise ValueError("an unknown value")
