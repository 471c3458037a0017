"""``plugins check --against``: a checker that never cries wolf (issue 20.4).

Each optimizer is written here as a student writes a plugin file: once correctly, once with the
classic mistake. Against torch's own class every correct one passes (NAdam and ASGD included,
whose state torch keeps in float32 unless the default dtype is float64), and every wrong one
fails at the step where the mistake first shows, with the mistake named.
"""

import textwrap

import pytest

from explorer.conformance import load_file
from explorer.reference_check import compare, describe, resolve_reference

HEAD = """
import math
import torch
from explorer import Hyper, UpdateRule, hookimpl

LR = Hyper(0.01, 1e-5, 1.0, log=True)
BETA1, BETA2 = Hyper(0.9, 0.0, 0.999), Hyper(0.999, 0.0, 0.99999)
EPS = Hyper(1e-8, 1e-12, 1e-3, log=True)
"""


def plugin(cls_name, body):
    return (
        HEAD
        + textwrap.dedent(body)
        + f"\n\n@hookimpl\ndef register_optimizers(register):\n    register({cls_name})\n"
    )


ADAM_BODY = """
class MyAdam(UpdateRule):
    name = "my_adam"
    hyper = {"lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS, "weight_decay": Hyper(0.0, 0.0, 1.0)}

    def init(self, param):
        return {"t": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param),
                "v_max": torch.zeros_like(param)}

    def update(self, grad, state, param, *, lr, beta1, beta2, eps, weight_decay):
        t = state["t"] = state["t"] + 1
        state["m"] = beta1 * state["m"] + (1 - beta1) * grad
        state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
        m_hat = state["m"] / (1 - beta1**t)
        v_hat = state["v"] / (1 - beta2**t)
        step = -lr * m_hat / (v_hat.sqrt() + eps)
        return step - lr * weight_decay * param
"""

AMSGRAD = ADAM_BODY.replace(
    '        v_hat = state["v"] / (1 - beta2**t)\n',
    '        state["v_max"] = torch.maximum(state["v_max"], state["v"])\n'
    '        v_hat = state["v_max"] / (1 - beta2**t)\n',
)

