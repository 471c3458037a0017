"""The lecture's surfaces beyond optimizers: cross-entropy vs MSE on one softmax neuron, and the
line fit whose elongated bowl becomes round once its feature is standardized."""

import math

import numpy as np
import pytest
import torch

from explorer.landscape import surface as S
from explorer.landscape.race import BallConfig, Race
from explorer.landscape.rates import suggested_lr

FAR = (-4.0, 4.0)


def softmax_by_hand(w1, w2):
    z = np.array([w1, w2, 0.0])
    e = np.exp(z - z.max())
    return e / e.sum()


def test_both_softmax_surfaces_start_at_the_far_point(registry):
    for name in ("softmax_ce", "softmax_mse"):
        assert tuple(registry.surface(name).starts[0]) == FAR


def test_ce_and_mse_values_and_gradients_follow_the_formulas_at_the_far_point(registry):
    ce, mse = registry.surface("softmax_ce"), registry.surface("softmax_mse")
    p = softmax_by_hand(*FAR)
    t = np.array([1.0, 0.0, 0.0])
    # CE = −ln p₁, ∂CE/∂z_j = p_j − t_j; MSE = Σ(p − t)², ∂/∂z_j = Σ_k 2(p_k − t_k) p_k (δ_kj − p_j)
    assert S.value(ce, *FAR) == pytest.approx(-math.log(p[0]), rel=1e-12)
    assert S.value(mse, *FAR) == pytest.approx(((p - t) ** 2).sum(), rel=1e-12)
    jac = np.diag(p) - np.outer(p, p)  # ∂p_k/∂z_j
    g_ce = (p - t)[:2]
    g_mse = (2 * (p - t) @ jac)[:2]
    assert S.gradient(ce, *FAR) == pytest.approx(g_ce, rel=1e-10)
    assert S.gradient(mse, *FAR) == pytest.approx(g_mse, rel=1e-10)
    # the figures of the reference run: MSE is flat there, CE is not
    assert np.linalg.norm(g_mse) == pytest.approx(0.0353, abs=5e-4)
    assert np.linalg.norm(g_ce) == pytest.approx(1.40, abs=5e-3)


def test_the_surfaces_match_torchs_own_losses(registry):
    w = torch.tensor([[-2.0, 1.5], [3.0, -1.0], [0.3, 0.2]], dtype=torch.float64)
    logits = torch.cat([w, torch.zeros(3, 1, dtype=torch.float64)], 1)
    target = torch.zeros(3, dtype=torch.long)
    ce = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    onehot = torch.nn.functional.one_hot(target, 3).to(torch.float64)
    mse = torch.nn.functional.mse_loss(logits.softmax(1), onehot, reduction="none").sum(1)
    for name, ref in (("softmax_ce", ce), ("softmax_mse", mse)):
        got = S.loss(registry.surface(name), w[:, 0], w[:, 1])
        assert torch.allclose(got, ref, rtol=1e-12)


def test_sgd_stalls_on_mse_where_it_runs_downhill_on_ce(registry):
    lr = 0.1
    moved, final = {}, {}
    for name in ("softmax_ce", "softmax_mse"):
        race = Race(registry.surface(name), [BallConfig("sgd", {"lr": lr})], registry=registry)
        race.step(200)
        moved[name] = float(np.linalg.norm(race.positions[-1, 0] - race.positions[0, 0]))
        final[name] = float(race.losses[-1, 0])
    assert moved["softmax_mse"] < 0.2 * moved["softmax_ce"]
    assert final["softmax_ce"] < 0.1  # near the target
    assert final["softmax_mse"] > 1.8  # still on the plateau (the worst MSE is 2)


def condition(spec, at):
    vals = np.linalg.eigvalsh(S.hessian(spec, *at))
    return vals.max() / vals.min()


def test_the_unscaled_bowl_is_elongated_and_standardizing_makes_it_round(registry):
    raw = registry.surface("linear_regression_unscaled")
    std = registry.surface("linear_regression_standardized")
    x, _ = raw.data
    assert float(x.min()) >= 0 and float(x.max()) > 9  # a raw feature from 0 to 10
    # the Hessian of mean (w x + b − y)² is 2 [[E x², E x], [E x, 1]] (the same everywhere)
    ex, ex2 = float(x.mean()), float((x * x).mean())
    expected = np.linalg.eigvalsh(2 * np.array([[ex2, ex], [ex, 1.0]]))
    assert np.linalg.eigvalsh(S.hessian(raw, *raw.starts[0])) == pytest.approx(expected)
    assert condition(raw, raw.starts[0]) > 100
    assert condition(std, std.starts[0]) == pytest.approx(1.0, abs=1e-9)


def test_both_line_fits_find_the_same_line(registry):
    raw = registry.surface("linear_regression_unscaled")
    std = registry.surface("linear_regression_standardized")
    x = raw.data[0]
    (w, b), (ws, bs) = raw.minima[0], std.minima[0]
    mean, sd = float(x.mean()), float(x.std(unbiased=False))
    assert ws / sd == pytest.approx(w, rel=1e-9)
    assert bs - ws * mean / sd == pytest.approx(b, rel=1e-9)
    assert w == pytest.approx(0.3, abs=0.05) and b == pytest.approx(1.0, abs=0.3)


def test_sgd_at_its_stable_rate_fits_the_standardized_line_but_not_the_unscaled_one(registry):
    final = {}
    for name in ("linear_regression_unscaled", "linear_regression_standardized"):
        spec = registry.surface(name)
        lr = suggested_lr(registry.optimizer("sgd"), spec)
        h = np.linalg.eigvalsh(S.hessian(spec, *spec.starts[0]))
        assert lr * h.max() < 2  # a rate the steep direction allows
        race = Race(spec, [BallConfig("sgd", {"lr": lr})], registry=registry)
        race.step(300)
        final[name] = float(race.losses[-1, 0]) - S.value(spec, *spec.minima[0])
    assert final["linear_regression_standardized"] < 1e-6
    assert final["linear_regression_unscaled"] > 1.0  # still crawling along the valley


@pytest.mark.parametrize(
    "name",
    ["softmax_ce", "softmax_mse", "linear_regression_unscaled", "linear_regression_standardized"],
)
def test_the_new_surfaces_race_without_blowing_up(registry, name):
    spec = registry.surface(name)
    names = ["sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam"]
    balls = [BallConfig(n, {"lr": suggested_lr(registry.optimizer(n), spec)}) for n in names]
    race = Race(spec, balls, registry=registry)
    race.step(300)
    assert all(b.status.active for b in race.balls), [(b.label, b.reason) for b in race.balls]
    assert (race.losses[-1] < race.losses[0]).all()
