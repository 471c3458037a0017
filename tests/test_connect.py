"""Between two minima (issue 23, item 4): the line between two trained solutions climbs over a
barrier, the trained Bezier curve keeps its ends and lowers it, and two different nets are one
sentence."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner

from explorer.cli import main
from explorer.landscape.connect import ConnectError, connect
from explorer.training import TrainConfig


@pytest.fixture(autouse=True)
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.mark.slow
def test_the_curve_keeps_the_ends_and_lowers_the_lines_barrier(registry):
    config = TrainConfig(
        dataset="moons",
        depth=2,
        width=16,
        optimizer="adam",
        optimizer_hyper={"lr": 0.01},
        epochs=30,
        device="cpu",
    )
    result = connect(config, registry, (0, 1), steps=200, points=11)
    assert result.line[0] == result.curve[0] and result.line[-1] == result.curve[-1]
    interpolated = (1 - result.t) * result.line[0] + result.t * result.line[-1]
    assert result.line_barrier == pytest.approx(np.max(result.line - interpolated))
    assert result.line_barrier > 0.05  # two seeds, two basins: the line climbs
    assert result.curve_barrier < result.line_barrier / 2
    data = result.to_dict()
    assert data["seeds"] == [0, 1] and len(data["curve_loss"]) == 11


def test_one_seed_twice_is_refused(registry):
    with pytest.raises(ConnectError, match="two different seeds"):
        connect(TrainConfig(dataset="moons", device="cpu"), registry, (3, 3))


def test_two_minima_of_different_nets_are_one_sentence(tmp_path):
    args = ["connect", "--depth", "1", "--width", "8", "--epochs", "1", "--other", "width=4"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "the two minima are of different nets (1×8 relu" in result.output
    bad = CliRunner().invoke(main, ["connect", "--other", "lr=3"])
    assert bad.exit_code != 0 and "KEY one of depth, width, activation" in bad.output


def test_the_command_prints_both_barriers_and_writes_them(tmp_path):
    out = tmp_path / "c.json"
    args = ["connect", "--depth", "1", "--width", "8", "--epochs", "10", "--curve-steps", "20"]
    result = CliRunner().invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert f"barrier on the line {data['line_barrier']:.4g}" in result.output
    assert f"on the curve {data['curve_barrier']:.4g}" in result.output


def test_the_barriers_are_printed_in_chinese_with_their_own_numbers(tmp_path):
    out = tmp_path / "c.json"
    args = ["--lang", "zh", "connect", "--depth", "1", "--width", "8", "--epochs", "5"]
    result = CliRunner().invoke(main, [*args, "--curve-steps", "10", "--json", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(out.read_text())
    assert f"直线上的势垒 {data['line_barrier']:.4g}" in result.output
    assert f"曲线上的势垒 {data['curve_barrier']:.4g}" in result.output
    assert "两个解之间的训练损失" in result.output and "barrier on the line" not in result.output


def test_a_refusal_reads_wholly_in_chinese(tmp_path):
    args = ["--lang", "zh", "connect", "--depth", "1", "--width", "8", "--epochs", "1"]
    result = CliRunner().invoke(main, [*args, "--other", "width=4"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "这两个极小值属于不同的网络（1×8 relu，2 个输入；1×4 relu，2 个输入）" in result.output
    assert "different nets" not in result.output and "inputs" not in result.output
    bad = CliRunner().invoke(main, ["--lang", "zh", "connect", "--other", "lr=3"])
    assert "KEY 是 depth, width, activation 之一" in bad.output and "give" not in bad.output


def test_a_refusal_crosses_to_the_worker_and_back_with_its_reason(registry):
    import pickle

    with pytest.raises(ConnectError) as caught:
        connect(TrainConfig(dataset="moons", device="cpu"), registry, (3, 3))
    again = pickle.loads(pickle.dumps(caught.value))
    assert isinstance(again, ConnectError) and str(again) == str(caught.value)
    assert again.note.word(lambda key, **f: key) == "planes.note_same_seed"