SOURCES = {
    "nadam": plugin(
        "MyNAdam",
        """
        class MyNAdam(UpdateRule):
            name = "my_nadam"
            hyper = {"lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS,
                     "momentum_decay": Hyper(0.004, 0.0, 0.1)}

            def init(self, param):
                return {"t": 0, "mu_product": 1.0, "m": torch.zeros_like(param),
                        "v": torch.zeros_like(param)}

            def update(self, grad, state, param, *, lr, beta1, beta2, eps, momentum_decay):
                t = state["t"] = state["t"] + 1
                mu = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
                mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
                state["mu_product"] *= mu
                state["m"] = beta1 * state["m"] + (1 - beta1) * grad
                state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
                denom = (state["v"] / (1 - beta2**t)).sqrt() + eps
                now = lr * (1 - mu) / (1 - state["mu_product"]) * grad / denom
                ahead = lr * mu_next / (1 - state["mu_product"] * mu_next) * state["m"] / denom
                return -now - ahead
        """,
    ),
    "radam": plugin(
        "MyRAdam",
        """
        class MyRAdam(UpdateRule):
            name = "my_radam"
            hyper = {"lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS}

            def init(self, param):
                return {"t": 0, "m": torch.zeros_like(param), "v": torch.zeros_like(param)}

            def update(self, grad, state, param, *, lr, beta1, beta2, eps):
                t = state["t"] = state["t"] + 1
                state["m"] = beta1 * state["m"] + (1 - beta1) * grad
                state["v"] = beta2 * state["v"] + (1 - beta2) * grad**2
                m_hat = state["m"] / (1 - beta1**t)
                rho_inf = 2 / (1 - beta2) - 1
                rho = rho_inf - 2 * t * beta2**t / (1 - beta2**t)
                if rho > 5:
                    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf
                                  / ((rho_inf - 4) * (rho_inf - 2) * rho))
                    adaptive = math.sqrt(1 - beta2**t) / (state["v"].sqrt() + eps)
                    return -lr * m_hat * adaptive * r
                return -lr * m_hat
        """,
    ),
    "adamax": plugin(
        "MyAdamax",
        """
        class MyAdamax(UpdateRule):
            name = "my_adamax"
            hyper = {"lr": LR, "beta1": BETA1, "beta2": BETA2, "eps": EPS}

            def init(self, param):
                return {"t": 0, "m": torch.zeros_like(param), "u": torch.zeros_like(param)}

            def update(self, grad, state, param, *, lr, beta1, beta2, eps):
                t = state["t"] = state["t"] + 1
                state["m"] = beta1 * state["m"] + (1 - beta1) * grad
                state["u"] = torch.maximum(beta2 * state["u"], grad.abs() + eps)
                return -lr / (1 - beta1**t) * state["m"] / state["u"]
        """,
    ),
    "asgd": plugin(
        "MyASGD",
        """
        class MyASGD(UpdateRule):
            name = "my_asgd"
            hyper = {"lr": LR, "lambd": Hyper(1e-4, 0.0, 1.0), "alpha": Hyper(0.75, 0.0, 1.0),
                     "t0": Hyper(1e6, 1.0, 1e7)}

            def init(self, param):
                return {"t": 0, "eta": None}

            def update(self, grad, state, param, *, lr, lambd, alpha, t0):
                t = state["t"] = state["t"] + 1
                eta = lr if state["eta"] is None else state["eta"]
                state["eta"] = lr / (1 + lambd * lr * t) ** alpha  # for the next step
                return -lambd * eta * param - eta * grad
        """,
    ),
    "rprop": plugin(
        "MyRprop",
        """
        class MyRprop(UpdateRule):
            name = "my_rprop"
            hyper = {"lr": LR, "etaminus": Hyper(0.5, 0.01, 1.0), "etaplus": Hyper(1.2, 1.0, 5.0),
                     "step_size_min": Hyper(1e-6, 0.0, 1.0),
                     "step_size_max": Hyper(50.0, 1.0, 100.0)}

            def init(self, param):
                return {"prev": torch.zeros_like(param), "size": None}

            def update(self, grad, state, param, *, lr, etaminus, etaplus, step_size_min,
                       step_size_max):
                size = torch.full_like(param, lr) if state["size"] is None else state["size"]
                sign = (grad * state["prev"]).sign()
                factor = torch.where(sign > 0, etaplus, torch.where(sign < 0, etaminus, 1.0))
                state["size"] = (size * factor).clamp(step_size_min, step_size_max)
                grad = torch.where(sign < 0, 0.0, grad)
                state["prev"] = grad
                return -grad.sign() * state["size"]
        """,
    ),
    "adam": plugin("MyAdam", ADAM_BODY),
    "amsgrad": plugin("MyAdam", AMSGRAD),
    "rmsprop": plugin(
        "MyRMSprop",
        """
        class MyRMSprop(UpdateRule):
            name = "my_rmsprop"
            hyper = {"lr": LR, "alpha": Hyper(0.99, 0.5, 0.9999), "eps": EPS}

            def init(self, param):
                return {"v": torch.zeros_like(param), "g_mean": torch.zeros_like(param)}

            def update(self, grad, state, param, *, lr, alpha, eps):
                state["v"] = alpha * state["v"] + (1 - alpha) * grad**2
                state["g_mean"] = alpha * state["g_mean"] + (1 - alpha) * grad
                return -lr * grad / ((state["v"] - state["g_mean"] ** 2).sqrt() + eps)
        """,
    ),
    "adagrad": plugin(
        "MyAdagrad",
        """
        class MyAdagrad(UpdateRule):
            name = "my_adagrad"
            hyper = {"lr": LR, "lr_decay": Hyper(0.0, 0.0, 1.0),
                     "eps": Hyper(1e-10, 1e-12, 1e-3, log=True)}

            def init(self, param):
                return {"t": 0, "sum": torch.zeros_like(param)}

            def update(self, grad, state, param, *, lr, lr_decay, eps):
                state["t"] += 1
                rate = lr / (1 + (state["t"] - 1) * lr_decay)
                state["sum"] = state["sum"] + grad**2
                return -rate * grad / (state["sum"].sqrt() + eps)
        """,
    ),
    "sgd": plugin(
        "MySGD",
        """
        class MySGD(UpdateRule):
            name = "my_sgd"
            hyper = {"lr": LR, "momentum": Hyper(0.9, 0.0, 0.999),
                     "dampening": Hyper(0.0, 0.0, 1.0)}

            def init(self, param):
                return {"buf": None}

            def update(self, grad, state, param, *, lr, momentum, dampening):
                if state["buf"] is None:
                    state["buf"] = grad.clone()
                else:
                    state["buf"] = momentum * state["buf"] + (1 - dampening) * grad
                return -lr * state["buf"]
        """,
    ),
    "nesterov": plugin(
        "MyNesterov",
        """
        class MyNesterov(UpdateRule):
            name = "my_nesterov"
            hyper = {"lr": LR, "momentum": Hyper(0.9, 0.0, 0.999)}

            def init(self, param):
                return {"buf": torch.zeros_like(param)}

            def update(self, grad, state, param, *, lr, momentum):
                state["buf"] = momentum * state["buf"] + grad
                return -lr * (grad + momentum * state["buf"])
        """,
    ),
}

