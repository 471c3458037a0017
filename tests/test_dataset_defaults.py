"""Every dataset carries settings that succeed on it, and ``train`` takes them for what the user
did not give; a shifted test split shows a good validation score failing on test."""

import json

import pytest
import torch
from click.testing import CliRunner

from explorer.cli import main
from explorer.training.config import TrainConfig, apply_suggested
from explorer.training.data import load_splits
from explorer.training.session import TrainingSession, check_config

# What each built-in reaches with its suggested settings (seed 0): (train, validation) accuracy,
# or for the regression the largest mean squared error (the noise alone gives 0.1² = 0.01).
REACHES = {
    "circle": (0.95, 0.9),
    "xor": (0.95, 0.9),
    "blobs": (0.95, 0.9),
    "spiral": (0.95, 0.9),
    "moons": (0.95, 0.95),
    "digits": (0.98, 0.95),
    "plane": 0.02,
}


def suggested_config(registry, name, **changes):
    spec = registry.dataset(name)
    config, _ = apply_suggested(TrainConfig(dataset=name, device="cpu", **changes), spec.suggested)
    return config


def test_every_built_in_dataset_suggests_settings(registry):
    assert set(REACHES) == {
        n for n, s in registry.datasets.items() if s.plugin.startswith("builtin")
    }
    for name in REACHES:
        suggested = registry.dataset(name).suggested
        assert {"depth", "width", "activation", "optimizer", "epochs", "batch_size"} <= set(
            suggested
        )
        check_config(suggested_config(registry, name), registry)


@pytest.mark.slow  # 1–3 s each alone (digits reads its table)
@pytest.mark.parametrize("name", sorted(REACHES))
def test_each_dataset_succeeds_with_its_suggested_settings(registry, name):
    session = TrainingSession(suggested_config(registry, name), registry)
    session.fit()
    last = session.epochs[-1]
    if name == "plane":
        assert last.train_loss < REACHES[name] and last.val_loss < REACHES[name]
    else:
        train, val = REACHES[name]
        assert last.train_acc >= train and last.val_acc >= val, (last.train_acc, last.val_acc)


@pytest.mark.slow
def test_the_plain_defaults_fail_on_the_spiral_where_its_suggestions_succeed(registry):
    plain = TrainingSession(TrainConfig(dataset="spiral", device="cpu"), registry)
    plain.fit()
    assert plain.epochs[-1].train_acc < 0.7  # the straight boundary of issue 11


def test_suggestions_fill_only_what_the_user_did_not_give():
    suggested = {"depth": 3, "width": 32, "optimizer": "adam", "optimizer_hyper": {"lr": 0.01}}
    suggested |= {"epochs": 80, "batch_size": 32}
    base = TrainConfig(depth=1, optimizer="sgd", optimizer_hyper={"lr": 0.5}, steps=100)
    config, took = apply_suggested(base, suggested, {"depth", "optimizer", "steps"})
    assert config.depth == 1 and config.width == 32 and config.batch_size == 32
    # the rate belongs to the optimizer the user chose, the epochs to a budget they set
    assert config.optimizer == "sgd" and config.optimizer_hyper == {"lr": 0.5}
    assert config.steps == 100 and "epochs" not in took
    assert took == {"width": 32, "batch_size": 32}
    with pytest.raises(ValueError, match="dataset 'odd': suggested setting 'colour' is not a"):
        apply_suggested(base, {"colour": 1}, dataset="odd")


def run(*args):
    result = CliRunner().invoke(main, list(args))
    assert (
        "Traceback" not in result.output
        and result.exception in (None,)
        or isinstance(result.exception, SystemExit)
    )
    return result


def test_train_takes_the_datasets_suggestions_and_says_so(tmp_path):
    out = tmp_path / "s.json"
    result = run("train", "--dataset", "spiral", "--epochs", "2", "--json", str(out))
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "spiral: its suggested settings for what was not given: depth 3, width 32" in text
    assert "optimizer adam:lr=0.01" in text and "epochs" not in text.split("given:")[1][:90]
    data = json.loads(out.read_text())
    config = data["runs"][0]["config"]
    assert (config["depth"], config["width"], config["optimizer"]) == (3, 32, "adam")
    assert config["epochs"] == 2 and data["suggested"]["spiral"]["depth"] == 3


def test_given_knobs_win_and_no_suggested_keeps_the_plain_defaults(tmp_path):
    out = tmp_path / "s.json"
    result = run(
        "train",
        "--dataset",
        "spiral",
        "--epochs",
        "1",
        "--depth",
        "1",
        "--optimizer",
        "sgd:lr=0.2",
        "--json",
        str(out),
    )
    config = json.loads(out.read_text())["runs"][0]["config"]
    assert (config["depth"], config["width"], config["optimizer"]) == (1, 32, "sgd")
    assert config["optimizer_hyper"] == {"lr": 0.2} and config["batch_size"] == 32
    result = run(
        "train", "--dataset", "spiral", "--epochs", "1", "--no-suggested", "--json", str(out)
    )
    assert "suggested settings" not in result.output
    config = json.loads(out.read_text())["runs"][0]["config"]
    assert (config["depth"], config["width"], config["batch_size"]) == (3, 32, 64)
    assert config["optimizer"] == "sgd" and config["optimizer_hyper"] == {"lr": 0.1}


def test_compare_over_datasets_takes_each_datasets_suggestions(tmp_path):
    out = tmp_path / "c.json"
    result = run("train", "--epochs", "1", "--compare", "dataset=blobs,spiral", "--json", str(out))
    assert result.exit_code == 0, result.output
    configs = [r["config"] for r in json.loads(out.read_text())["runs"]]
    assert [(c["dataset"], c["depth"]) for c in configs] == [("blobs", 1), ("spiral", 3)]


# -- train / test mismatch -------------------------------------------------------------------


def test_the_shift_moves_only_the_test_inputs(registry):
    spec = registry.dataset("circle")
    plain = load_splits(spec, seed=3)
    shifted = load_splits(spec, seed=3, test_shift=0.7)
    assert torch.equal(plain.train.x, shifted.train.x) and torch.equal(plain.val.x, shifted.val.x)
    assert torch.allclose(shifted.test.x, plain.test.x + 0.7)
    assert torch.equal(plain.test.y, shifted.test.y)
    # standardizing uses the training statistics, so the shift survives it (in units of std)
    std = load_splits(spec, seed=3, normalize="standard")
    std_shifted = load_splits(spec, seed=3, normalize="standard", test_shift=0.7)
    scale = plain.train.x.std(0, unbiased=False)
    assert torch.allclose(std_shifted.test.x - std.test.x, (0.7 / scale).expand_as(std.test.x))


@pytest.mark.slow
def test_a_good_validation_score_fails_on_a_shifted_test_split(registry):
    results = {}
    for shift in (0.0, 0.6):
        session = TrainingSession(suggested_config(registry, "circle", test_shift=shift), registry)
        session.fit()
        results[shift] = (session.evaluate("val")[1], session.evaluate("test")[1])
    assert results[0.0][0] == results[0.6][0] >= 0.9  # the same validation score
    assert results[0.0][1] >= 0.9  # the test set from the same distribution agrees
    assert results[0.6][1] < 0.7  # the shifted one does not


def test_train_prints_test_accuracy_beside_validation():
    result = run("train", "--dataset", "circle", "--test-shift", "0.6")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "test inputs shifted by 0.6" in text
    line = text[text.index("validation accuracy") :]
    val = float(line.split("validation accuracy ")[1].split("%")[0])
    test = float(line.split("test accuracy (shifted) ")[1].split("%")[0])
    assert val >= 90 and test < 70
