"""Issue #11 in the Network lab: every weight layer's histogram and sparsity (L1 drives weights to
exactly zero, L2 only shrinks them), the loss / normalize / input-dropout widgets, and "Hessian
here": the spectrum of the training loss at the run's weights, computed in the worker, the same
numbers as ``dl-explorer critical --net`` gives for the same weights."""

from __future__ import annotations

import json
import time

import numpy as np
import pygame
import pytest
from click.testing import CliRunner

from explorer.cli import main
from explorer.training import TrainConfig, Trainer, TrainingSession
from explorer.training import hessian as H
from explorer.training.session import SPARSE_BELOW
from explorer.training.worker import HESSIAN_LIMIT

# what ``critical --net --epochs 60`` trains: circle, 2 × 8 tanh, adam 0.01, full batch, seed 0
CRITICAL_NET = TrainConfig(
    dataset="circle",
    depth=2,
    width=8,
    activation="tanh",
    optimizer="adam",
    optimizer_hyper={"lr": 0.01},
    batch_size=400,
    epochs=60,
    device="cpu",
)


def _digits(l1: float = 0.0, l2: float = 0.0, epochs: int = 8) -> TrainConfig:
    return TrainConfig(
        dataset="digits",
        depth=2,
        width=32,
        activation="relu",
        optimizer="sgd",
        optimizer_hyper={"lr": 0.1},
        epochs=epochs,
        l1=l1,
        l2=l2,
        device="cpu",
    )


# -- weights per layer ---------------------------------------------------------------------------
def test_snapshot_counts_every_weight_and_l1_fills_the_zero_bin(registry):
    """The snapshot's per-layer histograms and sparsity cover ALL weights (a 64-unit snapshot of
    the digits' 64 × 32 first layer would otherwise still be whole: use a cut of 16); checked
    against plain numpy on the net's own weights, and against ``train --json``'s figure."""
    runs = {}
    for l1 in (0.0, 1e-2):
        s = TrainingSession(_digits(l1), registry)
        s.fit()
        snap = s.snapshot(max_units=16)
        every = [lin.weight.detach().numpy() for lin in s.model.linears]
        for probe, w in zip(snap.layers, every, strict=True):
            assert probe.weight.size < w.size  # the drawn matrix is cut, the counts are not
            assert probe.n_weights == w.size
            assert sum(probe.weight_counts) == w.size
            assert probe.sparsity == pytest.approx(float((np.abs(w) < SPARSE_BELOW).mean()))
        span = {p.weight_span for p in snap.layers}
        assert len(span) == 1  # one x range for every layer
        assert span.pop() == pytest.approx(max(float(np.abs(w).max()) for w in every))
        from explorer.app.scenes.network.readouts import snapshot_readouts

        readout = snapshot_readouts(snap)["sparsity"]
        assert readout == pytest.approx(s.weight_stats()["sparsity"])  # train --json's number
        flat = np.concatenate([w.ravel() for w in every])
        assert readout == pytest.approx(float((np.abs(flat) < SPARSE_BELOW).mean()))
        middle = len(snap.layers[0].weight_counts) // 2
        zero_bin = sum(p.weight_counts[middle] for p in snap.layers) / flat.size
        runs[l1] = readout, zero_bin
    (plain, plain_zero), (lasso, lasso_zero) = runs[0.0], runs[1e-2]
    assert plain < 0.02 and lasso > 0.2 and lasso > 10 * plain
    assert lasso_zero > 2 * plain_zero and lasso_zero > 0.4


def test_l2_shrinks_the_weights_but_leaves_few_exact_zeros(registry):
    plain, ridge = TrainingSession(_digits(), registry), TrainingSession(_digits(l2=1e-2), registry)
    plain.fit()
    ridge.fit()
    a, b = plain.snapshot(), ridge.snapshot()
    assert b.layers[0].weight_span < a.layers[0].weight_span  # shrunk
    sparsity = [
        sum(p.n_small for p in s.layers) / sum(p.n_weights for p in s.layers) for s in (a, b)
    ]
    assert sparsity[1] < 0.05  # but not to exactly zero: that is L1's doing