# (plugin, --against, the mistake as (correct line, wrong line) pairs, its name, where it first
# shows: the case and the step)
TABLE = [
    (
        "nadam",
        "torch.optim.NAdam:lr=0.01",
        [("mu_next = beta1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))", "mu_next = mu")],
        "NAdam's look-ahead μ_{t+1} taken as μ_t",
        ("bowl", 1),
    ),
    (
        "radam",
        "torch.optim.RAdam:lr=0.01",
        [("if rho > 5:", "if rho > 4:")],
        "ρ_t > 4",
        ("bowl", 5),
    ),
    (
        "adamax",
        "torch.optim.Adamax:lr=0.01",
        [
            ("grad.abs() + eps)", "grad.abs())"),
            ('state["m"] / state["u"]', 'state["m"] / (state["u"] + eps)'),
        ],
        "Adamax's ε outside the max",
        # at step 1 max(0, |g| + ε) = max(0, |g|) + ε; later by (1 − β₂)ε on the bowl, below
        # rounding's tolerance; where |g| climbs above β₂u it is ε / |g| of the step
        ("small MLP", 2),
    ),
    (
        "asgd",
        "torch.optim.ASGD:lr=0.01,lambd=0.01",
        [
            (
                'eta = lr if state["eta"] is None else state["eta"]',
                "eta = lr / (1 + lambd * lr * t) ** alpha",
            )
        ],
        "ASGD's η updated before it is used",
        ("bowl", 1),
    ),
    (
        "rprop",
        "torch.optim.Rprop:lr=0.01,etas=0.4/1.3",
        [
            (
                "torch.where(sign > 0, etaplus, torch.where(sign < 0, etaminus, 1.0))",
                "torch.where(sign > 0, etaminus, torch.where(sign < 0, etaplus, 1.0))",
            )
        ],
        "Rprop's η⁻ and η⁺ swapped",
        ("bowl", 2),
    ),
    (
        "amsgrad",
        "torch.optim.Adam:lr=0.01,amsgrad=true",
        [
            (
                'torch.maximum(state["v_max"], state["v"])',
                'torch.maximum(state["v_max"], state["v"] / (1 - beta2**t))',
            ),
            ('v_hat = state["v_max"] / (1 - beta2**t)', 'v_hat = state["v_max"]'),
        ],
        "AMSGrad's max taken of v̂ instead of v",
        ("bowl", 2),
    ),
    (
        "rmsprop",
        "torch.optim.RMSprop:lr=0.01,centered=true",
        [
            (
                '((state["v"] - state["g_mean"] ** 2).sqrt() + eps)',
                '(state["v"].sqrt() - state["g_mean"] ** 2 + eps)',
            )
        ],
        "centered RMSprop's mean subtracted outside the square root",
        ("bowl", 1),
    ),
    (
        "adagrad",
        "torch.optim.Adagrad:lr=0.1,lr_decay=0.01",
        [('(state["t"] - 1) * lr_decay', 'state["t"] * lr_decay')],
        "Adagrad's lr_decay off by one step",
        ("bowl", 1),
    ),
    (
        "adam",
        "torch.optim.AdamW:lr=0.01,weight_decay=0.1",
        [
            (
                "return step - lr * weight_decay * param",
                "return step - lr * weight_decay * (param + step)",
            )
        ],
        "weight decay applied after the step",
        ("bowl", 1),
    ),
    (
        "sgd",
        "torch.optim.SGD:lr=0.01,momentum=0.9,dampening=0.5",
        [("(1 - dampening) * grad", "grad")],
        "momentum dampening left out",
        ("bowl", 2),
    ),
    (
        "nesterov",
        "torch.optim.SGD:lr=0.01,momentum=0.9,nesterov=true",
        [('return -lr * (grad + momentum * state["buf"])', 'return -lr * state["buf"]')],
        "Nesterov look-ahead missing",
        ("bowl", 1),
    ),
]
IDS = [f"{row[0]}-{row[1].split(':')[0].rsplit('.', 1)[1]}" for row in TABLE]


