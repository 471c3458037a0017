"""Faithful to torch and to the lecture: balls keep moving where torch keeps moving, values run as
given (no silent clamps), escape is not failure, true losses, the lecture's own optimizers."""

import csv

import numpy as np
import pytest
import torch

from explorer.landscape import surface as S
from explorer.landscape.race import BallConfig, Noise, Race, Status
from explorer.landscape.rates import suggested_lr

# (built-in, its hyperparameters, torch class, the same in torch's words)
TORCH_TWINS = [
    ("sgd", {"lr": 0.3}, torch.optim.SGD, {"lr": 0.3}),
    ("momentum", {"lr": 0.04}, torch.optim.SGD, {"lr": 0.04, "momentum": 0.9}),
    ("nesterov", {"lr": 0.04}, torch.optim.SGD, {"lr": 0.04, "momentum": 0.9, "nesterov": True}),
    ("adagrad", {"lr": 0.3}, torch.optim.Adagrad, {"lr": 0.3, "eps": 1e-10}),
    ("rmsprop", {"lr": 0.01}, torch.optim.RMSprop, {"lr": 0.01, "alpha": 0.99, "eps": 1e-8}),
    ("adam", {"lr": 0.03}, torch.optim.Adam, {"lr": 0.03}),
    ("adamw", {"lr": 0.03}, torch.optim.AdamW, {"lr": 0.03, "weight_decay": 0.01}),
    ("adamax", {"lr": 0.03}, torch.optim.Adamax, {"lr": 0.03}),
]


def torch_path(fn, start, cls, kwargs, steps):
    p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    opt = cls([p], **kwargs)
    out = [p.detach().clone()]
    for _ in range(steps):
        opt.zero_grad()
        fn(p[0], p[1]).backward()
        opt.step()
        out.append(p.detach().clone())
    return torch.stack(out).numpy()


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "ours", "cls", "theirs"), TORCH_TWINS, ids=[c[0] for c in TORCH_TWINS]
)
def test_every_ball_follows_torch_after_it_settles(registry, name, ours, cls, theirs):
    spec = registry.surface("ravine")
    race = Race(spec, [BallConfig(name, ours)], (-3.6, 1.0), registry=registry)
    race.step(3000)
    assert race.t == 3000  # no ball is stopped for having settled
    ref = torch_path(spec.fn, (-3.6, 1.0), cls, theirs, 3000)
    assert np.array_equal(race.positions[:, 0], ref)  # torch's bits, not only its path


SURFACES = [
    "bowl",
    "ravine",
    "rosenbrock",
    "beale",
    "himmelblau",
    "booth",
    "saddle",
    "monkey_saddle",
    "plateau",
    "two_valleys",
    "rastrigin",
    "lecture_valley",
]


@pytest.mark.slow
@pytest.mark.parametrize("surface", SURFACES)
def test_with_the_apps_rates_every_built_in_follows_torch_on_every_surface(registry, surface):
    spec = registry.surface(surface)
    rates = [suggested_lr(registry.optimizer(name), spec) for name, *_ in TORCH_TWINS]
    balls = [
        BallConfig(name, {"lr": lr}) for (name, *_), lr in zip(TORCH_TWINS, rates, strict=True)
    ]
    race = Race(spec, balls, registry=registry)
    race.step(1500)
    for i, ((name, _, cls, theirs), lr) in enumerate(zip(TORCH_TWINS, rates, strict=True)):
        ref = torch_path(spec.fn, race.start, cls, theirs | {"lr": lr}, 1500)
        stop = race.balls[i].stopped_at  # torch follows a ball that left the map off it
        end = 1501 if stop is None else stop
        # torch's bits, on every surface: near Rastrigin's minimum the gradient is rounding noise
        # that Adam rescales to full steps, so a different last bit would soon be another path
        assert np.array_equal(race.positions[:end, i], ref[:end]), name


