"""Schedules: the curve drawn is what the real torch scheduler does to an optimizer."""

import numpy as np
import pytest
import torch

from explorer.schedules import lr_curve, make_scheduler


def test_curve_matches_a_scheduler_driving_a_real_optimizer(registry):
    for name, spec in registry.schedules.items():
        curve = lr_curve(spec, 0.1, 300)
        p = torch.zeros(3, requires_grad=True)
        opt = registry.optimizer("adam").make([p], lr=0.1)
        sched = make_scheduler(spec, opt, 300)
        seen = []
        for _ in range(300):
            seen.append(opt.param_groups[0]["lr"])
            p.sum().backward()
            opt.step()
            sched.step()
        assert np.allclose(curve, seen), name


def test_shapes_of_the_builtin_curves(registry):
    def curve(name, **hyper):
        return lr_curve(registry.schedule(name), 0.1, 1000, **hyper)

    assert np.all(curve("constant") == 0.1)
    step = curve("step", every=250, gamma=0.5)
    assert step[249] == pytest.approx(0.1) and step[250] == pytest.approx(0.05)
    assert step[999] == pytest.approx(0.1 / 8)
    assert curve("exponential", gamma=0.99)[100] == pytest.approx(0.1 * 0.99**100)
    cos = curve("cosine")
    assert cos[500] == pytest.approx(0.05, rel=1e-2) and cos[-1] < 1e-5
    warm = curve("warmup", steps=100, start=0.01)
    assert warm[0] == pytest.approx(0.001) and warm[100] == pytest.approx(0.1)
    wc = curve("warmup_cosine", steps=100, start=0.01)
    assert wc.argmax() == 100 and wc[-1] < 1e-3
    cyc = curve("cyclic", period=200, low=0.1)
    assert cyc.min() == pytest.approx(0.01) and cyc.max() == pytest.approx(0.1)
    assert cyc[0] == pytest.approx(0.01) and cyc[100] == pytest.approx(0.1)


def test_unknown_schedule_hyperparameter_is_refused(registry):
    with pytest.raises(ValueError, match="valid: floor"):
        lr_curve(registry.schedule("cosine"), 0.1, 10, floors=0.1)