# -- Hessian here --------------------------------------------------------------------------------
def test_the_workers_hessian_is_critical_nets_for_the_same_weights(registry, tmp_path):
    out = tmp_path / "h.json"
    result = CliRunner().invoke(main, ["critical", "--net", "--epochs", "60", "--json", str(out)])
    assert result.exit_code == 0, result.output
    reference = json.loads(out.read_text())
    with Trainer(CRITICAL_NET, registry, backend="thread") as trainer:
        trainer.fit(timeout=120)
        trainer.hessian()
        snap = trainer.wait(timeout=120)
    h = snap.hessian
    assert h is not None and "error" not in h and not h.get("computing"), h
    assert h["step"] == snap.step == 60 and h["n_params"] == reference["n_params"] == 114
    assert h["method"] == "exact"
    assert h["minimum_ratio"] == pytest.approx(reference["minimum_ratio"])
    assert h["smallest"] == pytest.approx(reference["smallest"], rel=1e-6, abs=1e-9)
    assert h["largest"] == pytest.approx(reference["largest"], rel=1e-6)
    assert h["kind"] == reference["kind"]
    assert h["critical"] is reference["critical"] is False  # trained 60 epochs: still moving
    assert h["verdict"].startswith("not a critical point (|∇L| = ")
    assert sum(row[2] for row in h["histogram"]) == pytest.approx(114)


def test_asking_for_the_hessian_leaves_the_run_as_it_was(registry):
    """The answer is computed on a copy: training goes on with the same numbers."""
    cfg = CRITICAL_NET.replace(epochs=3, batch_size=64)

    def losses(ask: bool) -> np.ndarray:
        with Trainer(cfg, registry, backend="thread") as trainer:
            trainer.step(5)
            if ask:
                trainer.hessian()
            trainer.wait(timeout=60)
            return trainer.fit(timeout=60).losses.copy()

    assert np.array_equal(losses(False), losses(True))


def test_a_hessian_that_cannot_be_computed_is_a_sentence_and_the_worker_lives(registry):
    wide = TrainConfig(dataset="digits", depth=4, width=160, epochs=1, device="cpu")
    with Trainer(wide, registry, backend="thread") as trainer:
        trainer.step(1)
        trainer.hessian()
        snap = trainer.wait(timeout=60)
        assert (
            "too large" in snap.hessian["error"] and f"{HESSIAN_LIMIT:,}" in snap.hessian["error"]
        )
        assert snap.state == "paused" and trainer.alive
        trainer.step(1)
        assert trainer.wait(timeout=60).step == 2  # it still trains
        trainer.reset()
        assert trainer.wait(timeout=60).hessian is None  # a new run: no answer yet


def test_a_non_finite_loss_gives_a_sentence(registry):
    with Trainer(CRITICAL_NET, registry, backend="thread") as trainer:
        trainer.wait(timeout=60)
        session_loss = H.training_loss

        def broken(session, split="train"):
            f, theta = session_loss(session, split)
            return (lambda flat: f(flat) * float("nan")), theta

        H.training_loss = broken
        try:
            trainer.hessian()
            snap = trainer.wait(timeout=60)
        finally:
            H.training_loss = session_loss
        assert "not finite" in snap.hessian["error"] and snap.state == "idle"


@pytest.mark.slow
def test_the_process_worker_says_it_is_computing_then_answers(registry):
    cfg = TrainConfig(dataset="digits", depth=3, width=32, epochs=1, device="cpu")  # Lanczos
    with Trainer(cfg, registry, backend="process", nice=0) as trainer:  # conftest.py: priority
        trainer.step(3)
        trainer.wait(timeout=120)
        trainer.hessian()
        seen = set()
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            h = trainer.latest().hessian or {}
            seen.add("computing" if h.get("computing") else ("answer" if h else "none"))
            if "minimum_ratio" in h:
                break
            time.sleep(0.01)
        assert {"computing", "answer"} <= seen, seen  # Lanczos takes seconds: it says so first
        assert h["method"] == "lanczos" and h["n_params"] == 64 * 32 + 32 + 2 * 33 * 32 + 330
        assert 0.0 <= h["minimum_ratio"] <= 1.0 and h["step"] == 3