@pytest.mark.slow
def test_rmsprop_on_the_ravine_bursts_sideways_again_as_torch_does(registry):
    # Issue 11.1: the race used to freeze RMSProp at step 689; torch's keeps bursting sideways.
    spec = registry.surface("ravine")
    race = Race(spec, [BallConfig("rmsprop", {"lr": 0.01})], (-3.6, 1.0), registry=registry)
    race.step(2000)
    ball = race.balls[0]
    ref = torch_path(spec.fn, (-3.6, 1.0), torch.optim.RMSprop, {"lr": 0.01}, 2000)
    assert np.abs(race.positions[:, 0] - ref).max() < 1e-6
    assert ball.converged_at is not None and 600 < ball.converged_at < 800  # the mark is kept
    after = np.abs(race.positions[ball.converged_at :, 0, 1])
    assert after.max() > 0.05  # the lecture's sideways burst, after "converged"
    assert ball.moved_again_at is not None and ball.moved_again_at > ball.converged_at
    assert race.summary()[0]["converged_at"] == ball.converged_at


def test_a_settled_ball_that_moves_again_is_said_in_the_app(registry):
    from explorer.app.scenes.landscape.model import LandscapeModel
    from explorer.app.scenes.landscape.numbers_panel import status_text

    m = LandscapeModel(registry, surface="ravine", optimizers=["rmsprop"], timer=lambda: 0.0)
    m.set_hyper("rmsprop", "lr", 0.01)
    m.set_start(-3.6, 1.0)
    m.speed = 2000
    m.play()
    for _ in range(400):
        m.update(1 / 30)
        if m.race.balls[0].moved_again_at is not None:
            break
    row = m.readout()[0]
    assert row.moved_again_at is not None and row.converged_at < row.moved_again_at
    assert any("moving again" in msg.text for msg in m.messages)
    assert status_text(row).startswith(("moving again @", "converged @"))


def test_sgd_at_lr_2_5_on_the_bowl_runs_at_2_5_and_diverges_like_torch(registry):
    spec = registry.surface("bowl")
    race = Race(spec, [BallConfig("sgd", {"lr": 2.5})], (-1.6, 1.2), registry=registry)
    race.step(10)
    ball = race.balls[0]
    assert ball.hyper["lr"] == 2.5 and ball.status is Status.DIVERGED
    assert "outside the usual range" in ball.notes[0]
    ref = torch_path(spec.fn, (-1.6, 1.2), torch.optim.SGD, {"lr": 2.5}, 10)
    n = ball.stopped_at  # the race marks it where it left the map
    assert np.allclose(race.positions[:n, 0], ref[:n], atol=1e-12)
    assert np.linalg.norm(ref[10]) > 100  # torch: |p| = 115 after 10 steps


def test_rmsprop_alpha_0_3_stays_0_3(registry):
    spec = registry.surface("rosenbrock")
    race = Race(
        spec, [BallConfig("rmsprop", {"lr": 0.002, "alpha": 0.3})], (-1.2, 1.0), registry=registry
    )
    race.step(200)
    assert race.balls[0].hyper["alpha"] == 0.3
    theirs = {"lr": 0.002, "alpha": 0.3, "eps": 1e-8}
    ref = torch_path(spec.fn, (-1.2, 1.0), torch.optim.RMSprop, theirs, 200)
    assert np.abs(race.positions[:, 0] - ref).max() < 1e-6


