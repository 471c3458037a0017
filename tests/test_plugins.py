"""The plugin host: built-ins through entry points, third-party folders, every failure isolated."""

import textwrap

import pytest

from explorer.plugins import KINDS, PluginHost, UnknownName, load_plugins

GOOD = '''
import torch
from explorer import Hyper, UpdateRule, hookimpl

class SignSGD(UpdateRule):
    """θ ← θ − η sign(g)"""
    name = "signsgd"
    hyper = {"lr": Hyper(0.01, 1e-4, 1.0, log=True)}
    def update(self, grad, state, param, *, lr):
        return -lr * grad.sign()

@hookimpl
def register_optimizers(register):
    register(SignSGD)
'''


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return path


def test_builtins_load_cleanly(registry):
    assert registry.failures == []
    assert {"sgd", "momentum", "nesterov", "adagrad", "rmsprop", "adam", "adamw"} <= set(
        registry.optimizers
    )
    assert {"bowl", "rosenbrock", "saddle", "two_valleys", "linear_regression"} <= set(
        registry.surfaces
    )
    assert {
        "constant",
        "step",
        "exponential",
        "cosine",
        "warmup",
        "warmup_cosine",
        "cyclic",
    } <= set(registry.schedules)
    assert registry.optimizers["sgd"].plugin == "builtin/optimizers"


def test_a_torch_optimizer_class_registers_with_slider_ranges(registry):
    import torch

    spec = registry.optimizer("adamax")
    assert spec.optimizer_class is torch.optim.Adamax
    assert spec.hyper["lr"].log


def test_plugin_folder_adds_an_optimizer(tmp_path):
    write(tmp_path, "signsgd.py", GOOD)
    reg = load_plugins([tmp_path], third_party=True)
    assert reg.optimizer("signsgd").plugin == "signsgd"
    assert "sgd" in reg.optimizers


def test_third_party_can_be_disabled(tmp_path, monkeypatch):
    write(tmp_path, "signsgd.py", GOOD)
    assert "signsgd" not in load_plugins([tmp_path], third_party=False).optimizers
    monkeypatch.setenv("DL_EXPLORER_NO_PLUGINS", "1")
    assert "signsgd" not in load_plugins([tmp_path]).optimizers
    monkeypatch.setenv("DL_EXPLORER_NO_PLUGINS", "0")
    assert "signsgd" in load_plugins([tmp_path]).optimizers


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("import no_such_module_here\n", "could not be imported (ModuleNotFoundError"),
        ("def oops(:\n", "could not be imported (SyntaxError"),
        (
            "from explorer import hookimpl\n@hookimpl\ndef register_optimizers(register):\n"
            "    raise RuntimeError('boom')\n",
            "register_optimizers raised RuntimeError: boom",
        ),
        (
            "from explorer import hookimpl\n@hookimpl\ndef register_optimizers(register):\n"
            "    register(42)\n",
            "expected an UpdateRule subclass or a torch.optim.Optimizer class",
        ),
        (
            "from explorer import hookimpl\n@hookimpl\ndef register_surfaces(register):\n"
            "    register('bowl')\n",
            "expected SurfaceSpec",
        ),
        (
            "from explorer import hookimpl\n@hookimpl\ndef register_optimizer(register):\n"
            "    pass\n",
            "did you mean 'register_optimizers'?",
        ),
        (
            "from explorer import hookimpl\n@hookimpl\ndef register_optimizers(reg):\n    pass\n",
            "could not be registered",
        ),
        (
            "import torch\nfrom explorer import hookimpl\n@hookimpl\n"
            "def register_optimizers(register):\n    register(torch.optim.Adam)\n",
            "needs hyper=",
        ),
    ],
    ids=[
        "import-error",
        "syntax-error",
        "hook-raises",
        "wrong-type",
        "wrong-spec",
        "misspelled-hook",
        "bad-signature",
        "torch-class-no-ranges",
    ],
)
def test_a_broken_plugin_is_reported_and_the_rest_loads(tmp_path, source, expected):
    write(tmp_path, "broken.py", source)
    write(tmp_path, "signsgd.py", GOOD)
    reg = load_plugins([tmp_path], third_party=True)
    reasons = [f"{f.plugin}: {f.reason}" for f in reg.failures]
    assert any(r.startswith("broken: ") and expected in r for r in reasons), reasons
    assert "signsgd" in reg.optimizers and "adam" in reg.optimizers and "bowl" in reg.surfaces


def test_duplicate_names_are_refused_with_the_first_owner(tmp_path):
    write(tmp_path, "mine.py", GOOD.replace('"signsgd"', '"adam"'))
    reg = load_plugins([tmp_path], third_party=True)
    assert reg.optimizer("adam").plugin == "builtin/optimizers"
    assert any(
        f.plugin == "mine" and "already registered by builtin/optimizers" in f.reason
        for f in reg.failures
    )


def test_unknown_names_suggest_and_list(registry):
    with pytest.raises(UnknownName, match=r"Did you mean 'rosenbrock'\?.*Valid: .*bowl"):
        registry.surface("rosenbrok")
    with pytest.raises(UnknownName, match="Unknown optimizer 'nadam'"):
        registry.optimizer("nadam")


def test_every_kind_has_a_hook():
    host = PluginHost()
    for kind in KINDS:
        assert hasattr(host.pm.hook, f"register_{kind}")


def test_missing_plugins_folder_is_reported(tmp_path):
    reg = load_plugins([tmp_path / "nope"], third_party=True)
    assert any("does not exist" in f.reason for f in reg.failures)
    assert "sgd" in reg.optimizers