# -- the lab ------------------------------------------------------------------------------------
SMALL = TrainConfig(
    dataset="moons",
    depth=2,
    width=8,
    activation="relu",
    optimizer="adam",
    optimizer_hyper={"lr": 0.02},
    epochs=5,
    device="cpu",
)


@pytest.fixture
def lab(network_lab):
    return network_lab(SMALL)


def _settle(d) -> None:
    d.scene.wait_ready()
    d.tick(2)


def test_loss_normalize_and_input_dropout_set_what_set_does(lab, registry):
    from explorer import setups
    from explorer.app.scenes.network.model import NetworkSetup

    d, m, controls = lab, lab.scene.model, lab.scene.controls
    d.choose(controls.menus["loss"], "MSE")
    d.choose(controls.menus["normalize"], "standard")
    entry = controls.sliders["input_dropout"].entry
    d.click(entry.rect.center)
    entry.set_text("")
    d.type_text("0.2")
    d.key(pygame.K_RETURN)
    controls.flush()
    by_hand = m.config
    assert (by_hand.loss, by_hand.normalize, by_hand.input_dropout) == ("mse", "standard", 0.2)
    _settle(d)
    assert m.snapshots[0].config["loss"] == "mse"  # the worker trains what the widgets say
    # the same three through --set
    twin = type(m)(registry, SMALL, backend="thread")
    try:
        setups.apply(
            twin,
            setups.overrides_from_text(
                NetworkSetup, ["loss=mse", "normalize=standard", "input_dropout=0.2"]
            ),
        )
        got = twin.config
        assert (got.loss, got.normalize, got.input_dropout) == ("mse", "standard", 0.2)
        assert got.replace(optimizer_hyper={}) == by_hand.replace(optimizer_hyper={})
    finally:
        twin.close()
    # set from a setup (a lesson, Ctrl+O), the widgets follow
    setups.apply(
        m,
        setups.overrides_from_text(
            NetworkSetup, ["loss=auto", "normalize=off", "input_dropout=0.5"]
        ),
    )
    d.tick(2)
    controls = d.scene.controls
    assert controls.menus["loss"].selected_option[0] == "auto"
    assert controls.menus["normalize"].selected_option[0] == "off"
    assert controls.sliders["input_dropout"].value == pytest.approx(0.5)


def test_cross_entropy_on_a_regression_is_refused_in_one_sentence(lab):
    d, m = lab, lab.scene.model
    assert m.set(dataset="plane")
    d.tick(2)
    d.choose(d.scene.controls.menus["loss"], "cross-entropy")
    assert m.config.loss == "auto"
    assert "needs class labels" in m.message and m.message_kind == "error"
    d.tick(2)
    assert d.scene.controls.menus["loss"].selected_option[0] == "auto"  # back as it was


def _chart(d) -> bytes:
    d.scene.prepare(all_panels=True)
    return pygame.image.tobytes(d.scene.pictures[(0, "grads")], "RGB")


def test_w_and_the_charts_title_switch_to_the_weights_and_back(lab):
    d = lab
    d.scene.model.step(20)
    _settle(d)
    gradients = _chart(d)
    d.key(pygame.K_w)
    assert d.scene.chart == "weights"
    weights = _chart(d)
    assert weights != gradients
    (title,) = d.scene.chart_title_rects()
    d.click(title.center)  # no Hessian asked for yet: back to the gradients
    assert d.scene.chart == "gradients" and _chart(d) == gradients
    from explorer.app.scenes.network.help import help_sheet

    keys = dict(help_sheet(d.scene).keys)
    assert "w" in keys and "c" in keys


