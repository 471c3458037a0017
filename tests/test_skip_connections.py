"""Skip connections and an activation per layer, as a user of ``train`` and the library sees
them: the net computes x + F(x) (a projection where the width changes), each layer has the
activation it was given, and a mistake in the list is one sentence."""

import pytest
import torch
from torch import nn

from explorer import setups
from explorer.training import TrainConfig, TrainingSession, build_model
from explorer.training.session import check_config


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _by_hand(net, x: torch.Tensor, acts) -> torch.Tensor:
    """The residual net's output from its weights, written out: x₁ = P·x + σ₁(W₁x + b₁),
    x₂ = x₁ + σ₂(W₂x₁ + b₂), …, out = W_o·x_L + b_o."""
    for layer, act in zip(net.hidden, acts, strict=True):
        w, b = layer.linear.weight, layer.linear.bias
        branch = act(x @ w.T + b)
        skip = x @ layer.skip.weight.T if isinstance(layer.skip, nn.Linear) else x
        x = skip + branch
    return x @ net.out.weight.T + net.out.bias


def test_a_residual_net_adds_each_layers_input_to_its_output(registry):
    config = TrainConfig(depth=3, width=6, activation="relu,sigmoid,tanh", residual=True)
    specs = [registry.activation(n) for n in ("relu", "sigmoid", "tanh")]
    net = build_model(config, specs, input_dim=2, output_dim=3).eval()
    x = torch.randn(5, 2, generator=torch.Generator().manual_seed(1))
    expected = _by_hand(net, x, (torch.relu, torch.sigmoid, torch.tanh))
    torch.testing.assert_close(net(x), expected, rtol=0, atol=1e-6)
    # the widths change only at the input: one projection (no bias), identities after it
    assert [type(h.skip).__name__ for h in net.hidden] == ["Linear", "Identity", "Identity"]
    assert net.hidden[0].skip.bias is None and net.hidden[0].skip.weight.shape == (6, 2)
    assert net.activations == ("relu", "sigmoid", "tanh")


def test_skips_leave_the_plain_nets_starting_weights_alone(registry):
    """A fair comparison: the residual net starts from the plain net's weights, plus its
    projection."""
    plain = TrainConfig(depth=4, width=8, activation="sigmoid")
    spec = registry.activation("sigmoid")
    a = build_model(plain, spec, 2, 2)
    b = build_model(plain.replace(residual=True), spec, 2, 2)
    for la, lb in zip(a.linears, b.linears, strict=True):
        assert torch.equal(la.weight, lb.weight)
    assert len(b.projections) == 1 and not a.projections


def test_auto_init_follows_each_layers_activation(registry):
    config = TrainConfig(depth=2, width=400, activation="relu,sigmoid")
    specs = [registry.activation("relu"), registry.activation("sigmoid")]
    net = build_model(config, specs, input_dim=400, output_dim=2)
    assert net.init_scheme == "kaiming/xavier"
    # Kaiming: std √(2 / fan_in); Xavier: std √(2 / (fan_in + fan_out))
    relu_std, sigmoid_std = (float(lin.weight.detach().std()) for lin in net.linears[:2])
    assert relu_std == pytest.approx((2 / 400) ** 0.5, rel=0.02)
    assert sigmoid_std == pytest.approx((2 / 800) ** 0.5, rel=0.02)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"activation": "relu,sigmoid"},
            "activation names 2 layers (relu,sigmoid) but the net has 3",
        ),
        ({"activation": "relu,,sigmoid"}, "one name per hidden layer separated by commas"),
        ({"activation": "relu,nope,relu"}, "nope"),
    ],
)
def test_a_wrong_list_of_activations_is_one_sentence(registry, changes, fragment):
    with pytest.raises((ValueError, LookupError), match=None) as err:
        check_config(TrainConfig(depth=3, **changes), registry)
    assert fragment in str(err.value)


def test_a_setup_takes_a_list_of_activations_and_writes_it_back():
    """``activation = ["relu", "sigmoid"]`` in a file is the same as ``relu,sigmoid``."""
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Setup:
        activation: str = setups.knob("relu", names="activations", listed=True)

    k = setups.knobs(Setup)["activation"]
    assert setups.from_toml(k, ["relu", "sigmoid"], setups.knobs(Setup)) == "relu,sigmoid"
    assert setups.to_toml("x", Setup("relu,sigmoid"))["activation"] == ["relu", "sigmoid"]
    assert setups.to_toml("x", Setup("tanh"))["activation"] == "tanh"


