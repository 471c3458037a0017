"""The lecture's knobs on ``train``: cross-entropy vs MSE, input dropout, feature normalization,
K-fold cross-validation, an update budget, and the sparsity readout — each checked against a plain
PyTorch / numpy computation, not against the code under test."""

import json
import statistics

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch import nn
from torch.nn import functional as F

from explorer.cli import main
from explorer.training.config import TrainConfig
from explorer.training.data import load_splits
from explorer.training.session import TrainingSession


def cli(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


def _plain_copy(session: TrainingSession) -> nn.Sequential:
    """The session's one-hidden-layer ReLU net as a plain nn.Sequential with the same weights."""
    net = session.model
    (layer,) = net.hidden
    plain = nn.Sequential(
        nn.Linear(layer.linear.in_features, layer.linear.out_features),
        nn.ReLU(),
        nn.Linear(net.out.in_features, net.out.out_features),
    )
    with torch.no_grad():
        plain[0].weight.copy_(layer.linear.weight)
        plain[0].bias.copy_(layer.linear.bias)
        plain[2].weight.copy_(net.out.weight)
        plain[2].bias.copy_(net.out.bias)
    return plain


@pytest.mark.parametrize("loss", ["ce", "mse"])
def test_the_loss_knob_trains_like_plain_pytorch(registry, loss):
    # Full batches, so the batch order cannot matter: 6 SGD steps must give the same weights as
    # torch.optim.SGD on the textbook formula (MSE = Σ_k (softmax_k − onehot_k)², batch mean).
    cfg = TrainConfig(
        dataset="xor",
        n=120,
        depth=1,
        width=8,
        batch_size=1000,
        epochs=6,
        loss=loss,
        optimizer="sgd",
        optimizer_hyper={"lr": 0.5},
        device="cpu",
        seed=3,
    )
    session = TrainingSession(cfg, registry)
    plain = _plain_copy(session)
    x, y = session.splits.train.x, session.splits.train.y
    opt = torch.optim.SGD(plain.parameters(), lr=0.5)

    def objective(out):
        if loss == "ce":
            return F.cross_entropy(out, y)
        onehot = F.one_hot(y, 2).float()
        return ((out.softmax(1) - onehot) ** 2).sum(1).mean()

    for _ in range(6):
        opt.zero_grad()
        objective(plain(x)).backward()
        opt.step()
    session.fit()
    assert session.global_step == 6
    torch.testing.assert_close(session.model.hidden[0].linear.weight, plain[0].weight)
    torch.testing.assert_close(session.model.out.weight, plain[2].weight)
    with torch.no_grad():
        final = objective(plain(x)).item()
    assert session.epochs[-1].train_loss == pytest.approx(final, rel=1e-5)


def test_mse_has_the_flat_gradient_the_lecture_warns_about(registry):
    # Far from the target (a confident wrong answer), MSE's gradient on the logits is tiny and
    # CE's is not — computed by autograd on both formulas, not by the session.
    logits = torch.tensor([[8.0, -8.0]], requires_grad=True)
    target = torch.tensor([1])
    cfg = TrainConfig(dataset="xor", n=40, depth=0, loss="mse", device="cpu")
    session = TrainingSession(cfg, registry)
    (g_mse,) = torch.autograd.grad(session.loss_fn(logits, target), logits)
    (g_ce,) = torch.autograd.grad(F.cross_entropy(logits, target), logits)
    assert g_mse.norm() < 0.01 * g_ce.norm()


def test_input_dropout_drops_inputs_and_averages_to_the_full_net(registry):
    cfg = TrainConfig(dataset="xor", n=40, depth=0, input_dropout=0.5, device="cpu", seed=1)
    session = TrainingSession(cfg, registry)
    net = session.model.train()
    x = torch.ones(4000, 2)
    w, b = net.out.weight.detach(), net.out.bias.detach()
    with torch.no_grad():
        out = net(x)  # depth 0: out = W (x ⊙ mask / (1 − p)) + b
        kept = torch.linalg.lstsq(w, (out - b).T).solution.T  # recover the dropped inputs
        full = net.eval()(x[:1])
    zeros = (kept.abs() < 1e-4).float().mean().item()
    assert zeros == pytest.approx(0.5, abs=0.03)
    assert set(np.round(kept.numpy().ravel(), 3)) <= {0.0, 2.0}
    torch.testing.assert_close(out.mean(0), full[0], atol=0.1, rtol=0)


def test_standard_normalization_uses_the_training_statistics(registry):
    spec = registry.dataset("blobs")
    raw = load_splits(spec, n=300, noise=0.3, seed=5)
    std = load_splits(spec, n=300, noise=0.3, seed=5, normalize="standard")
    mean = raw.train.x.numpy().mean(0)
    spread = raw.train.x.numpy().std(0)
    np.testing.assert_allclose(std.train.x.numpy().mean(0), 0, atol=1e-5)
    np.testing.assert_allclose(std.train.x.numpy().std(0), 1, atol=1e-5)
    np.testing.assert_allclose(std.val.x.numpy(), (raw.val.x.numpy() - mean) / spread, atol=1e-5)
    np.testing.assert_allclose(std.test.x.numpy(), (raw.test.x.numpy() - mean) / spread, atol=1e-5)


def test_folds_partition_the_non_test_samples(registry):
    spec = registry.dataset("moons")
    splits = [load_splits(spec, n=103, seed=2, folds=4, fold=k) for k in range(4)]
    keys = [{tuple(r) for r in s.val.x.tolist()} for s in splits]
    tests = [{tuple(r) for r in s.test.x.tolist()} for s in splits]
    assert all(t == tests[0] for t in tests)  # one held-out test split for every fold
    union = set().union(*keys)
    assert sum(len(k) for k in keys) == len(union) == 103 - len(tests[0])  # disjoint, complete
    for s, k in zip(splits, keys, strict=True):
        assert not k & {tuple(r) for r in s.train.x.tolist()}


def test_train_folds_prints_mean_and_spread_of_validation_accuracy(tmp_path):
    out = tmp_path / "cv.json"
    result = cli(
        "train",
        "--dataset",
        "moons",
        "--n",
        "200",
        "--depth",
        "1",
        "--width",
        "8",
        "--epochs",
        "3",
        "--folds",
        "3",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    assert "3-fold cross-validation: validation accuracy" in result.output
    data = json.loads(out.read_text())
    assert [r["config"]["fold"] for r in data["runs"]] == [0, 1, 2]
    per_fold = [r["epochs"][-1]["val_acc"] for r in data["runs"]]
    (cv,) = data["cross_validation"]
    assert cv["values"] == pytest.approx(per_fold)
    assert cv["mean"] == pytest.approx(statistics.fmean(per_fold))
    assert cv["std"] == pytest.approx(statistics.stdev(per_fold))
    assert f"{100 * cv['mean']:.1f}%" in result.output


def test_a_step_budget_compares_batch_sizes_at_equal_updates(tmp_path):
    out = tmp_path / "bs.json"
    result = cli(
        "train",
        "--dataset",
        "xor",
        "--depth",
        "1",
        "--width",
        "8",
        "--compare",
        "batch_size=8,128",
        "--steps",
        "50",
        "--json",
        str(out),
    )
    assert result.exit_code == 0, result.output
    runs = json.loads(out.read_text())["runs"]
    assert [r["steps"] for r in runs] == [50, 50]
    n_train = 240  # 400 xor samples, 60 % to train
    assert runs[0]["epochs_done"] == pytest.approx(50 / (n_train // 8))
    assert runs[1]["epochs_done"] == pytest.approx(50 / (n_train // 128 + 1))
    for r in runs:
        assert r["timing"]["seconds_per_update"] > 0 and r["timing"]["seconds_per_epoch"] > 0
        assert r["message"].startswith("finished 50 steps")
    for row in ("updates", "ms / update", "s / epoch", "|w| < 1e-3"):
        assert row in result.output


def test_sparsity_readout_matches_the_weights_and_l1_raises_it(registry):
    def trained(l1):
        cfg = TrainConfig(
            dataset="xor",
            depth=2,
            width=16,
            epochs=30,
            l1=l1,
            device="cpu",
            optimizer="sgd",
            optimizer_hyper={"lr": 0.1},
        )
        s = TrainingSession(cfg, registry)
        s.fit()
        return s

    plain, lasso = trained(0.0), trained(0.01)
    for s in (plain, lasso):
        stats = s.weight_stats()
        for layer, linear in zip(stats["layers"], s.model.linears, strict=True):
            w = linear.weight.detach().numpy()
            assert layer["sparsity"] == pytest.approx(float((np.abs(w) < 1e-3).mean()))
            assert sum(layer["histogram"]["counts"]) == w.size
        every = np.concatenate([lin.weight.detach().numpy().ravel() for lin in s.model.linears])
        assert stats["sparsity"] == pytest.approx(float((np.abs(every) < 1e-3).mean()))
    assert lasso.weight_stats()["sparsity"] > plain.weight_stats()["sparsity"] + 0.1


def test_train_json_has_the_sparsity_histograms(tmp_path):
    out = tmp_path / "w.json"
    result = cli("train", "--dataset", "xor", "--epochs", "1", "--depth", "2", "--json", str(out))
    assert result.exit_code == 0, result.output
    (run,) = json.loads(out.read_text())["runs"]
    assert len(run["weights"]["layers"]) == 3 and json.loads(out.read_text())["complete"] is True
    assert "|w| < 1e-3" in result.output


def test_ctrl_c_keeps_the_finished_epochs_and_runs(tmp_path, monkeypatch):
    # Ctrl-C arrives in the third run's 5th update; the first two runs and the third run's
    # finished epochs are printed and written, marked incomplete.
    calls = {"n": 0}
    real_step = TrainingSession.step

    def step(self, n=1):
        if self.config.depth == 3 and self.global_step == 4 * self.steps_per_epoch + 2:
            raise KeyboardInterrupt
        calls["n"] += 1
        return real_step(self, n)

    monkeypatch.setattr(TrainingSession, "step", step)
    out = tmp_path / "partial.json"
    result = CliRunner().invoke(
        main,
        [
            "train",
            "--dataset",
            "xor",
            "--epochs",
            "6",
            "--compare",
            "depth=1,2,3",
            "--json",
            str(out),
        ],
    )
    assert result.exit_code == 130, result.output
    assert "interrupted" in result.output and "depth=3 (interrupted)" in result.output
    data = json.loads(out.read_text())
    assert data["complete"] is False and data["interrupted"] is True
    assert [len(r["epochs"]) for r in data["runs"]] == [6, 6, 4]
