"""The Lion plugin: the project's conformance checks and Lion's own arithmetic."""

import torch
from dl_explorer_lion import Lion

from explorer.conformance import check_optimizer
from explorer.plugins import optimizer_spec


def test_lion_passes_the_project_checks():
    failed = [
        f"{c.name}: {c.detail}" for c in check_optimizer(optimizer_spec(Lion)) if not c.passed
    ]
    assert not failed, failed


def test_every_coordinate_moves_by_exactly_lr():
    spec = optimizer_spec(Lion)
    p = torch.tensor([1.0, -2.0, 3e-9], dtype=torch.float64, requires_grad=True)
    opt = spec.make([p], lr=0.01, beta1=0.9, beta2=0.99)
    p.grad = torch.tensor([5.0, -1e-6, 1e-12], dtype=torch.float64)
    opt.step()
    assert torch.equal(p.detach(), torch.tensor([0.99, -1.99, 3e-9 - 0.01], dtype=torch.float64))
    # m kept β₂ of its old value (0) plus (1 − β₂) g: the arrow the landscape draws
    assert torch.allclose(opt.state[p]["momentum"], 0.01 * p.grad)


def test_decoupled_weight_decay_shrinks_the_weights_on_a_zero_gradient():
    spec = optimizer_spec(Lion)
    p = torch.tensor([2.0, -4.0], dtype=torch.float64, requires_grad=True)
    opt = spec.make([p], lr=0.1, weight_decay=0.5)
    p.grad = torch.zeros(2, dtype=torch.float64)
    opt.step()
    assert torch.allclose(p.detach(), torch.tensor([1.9, -3.8], dtype=torch.float64))