def load(tmp_path, source, name="plugin.py"):
    path = tmp_path / name
    path.write_text(source)
    registry = load_file(path)
    assert not registry.failures, registry.failures
    (spec,) = registry.optimizers.values()
    return spec


@pytest.mark.parametrize(("kind", "against", "edits", "mistake", "where"), TABLE, ids=IDS)
def test_the_correct_plugin_passes_and_the_wrong_one_is_named(
    tmp_path, registry, kind, against, edits, mistake, where
):
    ref = resolve_reference(against, registry)
    right = compare(load(tmp_path, SOURCES[kind], "right.py"), ref)
    assert right.agrees, describe(right)
    wrong_source = SOURCES[kind]
    for old, new in edits:
        assert old in wrong_source, old
        wrong_source = wrong_source.replace(old, new)
    wrong = compare(load(tmp_path, wrong_source, "wrong.py"), ref)
    assert not wrong.agrees
    assert mistake in wrong.mistake, describe(wrong)
    assert (wrong.first.case, wrong.first.first_step) == where, describe(wrong)


@pytest.mark.parametrize(
    ("kind", "against", "kept"),
    [
        ("nadam", "torch.optim.NAdam:lr=0.01", "mu_product (float32)"),
        ("asgd", "torch.optim.ASGD:lr=0.01,lambd=0.01", "eta (float32), mu (float32)"),
    ],
)
def test_state_torch_keeps_in_float32_is_said_and_does_not_fail_a_correct_plugin(
    tmp_path, registry, kind, against, kept
):
    result = compare(load(tmp_path, SOURCES[kind]), resolve_reference(against, registry))
    text = " ".join(describe(result))
    assert result.agrees, text
    assert f"keeps {kept} in torch's default dtype, float32 unless it is set to float64" in text


def test_knobs_named_as_torch_names_a_tuples_parts_get_the_references_values(tmp_path, registry):
    ref = resolve_reference("torch.optim.Rprop:lr=0.02,etas=0.3/1.5,step_sizes=1e-5/20", registry)
    result = compare(load(tmp_path, SOURCES["rprop"]), ref)
    assert result.agrees, describe(result)
    assert result.candidate_values == {
        "lr": 0.02,
        "etaminus": 0.3,
        "etaplus": 1.5,
        "step_size_min": 1e-5,
        "step_size_max": 20.0,
    }


def test_a_knob_torch_has_no_name_for_is_refused_by_name_not_run_at_its_default(tmp_path, registry):
    # before: eta_down/eta_up silently ran at 0.5/1.2 against etas=0.3/1.5, and read as a bug
    source = SOURCES["rprop"].replace("etaminus", "eta_down").replace("etaplus", "eta_up")
    ref = resolve_reference("torch.optim.Rprop:etas=0.3/1.5", registry)
    result = compare(load(tmp_path, source), ref)
    assert not result.agrees and not result.results
    assert describe(result) == [
        "my_rprop's knobs 'eta_down', 'eta_up' stand for none of torch.optim.Rprop's arguments "
        "(lr, etas as etaminus/etaplus, step_sizes as step_size_min/step_size_max): name each "
        "as the reference does, or both would run with different values."
    ]
