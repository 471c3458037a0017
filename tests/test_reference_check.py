"""``plugins check --against``: a rule compared step by step with torch.optim (float64,
resynchronised every step); each classic mistake, made on purpose, is found and named."""

import textwrap

import pytest
import torch
from click.testing import CliRunner

from explorer import Hyper, UpdateRule
from explorer.cli import main
from explorer.plugins import optimizer_spec
from explorer.reference_check import compare, resolve_reference

ADAM_HYPER = {
    "lr": Hyper(0.001, 1e-5, 1.0, log=True),
    "beta1": Hyper(0.9, 0.0, 0.999),
    "beta2": Hyper(0.999, 0.0, 0.99999),
    "eps": Hyper(1e-8, 1e-12, 1e-3, log=True),
}


def adam_rule(mistake="", weight_decay=False):
    """Adam as a student writes it, with one deliberate mistake."""

    class StudentAdam(UpdateRule):
        name = "student_adam"
        hyper = ADAM_HYPER | ({"weight_decay": Hyper(0.01, 0.0, 1.0)} if weight_decay else {})

        def init(self, param):
            return {"t": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param)}

        def update(self, grad, state, param, *, lr, beta1, beta2, eps, weight_decay=0.0):
            if mistake == "grad in place":
                grad.add_(param, alpha=weight_decay)  # the classic: decay folded into p.grad
            elif weight_decay and mistake == "coupled":
                grad = grad + weight_decay * param
            t = state["t"] = state["t"] + 1
            if mistake == "t-1":
                t = t - 1
            state["m"] = beta1 * state["m"] + (1 - beta1) * grad
            state["v"] = beta2 * state["v"] + (1 - beta2) * grad * grad
            m_hat, v_hat = state["m"] / (1 - beta1**t), state["v"] / (1 - beta2**t)
            if mistake == "no bias correction":
                m_hat, v_hat = state["m"], state["v"]
            if mistake == "eps inside":
                step = -lr * m_hat / (v_hat + eps).sqrt()
            else:
                step = -lr * m_hat / (v_hat.sqrt() + eps)
            if weight_decay and mistake != "coupled":
                step = step - lr * weight_decay * param  # decoupled, as AdamW
            return step

    return optimizer_spec(StudentAdam)


def momentum_rule(dampened: bool):
    class StudentMomentum(UpdateRule):
        name = "student_momentum"
        hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True), "beta": Hyper(0.9, 0.0, 0.999)}

        def init(self, param):
            return {"v": torch.zeros_like(param)}

        def update(self, grad, state, param, *, lr, beta):
            keep = 1 - beta if dampened else 1.0
            state["v"] = beta * state["v"] + keep * grad
            return -lr * state["v"]

    return optimizer_spec(StudentMomentum)


@pytest.fixture(scope="module")
def adam_ref(registry):
    return resolve_reference("torch.optim.Adam:lr=0.01,betas=0.9/0.999", registry)


def test_a_correct_rule_matches_torch_on_every_case(adam_ref, registry):
    result = compare(adam_rule(), adam_ref)
    assert result.agrees, result.describe()
    assert [r.case for r in result.results] == [
        "bowl",
        "rosenbrock",
        "saddle",
        "small MLP",
        "tiny gradient (g ~ 1e-8)",
        "zero gradient",
    ]
    assert all(r.steps > 0 for r in result.results)
    sgd = resolve_reference("torch.optim.SGD:lr=0.01,momentum=0.9", registry)
    assert compare(momentum_rule(dampened=False), sgd).agrees


def test_eps_inside_the_root_is_named_and_shows_most_with_tiny_gradients(adam_ref):
    result = compare(adam_rule("eps inside"), adam_ref)
    assert result.mistake == "eps inside the square root"
    tiny = next(r for r in result.results if r.case.startswith("tiny"))
    bowl = next(r for r in result.results if r.case == "bowl")
    # g ~ 1e-8: √(v̂ + ε) ≈ 1e-4 instead of √v̂ + ε ≈ 2e-8, so the step is thousands of times
    # smaller; at g ~ 1 the two differ by a few parts in 1e9
    assert tiny.first_step == 1 and tiny.relative > 0.99
    assert bowl.first_step == 1 and bowl.relative < 1e-7