@pytest.mark.parametrize(
    ("optimizer", "hyper", "fragment"),
    [
        ("sgd", {"lr": -0.1}, "lr=-0.1 is not allowed"),
        ("rmsprop", {"alpha": 1.0}, "must be in [0, 1)"),
        ("rmsprop", {"alpha": -0.2}, "must be in [0, 1)"),
        ("adam", {"beta1": 1.5}, "must be in [0, 1)"),
        ("adamax", {"beta2": 1.0}, "must be in [0, 1)"),
    ],
)
def test_a_value_the_maths_forbids_is_refused_with_one_sentence(
    registry, optimizer, hyper, fragment
):
    spec = registry.optimizer(optimizer)
    with pytest.raises(ValueError) as race_err:
        Race(registry.surface("bowl"), [BallConfig(optimizer, hyper)], registry=registry)
    with pytest.raises(ValueError) as train_err:  # the network's optimizer: the same rule
        spec.make([torch.zeros(3, requires_grad=True)], **hyper)
    for err in (race_err, train_err):
        assert fragment in str(err.value) and "\n" not in str(err.value)


def test_the_app_refuses_a_forbidden_value_and_runs_an_unusual_one(registry):
    from explorer.app.scenes.landscape.model import LandscapeModel

    m = LandscapeModel(registry, surface="bowl", optimizers=["sgd", "rmsprop"], timer=lambda: 0.0)
    assert m.set_hyper("rmsprop", "alpha", 0.3)
    assert m.race.balls[1].hyper["alpha"] == 0.3  # below the slider's 0.5, run as given
    assert not m.set_hyper("rmsprop", "alpha", 1.0)
    assert m.race.balls[1].hyper["alpha"] == 0.3
    assert any("alpha=1 is not allowed" in msg.text for msg in m.messages)
    assert m.set_hyper("sgd", "lr", 2.5) and m.race.balls[0].hyper["lr"] == 2.5


def test_escape_down_a_saddle_is_not_divergence(registry):
    race = Race(
        registry.surface("saddle"),
        [BallConfig("sgd", {"lr": 0.05}), BallConfig("sgd", {"lr": 2.5})],
        (-1.8, 0.02),
        registry=registry,
    )
    race.step(500)
    escaped, blown = race.balls
    assert escaped.status is Status.ESCAPED and "downhill" in str(escaped.reason)
    assert blown.status is Status.DIVERGED  # x overshoots further each step: the loss grows


def test_a_ball_that_settles_on_a_saddle_is_stuck_not_converged(registry):
    # Started exactly on the saddle's stable line (y = 0), plain SGD rolls into the saddle point.
    race = Race(
        registry.surface("saddle"), [BallConfig("sgd", {"lr": 0.1})], (-1.8, 0.0), registry=registry
    )
    race.step(400)
    ball = race.balls[0]
    assert ball.status is Status.SADDLE and str(ball.status) == "stuck at a saddle"
    assert "< 0" in str(ball.reason) and np.hypot(*race.positions[-1, 0]) < 1e-4
    assert ball.converged_at is not None


def test_minibatch_rows_hold_the_true_full_data_loss(registry, tmp_path):
    spec = registry.surface("linear_regression")
    race = Race(
        spec,
        [BallConfig("sgd", {"lr": 0.05}), BallConfig("adam", {"lr": 0.03})],
        noise=Noise("minibatch", batch=8),
        registry=registry,
    )
    race.step(200)  # one call, many steps: every row must still be filled
    P = torch.from_numpy(race.positions.copy())
    with torch.no_grad():
        direct = S.loss(spec, P[..., 0], P[..., 1]).numpy()
    assert np.allclose(race.losses, direct, rtol=1e-12, atol=0)
    out = tmp_path / "mb.csv"
    race.to_csv(out)
    rows = list(csv.DictReader(out.read_text().splitlines()))
    losses = np.array([float(r["loss"]) for r in rows if r["optimizer"] == "sgd"])
    assert np.allclose(losses, direct[:, 0])
    assert losses.min() > 0.01 and losses.max() < 100  # no 6.9e-310, no 1e245


