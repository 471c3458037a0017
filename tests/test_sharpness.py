"""Sharpness live (issue 23, item 3): λ_max of the training loss's Hessian, tracked every k steps,
agrees with the exact Hessian's top eigenvalue, is compared with the right threshold, and
``train --sharpness K`` writes the series a user reads."""

import json

import numpy as np
import pytest
import torch
from click.testing import CliRunner
from torch.func import functional_call

from explorer.cli import main
from explorer.plugins import default_registry
from explorer.training import TrainConfig, TrainingSession
from explorer.training.sharpness import (
    BatchHessian,
    SharpnessTracker,
    preconditioner,
    shown,
    threshold,
    top_eigen,
)


@pytest.fixture(scope="module")
def registry():
    return default_registry()


@pytest.fixture(autouse=True)
def one_thread():
    """Small nets run fastest on one thread (and do not fight the other tests for cores)."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def exact_top(session: TrainingSession, scale: torch.Tensor | None = None) -> float:
    """The top eigenvalue of the fixed batch's Hessian (or of S H S) from the whole matrix,
    by torch.autograd.functional.hessian in float64: an independent computation."""
    batch = BatchHessian(session, dtype=torch.float64)
    model = session.model.copy().double().eval()
    named = list(model.named_parameters())
    shapes = [p.shape for _, p in named]
    sizes = [p.numel() for _, p in named]

    weights = [f"{n}.weight" for n, m in model.named_modules() if m in list(model.linears)]

    def f(flat):
        parts = torch.split(flat, sizes)
        params = {n: t.reshape(s) for (n, _), t, s in zip(named, parts, shapes, strict=True)}
        loss = session.loss_fn(functional_call(model, params, (batch.x,)), batch.y)
        return loss + 0.5 * session.config.l2 * sum((params[w] ** 2).sum() for w in weights)

    theta = torch.cat([p.detach().reshape(-1) for _, p in named])
    assert theta.numel() < 4000
    h = torch.autograd.functional.hessian(f, theta, vectorize=True)
    if scale is not None:
        h = scale[:, None] * h * scale[None, :]
    return float(torch.linalg.eigvalsh((h + h.T) / 2)[-1])


def trained(registry, optimizer, hyper, steps=30, **knobs):
    knobs = {"dataset": "moons"} | knobs
    config = TrainConfig(
        depth=2,
        width=24,
        activation="tanh",
        optimizer=optimizer,
        optimizer_hyper=hyper,
        steps=steps,
        device="cpu",
        **knobs,
    )
    session = TrainingSession(config, registry)
    tracker = SharpnessTracker(session, every=10)
    tracker.observe()
    while not session.done:
        session.step(1)
        tracker.observe()
    return session, tracker


@pytest.mark.parametrize("optimizer,hyper", [("sgd", {"lr": 0.1}), ("momentum", {"lr": 0.05})])
def test_lambda_max_agrees_with_the_exact_hessian(registry, optimizer, hyper):
    session, tracker = trained(registry, optimizer, hyper, l2=1e-3)
    assert [p.step for p in tracker.points] == [0, 10, 20, 30]
    assert session.config.l2  # the penalty's curvature counts too
    exact = exact_top(session)
    assert tracker.points[-1].value == pytest.approx(exact, rel=1e-4)


def test_adams_preconditioned_lambda_max_agrees_with_the_exact_matrix(registry):
    session, tracker = trained(registry, "adam", {"lr": 0.01})
    names = [n for n, _ in session.model.named_parameters()]
    p = preconditioner(session, names)
    assert p is not None
    assert tracker.points[-1].value == pytest.approx(exact_top(session, p.rsqrt()), rel=1e-4)
    assert tracker.threshold.preconditioned


def test_thresholds_are_the_papers_formulas():
    assert threshold("sgd", {"lr": 0.1}).value == pytest.approx(20)
    assert threshold("momentum", {"lr": 0.1, "beta": 0.9}).value == pytest.approx(38)
    assert threshold("adam", {"lr": 0.01, "beta1": 0.9}).value == pytest.approx(3800)  # 38/η
    assert threshold("rmsprop", {"lr": 0.01}).value is None


def test_a_diverging_run_says_when_lambda_max_crossed_and_along_which_layer(registry):
    # full batch, a rate whose 2/η is far below the start's curvature: the run blows up
    session, tracker = trained(
        registry, "sgd", {"lr": 0.3}, steps=200, batch_size=1000, dataset="plane", seed=1
    )
    assert session.diverged
    note = tracker.note()
    cross = tracker.crossed()
    assert cross is not None and cross.value >= 2 / 0.3
    assert f"crossed 2/η = {2 / 0.3:.4g} at step {cross.step}" in note
    assert "layer" in note


def test_train_writes_the_series_into_its_json(tmp_path):
    out = tmp_path / "run.json"
    args = ["train", "--dataset", "moons", "--depth", "1", "--width", "8", "--steps", "20"]
    args += ["--optimizer", "sgd:lr=0.2", "--sharpness", "5", "--json", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    sharp = json.loads(out.read_text())["runs"][0]["sharpness"]
    assert [p["step"] for p in sharp["series"]] == [0, 5, 10, 15, 20]
    assert sharp["threshold"] == pytest.approx(10.0) and sharp["threshold_formula"] == "2/η"
    assert f"{sharp['series'][-1]['lambda_max']:.4g}" in result.output


def test_every_point_the_lab_reports_agrees_with_the_exact_hessian(registry):
    """Not only the last: each measurement, warm-started from the one before and stopped at its
    error bound, is within 1e-4 of the exact top eigenvalue at its own step."""
    config = TrainConfig(
        dataset="moons",
        depth=2,
        width=24,
        activation="tanh",
        optimizer="sgd",
        optimizer_hyper={"lr": 0.2},
        steps=40,
        device="cpu",
    )
    session = TrainingSession(config, registry)
    tracker = SharpnessTracker(session, every=10)
    tracker.observe()
    exact = [exact_top(session)]
    while not session.done:
        session.step(1)
        if tracker.observe() is not None:
            exact.append(exact_top(session))
    assert [p.step for p in tracker.points] == [0, 10, 20, 30, 40]
    assert [p.value for p in tracker.points] == pytest.approx(exact, rel=1e-4)
    assert all(p.converged for p in tracker.points)
    # warm starts: after the first measurement, a handful of products each
    assert max(p.products for p in tracker.points[1:]) < tracker.points[0].products + 5


def test_an_estimate_that_ran_out_of_products_shows_its_range_not_a_false_figure():
    eigenvalues = torch.linspace(1.0, 10.0, 60, dtype=torch.float64)

    def product(block):
        return eigenvalues.numpy() * block

    cut = top_eigen(product, 60, maxiter=3)
    assert cut.products == 3 and cut.value < 10.0
    assert cut.value + cut.error >= 10.0  # the bar reaches the truth
    assert shown(cut.value, cut.error) == f"{cut.value:.4g}–{cut.value + cut.error:.4g}"
    full = top_eigen(product, 60, maxiter=60)
    assert full.value == pytest.approx(10.0, rel=1e-5) and shown(full.value, full.error) == "10"


def test_measuring_lambda_max_does_not_change_the_training(registry):
    """The same losses, bit for bit, with and without λ_max every 5 steps: the tracker reads the
    weights and never writes them, nor draws from the run's random numbers."""
    config = TrainConfig(
        dataset="moons", depth=2, width=16, dropout=0.2, steps=20, device="cpu", batch_size=32
    )
    plain = TrainingSession(config, registry)
    plain.step(20)
    tracked = TrainingSession(config, registry)
    tracker = SharpnessTracker(tracked, every=5)
    tracker.observe()
    for _ in range(20):
        tracked.step(1)
        tracker.observe()
    assert len(tracker.points) == 5
    assert len(plain.snapshot().losses) == 20
    assert list(tracked.snapshot().losses) == list(plain.snapshot().losses)
    for a, b in zip(plain.model.parameters(), tracked.model.parameters(), strict=True):
        assert torch.equal(a, b)