def test_the_labs_sparsity_with_l1_is_far_above_without(registry):
    from explorer.app.scenes.network.model import NetworkModel

    found = {}
    for l1 in (0.0, 1e-2):
        m = NetworkModel(registry, _digits(l1, epochs=6), backend="thread")
        try:
            m.step(10_000)
            m.wait(120)
            snap = m.snapshots[0]
            assert snap.finished
            zeros = sum(p.n_small for p in snap.layers)
            found[l1] = m.readouts()["sparsity"], zeros
        finally:
            m.close()
    assert found[1e-2][0] > 0.2 > 0.02 > found[0.0][0]
    assert found[1e-2][1] > 10 * max(1, found[0.0][1])


def test_hessian_here_pauses_asks_and_shows_the_answer(lab):
    d, scene, m = lab, lab.scene, lab.scene.model
    m.play()
    d.tick(3)
    d.click(scene.controls.hessian_button.rect.center)
    assert not m.playing and scene.chart == "hessian"
    scene.wait_ready(120)
    d.tick(2)
    (snap,) = m.snapshots
    h = snap.hessian
    assert h["step"] == snap.step and h["method"] == "exact"
    assert not h["critical"] and h["grad_norm"] > h["grad_tol"]  # mid-run: the ball still rolls
    assert "not a critical point" in m.message  # so no verdict
    assert "neither a saddle nor a minimum" in m.message and "minimum ratio" not in m.message
    assert m.readouts()["hessian_min_ratio"] == pytest.approx(h["minimum_ratio"])
    assert m.readouts()["hessian_critical"] is False and m.readouts()["hessian_saddle"] is False
    assert scene.controls.hessian_button.text == "Hessian here"  # no longer "computing…"
    drawn = _chart(d)
    d.key(pygame.K_w)
    assert _chart(d) != drawn  # the weights now
    d.key(pygame.K_c)  # the key asks again, at the same step: the same answer
    scene.wait_ready(120)
    assert m.snapshots[0].hessian["minimum_ratio"] == h["minimum_ratio"]
    m.reset()
    scene.wait_ready(60)
    assert "hessian_min_ratio" not in m.readouts()  # a new run has no answer yet


@pytest.mark.slow
def test_side_by_side_each_net_gets_its_own_hessian(lab):
    d, m = lab, lab.scene.model
    assert m.set_side_by_side(True, compare="depth", value=1)
    m.step(30)
    d.scene.wait_ready(120)
    d.key(pygame.K_c)
    d.scene.wait_ready(120)
    d.tick(2)
    a, b = (s.hessian for s in m.snapshots)
    assert a["n_params"] != b["n_params"]  # each net's own weights
    assert a["step"] == b["step"] == m.step_count() > 0  # one counter: the same step
    assert m.message.startswith("A: ") and "\nB: " in m.message
    assert m.readouts()["b.hessian_min_ratio"] == pytest.approx(b["minimum_ratio"])


def test_menus_show_values_set_outside_their_choices(registry):
    """epochs = 30, batch 100, L1 = 3.5e-3 set by a setup or --set: the menus say so, not their
    first choice ("5", "8", "off")."""
    from explorer.app.scenes.network.controls import _with_value
    from explorer.app.scenes.network.model import NetworkModel
    from explorer.app.scenes.network.scene import NetworkScene

    assert _with_value(["off", "2", "5", "10"], "7") == ["off", "2", "5", "7", "10"]
    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((1280, 720))
    scene = NetworkScene(NetworkModel(registry, backend="thread"), (1280, 720))
    try:
        scene.model.set(epochs=30, batch_size=100, l1=3.5e-3, patience=7)
        scene.controls.build()
        shown = {
            k: scene.controls.menus[k].selected_option[0]
            for k in ("epochs", "batch", "l1", "patience")
        }
        assert shown == {"epochs": "30", "batch": "100", "l1": "0.0035", "patience": "7"}
        assert not scene.controls._disagree()
    finally:
        scene.close()
