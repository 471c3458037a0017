"""The Landscape model without pygame: defaults a class sees, knobs mid-run, plugin failures."""

from dataclasses import replace

import numpy as np
import pytest

from explorer import Hyper, UpdateRule
from explorer.app.scenes.landscape.model import RUN_LENGTH, LandscapeModel, snap_to_critical
from explorer.landscape.race import Noise, Status
from explorer.landscape.rates import suggested_lr
from explorer.plugins import optimizer_spec
from explorer.schedules import lr_curve


def model(registry, **kw):
    kw.setdefault("timer", lambda: 0.0)
    return LandscapeModel(registry, **kw)


@pytest.mark.slow
def test_first_screen_is_rosenbrock_with_the_six_classics_and_good_rates(registry):
    m = model(registry)
    assert m.spec.name == "rosenbrock"
    assert [b.label for b in m.race.balls] == [
        "sgd",
        "momentum",
        "nesterov",
        "adagrad",
        "rmsprop",
        "adam",
    ]
    assert m.race.balls[0].hyper["lr"] == 0.001  # SGD's generic 0.01 diverges here
    m.play()
    for _ in range(int(RUN_LENGTH / m.speed / (1 / 60)) + 5):
        m.update(1 / 60)
    statuses = {b.label: b.status for b in m.race.balls}
    assert Status.DIVERGED not in statuses.values()  # a race, not a crash
    final = dict(zip([b.label for b in m.race.balls], m.race.losses[-1], strict=True))
    assert final["momentum"] < 1e-4 and final["sgd"] > 1e-2  # and momentum wins it


BUILT_IN_SURFACES = [
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
    "linear_regression",
    "lecture_valley",
]


# every surface in the full suite; the fast subset keeps a valley, a saddle and a two-minima one
FAST_SURFACES = {"rosenbrock", "saddle", "two_valleys"}


@pytest.mark.parametrize(
    "surface",
    [
        pytest.param(s, marks=[] if s in FAST_SURFACES else pytest.mark.slow)
        for s in BUILT_IN_SURFACES
    ],
)
def test_every_built_in_surface_has_rates_that_do_not_blow_up_early(registry, surface):
    m = model(registry, surface=surface)
    m.race.step(300)
    for ball in m.race.balls:
        if surface not in ("saddle", "monkey_saddle"):  # unbounded below: leaving is the point
            assert ball.status is not Status.DIVERGED, (surface, ball.label, ball.reason)


def test_unknown_surfaces_get_rates_from_their_curvature(registry):
    spec = registry.surface("expr:50*x**2 + y**2")
    lr = suggested_lr(registry.optimizer("sgd"), spec)
    assert lr * 100 < 2  # below the stability limit along the steep axis
    assert suggested_lr(registry.optimizer("adam"), spec) == pytest.approx(6 / 300)


def test_user_rates_survive_as_pins_but_surface_defaults_apply_otherwise(registry):
    m = model(registry, hyper={"sgd": {"lr": 0.005}})
    m.set_surface("bowl")
    assert m.hyper["sgd"]["lr"] == 0.005
    assert m.hyper["momentum"]["lr"] == registry.optimizer("momentum").rule.suggested_lr["bowl"]


def test_a_hyperparameter_changes_mid_run_without_restarting(registry):
    m = model(registry, surface="bowl")
    m.race.step(10)
    m.set_hyper("momentum", "beta", 0.5)
    i = m.ball_index("momentum")
    assert m.race.balls[i].hyper["beta"] == 0.5 and m.race.t == 10
    with pytest.raises(ValueError):
        m.set_hyper("sgd", "beta", 0.5)


def test_fast_schedule_curves_match_the_real_scheduler(registry):
    m = model(registry, surface="bowl")
    m.set_schedule("step", {"every": 100, "gamma": 0.5})
    ball = m.race.balls[m.ball_index("momentum")]
    exact = lr_curve(registry.schedule("step"), ball.hyper["lr"], RUN_LENGTH, every=100, gamma=0.5)
    assert np.allclose(ball.lr_schedule, exact)
    m.set_hyper("momentum", "lr", 0.03)  # an lr change rescales the curve, no recompute
    exact = lr_curve(registry.schedule("step"), 0.03, RUN_LENGTH, every=100, gamma=0.5)
    assert np.allclose(ball.lr_schedule, exact)
    m.race.step(150)
    assert ball.lr == pytest.approx(0.015)


def test_minibatch_noise_only_on_data_surfaces(registry):
    m = model(registry, surface="bowl")
    m.set_noise("minibatch", 8)
    assert m.race.noise.mode == "none"
    assert "data" in m.live_messages()[-1].text
    m.set_surface("linear_regression")
    m.set_noise("minibatch", 4)
    assert m.race.noise == Noise("minibatch", sigma=m.sigma, batch=4)
    m.set_surface("bowl")  # back to a formula: noise is switched off, and the user told
    assert m.race.noise.mode == "none"


