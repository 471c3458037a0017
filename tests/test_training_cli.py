"""``dl-explorer train`` and ``bench train`` as a user types them: tables, JSON, and one sentence
for every mistake, never a traceback."""

import json

import pytest
from click.testing import CliRunner

from explorer.cli import main


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def test_train_prints_a_table_per_epoch_and_writes_the_same_figures(tmp_path):
    out = tmp_path / "run.json"
    result = run(
        "train",
        "--dataset",
        "digits",
        "--depth",
        "10",
        "--width",
        "32",
        "--activation",
        "sigmoid",
        "--optimizer",
        "sgd:lr=0.1",
        "--epochs",
        "3",
        "--seed",
        "0",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    for col in ("epoch", "train loss", "train acc", "val loss", "val acc", "first/last"):
        assert col in result.output
    assert "10 × 32 sigmoid, xavier init" in result.output
    assert "test accuracy" in result.output
    data = json.loads(out.read_text())
    (only,) = data["runs"]
    assert only["config"]["activation"] == "sigmoid" and only["config"]["depth"] == 10
    assert [e["epoch"] for e in only["epochs"]] == [1, 2, 3]
    last = only["epochs"][-1]
    assert last["grad_ratio"] == pytest.approx(last["grad_first"] / last["grad_last"])
    assert last["grad_ratio"] < 0.01  # the vanishing gradient, in the file too
    assert f"{last['train_loss']:.4f}" in result.output
    assert 0 <= only["test_acc"] <= 1 and len(only["epochs"][0]["grad_norms"]) == 11


def test_compare_runs_configurations_side_by_side(tmp_path):
    out = tmp_path / "cmp.json"
    result = run(
        "train",
        "--depth",
        "6",
        "--epochs",
        "2",
        "--compare",
        "activation=sigmoid,relu",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "activation=sigmoid" in result.output and "activation=relu" in result.output
    assert "side by side" in result.output
    runs = json.loads(out.read_text())["runs"]
    assert [r["config"]["activation"] for r in runs] == ["sigmoid", "relu"]
    assert runs[0]["epochs"][-1]["grad_ratio"] < runs[1]["epochs"][-1]["grad_ratio"]


def test_compare_optimizers_with_their_hyperparameters_and_a_grid(tmp_path):
    out = tmp_path / "grid.json"
    result = run(
        "train",
        "--dataset",
        "xor",
        "--epochs",
        "1",
        "--compare",
        "optimizer=momentum:lr=0.05,beta=0.8,adam",
        "--compare",
        "batch-norm=off,on",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    configs = [r["config"] for r in json.loads(out.read_text())["runs"]]
    assert [(c["optimizer"], c["batch_norm"]) for c in configs] == [
        ("momentum", False),
        ("momentum", True),
        ("adam", False),
        ("adam", True),
    ]
    assert configs[0]["optimizer_hyper"] == {"lr": 0.05, "beta": 0.8}


def test_regression_prints_losses_not_accuracies():
    result = run("train", "--dataset", "plane", "--epochs", "2", "--depth", "1")
    assert result.exit_code == 0, result.output
    assert "test loss" in result.output


@pytest.mark.parametrize(
    ("args", "sentence"),
    [
        (["--activation", "sigmod"], "Unknown activation 'sigmod'. Did you mean 'sigmoid'?"),
        (["--dataset", "mnist"], "Unknown dataset 'mnist'."),
        (["--optimizer", "sgd:lr=fast"], "optimizer 'sgd': lr='fast' is not a number"),
        (["--optimizer", "sgd:momentum=0.9"], "optimizer 'sgd' has no hyperparameter 'momentum'"),
        (["--schedule", "cosine:gamma=2"], "schedule 'cosine' has no hyperparameter 'gamma'"),
        (["--dropout", "1.5"], "dropout is a probability in [0, 1)"),
        (["--pieces", "3"], "activation 'relu' has no pieces setting"),
        (["--device", "cuda:7"], "device 'cuda"),
        (["--compare", "colour=red,blue"], "--compare: 'colour' is not a setting"),
        (["--compare", "activation"], "--compare expects KEY=V1,V2"),
        (["--compare", "depth=2,many"], "--compare depth: 'many' is not a whole number"),
        (["--compare", "activation=relu,nope"], "Unknown activation 'nope'."),
        (["--n", "99999"], "digits has 1797 images"),
    ],
)
def test_a_users_mistake_is_one_sentence(args, sentence):
    result = run("train", "--epochs", "1", *args)
    assert result.exit_code != 0
    assert sentence in result.output
    assert result.output.count("Error") == 1


# the probe-overhead part, as short as it goes
BENCH_TRAIN = ["bench", "train", "--skip-frames", "--steps", "10", "--rounds", "1", "--depth", "2"]


def test_bench_train_prints_its_figures():
    result = run(*BENCH_TRAIN, "--kills", "0")
    assert result.exit_code == 0, result.output
    assert "bare torch loop" in result.output and "ratio" in result.output
    assert "worker death" not in result.output


@pytest.mark.slow
def test_bench_train_times_a_killed_worker_against_the_half_second_target():
    """The figure the fault tests leave to the benchmark: how soon a killed worker is said."""
    result = run(*BENCH_TRAIN, "--kills", "1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for name in ("trainer", "job runner"):
        assert any(
            ln.split()[:1] == name.split()[:1] and "longest read" in ln and "kill → sentence" in ln
            for ln in lines
        ), result.output
    assert "target: both ≤ 500 ms" in result.output
