"""Saddles vs minima of a real network: the Hessian of its training loss, exact and by Lanczos,
the minimum ratio, ``critical --net`` and ``bench hessian``."""

import json
import math

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch.nn import functional as F

from explorer.cli import main
from explorer.training import hessian as H
from explorer.training.config import TrainConfig
from explorer.training.session import TrainingSession


def small_session(registry, **changes):
    config = TrainConfig(
        dataset="circle",
        n=60,
        depth=1,
        width=3,
        activation="tanh",
        optimizer="adam",
        optimizer_hyper={"lr": 0.05},
        batch_size=60,
        epochs=20,
        device="cpu",
    ).replace(**changes)
    session = TrainingSession(config, registry)
    session.fit()
    return session


def test_the_exact_hessian_equals_plain_torch_on_the_same_net(registry):
    session = small_session(registry, l2=0.03)
    f, theta = H.training_loss(session)
    assert theta.numel() == 2 * 3 + 3 + 3 * 2 + 2
    # the same loss written out by hand in plain PyTorch, parameters in the model's order
    x = session.splits.train.x.double()
    y = session.splits.train.y
    shapes = [(3, 2), (3,), (2, 3), (2,)]

    def reference(flat):
        parts, i = [], 0
        for shape in shapes:
            size = math.prod(shape)
            parts.append(flat[i : i + size].reshape(shape))
            i += size
        w1, b1, w2, b2 = parts
        out = torch.tanh(x @ w1.T + b1) @ w2.T + b2
        return F.cross_entropy(out, y) + 0.5 * 0.03 * ((w1**2).sum() + (w2**2).sum())

    assert float(f(theta)) == pytest.approx(float(reference(theta)), rel=1e-12)
    train_loss, _ = session.evaluate("train")
    with torch.no_grad():
        penalty = float(session.penalty())
    assert float(f(theta)) == pytest.approx(train_loss + penalty, rel=1e-5)
    ours = H.exact_hessian(f, theta)
    ref = torch.autograd.functional.hessian(reference, theta)
    assert torch.allclose(ours, ref, rtol=1e-10, atol=1e-12)


def test_a_constructed_saddle_has_the_expected_minimum_ratio():
    curvatures = torch.tensor([3.0, 2.0, 1.0, 0.5, -1.0, -2.0, 4.0, 5.0, 0.1, -0.3], dtype=H.DTYPE)

    def f(theta):
        return 0.5 * (curvatures * theta * theta).sum()

    sp = H.spectrum(f, torch.zeros(10, dtype=H.DTYPE), "exact")
    assert np.allclose(sp.eigenvalues, np.sort(curvatures.numpy()))
    assert sp.minimum_ratio == pytest.approx(0.7) and sp.negative == pytest.approx(0.3)
    assert sp.kind == "saddle" and sp.grad_norm == 0.0
    assert sp.verdict().startswith("minimum ratio 0.700: a critical point")
    bowl = H.spectrum(
        lambda t: 0.5 * (curvatures.abs() * t * t).sum(), torch.zeros(10, dtype=H.DTYPE)
    )
    assert bowl.kind == "minimum" and bowl.minimum_ratio == 1.0


def test_a_tanh_net_with_zero_weights_sits_on_a_saddle(registry):
    # All weights 0 and the output bias at the log class frequencies: the gradient vanishes
    # exactly (the hidden units output tanh(0) = 0), yet the loss falls if the two layers grow
    # together: negative curvature, a saddle.
    session = small_session(registry, epochs=1)
    y = session.splits.train.y
    with torch.no_grad():
        for p in session.model.parameters():
            p.zero_()
        freq = torch.bincount(y, minlength=2).float() / len(y)
        session.model.out.bias.copy_(freq.log())
    f, theta = H.training_loss(session)
    sp = H.spectrum(f, theta, "exact")
    assert sp.grad_norm < 1e-7  # the bias is float32: zero up to its rounding
    assert "a critical point" in sp.verdict()
    assert sp.kind == "saddle" and 0 < sp.minimum_ratio < 1
    assert sp.negative > 0


