"""One of everything in the optimizer core: one step path, one default set, imports that point down."""

import ast
from pathlib import Path

import pytest
import torch

import explorer
from explorer import optim
from explorer.landscape.race import BallConfig, Race

ROOT = Path(explorer.__file__).parent


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            out.add(node.module)
    return out


def test_the_plugin_host_knows_nothing_of_the_landscape():
    assert not {m for m in imports(ROOT / "plugins.py") if m.startswith("explorer.landscape")}


def test_specs_and_optim_do_not_import_each_other():
    assert not {m for m in imports(ROOT / "specs.py") if m.startswith("explorer")}
    assert "explorer.specs" in imports(ROOT / "optim.py")  # one direction only


def test_expr_surfaces_still_resolve_through_the_registry(registry):
    assert registry.surface("expr:x**2 + y**2").formula == "x**2 + y**2"


@pytest.mark.slow
def test_default_optimizers_are_defined_once():
    hits = [
        p
        for p in ROOT.rglob("*.py")
        if any(
            isinstance(n, ast.Assign)
            and any(getattr(t, "id", "") == "DEFAULT_OPTIMIZERS" for t in n.targets)
            for n in ast.walk(ast.parse(p.read_text()))
        )
    ]
    assert [p.relative_to(ROOT).as_posix() for p in hits] == ["landscape/race.py"]


def test_the_race_and_the_network_share_one_rule_step_path(registry, monkeypatch):
    calls = []
    real = optim.apply_rule

    def counting(rule, grad, state, param, hyper):
        calls.append(tuple(param.shape))
        return real(rule, grad, state, param, hyper)

    monkeypatch.setattr(optim, "apply_rule", counting)
    race = Race(registry.surface("bowl"), [BallConfig("momentum")], registry=registry)
    race.step(3)
    net = torch.nn.Linear(3, 2)
    opt = registry.optimizer("momentum").make(net.parameters())
    net(torch.ones(4, 3)).sum().backward()
    opt.step()
    assert calls == [(2,)] * 3 + [(2, 3), (2,)]
