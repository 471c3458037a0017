"""Every built-in optimizer follows its torch.optim counterpart step for step (float64, 500 steps)."""

import pytest
import torch

from explorer import RuleOptimizer, UpdateRule

# (built-in name, its hyperparameters, torch class, the same hyperparameters in torch's words);
# none of them is the default setting.
CASES = [
    ("sgd", {"lr": 7e-4}, torch.optim.SGD, {"lr": 7e-4}),
    ("momentum", {"lr": 4e-4, "beta": 0.8}, torch.optim.SGD, {"lr": 4e-4, "momentum": 0.8}),
    (
        "nesterov",
        {"lr": 3e-4, "beta": 0.7},
        torch.optim.SGD,
        {"lr": 3e-4, "momentum": 0.7, "nesterov": True},
    ),
    ("adagrad", {"lr": 0.25, "eps": 1e-6}, torch.optim.Adagrad, {"lr": 0.25, "eps": 1e-6}),
    (
        "rmsprop",
        {"lr": 2e-3, "alpha": 0.9, "eps": 1e-6},
        torch.optim.RMSprop,
        {"lr": 2e-3, "alpha": 0.9, "eps": 1e-6},
    ),
    (
        "adam",
        {"lr": 0.02, "beta1": 0.8, "beta2": 0.99, "eps": 1e-7},
        torch.optim.Adam,
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-7},
    ),
    (
        "adamw",
        {"lr": 0.015, "beta1": 0.85, "beta2": 0.995, "weight_decay": 0.1},
        torch.optim.AdamW,
        {"lr": 0.015, "betas": (0.85, 0.995), "weight_decay": 0.1},
    ),
    ("adamax", {"lr": 0.01, "eps": 1e-6}, torch.optim.Adamax, {"lr": 0.01, "eps": 1e-6}),
]
IDS = [c[0] for c in CASES]


def rosenbrock(p):
    return (1 - p[0]) ** 2 + 100 * (p[1] - p[0] ** 2) ** 2


@pytest.mark.parametrize(("name", "ours", "torch_cls", "theirs"), CASES, ids=IDS)
def test_matches_torch_on_rosenbrock(registry, name, ours, torch_cls, theirs):
    a = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    b = a.detach().clone().requires_grad_(True)
    opt_a = registry.optimizer(name).make([a], **ours)
    opt_b = torch_cls([b], **theirs)
    worst = 0.0
    for _ in range(500):
        for p, opt in ((a, opt_a), (b, opt_b)):
            opt.zero_grad()
            rosenbrock(p).backward()
            opt.step()
        worst = max(worst, (a - b).abs().max().item())
    assert worst < 1e-6
    assert float((b.detach() - torch.tensor([-1.2, 1.0], dtype=torch.float64)).abs().max()) > 0.01


def _mlp():
    torch.manual_seed(3)
    return torch.nn.Sequential(
        torch.nn.Linear(4, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3)
    ).double()


@pytest.mark.parametrize(("name", "ours", "torch_cls", "theirs"), CASES, ids=IDS)
def test_matches_torch_on_a_small_mlp(registry, name, ours, torch_cls, theirs):
    g = torch.Generator().manual_seed(0)
    X = torch.randn(64, 4, generator=g, dtype=torch.float64)
    y = (X @ torch.randn(4, 3, generator=g, dtype=torch.float64)).argmax(1)  # learnable labels
    net_a, net_b = _mlp(), _mlp()
    opt_a = registry.optimizer(name).make(net_a.parameters(), **ours)
    opt_b = torch_cls(net_b.parameters(), **theirs)
    loss_fn = torch.nn.CrossEntropyLoss()
    first = loss_fn(net_b(X), y).item()
    for step in range(200):  # 50 passes over the data: state that has built up, compared
        batch = slice((step * 16) % 64, (step * 16) % 64 + 16)
        for net, opt in ((net_a, opt_a), (net_b, opt_b)):
            opt.zero_grad()
            loss = loss_fn(net(X[batch]), y[batch])
            loss.backward()
            opt.step()
    for pa, pb in zip(net_a.parameters(), net_b.parameters(), strict=True):
        assert (pa - pb).abs().max().item() < 1e-6
    assert loss_fn(net_b(X), y).item() < first - 1e-3  # it trained: the match is not vacuous


def test_rule_optimizer_works_with_torch_schedulers(registry):
    a = torch.tensor([-1.2, 1.0], dtype=torch.float64, requires_grad=True)
    b = a.detach().clone().requires_grad_(True)
    opt_a = registry.optimizer("momentum").make([a], lr=1e-3, beta=0.9)
    opt_b = torch.optim.SGD([b], lr=1e-3, momentum=0.9)
    sched_a = torch.optim.lr_scheduler.StepLR(opt_a, step_size=50, gamma=0.5)
    sched_b = torch.optim.lr_scheduler.StepLR(opt_b, step_size=50, gamma=0.5)
    for _ in range(200):
        for p, opt, sched in ((a, opt_a, sched_a), (b, opt_b, sched_b)):
            opt.zero_grad()
            rosenbrock(p).backward()
            opt.step()
            sched.step()
    assert opt_a.param_groups[0]["lr"] == pytest.approx(1e-3 / 16)
    assert torch.allclose(a, b, atol=1e-10, rtol=0)


def test_state_dict_round_trip_continues_identically(registry):
    torch.manual_seed(0)
    p = torch.randn(5, dtype=torch.float64, requires_grad=True)
    opt = registry.optimizer("adam").make([p], lr=0.01)

    def run(param, optimizer, n):
        for _ in range(n):
            optimizer.zero_grad()
            (param**4).sum().backward()
            optimizer.step()

    run(p, opt, 7)
    q = p.detach().clone().requires_grad_(True)
    opt2 = registry.optimizer("adam").make([q], lr=0.01)
    opt2.load_state_dict(opt.state_dict())
    assert opt2.state[q]["t"] == 7
    run(p, opt, 5)
    run(q, opt2, 5)
    assert torch.equal(p, q)


def test_closure_is_called_and_its_loss_returned(registry):
    p = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    opt = registry.optimizer("sgd").make([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p**2).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == pytest.approx(5.0)
    assert p.tolist() == pytest.approx([0.8, 1.6])


def test_param_groups_keep_their_own_hyperparameters(registry):
    a = torch.ones(2, dtype=torch.float64, requires_grad=True)
    b = torch.ones(2, dtype=torch.float64, requires_grad=True)
    opt = RuleOptimizer(
        [{"params": [a]}, {"params": [b], "lr": 0.5}], registry.optimizer("sgd").rule, lr=0.1
    )
    (a.sum() + b.sum()).backward()
    opt.step()
    assert a.tolist() == pytest.approx([0.9, 0.9])
    assert b.tolist() == pytest.approx([0.5, 0.5])


def test_unknown_hyperparameter_lists_the_valid_ones(registry):
    with pytest.raises(ValueError, match="valid: beta, lr"):
        registry.optimizer("momentum").make([torch.zeros(2, requires_grad=True)], momentum=0.9)


def test_a_student_rule_is_a_few_lines():
    class SignSGD(UpdateRule):
        name = "signsgd"

        def update(self, grad, state, param, *, lr=0.1):
            return -lr * grad.sign()

    p = torch.tensor([3.0, -2.0], requires_grad=True)
    opt = RuleOptimizer([p], SignSGD)
    (p**2).sum().backward()
    opt.step()
    assert p.tolist() == pytest.approx([2.9, -1.9])