@pytest.mark.slow
def test_lanczos_finds_the_exact_extremes_and_estimates_the_ratio(registry):
    session = small_session(registry, width=8, depth=2, n=200, batch_size=200, epochs=60)
    f, theta = H.training_loss(session)
    exact = H.spectrum(f, theta, "exact")
    bottom, top = H.lanczos_extremes(f, theta, k=4)
    scale = np.abs(exact.eigenvalues).max()
    assert np.abs(top - exact.eigenvalues[-4:]).max() < 1e-6 * scale
    assert np.abs(bottom - exact.eigenvalues[:4]).max() < 1e-6 * scale
    approx = H.spectrum(f, theta, "lanczos", steps=60, probes=6)
    assert approx.method == "lanczos" and approx.kind == exact.kind
    assert approx.smallest == pytest.approx(exact.smallest, rel=1e-5)
    assert approx.largest == pytest.approx(exact.largest, rel=1e-6)
    share = (exact.eigenvalues > approx.tol).mean()  # counted in the band Lanczos resolved
    assert abs(approx.positive - share) <= approx.share_error
    nodes, weights = approx.density
    assert weights.sum() == pytest.approx(1.0) and nodes.min() >= exact.smallest - 1e-6 * scale


@pytest.mark.slow
def test_lanczos_shares_agree_with_torchs_own_hessian_within_their_stated_error(registry):
    # the 522-parameter net (circle, 2 × 20 tanh), trained where near-zero eigenvalues
    # abound: Lanczos once called most of them "negative curvature" (159 / 288 / 75 against
    # exact's 208 / 115 / 199). Its shares now hold against torch.autograd.functional.hessian,
    # counted outside the band it says it resolves, within the error it states (at most 5 %).
    session = small_session(registry, n=None, width=20, depth=2, batch_size=4096, epochs=100)
    f, theta = H.training_loss(session)
    assert theta.numel() == 522
    reference = torch.autograd.functional.hessian(f, theta.double(), vectorize=True)
    vals = torch.linalg.eigvalsh((reference + reference.T) / 2).numpy()
    sp = H.spectrum(f, theta, "lanczos")
    assert sp.tol > 1e-6 * np.abs(vals).max()  # a band it can resolve, stated
    assert sp.share_error <= 0.05
    assert abs(sp.negative - (vals < -sp.tol).mean()) <= sp.share_error
    assert abs(sp.positive - (vals > sp.tol).mean()) <= sp.share_error
    # a Ritz value: never below the smallest (up to the float32 products' rounding)
    assert vals[0] - 1e-6 * vals[-1] <= sp.smallest < 0
    assert "±" in sp.counts() and "negative," not in sp.counts()  # shares, never counts


def test_a_point_where_the_gradient_does_not_vanish_is_never_called_a_saddle(registry):
    session = small_session(registry, width=8, depth=2, n=200, batch_size=200, epochs=60)
    f, theta = H.training_loss(session)
    sp = H.spectrum(f, theta, "exact")
    assert sp.kind == "saddle" and sp.grad_norm > sp.grad_tol  # curved like one, yet moving
    assert not sp.critical
    text = sp.verdict()
    assert text.startswith(f"not a critical point (|∇L| = {sp.grad_norm:.2g} > tol")
    assert "neither a saddle nor a minimum" in text
    assert f"{sp.negative * sp.n_params:.0f} negative" in text
    assert "minimum ratio" not in text and "is a saddle" not in text


def test_the_exact_hessian_refuses_a_net_too_large_for_it():
    with pytest.raises(ValueError, match="5,000 parameters is too large for the exact Hessian"):
        H.exact_hessian(lambda t: (t * t).sum(), torch.zeros(5000, dtype=H.DTYPE))


def test_training_stops_where_the_loss_stalls(registry):
    config = TrainConfig(
        dataset="circle",
        n=60,
        depth=1,
        width=3,
        optimizer="sgd",
        optimizer_hyper={"lr": 0.0},
        epochs=500,
        device="cpu",
    )
    session = TrainingSession(config, registry)
    message = H.train_until_stall(session, 500, patience=5)
    # the first epoch sets the best loss, five more without a better one end it
    assert message.startswith("stalled after 6 epochs") and session.epoch == 6


def test_histogram_counts_every_eigenvalue_once():
    curvatures = torch.tensor([-2.0, -1e-3, 0.0, 0.0, 1e-4, 0.5, 3.0], dtype=H.DTYPE)
    sp = H.spectrum(lambda t: 0.5 * (curvatures * t * t).sum(), torch.zeros(7, dtype=H.DTYPE))
    rows = sp.histogram(bins=6)
    assert sum(count for *_, count in rows) == 7
    (flat,) = [c for lo, hi, c in rows if lo < 0 < hi]
    assert flat == 2 and sp.flat == pytest.approx(2 / 7)


