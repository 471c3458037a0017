"""A prepared run's pictures (``state_codec``): exactly what was recorded comes back, the first
picture is read without the others (a replay starts at once), and a file that is not ours is
refused, never run."""

from __future__ import annotations

import dataclasses
import json
import pickle
import struct

import numpy as np
import pytest

from explorer.lessons import state_codec


@dataclasses.dataclass(frozen=True)
class Picture:
    step: int
    loss: float
    points: np.ndarray
    history: list


def _run(n: int = 4) -> list:
    points = np.arange(600, dtype=np.float32).reshape(300, 2)  # the same data in every frame
    out, history = [], []
    for k in range(n):
        history = [*history, (k, np.float32(k / 3))]
        out.append([Picture(k, float("nan") if k == 2 else 1 / (k + 1), points, history)])
    return out


def test_every_picture_comes_back_exactly_and_an_array_met_again_is_stored_once():
    states = _run()
    data = state_codec.dumps(states)
    back = state_codec.loads(data, [Picture])
    for a, b in zip(states, back, strict=True):
        (pa,), (pb,) = a, b
        assert pa.step == pb.step and pa.history == pb.history
        assert np.isnan(pb.loss) if np.isnan(pa.loss) else pa.loss == pb.loss
        assert pb.points.dtype == pa.points.dtype and pb.points.tobytes() == pa.points.tobytes()
        assert not pb.points.flags.writeable  # read-only, as a live snapshot's
    assert len(data) < 2 * states[0][0].points.nbytes  # four frames, the points stored once


def _with_last_state_replaced(data: bytes, text: bytes) -> bytes:
    start = len(state_codec.MAGIC) + 8
    (size,) = struct.unpack_from("<Q", data, len(state_codec.MAGIC))
    lengths = json.loads(data[start : start + size])
    at = start + size + sum(lengths[:-1])
    index = json.dumps([*lengths[:-1], len(text)]).encode()
    block = data[at + lengths[-1] :]
    head = state_codec.MAGIC + struct.pack("<Q", len(index)) + index
    return head + data[start + size : at] + text + block


def test_the_first_picture_is_read_without_the_others():
    data = _with_last_state_replaced(state_codec.dumps(_run()), b'{"~cls":"Planted","f":{}}')
    states = state_codec.States(data, [Picture])
    assert len(states) == 4 and states[0][0].step == 0  # shown at once
    with pytest.raises(ValueError):
        states[3]  # a picture not ours: refused when its frame comes
    with pytest.raises(ValueError):
        state_codec.loads(data, [Picture])  # read whole: refused at once


@pytest.mark.parametrize(
    "data",
    [
        b"",
        pickle.dumps([1, 2, 3]),
        b"DLX-STATES 3\n" + struct.pack("<Q", 10**9),  # an index longer than the file
        b"DLX-STATES 3\n" + struct.pack("<Q", 4) + b"[99]",  # a state past the end
        b"DLX-STATES 3\n" + struct.pack("<Q", 3) + b"[1]x",  # not JSON
    ],
)
def test_a_file_that_is_not_a_prepared_state_is_refused(data):
    with pytest.raises(ValueError):
        state_codec.loads(data, [Picture])


def test_an_array_that_points_outside_its_block_or_holds_objects_is_refused():
    for spec in ([0, "<f4", [10**6]], [0, "|O", [1]], [-8, "<f4", [1]]):
        doc = json.dumps({"~nd": spec}).encode()
        index = json.dumps([len(doc)]).encode()
        data = state_codec.MAGIC + struct.pack("<Q", len(index)) + index + doc + b"\0" * 16
        with pytest.raises((ValueError, TypeError)):
            state_codec.loads(data, [Picture])