def test_missing_bias_correction_is_named(adam_ref):
    result = compare(adam_rule("no bias correction"), adam_ref)
    assert result.mistake == "missing bias correction"
    first = result.first
    assert (first.case, first.first_step, first.coordinate) == ("bowl", 1, 0)
    # torch's first Adam step is lr per coordinate: 1.5 → 1.49; uncorrected it is √1000 longer
    assert first.reference == pytest.approx(1.49, abs=1e-9)
    assert first.size == pytest.approx(0.01 * (1000**0.5 * 0.1 - 1), rel=1e-6)


def test_bias_correction_off_by_one_step_is_named(adam_ref):
    result = compare(adam_rule("t-1"), adam_ref)
    assert result.mistake == "bias correction off by one step (uses t − 1)"
    assert result.first.first_step == 1


def test_weight_decay_coupled_where_the_reference_decouples_is_named(registry):
    ref = resolve_reference("torch.optim.AdamW:lr=0.01,weight_decay=0.1", registry)
    assert compare(adam_rule(weight_decay=True), ref).agrees
    result = compare(adam_rule("coupled", weight_decay=True), ref)
    assert result.mistake == "weight decay coupled where the reference's is decoupled"
    assert result.candidate_values["weight_decay"] == 0.1  # the reference's value, shared


def test_a_gradient_changed_in_place_is_named(registry):
    ref = resolve_reference("torch.optim.Adam:lr=0.01,weight_decay=0.1", registry)
    result = compare(adam_rule("grad in place", weight_decay=True), ref)
    assert result.mistake == "gradient modified in place"
    assert "changed grad in place" in result.describe()


def test_momentum_dampening_is_named(registry):
    ref = resolve_reference("torch.optim.SGD:lr=0.01,momentum=0.9", registry)
    result = compare(momentum_rule(dampened=True), ref)
    assert result.mistake == "momentum dampening"
    assert result.first.first_step == 1  # (1 − β)g: the very first step is 10× too short


def test_a_registered_optimizer_can_be_the_reference(registry):
    ref = resolve_reference("adam:lr=0.01", registry)
    assert compare(adam_rule(), ref).agrees
    assert compare(
        registry.optimizer("adamw"),
        resolve_reference("torch.optim.AdamW:lr=0.01,weight_decay=0.01", registry),
    ).agrees


EPS_INSIDE = '''
import torch
from explorer import Hyper, UpdateRule, hookimpl

class MyAdam(UpdateRule):
    """m ← β₁m + (1−β₁)g ; v ← β₂v + (1−β₂)g² ; θ ← θ − η m̂ / √(v̂ + ε)"""
    name = "my_adam"
    hyper = {"lr": Hyper(0.001, 1e-5, 1.0, log=True), "beta1": Hyper(0.9, 0.0, 0.999),
             "beta2": Hyper(0.999, 0.0, 0.99999), "eps": Hyper(1e-8, 1e-12, 1e-3, log=True)}
    def init(self, param):
        return {"t": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param)}
    def update(self, grad, state, param, *, lr, beta1, beta2, eps):
        state["t"] += 1
        state["m"] = beta1 * state["m"] + (1 - beta1) * grad
        state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
        m_hat = state["m"] / (1 - beta1 ** state["t"])
        v_hat = state["v"] / (1 - beta2 ** state["t"])
        return -lr * m_hat / (v_hat + eps).sqrt()

@hookimpl
def register_optimizers(register):
    register(MyAdam)
'''


@pytest.mark.slow
def test_the_command_names_the_first_difference_and_the_cause(tmp_path):
    path = tmp_path / "my_adam.py"
    path.write_text(textwrap.dedent(EPS_INSIDE))
    against = "torch.optim.Adam:lr=0.01,betas=0.9/0.999"
    result = CliRunner().invoke(main, ["plugins", "check", str(path), "--against", against])
    text = " ".join(result.output.split())
    assert result.exit_code == 1, result.output
    assert "First difference: case 'bowl', step 1, coordinate 0" in text
    assert "Likely cause: eps inside the square root" in text
    fixed = EPS_INSIDE.replace("(v_hat + eps).sqrt()", "(v_hat.sqrt() + eps)")
    path.write_text(textwrap.dedent(fixed))
    result = CliRunner().invoke(main, ["plugins", "check", str(path), "--against", against])
    assert result.exit_code == 0, result.output
    assert "my_adam matches torch.optim.Adam on every case" in " ".join(result.output.split())