def cli(*args):
    result = CliRunner().invoke(main, list(args))
    assert "Traceback" not in result.output, result.output
    return result


def test_critical_net_prints_the_spectrum_and_writes_it(tmp_path):
    out = tmp_path / "h.json"
    result = cli(
        "critical", "--net", "--n", "100", "--width", "4", "--epochs", "40", "--json", str(out)
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "circle (60 training samples) · 2 × 4 tanh · 42 parameters" in text
    assert "exact (torch.func), 42 × 42" in text and "eigenvalue spectrum" in text
    data = json.loads(out.read_text())
    vals = np.array(data["eigenvalues"])
    assert len(vals) == data["n_params"] == 42
    assert data["minimum_ratio"] == pytest.approx(float((vals > data["tol"]).mean()))
    assert data["positive"] + data["negative"] + data["flat"] == pytest.approx(1.0)
    assert data["critical"] is False and data["grad_norm"] > data["grad_tol"]
    assert "not a critical point" in text and "minimum ratio" not in text  # no verdict here
    assert data["kind"] in text and "ran 40 epochs" in text


@pytest.mark.slow
def test_critical_net_lanczos_beyond_the_exact_limit():
    result = cli(
        "critical",
        "--net",
        "--n",
        "60",
        "--width",
        "70",
        "--epochs",
        "2",
        "--steps",
        "20",
    )  # 5,322 parameters: auto picks Lanczos
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "5,322 parameters" in text and "Lanczos on Hessian-vector products" in text
    assert "eigenvalue spectrum (estimated)" in text and "4 probes × 20 steps" in text
    assert "no counts: Lanczos resolves no band thinner than" in text and "counts " not in text


@pytest.mark.slow
def test_bench_hessian_prints_its_figures():
    result = cli(
        "bench", "hessian", "--widths", "6", "--epochs", "2", "--lab-depth", "2", "--lab-width", "8"
    )
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    for figure in ("before: ARPACK", "after: one batched run", "Hessian here:", "× faster"):
        assert figure in text
    assert "Lanczos against the exact Hessian" in text and "largest gap" in text


@pytest.mark.parametrize(
    ("surface", "at", "shape"),
    [
        ("saddle", "0.3,0.2", "curved up one way and down the other"),
        ("expr:-(x**2 + y**2)", "0.5,0.5", "curved down both ways, like a dome"),
    ],
)
def test_critical_surface_names_no_kind_where_the_gradient_does_not_vanish(surface, at, shape):
    result = cli("critical", "--surface", surface, "--at", at)
    assert result.exit_code == 0, result.output
    last = result.output.strip().splitlines()[-1]
    assert "is not a critical point (|∇f| = " in last and " > tol " in last
    assert "no minimum, saddle or maximum" in last and last.endswith(f"{shape}.")
    assert "kind        none: not a critical point" in result.output
    assert "escape" not in result.output  # nothing to escape from: the ball rolls on


def test_critical_surface_still_names_a_saddle_where_the_gradient_vanishes():
    result = cli("critical", "--surface", "saddle", "--at", "0,0")
    assert result.exit_code == 0, result.output
    assert "kind        saddle: a critical point (|∇f| = 0 ≤ tol " in result.output
    assert result.output.strip().endswith("a saddle, downhill along the escape direction.")


@pytest.mark.slow
def test_the_saddle_points_lesson_no_longer_calls_a_moving_point_a_saddle(tmp_path):
    # the lesson's network step, with the old lesson's expects: "hessian_saddle" (a saddle, not a
    # local minimum) is false where |∇L| is far above the tolerance, so lesson check fails it
    from importlib import resources

    lesson = resources.files("explorer.assets").joinpath("lessons", "07-saddle-points.toml")
    text = lesson.read_text(encoding="utf-8")
    now = cli("lesson", "check", str(lesson))
    assert now.exit_code == 0, now.output
    new = '["not hessian_critical", "not hessian_saddle", "hessian_grad_norm > 1e-4", '
    assert new in text
    old = tmp_path / "07-saddle-points.toml"
    old.write_text(text.replace(new, '["hessian_saddle", '), encoding="utf-8")
    result = cli("lesson", "check", str(old))
    assert result.exit_code != 0 and "hessian_saddle" in result.output, result.output
