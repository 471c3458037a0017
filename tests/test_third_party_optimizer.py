"""A torch.optim.Optimizer subclass the project does not ship registers with slider ranges, races,
trains, and its state tensors are drawn as arrows (inferred from their shape)."""

import numpy as np
import pytest
import torch

from explorer import Hyper, hookimpl
from explorer.app.scenes.landscape.state_vectors import read_ball
from explorer.landscape.race import BallConfig, Race
from explorer.plugin_info import state_of
from explorer.plugins import PluginHost
from explorer.training import TrainConfig, TrainingSession


class HeavyBall(torch.optim.Optimizer):
    """buf ← μ·buf + g ;  θ ← θ − η·buf   (someone else's package, written from scratch)"""

    def __init__(self, params, lr=0.01, momentum=0.9):
        super().__init__(params, {"lr": lr, "momentum": momentum})

    @torch.no_grad()
    def step(self, closure=None):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state[p]
                if "buf" not in state:
                    state["buf"] = torch.zeros_like(p)
                    state["count"] = 0
                state["buf"].mul_(group["momentum"]).add_(p.grad)
                state["count"] += 1
                p.add_(state["buf"], alpha=-group["lr"])


class ThirdPartyPlugin:
    @hookimpl
    def register_optimizers(self, register):
        register(
            HeavyBall,
            name="heavyball",
            hyper={
                "lr": Hyper(0.01, 1e-4, 1.0, log=True),
                "momentum": Hyper(0.9, 0.0, 0.999, allowed="[0, 1)"),
            },
        )


@pytest.fixture(scope="module")
def registry():
    host = PluginHost()
    host.load(third_party=False)
    host.add(ThirdPartyPlugin(), "heavyball-package")
    host.registry.optimizers.clear()
    for kind in ("optimizers",):
        host._collect(kind)
    assert not host.registry.failures, host.registry.failures
    return host.registry


def test_it_registers_with_ranges_and_the_law(registry):
    spec = registry.optimizer("heavyball")
    assert spec.optimizer_class is HeavyBall and spec.plugin == "heavyball-package"
    assert spec.hyper["lr"].log
    with pytest.raises(ValueError, match="momentum=1 is not allowed"):
        spec.make([torch.zeros(2, requires_grad=True)], momentum=1.0)


def test_it_races_exactly_like_torch_would_step_it(registry):
    race = Race(
        registry.surface("rosenbrock"),
        [BallConfig("heavyball", {"lr": 0.0005}), BallConfig("momentum", {"lr": 0.0005})],
        registry=registry,
    )
    race.step(300)
    # the same maths as the built-in heavy-ball momentum rule: the same path
    assert np.allclose(race.positions[:, 0], race.positions[:, 1], rtol=0, atol=1e-12)
    assert race.losses[-1, 0] < 0.2 * race.losses[0, 0]


def test_its_state_is_drawn_as_an_arrow_inferred_from_its_shape(registry):
    race = Race(registry.surface("bowl"), [BallConfig("heavyball")], registry=registry)
    race.step(3)
    view = read_ball(race.balls[0])
    assert [label for label, _ in view.vectors] == ["buf"]
    assert np.allclose(view.vectors[0][1], race.balls[0].state["buf"].tolist())
    assert ("count", "3") in view.labels
    rows = {name: how for name, _, how in state_of(registry.optimizer("heavyball"))}
    assert rows["buf"] == "arrow, labelled 'buf' (inferred)"


def test_it_trains_a_network(registry):
    config = TrainConfig(
        dataset="moons",
        n=200,
        depth=1,
        width=16,
        optimizer="heavyball",
        optimizer_hyper={"lr": 0.05},
        steps=150,
        device="cpu",
    )
    session = TrainingSession(config, registry)
    first = session.evaluate("train")[0]
    session.fit()
    loss, acc = session.evaluate("train")
    assert loss < 0.6 * first and acc > 0.8