def test_the_traced_products_are_autograds_own(registry):
    """The graph traced once per net shape gives the products plain double backward gives (an
    independent computation, torch.autograd on the whole fixed-batch loss), at weights other
    than the ones it was traced at, for a net with batch norm and an L2 term."""
    config = TrainConfig(
        dataset="moons", depth=2, width=12, batch_norm=True, l2=1e-3, steps=10, device="cpu"
    )
    session = TrainingSession(config, registry)
    batch = BatchHessian(session)
    batch.at_current()  # traced here
    session.step(10)  # new weights and batch-norm statistics
    product, names, sizes = batch.at_current()
    assert batch.products.traced
    block = np.random.default_rng(3).standard_normal((1, sum(sizes)))
    mine = product(block)[0]
    model = session.model.copy().eval()
    params = list(model.parameters())
    weights = [layer.weight for layer in model.linears]
    loss = session.loss_fn(model(batch.x), batch.y)
    loss = loss + 0.5 * config.l2 * sum((w * w).sum() for w in weights)
    grads = torch.autograd.grad(loss, params, create_graph=True)
    parts = torch.from_numpy(block[0]).float().split(sizes)
    hv = torch.autograd.grad(
        grads, params, grad_outputs=[t.reshape(p.shape) for t, p in zip(parts, params, strict=True)]
    )
    theirs = torch.cat([h.reshape(-1) for h in hv]).double().numpy()
    assert np.abs(mine - theirs).max() <= 1e-5 * np.abs(theirs).max()


def test_the_traced_lanczos_steps_are_the_ones_top_eigen_takes(registry):
    """The first Lanczos steps, taken in one pass through the traced graph, give the eigenvalue
    the step-by-step run on the checked products gives: the head changes the cost, not the
    figure (and an Adam scale S goes into S·H·S the same way)."""
    session, tracker = trained(registry, "sgd", {"lr": 0.1}, steps=10)
    batch = tracker._hessian
    product, names, sizes = batch.at_current()
    n = sum(sizes)
    start = np.random.default_rng(5).standard_normal(n)
    start /= np.linalg.norm(start)
    scale = np.random.default_rng(6).uniform(0.5, 2.0, n)
    head = batch.head(start, scale)
    assert head is not None and len(head[1]) >= 3

    def scaled(block):
        return scale * product(scale * block)

    for maxiter in (3, 12):
        fast = top_eigen(scaled, n, start, 1e-12, maxiter, head)
        slow = top_eigen(scaled, n, start, 1e-12, maxiter)
        assert fast.value == pytest.approx(slow.value, rel=1e-6)
        assert fast.error == pytest.approx(slow.error, rel=1e-3, abs=1e-6 * slow.value)