def test_a_residual_session_trains_and_says_so(registry):
    config = TrainConfig(
        dataset="xor", n=64, depth=2, width=4, activation="tanh,relu", residual=True, epochs=1
    )
    session = TrainingSession(config, registry)
    session.fit()
    assert session.model.residual and session.model.activations == ("tanh", "relu")
    assert session.result()["config"]["residual"] is True


@pytest.mark.parametrize("own_data", [False, True], ids=["moons", "csv"])
def test_landscape_of_this_net_is_the_skip_nets_own_loss(registry, tmp_path, monkeypatch, own_data):
    """Issue 22 item 5: the run's surface (``net:…?run=``) through a residual net with an
    activation per layer, on a dataset or on your own points, is that net's loss."""
    from explorer.landscape.surface import value
    from explorer.training.weight_path import runs_dir

    monkeypatch.setenv("DL_EXPLORER_CACHE", str(tmp_path))
    config = TrainConfig(
        dataset="moons", n=120, depth=3, width=6, activation="tanh,relu,sigmoid", residual=True
    )
    if own_data:
        x = torch.rand(80, 2, generator=torch.Generator().manual_seed(4))
        rows = [f"{a:.4f},{b:.4f},{int(a > b)}" for a, b in x.tolist()]
        (tmp_path / "mine.csv").write_text("\n".join(rows) + "\n")
        config = config.replace(n=None, data=str(tmp_path / "mine.csv"))
    session = TrainingSession(config, registry)
    session.step(60)
    assert session.save_path(str(runs_dir() / "skip.pt")), session.path_note
    spec = registry.surface("net:moons?run=skip")
    loss, _ = session.evaluate("train")
    assert value(spec, 0.0, 0.0) == pytest.approx(loss, rel=1e-5)
    # away from the run's end too: the net at θ₀ + a·d₁ + b·d₂, evaluated by the lab's own net
    run = torch.load(runs_dir() / "skip.pt", weights_only=True)
    moved = {k: run["theta0"][k] + 0.5 * run["d1"][k] - 0.3 * run["d2"][k] for k in run["theta0"]}
    net = session.model.copy().eval()
    net.load_state_dict({**net.state_dict(), **{k: v.float() for k, v in moved.items()}})
    with torch.no_grad():
        there = session.loss_fn(net(session.splits.train.x), session.splits.train.y)
    assert value(spec, 0.5, -0.3) == pytest.approx(float(there), rel=1e-4)


def test_a_net_surface_takes_skips_and_an_activation_per_layer(registry, tmp_path, monkeypatch):
    """``net:spiral?…&residual=on`` and ``activation=relu/tanh``: Li et al.'s with / without
    skips picture, drawn from a spec. At the trained weights the surface is the training loss
    of the net the spec names, trained by the lab's session."""
    from explorer.landscape.net_surface import _config, parse_net_spec
    from explorer.landscape.surface import value

    monkeypatch.setenv("DL_EXPLORER_CACHE", str(tmp_path))
    text = "net:moons?depth=2&width=6&activation=tanh/relu&residual=on&epochs=3&n=80"
    spec = parse_net_spec(text)
    config = _config(spec)
    assert config.residual and config.activation == "tanh,relu"
    session = TrainingSession(config, registry)
    session.fit()
    loss, _ = session.evaluate("train")
    assert value(registry.surface(text), 0.0, 0.0) == pytest.approx(loss, rel=1e-5)
    with pytest.raises(ValueError, match="activation names 2 layers for depth 3"):
        registry.surface("net:moons?depth=3&activation=tanh/relu")


def test_train_compares_with_and_without_skips_and_says_which_is_which(tmp_path):
    import json

    from click.testing import CliRunner

    from explorer.cli import main

    out = tmp_path / "runs.json"
    args = ["train", "--dataset", "xor", "--n", "64", "--depth", "2", "--width", "4"]
    args += ["--activation", "tanh,relu", "--epochs", "1", "--compare", "residual=false,true"]
    result = CliRunner().invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "skip connections" in result.output and "tanh,relu" in result.output
    runs = json.loads(out.read_text())["runs"]
    assert [r["config"]["residual"] for r in runs] == [False, True]