def test_the_loss_chart_axis_is_the_true_loss_range(registry):
    from explorer.app.scenes.landscape.model import LandscapeModel

    m = LandscapeModel(registry, surface="linear_regression", optimizers=["sgd"], timer=lambda: 0.0)
    m.set_noise("minibatch", 8)
    m.race.step(3)
    m.race.step(150)
    from explorer.app.scenes.landscape.loss_chart import chart_transform

    assert np.isfinite(m.race.losses).all()
    floor = float(S.value(m.spec, *m.spec.minima[0]))
    values, title = chart_transform(m.race.losses, floor)
    start_gap = np.log10(m.race.losses[0, 0] - floor)
    assert title == "log₁₀(loss − min)" and values.max() <= start_gap + 1e-9  # no 1e245 axis
    assert values.min() > -16  # and no 6.9e-310 rows pinned to the floor


# -- the lecture's own optimizers ------------------------------------------------------------


def run_rule(registry, name, steps, **hyper):
    """θ² from θ = 1 through the rule's RuleOptimizer (the network path)."""
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = registry.optimizer(name).make([p], **hyper)
    out = []
    for _ in range(steps):
        opt.zero_grad()
        (p**2).sum().backward()
        opt.step()
        out.append(p.item())
    return out


def test_adagrad_lecture_divides_by_the_root_mean_square(registry):
    # By hand, f = θ², g = 2θ, η = 0.1:
    # t=0: g=2,   σ=√(4/1)=2,               θ = 1 − 0.1·2/2            = 0.9
    # t=1: g=1.8, σ=√((4+3.24)/2)=1.902630, θ = 0.9 − 0.1·1.8/1.902630 = 0.805394100
    # t=2: g=1.610788, σ=√((7.24+2.594638)/3)=1.810446, θ = 0.716428961
    got = run_rule(registry, "adagrad_lecture", 3, lr=0.1, eps=1e-12)
    assert got == pytest.approx([0.9, 0.8053941003790254, 0.7164289609337899], rel=1e-10)
    # torch's Adagrad (root SUM) takes a smaller second step: the two differ
    torch_second = 0.9 - 0.1 * 1.8 / np.sqrt(4 + 3.24)
    assert abs(got[1] - torch_second) > 0.01


def test_rmsprop_lecture_starts_sigma_from_the_first_gradient(registry):
    # By hand, f = θ², g = 2θ, η = 0.1, α = 0.9:
    # t=0: σ⁰ = |g⁰| = 2,                     θ = 1 − 0.1·2/2 = 0.9   (torch: 1 − 0.1·2/√0.4·… = 10× larger)
    # t=1: σ¹ = √(0.9·4 + 0.1·3.24) = 1.980909, θ = 0.9 − 0.18/1.980909 = 0.809132620
    got = run_rule(registry, "rmsprop_lecture", 3, lr=0.1, alpha=0.9, eps=1e-12)
    assert got == pytest.approx([0.9, 0.8091326200776926, 0.7260460354447205], rel=1e-10)
    p = torch.tensor([1.0], dtype=torch.float64, requires_grad=True)
    opt = torch.optim.RMSprop([p], lr=0.1, alpha=0.9)
    (p**2).sum().backward()
    opt.step()
    assert abs(1 - p.item()) > 3 * abs(1 - got[0])  # torch's first step is √10 × larger


def test_the_lecture_rules_document_their_equations(registry):
    assert "1/(t+1)" in registry.optimizer("adagrad_lecture").doc
    assert "σ(0) = |g(0)|" in registry.optimizer("rmsprop_lecture").doc


def cross_valley_burst(registry, schedule="constant", **sched):
    """Largest |y| (across the valley) after the ball first reaches the floor, lecture settings."""
    spec = registry.surface("lecture_valley")
    lr = suggested_lr(registry.optimizer("adagrad_lecture"), spec)
    race = Race(
        spec, [BallConfig("adagrad_lecture", {"lr": lr}, schedule, sched)], registry=registry
    )
    race.step(2000)
    y = race.positions[:, 0, 1]
    floor = int(np.flatnonzero(np.abs(y) < 0.1 * abs(y[0]))[0])
    return float(np.abs(y[floor:]).max())


