"""The lecture's claims about training deep networks, each checked on real (short) training runs."""

import pytest
import torch
from torch.nn import functional as F

from explorer.training import TrainConfig, TrainingSession, build_model, thinned_average

# Plain SGD at lr 0.1 trains the deep ReLU net too, but in spikes that move with the last bits of
# the float arithmetic (thread count, BLAS); momentum with the same effective step is smooth.
MOMENTUM = {"optimizer": "momentum", "optimizer_hyper": {"lr": 0.01, "beta": 0.9}}
DIGITS_DEEP = TrainConfig(dataset="digits", depth=10, width=32, epochs=12, **MOMENTUM)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """The same arithmetic on every machine, whatever its core count."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def deep_runs(registry):
    """The same 10-layer net on digits, the same budget, three ways."""
    runs = {}
    for name, changes in {
        "sigmoid": {"activation": "sigmoid"},
        "relu": {"activation": "relu"},
        "sigmoid+bn": {"activation": "sigmoid", "batch_norm": True},
    }.items():
        session = TrainingSession(DIGITS_DEEP.replace(**changes), registry)
        session.fit()
        runs[name] = session
    return runs


@pytest.mark.slow
def test_deep_sigmoid_gradients_vanish_and_relu_ones_do_not(deep_runs):
    sigmoid, relu = deep_runs["sigmoid"], deep_runs["relu"]
    for record in sigmoid.epochs:  # every epoch, not just a lucky one
        assert record.grad_first < 0.01 * record.grad_last
    for record in relu.epochs:
        assert record.grad_first > 0.1 * record.grad_last


def test_after_the_same_budget_the_deep_sigmoid_net_stays_far_behind_relu(deep_runs):
    sigmoid, relu = deep_runs["sigmoid"].epochs[-1], deep_runs["relu"].epochs[-1]
    assert relu.train_acc > 0.90
    assert sigmoid.train_acc < 0.30  # ten classes: 0.10 is guessing


def test_batch_norm_lets_the_deep_sigmoid_net_train(deep_runs):
    plain, normed = deep_runs["sigmoid"].epochs[-1], deep_runs["sigmoid+bn"].epochs[-1]
    assert normed.train_acc > 0.85
    assert normed.train_acc > plain.train_acc + 0.5
    assert normed.grad_ratio > 0.1  # the first layer gets a real gradient again


@pytest.mark.slow
def test_a_deeper_plain_net_is_worse_on_the_training_set_itself(registry):
    base = TrainConfig(dataset="digits", width=32, epochs=6, **MOMENTUM)
    shallow = TrainingSession(base.replace(depth=3), registry)
    deep = TrainingSession(base.replace(depth=30), registry)
    shallow.fit()
    deep.fit()
    s, d = shallow.epochs[-1], deep.epochs[-1]
    assert d.train_loss > s.train_loss + 1.0
    assert d.train_acc < s.train_acc - 0.4
    # Not overfitting: the deep net is no better on the data it trained on than on unseen data.
    assert d.train_acc < d.val_acc + 0.1


def dropout_session(registry, activation="relu", p=0.3, **changes):
    config = TrainConfig(
        dataset="digits",
        depth=3,
        width=64,
        activation=activation,
        dropout=p,
        optimizer_hyper={"lr": 0.1},
        epochs=2,
    )
    return TrainingSession(config.replace(**changes), registry)


def test_dropout_drops_units_at_the_rate_asked(registry):
    session = dropout_session(registry, p=0.3)
    dropped = []
    for _ in range(15):
        session.step(1)
        for layer in session.snapshot().layers:
            if layer.hidden:
                dropped.append(layer.dropped_fraction)
    assert sum(dropped) / len(dropped) == pytest.approx(0.3, abs=0.01)
    assert session.snapshot().layers[-1].mask is None  # the output layer is never dropped


def test_nothing_is_dropped_in_evaluation(registry):
    session = dropout_session(registry, p=0.5)
    session.step(10)
    x = session.splits.val.x
    model = session.model.eval()
    with torch.no_grad():
        first, second = model(x), model(x)
        # The same weights without dropout at all give the same outputs.
        plain = build_model(session.config.replace(dropout=0.0), session.plugins.activation, 64, 10)
        plain.load_state_dict(model.state_dict())
        reference = plain.eval()(x)
    assert torch.equal(first, second)
    assert torch.allclose(first, reference, atol=1e-6)
    assert session.evaluate("val") == session.evaluate("val")


def small_dropout_net(registry, activation):
    config = TrainConfig(
        dataset="blobs",
        depth=2,
        width=4,
        activation=activation,
        dropout=0.5,
        optimizer_hyper={"lr": 0.1},
        epochs=3,
    )
    session = TrainingSession(config, registry)
    session.fit()
    return session


def test_averaging_all_thinned_linear_networks_equals_the_weight_scaled_network(registry):
    session = small_dropout_net(registry, "linear")
    result = thinned_average(session.model, session.splits.val.x[:16])
    assert result.n_networks == 2**8
    assert result.probs.sum() == pytest.approx(1.0)
    assert result.outputs.std(0).max() > 0.1  # the thinned networks really differ
    assert result.max_abs_diff < 1e-12


def test_for_a_sigmoid_network_the_average_is_close_but_not_equal(registry):
    session = small_dropout_net(registry, "sigmoid")
    result = thinned_average(session.model, session.splits.val.x[:16])
    spread = float(abs(result.scaled).max())
    assert 1e-6 < result.max_abs_diff < 0.1 * spread


def test_the_thinned_average_refuses_too_many_units(registry):
    session = dropout_session(registry)
    with pytest.raises(ValueError, match="thinned networks; use at most 16"):
        thinned_average(session.model, session.splits.val.x[:4])


def test_constant_initialization_keeps_every_unit_of_a_layer_identical(registry):
    config = TrainConfig(
        dataset="digits",
        depth=3,
        width=16,
        activation="tanh",
        init="constant",
        optimizer_hyper={"lr": 0.1},
    )
    session = TrainingSession(config, registry)
    session.step(30)
    for linear in session.model.linears[:-1]:
        w = linear.weight.detach()
        assert torch.equal(w, w[:1].expand_as(w))  # every unit's incoming weights are the same
        assert not torch.all(w == 0.1)  # ...and training did change them
    out = session.model.out.weight.detach()
    assert torch.equal(out, out[:, :1].expand_as(out))  # every unit is used the same way


def test_xavier_keeps_the_spread_of_tanh_activations_and_a_small_normal_shrinks_it(registry):
    base = TrainConfig(dataset="digits", depth=10, width=32, activation="tanh")
    spreads = {}
    for init in ("xavier", "small"):
        session = TrainingSession(base.replace(init=init), registry)
        session.step(1)
        spreads[init] = [layer.act_std for layer in session.snapshot().layers if layer.hidden]
    xavier, small = spreads["xavier"], spreads["small"]
    assert min(xavier) > 0.5 * max(xavier)
    for before, after in zip(small, small[1:], strict=False):
        assert after < 0.2 * before  # layer after layer
    assert small[-1] < 1e-6 * xavier[-1]


@pytest.mark.slow
def test_l1_drives_many_more_weights_to_zero_than_l2_at_the_same_strength(registry):
    base = TrainConfig(dataset="digits", depth=2, width=64, optimizer_hyper={"lr": 0.1}, epochs=15)
    near_zero = {}
    for reg in ("l1", "l2"):
        session = TrainingSession(base.replace(**{reg: 1e-3}), registry)
        session.fit()
        w = torch.cat([linear.weight.detach().flatten() for linear in session.model.linears])
        near_zero[reg] = float((w.abs() < 1e-3).float().mean())
        assert session.epochs[-1].train_acc > 0.9  # both still learn the task
    assert near_zero["l1"] > 0.05
    assert near_zero["l1"] > 5 * near_zero["l2"]


def test_early_stopping_restores_the_weights_of_the_best_validation_epoch(registry):
    config = TrainConfig(
        dataset="moons",
        n=200,
        noise=0.35,
        depth=3,
        width=128,
        optimizer="adam",
        optimizer_hyper={"lr": 0.01},
        batch_size=16,
        epochs=60,
        patience=5,
    )
    session = TrainingSession(config, registry)
    weights_after = {}
    while not session.done:
        session.run_epochs(1)
        if not session.done:
            weights_after[session.epoch] = session.model.out.weight.detach().clone()
    val_losses = [r.val_loss for r in session.epochs]
    best = session.best_epoch
    assert session.stopped_early is not None and session.stopped_early < 60
    assert best == 1 + val_losses.index(min(val_losses))
    assert best <= session.stopped_early - 5  # patience: 5 epochs without improvement
    assert session.evaluate("val")[0] == pytest.approx(min(val_losses), rel=1e-6)
    assert torch.equal(session.model.out.weight, weights_after[best])
    assert f"weights of epoch {best} restored" in session.message


def maxout_unit(registry, piece_weights):
    """One Maxout unit of 2 pieces on a 1-D input, weights set by hand."""
    config = TrainConfig(depth=1, width=1, activation="maxout")
    net = build_model(config, registry.activation("maxout"), input_dim=1, output_dim=1)
    with torch.no_grad():
        net.hidden[0].linear.weight.copy_(torch.tensor(piece_weights).reshape(2, 1))
        net.hidden[0].linear.bias.zero_()
        net.out.weight.fill_(1.0)
        net.out.bias.zero_()
    return net.eval()


def test_maxout_with_two_pieces_represents_relu_and_abs_exactly(registry):
    x = torch.linspace(-3, 3, 601).reshape(-1, 1)
    with torch.no_grad():
        relu = maxout_unit(registry, [1.0, 0.0])(x)
        absolute = maxout_unit(registry, [1.0, -1.0])(x)
    assert torch.equal(relu, F.relu(x))
    assert torch.equal(absolute, x.abs())