def test_speed_is_capped_by_the_time_budget_not_by_stuttering(registry):
    holder = {}
    # a clock on which every race step "takes" 4 ms
    m = LandscapeModel(
        registry, surface="bowl", speed=2000, timer=lambda: 0.004 * holder["m"].race.t
    )
    holder["m"] = m
    m.play()
    taken = [m.update(1 / 60) for _ in range(30)]
    assert max(taken[5:]) <= 3  # 8 ms of budget per frame at ~4 ms a step
    assert m.playing


def test_a_plugin_that_cannot_start_is_left_out_with_a_message(registry):
    import torch

    class Picky(torch.optim.SGD):
        def __init__(self, params, lr=0.1):
            raise RuntimeError("needs a GPU")

    reg = replace(registry, optimizers=dict(registry.optimizers))
    reg.optimizers["picky"] = optimizer_spec(
        Picky, name="picky", hyper={"lr": Hyper(0.1, 0.01, 1.0)}, plugin="gpu_only"
    )
    m = model(reg, surface="bowl", optimizers=["sgd", "picky"])
    sgd, picky = m.race.balls  # the broken one is frozen at the start, with the reason
    assert picky.status is Status.FROZEN and picky.stopped_at == 0
    assert "gpu_only/picky raised RuntimeError: needs a GPU" in str(picky.reason)
    m.play()
    for _ in range(10):
        m.update(1 / 60)
    assert sgd.status is Status.RUNNING and m.race.t > 0


def test_a_plugin_returning_nan_diverges_alone(registry):
    class NaNRule(UpdateRule):
        name = "nan_rule"
        hyper = {}

        def update(self, grad, state, param):
            return grad * float("nan")

    reg = replace(registry, optimizers=dict(registry.optimizers))
    reg.optimizers["nan_rule"] = optimizer_spec(NaNRule, plugin="bad")
    m = model(reg, surface="bowl", optimizers=["sgd", "nan_rule"])
    m.play()
    for _ in range(20):
        m.update(1 / 60)
    assert m.race.balls[1].status is Status.DIVERGED
    assert m.race.balls[0].status is Status.RUNNING


def test_newton_snaps_a_click_near_a_saddle_onto_it(registry):
    spec = registry.surface("himmelblau")
    # himmelblau has a local maximum near (−0.27, −0.92)
    x, y = snap_to_critical(spec, -0.25, -0.9, radius=0.2)
    m = model(registry, surface="himmelblau")
    m.inspect(x, y)
    assert m.inspection.kind == "maximum" and m.inspection.is_critical
    # far from any critical point: the point itself
    assert snap_to_critical(spec, 4.5, 4.5, radius=0.05) == (4.5, 4.5)


def test_inspector_reports_a_bad_point_in_a_sentence(registry):
    m = model(registry)
    m.set_surface("expr:log(x)")
    m.inspect(-1.0, 0.0)
    assert m.inspection is None and "not finite" in m.inspect_error


def test_expression_errors_are_one_sentence_and_keep_the_surface(registry):
    m = model(registry, surface="bowl")
    assert not m.try_expression("x**2 + import")
    assert m.spec.name == "bowl" and m.expr_error.endswith(".")
    assert m.try_expression("expr:x**2 - y**2") and m.spec.name == "expr:x**2 - y**2"


def test_export_csv(registry, tmp_path):
    m = model(registry, surface="bowl", optimizers=["sgd", "adam"])
    m.race.step(5)
    path = m.export_csv(tmp_path)
    rows = path.read_text().splitlines()
    assert rows[0] == "optimizer,step,x,y,loss,settled" and len(rows) == 1 + 2 * 6


def test_a_surface_plugin_that_raises_is_refused_and_the_app_stays_put(registry):
    from explorer import SurfaceSpec

    def broken(x, y):
        raise ZeroDivisionError("my surface divides by zero")

    reg = replace(registry, surfaces=dict(registry.surfaces))
    reg.surfaces["broken"] = SurfaceSpec("broken", ((-1, 1), (-1, 1)), fn=broken, plugin="bad")
    m = model(reg, surface="bowl")
    version = m.surface_version
    with pytest.raises(ValueError, match="cannot be used.*divides by zero"):
        m.set_surface("broken")
    assert m.spec.name == "bowl" and m.surface_version == version
    m.race.step(3)
    assert m.race.t == 3
    # and as the first screen's surface, the next one that works is used instead
    reg.surfaces["rosenbrock"] = replace(reg.surfaces["broken"], name="rosenbrock")
    m = model(reg)
    assert m.spec.name != "rosenbrock" and any("divides by zero" in x.text for x in m.messages)