def test_the_lecture_valley_bursts_sideways_with_a_constant_rate(registry):
    assert cross_valley_burst(registry) > 0.5  # higher than the start's 0.5 wall height


@pytest.mark.parametrize(
    ("schedule", "hyper"),
    [("exponential", {"gamma": 0.999}), ("cosine", {}), ("warmup", {})],
)
@pytest.mark.slow
def test_decay_or_warm_up_keeps_the_ball_on_the_valley_floor(registry, schedule, hyper):
    assert cross_valley_burst(registry, schedule, **hyper) < 0.1


# -- the inspector ---------------------------------------------------------------------------


def test_the_inspector_never_calls_a_non_critical_point_a_minimum(registry):
    import pygame

    from explorer.app.scenes.landscape.inspector_view import headline, numbers_lines, render_panel
    from explorer.app.ui import palette
    from explorer.app.ui.text import Text
    from explorer.landscape.critical import analyze

    cp = analyze(registry.surface("bowl"), 0.046, 0.0)  # curved like a minimum, |grad| = 0.046
    title, colour = headline(cp)
    assert title == "not a critical point" and colour != palette.GOOD
    assert "|grad| = 0.046" in numbers_lines(cp)
    pygame.init()
    panel = render_panel(cp, "", (240, 220), Text())
    pixels = pygame.surfarray.array3d(panel)
    assert not (pixels == palette.GOOD).all(axis=2).any()  # no green verdict anywhere
    edge = pixels[-3:].reshape(-1, 3)
    assert (edge == palette.PANEL).all()  # nothing runs into (and is cut at) the panel's edge
    critical = analyze(registry.surface("bowl"), 0.0, 0.0)
    assert headline(critical) == ("local minimum", palette.GOOD)


def test_the_race_command_runs_every_step_unless_told_to_stop_when_settled(tmp_path):
    from click.testing import CliRunner

    from explorer.cli import main

    out = tmp_path / "r.csv"
    args = ["--no-plugins", "race", "--surface", "bowl", "--optimizer", "sgd:lr=0.5"]
    full = CliRunner().invoke(main, [*args, "--steps", "500", "--csv", str(out)])
    assert full.exit_code == 0 and "500 steps" in full.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    first = next(int(r["step"]) for r in rows if r["settled"] == "1")
    assert len(rows) == 501 and all(r["settled"] == "1" for r in rows[first:])
    early = CliRunner().invoke(main, [*args, "--steps", "500", "--stop-when-settled"])
    assert early.exit_code == 0 and f"{first} steps" in early.output


def test_a_ball_ringing_down_into_its_minimum_is_not_said_to_move_again(registry):
    # Momentum's step passes through zero at each turn while it rings down: not a burst.
    race = Race(
        registry.surface("ravine"), [BallConfig("momentum", {"lr": 0.04})], registry=registry
    )
    race.step(2000)
    ball = race.balls[0]
    assert ball.status is Status.CONVERGED and ball.moved_again_at is None


def test_the_loss_chart_never_prints_one_value_on_two_lines():
    """Warm-up's first step: losses 0.81–0.83 on a log axis printed 0.83, 0.82, 0.82, 0.81."""
    from explorer.app.scenes.landscape.loss_chart import tick_labels
    from explorer.app.ui.view import nice_ticks

    lo, hi = np.log10(0.8126), np.log10(0.8264)
    ticks = nice_ticks(lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo), 4)
    labels = tick_labels(ticks, "log₁₀ loss")
    assert len(ticks) >= 3 and len(set(labels)) == len(labels), labels
    assert all(
        abs(float(label) - 10**tick) < 0.005 for label, tick in zip(labels, ticks, strict=True)
    )
    assert tick_labels([-2.0, -1.0, 0.0], "log₁₀ loss") == ["1e−2", "1e−1", "1"]  # decades stay
    wide = tick_labels([0.0, 1.0, 2.0], "symlog loss")
    assert wide == ["0", "9", "99"]
