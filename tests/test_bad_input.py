"""The standing guard: every command, fed what a careless user or a broken plugin feeds it, answers
with its exit code and one sentence — never a traceback, never a hang, never a file left behind.

Each row: (command line, expected exit code, a fragment of the sentence, the output file that must
NOT exist afterwards). ``{out}`` is a fresh folder, ``{bad}`` a folder of broken plugins. Commands
run in-process through click's CliRunner; only signals need a real process (at the end)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from explorer.cli import main

BROKEN_PLUGINS = textwrap.dedent(
    '''
    """Every way an optimizer, dataset, activation or schedule plugin can be wrong at run time."""
    import sys

    import torch
    from torch import nn

    from explorer import ActivationSpec, DatasetSpec, Hyper, ScheduleSpec, UpdateRule, hookimpl

    LR = {"lr": Hyper(0.1, 1e-4, 1.0, log=True)}


    def rule(name, update, init=None):
        attrs = {"name": name, "hyper": LR, "update": update}
        if init is not None:
            attrs["init"] = init
        return type(name.title(), (UpdateRule,), attrs)


    def _raise(exc):
        raise exc


    RULES = [
        rule("floatstep", lambda self, g, s, p, *, lr: 0.5),
        rule("raiser", lambda self, g, s, p, *, lr: _raise(RuntimeError("boom"))),
        rule("exiter", lambda self, g, s, p, *, lr: sys.exit(2)),
        rule("kbd", lambda self, g, s, p, *, lr: _raise(KeyboardInterrupt())),
        rule("numpystep", lambda self, g, s, p, *, lr: (-lr * g).numpy()),
        rule("shaped", lambda self, g, s, p, *, lr: -lr * g.sum()),
        rule("missingkw", lambda self, g, s, p, *, lr, beta: -lr * g),
        rule("initraises", lambda self, g, s, p, *, lr: -lr * g,
             init=lambda self, p: _raise(ValueError("no state for you"))),
    ]


    @hookimpl
    def register_optimizers(register):
        for r in RULES:
            register(r)


    def floats(n=400, noise=0.1, seed=0):
        g = torch.Generator().manual_seed(seed)
        return torch.randn(n, 2, generator=g), torch.rand(n, generator=g)


    def fivecols(n=400, noise=0.1, seed=0):
        x = torch.randn(n, 5)
        return x, (x[:, 0] > 0).long()


    @hookimpl
    def register_datasets(register):
        register(DatasetSpec("floatlabels", floats))
        register(DatasetSpec("fivecols", fivecols))
        register(DatasetSpec("loaderraises", lambda **k: _raise(OSError("disk on fire"))))
        register(DatasetSpec("loaderexits", lambda **k: sys.exit(1)))
        register(DatasetSpec("loaderwrong", lambda **k: "nope"))


    class Detach(nn.Module):
        def forward(self, x):
            return torch.relu(x).detach()


    class Numpy(nn.Module):
        def forward(self, x):
            return x.detach().numpy()


    class Widen(nn.Module):
        def forward(self, x):
            return torch.cat([x, x], 1)


    @hookimpl
    def register_activations(register):
        register(ActivationSpec("detach", Detach, formula="relu, detached"))
        register(ActivationSpec("numpyact", Numpy, formula="numpy"))
        register(ActivationSpec("widen", Widen, formula="doubles the width"))
        register(ActivationSpec("actraises", lambda: _raise(RuntimeError("no activation"))))
        register(ActivationSpec("actwrong", lambda: 42))


    class StepFails(torch.optim.lr_scheduler.LambdaLR):
        def step(self, *a, **k):
            if getattr(self, "_ready", False):
                raise RuntimeError("schedule step failed")
            self._ready = True
            return super().step(*a, **k)


    @hookimpl
    def register_schedules(register):
        register(ScheduleSpec("schedraises", lambda opt, total: _raise(RuntimeError("nope"))))
        register(ScheduleSpec("schedwrong", lambda opt, total: 3))
        register(ScheduleSpec("schedstep", lambda opt, total: StepFails(opt, lambda t: 1.0)))
    '''
)
EXITS_AT_IMPORT = "import sys\nsys.exit(3)\n"
INTERRUPTS_IN_HOOK = textwrap.dedent(
    """
    from explorer import hookimpl

    @hookimpl
    def register_surfaces(register):
        raise KeyboardInterrupt
    """
)
EXITS_IN_UPDATE = textwrap.dedent(
    """
    import sys
    from explorer import Hyper, UpdateRule, hookimpl

    class Quitter(UpdateRule):
        name = "quitter"
        hyper = {"lr": Hyper(0.1, 1e-4, 1.0, log=True)}

        def update(self, grad, state, param, *, lr):
            sys.exit(2)

    @hookimpl
    def register_optimizers(register):
        register(Quitter)
    """
)

TRAIN = ["train", "--dataset", "xor", "--depth", "1", "--width", "8", "--epochs", "2"]
T = [*TRAIN, "--plugins"]  # placeholder, replaced below: train with the broken plugins
RACE = ["race", "--steps", "20"]

# (command line, exit code, sentence fragment, output file that must not be left)
CASES = [
    # -- race --------------------------------------------------------------------------------
    ([*RACE, "--seed", "18446744073709551616"], 2, "is not in the range", None),
    ([*RACE, "--seed", "-1"], 2, "is not in the range", None),
    ([*RACE, "--csv", "/nonexistent/x.csv"], 1, "the folder /nonexistent does not exist", None),
    ([*RACE, "--csv", ""], 1, "--csv needs a file name", None),
    ([*RACE, "--csv", "/dev/full"], 1, "not a regular file", None),
    ([*RACE, "--csv", "{out}"], 1, "that is a folder", None),
    ([*RACE, "--csv", "/proc/x.csv"], 1, "cannot write there", None),
    (["race", "--steps", "10000000"], 1, "GB of trajectory, over the 1 GB budget", None),
    (["race", "--steps", "3000000", "--csv", "{out}/big.csv"], 1, "over the 1 GB limit", "big.csv"),
    (["race", "--steps", "10000001"], 2, "is not in the range", None),
    (["race", "--optimizer", "sgd", "--steps", "1000000"], 0, "diverged", None),  # stops at once
    ([*RACE, "--start", "1e308,1e308"], 1, "far outside the domain of 'rosenbrock'", None),
    ([*RACE, "--start", "nan,0"], 1, "must be finite numbers", None),
    ([*RACE, "--start", "1,2,3"], 1, "--start expects two numbers", None),
    ([*RACE, "--noise", "gaussian:nan"], 1, "must be a finite number", None),
    ([*RACE, "--noise", "minibatch:0", "--surface", "linear_regression"], 1, "at least 1", None),
    (
        [*RACE, "--noise", "minibatch:1000000000", "--surface", "linear_regression"],
        0,
        "using batches of",
        None,
    ),
    ([*RACE, "--schedule", "nope"], 1, "Unknown schedule 'nope'", None),
    ([*RACE, "--optimizer", "sgd:lr=nan"], 1, "lr must be a finite number", None),
    ([*RACE, "--optimizer", "sgd:lr=1e999"], 1, "lr must be a finite number", None),
    (
        # the race freezes that ball with the reason and finishes (the CSV is written)
        [*RACE, "--optimizer", "{bad}", "exiter", "--csv", "{out}/r.csv"],
        0,
        "exiter frozen: broken/exiter raised SystemExit: 2",
        None,
    ),
    ([*RACE, "--optimizer", "{bad}", "kbd"], 1, "KeyboardInterrupt", None),
    # -- critical ----------------------------------------------------------------------------
    (["critical", "--surface", "bowl", "--at", "1e308,1e308"], 1, "not finite", None),
    (["critical", "--surface", "bowl", "--at", "nan,0"], 1, "must be finite numbers", None),
    (["critical", "--surface", "bowl", "--at", ""], 1, "--at expects two numbers", None),
    (["critical", "--surface", "nope", "--at", "0,0"], 1, "Unknown surface 'nope'", None),
    (["critical", "--at", "0,0"], 2, "Missing option '--surface'", None),
    (["critical", "--surface", "bowl"], 2, "Missing option '--at'", None),
    (["critical", "--net", "--dataset", "nope"], 1, "Unknown dataset 'nope'", None),
    (["critical", "--net", "--activation", "sigmod"], 1, "Did you mean 'sigmoid'?", None),
    (["critical", "--net", "--optimizer", "sgd:lr=-1"], 1, "lr=-1 is not allowed", None),
    (
        ["critical", "--net", "--width", "70", "--method", "exact"],
        1,
        "5,322 parameters is too large for the exact Hessian (at most 4,000",
        None,
    ),
    (["critical", "--net", "--surface", "bowl"], 2, "give --net or --surface/--at, not both", None),
    (["critical", "--surface", "bowl", "--at", "0,0", "--depth", "3"], 2, "add --net", None),
    (["critical", "--net", "--method", "svd"], 2, "Invalid value for '--method'", None),
    (["critical", "--net", "--json", "/nonexistent/h.json"], 1, "does not exist", None),
    (["critical", "--net", "--width", "100000"], 1, "over the budget", None),
    (["critical", "--net", "--dataset", "plane", "--epochs", "1"], 0, "minimum ratio", None),
    # -- train: paths, numbers, budgets ---------------------------------------------------------
    ([*TRAIN, "--json", ""], 1, "--json needs a file name", None),
    ([*TRAIN, "--json", "/dev/full"], 1, "not a regular file", None),
    ([*TRAIN, "--json", "/nonexistent/x.json"], 1, "does not exist", None),
    ([*TRAIN, "--json", "{out}"], 1, "that is a folder", None),
    ([*TRAIN, "--seed", "18446744073709551616"], 2, "is not in the range", None),
    (["train", "--width", "1000000"], 1, "over the budget of 20,000,000 for one run", None),
    ([*TRAIN, "--width", "1000001"], 2, "is not in the range", None),
    ([*TRAIN, "--n", "2000000000"], 2, "is not in the range", None),
    ([*TRAIN, "--n", "900000", "--width", "512"], 1, "values at once, over the budget", None),
    ([*TRAIN, "--steps", "5"], 1, "give --epochs or --steps, not both", None),
    (["train", "--dataset", "plane", "--loss", "ce"], 1, "loss 'ce' needs class labels", None),
    ([*TRAIN, "--loss", "hinge"], 2, "Invalid value for '--loss'", None),
    ([*TRAIN, "--normalize", "minmax"], 2, "Invalid value for '--normalize'", None),
    ([*TRAIN, "--input-dropout", "1"], 1, "input_dropout is a probability in [0, 1)", None),
    ([*TRAIN, "--input-dropout", "nan"], 1, "input_dropout is a probability", None),
    ([*TRAIN, "--dropout", "nan"], 1, "dropout is a probability", None),
    ([*TRAIN, "--l1", "nan"], 1, "l1 must be a number ≥ 0", None),
    ([*TRAIN, "--init-scale", "inf"], 1, "init_scale must be a finite number", None),
    ([*TRAIN, "--noise", "nan"], 1, "noise must be a number ≥ 0", None),
    ([*TRAIN, "--folds", "0"], 2, "is not in the range", None),
    ([*TRAIN, "--folds", "100", "--n", "20"], 1, "100 folds need more samples", None),
    ([*TRAIN, "--compare", "fold=1,2"], 1, "'fold' is not a setting", None),
    ([*TRAIN, "--compare", "loss=ce,l2"], 1, "loss 'l2' is unknown", None),
    ([*TRAIN, "--compare", "steps=10,0"], 1, "steps must be a whole number ≥ 1", None),
    ([*TRAIN, "--optimizer", "sgd:lr=inf"], 1, "lr must be a finite number", None),
    ([*TRAIN, "--test-shift", "nan"], 1, "test_shift must be a finite number", None),
    ([*TRAIN, "--test-shift", "abc"], 2, "is not a valid float", None),
    ([*TRAIN, "--compare", "test_shift=0,inf"], 1, "test_shift: 'inf' is not a number", None),
    (["train", "--compare", "dataset=xor,mnist"], 1, "Unknown dataset 'mnist'", None),
    # -- train: every plugin failure stops the run with the reason ------------------------------
    (
        [*T, "--optimizer", "floatstep", "--json", "{out}/t.json"],
        1,
        "optimizer 'floatstep' (plugin broken) failed: update() returned float",
        None,
    ),
    (
        [*T, "--optimizer", "raiser"],
        1,
        "optimizer 'raiser' (plugin broken) failed: RuntimeError: boom",
        None,
    ),
    ([*T, "--optimizer", "exiter"], 1, "SystemExit(2)", None),
    (
        [*T, "--optimizer", "kbd"],
        1,
        "optimizer 'kbd' (plugin broken) failed: KeyboardInterrupt",
        None,
    ),
    ([*T, "--optimizer", "numpystep"], 1, "update() returned ndarray", None),
    ([*T, "--optimizer", "shaped"], 1, "update() returned a tensor of shape ()", None),
    ([*T, "--optimizer", "missingkw"], 1, "missing 1 required keyword-only argument: 'beta'", None),
    ([*T, "--optimizer", "initraises"], 1, "ValueError: no state for you", None),
    ([*T, "--dataset", "floatlabels"], 1, "class labels must be whole numbers 0..1", None),
    (
        [*T, "--dataset", "fivecols"],
        1,
        "declares 2 input feature(s) but the loader returned 5",
        None,
    ),
    ([*T, "--dataset", "loaderraises"], 1, "the loader raised OSError: disk on fire", None),
    ([*T, "--dataset", "loaderexits"], 1, "the loader raised SystemExit(1)", None),
    ([*T, "--dataset", "loaderwrong"], 1, "the loader must return (X, y), got str", None),
    ([*T, "--activation", "detach"], 1, "no gradient reaches weight layer(s)", None),
    ([*T, "--activation", "numpyact"], 1, "activation 'numpyact' (plugin broken) failed", None),
    ([*T, "--activation", "widen"], 1, "activation 'widen' (plugin broken) failed", None),
    ([*T, "--activation", "actraises"], 1, "its factory raised RuntimeError: no activation", None),
    ([*T, "--activation", "actwrong"], 1, "must return an nn.Module, got int", None),
    ([*T, "--schedule", "schedraises"], 1, "schedule 'schedraises' (plugin broken)", None),
    ([*T, "--schedule", "schedwrong"], 1, "it must return a torch lr_scheduler", None),
    ([*T, "--schedule", "schedstep"], 1, "RuntimeError: schedule step failed", None),
    # -- render ------------------------------------------------------------------------------
    (
        ["render", "--start", "1e308,1e308", "--out", "{out}/x.png"],
        1,
        "far outside the domain",
        "x.png",
    ),
    (["render", "--speed", "nan", "--out", "{out}/x.png"], 1, "--speed must be a number", "x.png"),
    (["render", "--speed", "0", "--out", "{out}/x.png"], 2, "is not in the range", "x.png"),
    (["render", "--scale", "nan", "--out", "{out}/x.png"], 1, "--scale must be a number", "x.png"),
    (
        ["render", "--seed", "18446744073709551616", "--out", "{out}/x.png"],
        2,
        "not in the range",
        "x.png",
    ),
    (["render", "--out", "/proc/x.png", "--frames", "1"], 1, "cannot write there", None),
    (
        ["render", "--frames", "20000", "--size", "7680x4320", "--out", "{out}/x.gif"],
        1,
        "GB before compression, over the 4 GB budget",
        "x.gif",
    ),
    (["render", "--out", "/nonexistent/x.png", "--frames", "1"], 1, "does not exist", None),
    (["render", "--out", "", "--frames", "1"], 1, "use a .png (still), .gif or .mp4", None),
    (["render", "--out", "{out}/x.bmp", "--frames", "1"], 1, "use a .png", "x.bmp"),
    (["render", "--surface", "rosenbrok", "--out", "{out}/x.png"], 1, "Did you mean", "x.png"),
    (
        ["render", "--scene", "network", "--activation", "swish", "--out", "{out}/n.png"],
        1,
        "Unknown activation 'swish'",
        "n.png",
    ),
    (
        ["render", "--scene", "network", "--compare", "activation=swish", "--out", "{out}/n.png"],
        1,
        "Unknown activation 'swish'",
        "n.png",
    ),
    # -- plugins -----------------------------------------------------------------------------
    (["--plugins-dir", "{quits}", "plugins"], 0, "could not be imported (SystemExit(3)", None),
    (
        ["--plugins-dir", "{quits}", "plugins"],
        0,
        "register_surfaces raised KeyboardInterrupt",
        None,
    ),
    (["plugins", "check", "{quits}/quit_at_import.py"], 1, "SystemExit(3)", None),
    (["plugins", "check", "{quits}/quit_in_update.py"], 1, "the checks stopped", None),
    (["plugins", "check", "/nonexistent.py"], 2, "does not exist", None),
    (["plugins", "check", "{out}"], 2, "is a directory", None),
    (["--plugins-dir", "/nonexistent", "plugins"], 0, "plugins folder does not exist", None),
    # -- the plugin author's kit ---------------------------------------------------------------
    (
        ["plugins", "new", "optimizer", "my-lion", "--dir", "{out}"],
        1,
        "is not a Python identifier",
        "my-lion.py",
    ),
    (
        ["plugins", "new", "optimizer", "2fast", "--dir", "{out}"],
        1,
        "not starting with a digit",
        "2fast.py",
    ),
    (["plugins", "new", "surface", "torch", "--dir", "{out}"], 1, "would shadow", "torch.py"),
    (
        ["plugins", "new", "optimizer", "quit_at_import", "--dir", "{quits}"],
        1,
        "already exists",
        None,
    ),
    (["plugins", "new", "optimizer", "x", "--dir", "{out}/missing"], 1, "does not exist", None),
    (
        ["plugins", "new", "optimiser", "x", "--dir", "{out}"],
        2,
        "Invalid value for '{optimizer",
        "x.py",
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "torch.optim.LBFGS"],
        1,
        "its step() needs a closure",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "torch.optim.Adamm"],
        1,
        "did you mean torch.optim.Adam?",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "math.sqrt"],
        1,
        "not a torch.optim.Optimizer class",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "nosuchpkg.Adam"],
        1,
        "no module 'nosuchpkg'",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "torch.optim.Adam:beta=0.9"],
        1,
        "has no hyperparameter 'beta' (did you mean 'betas'?)",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "torch.optim.Adam:lr=-1"],
        1,
        "the class refused 'lr=-1': Invalid learning rate",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "torch.optim.Adam:lr=fast"],
        1,
        "lr='fast' is not a number",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "adamm"],
        1,
        "Did you mean 'adam'?",
        None,
    ),
    (
        ["plugins", "check", "{quits}/quit_in_update.py", "--against", "adam:lrr=1"],
        1,
        "has no hyperparameter 'lrr'",
        None,
    ),
    (["plugins", "score", "nope"], 1, "Unknown optimizer 'nope'", None),
    (["plugins", "score", "{quits}/quit_at_import.py"], 1, "cannot be scored", None),
    (["plugins", "score", "adam", "--csv", "/nonexistent/s.csv"], 1, "does not exist", None),
    (["plugins", "score", "adam", "--against", "sgdd"], 1, "Did you mean 'sgd'?", None),
    (
        ["plugins", "show", "adamm"],
        1,
        "Nothing is registered as 'adamm'. Did you mean 'adam'?",
        None,
    ),
    (["--watch"], 1, "--watch follows the --plugins-dir folders", None),
    (
        ["--plugins-dir", "{out}", "--watch", "plugins"],
        1,
        "--watch reloads plugins in the app",
        None,
    ),
    # -- bench -------------------------------------------------------------------------------
    (["bench", "race", "--steps", "5"], 2, "is not in the range", None),
    (["bench", "race", "--surface", "nope"], 1, "Unknown surface 'nope'", None),
    (["bench", "train", "--dropout", "2", "--skip-frames"], 1, "dropout is a probability", None),
    (["bench", "train", "--activation", "nope", "--skip-frames"], 1, "Unknown activation", None),
    (["bench", "frames", "--size", "10x10"], 1, "--size 10x10", None),
    (["bench", "frames", "--speed", "nan"], 1, "--speed must be a number, got nan", None),
    (["train", "--epochs", "18446744073709551616"], 2, "is not in the range 1<=x<=1000000", None),
    (
        ["render", "--frames", "2", "--region", "mapp", "--out", "{out}/r.png"],
        1,
        "--region 'mapp': the landscape scene's parts are chart, inspector, map",
        "r.png",
    ),
    (["bench", "race", "--surface", "expr:1", "--steps", "10"], 1, "does not use x or y", None),
    (["critical", "--surface", "expr:pi", "--at", "0,0"], 1, "does not use x or y", None),
    (["race", "--surface", "net:moonz"], 1, "net:moonz: no dataset 'moonz'", None),
    (
        ["race", "--surface", "net:moons?widht=3"],
        1,
        "is not a net: key (did you mean width?)",
        None,
    ),
    (["race", "--surface", "nett:moons"], 1, "Or a family: expr:…, net:…", None),
    (["race", "--surface", "net:moons?run=nope"], 1, "no recorded run 'nope'", None),
    (["race", "--surface", "net:moons?run=../../x"], 1, "run must be a run's id", None),
    (["race", "--surface", "net:moons?run="], 1, "run must be a run's id", None),
    (
        ["bench", "frames", "--scene", "nope"],
        2,
        "'nope' is not one of 'landscape', 'network', 'activations', 'dropout', 'lab-landscape'",
        None,
    ),
    (["bench", "frames", "--surface", "nope"], 1, "Unknown surface 'nope'", None),
    (["nope"], 2, "No such command 'nope'", None),
]


def _ids(case) -> str:
    args = [a for a in case[0] if a not in ("{bad}", "--plugins")]
    return " ".join(args)[:70]


@pytest.fixture(scope="module")
def bad(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bad")
    (folder / "broken.py").write_text(BROKEN_PLUGINS)
    return folder


@pytest.fixture(scope="module")
def quits(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("quits")
    (folder / "quit_at_import.py").write_text(EXITS_AT_IMPORT)
    (folder / "interrupt_in_hook.py").write_text(INTERRUPTS_IN_HOOK)
    (folder / "quit_in_update.py").write_text(EXITS_IN_UPDATE)
    return folder


def _expand(args: list[str], out: Path, bad: Path, quits: Path) -> list[str]:
    """``--plugins`` (after the command) and ``{bad}`` (before an option value) put the broken
    plugins folder in front of the command."""
    front: list[str] = []
    expanded = []
    for a in args:
        if a in ("--plugins", "{bad}"):
            front = ["--plugins-dir", str(bad)]
            continue
        expanded.append(a.replace("{out}", str(out)).replace("{quits}", str(quits)))
    return front + expanded


def run_case(args: list[str], monkeypatch) -> tuple[int, str, BaseException | None]:
    if "--plugins-dir" in args:
        monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    result = CliRunner().invoke(main, args)
    return result.exit_code, result.output, result.exception


@pytest.mark.parametrize(("args", "code", "fragment", "left"), CASES, ids=[_ids(c) for c in CASES])
def test_bad_input_gets_one_sentence(args, code, fragment, left, tmp_path, bad, quits, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    exit_code, output, exc = run_case(_expand(args, out, bad, quits), monkeypatch)
    assert "Traceback" not in output, output
    assert exc is None or isinstance(exc, SystemExit), repr(exc)
    assert fragment in " ".join(output.split()), output
    assert exit_code == code, output
    if code == 1:
        # The sentence is the last thing said, whether click's "Error: …" or a failed run's line.
        assert output.strip(), "no sentence at all"
    if left:
        assert not (out / left).exists()
    assert not [p.name for p in out.iterdir() if p.name.startswith(".")], "temporary file left"


def test_one_failing_run_does_not_lose_the_others(tmp_path, bad, monkeypatch):
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    out = tmp_path / "cmp.json"
    args = ["--plugins-dir", str(bad), *TRAIN, "--compare", "optimizer=raiser,sgd"]
    result = CliRunner().invoke(main, [*args, "--json", str(out)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "optimizer=raiser: stopped at step 1: optimizer 'raiser'" in result.output
    data = json.loads(out.read_text())
    assert data["complete"] is False
    assert [r["label"] for r in data["runs"]] == ["optimizer=sgd"]
    assert len(data["runs"][0]["epochs"]) == 2
    assert data["failed"][0]["label"] == "optimizer=raiser"


def test_a_float_step_never_reaches_the_weights(registry, bad, monkeypatch):
    # The "silent wrong result": a rule returning 0.5 was added to every weight.
    from explorer.plugins import load_plugins
    from explorer.training.config import TrainConfig
    from explorer.training.session import TrainingFailed, TrainingSession

    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    reg = load_plugins([bad])
    session = TrainingSession(TrainConfig(dataset="xor", optimizer="floatstep"), reg)
    before = [p.detach().clone() for p in session.model.parameters()]
    with pytest.raises(TrainingFailed, match="update\\(\\) returned float"):
        session.step(1)
    after = list(session.model.parameters())
    # RuleOptimizer may have stepped tensors before the bad one; none of them moved by +0.5.
    assert not any(torch_equal_shift(a, b, 0.5) for a, b in zip(before, after, strict=True))
    assert session.done and session.failed


def torch_equal_shift(before, after, shift) -> bool:
    return bool(((after.detach() - before) == shift).all())


# -- real processes: signals and the files they interrupt ------------------------------------


def _cli(*args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, DL_EXPLORER_NO_PLUGINS="1", PYTHONUNBUFFERED="1")
    return subprocess.Popen(
        [sys.executable, "-m", "explorer", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        # A real Ctrl-C must reach the child even when the test runner ignores SIGINT.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
        **kw,
    )


@pytest.mark.slow
def test_ctrl_c_in_train_prints_the_finished_epochs_and_writes_them(tmp_path):
    out = tmp_path / "run.json"
    proc = _cli("train", "--dataset", "xor", "--epochs", "100000", "--json", str(out))
    time.sleep(15)  # start-up and a few epochs, even on a busy machine
    proc.send_signal(signal.SIGINT)
    output, _ = proc.communicate(timeout=60)
    assert proc.returncode == 130, output
    assert "Traceback" not in output and "interrupted" in output
    data = json.loads(out.read_text())
    assert data["complete"] is False and data["interrupted"] is True
    assert len(data["runs"]) == 1, output
    (run,) = data["runs"]
    assert len(run["epochs"]) >= 1 and f"{run['epochs'][-1]['train_loss']:.4f}" in output


def test_sigterm_while_writing_keeps_the_previous_csv(tmp_path):
    # The case: SIGTERM during `race --csv` left a truncated file. While a file is being
    # written, SIGTERM unwinds: the temporary goes, the previous file stays whole.
    from explorer.commands.output import atomic_path

    out = tmp_path / "race.csv"
    out.write_text("optimizer,step,x,y,loss\nprevious,0,0,0,0\n")
    with pytest.raises(SystemExit) as stopped, atomic_path(out, "--csv") as tmp:
        fh = tmp.open("w")
        fh.write("optimizer,step,x,y,loss\nsgd,0,")
        fh.flush()
        os.kill(os.getpid(), signal.SIGTERM)
        fh.write("never written\n")
    fh.close()
    assert stopped.value.code == 128 + signal.SIGTERM
    assert out.read_text() == "optimizer,step,x,y,loss\nprevious,0,0,0,0\n"
    assert [p.name for p in tmp_path.iterdir()] == ["race.csv"]
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handler put back


def test_an_interrupted_write_leaves_the_old_file_and_no_temporary(tmp_path):
    from explorer.commands.output import atomic_path, write_text

    target = tmp_path / "a.json"
    write_text(target, "old\n")
    with pytest.raises(KeyboardInterrupt), atomic_path(target) as tmp:
        tmp.write_text("half of the new")
        raise KeyboardInterrupt
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["a.json"]
    write_text(target, "new\n")
    assert target.read_text() == "new\n" and len(list(tmp_path.iterdir())) == 1


# -- the sweep: every option of every command, fed hostile values -----------------------------
HOSTILE = ["nan", "inf", "-inf", "-1", "0", "1e308", "18446744073709551616", "", "abc", "1,2,3"]
SWEEP = {
    ("race", "--steps", "20"): [
        "--steps", "--seed", "--start", "--noise", "--schedule", "--optimizer", "--surface", "--csv",
    ],
    ("critical", "--surface", "bowl", "--at", "0.5,0.5"): ["--at", "--surface"],
    ("critical", "--net", "--n", "40", "--width", "3", "--epochs", "2"): [
        "--n", "--depth", "--width", "--epochs", "--max-epochs", "--k", "--seed", "--method",
        "--optimizer", "--activation", "--dataset", "--batch-size", "--json",
    ],
    ("train", "--dataset", "xor", "--n", "80", "--depth", "1", "--width", "4", "--epochs", "1"): [
        "--n", "--noise", "--depth", "--width", "--pieces", "--init-scale", "--dropout",
        "--input-dropout", "--l1", "--l2", "--batch-size", "--epochs", "--patience", "--folds",
        "--seed", "--optimizer", "--schedule", "--compare", "--json", "--threads", "--device",
        "--loss", "--normalize", "--init", "--activation", "--dataset", "--test-shift",
    ],
    ("render", "--frames", "1", "--size", "320x240"): [
        "--speed", "--scale", "--size", "--start", "--seed", "--noise", "--surface", "--fps",
        "--out",
    ],
}  # fmt: skip


@pytest.mark.slow
def test_sweep_of_hostile_values_never_shows_a_traceback(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)  # values such as "0" or "nan" are valid file names for --csv
    tried = tracebacks = slow = 0
    bad: list[str] = []
    for base, options in SWEEP.items():
        for option in options:
            for value in HOSTILE:
                args = list(base)
                if option in args:  # replace the base's value
                    i = args.index(option)
                    del args[i : i + 2]
                args += [option, value]
                if base[0] == "render" and option != "--out":
                    args += ["--out", str(tmp_path / "x.png")]
                if base[0] == "train" and option == "--epochs":
                    args = [a for a in args if a != "--epochs"]
                t0 = time.perf_counter()
                result = CliRunner().invoke(main, args)
                tried += 1
                slow += time.perf_counter() - t0 > 10
                broken = "Traceback" in result.output or not (
                    result.exception is None or isinstance(result.exception, SystemExit)
                )
                if broken or result.exit_code not in (0, 1, 2):
                    tracebacks += 1
                    bad.append(f"{' '.join(args)} -> {result.exit_code} {result.exception!r}")
    with capsys.disabled():
        print(f"\nhostile sweep: {tried} inputs, {tracebacks} tracebacks, {slow} over 10 s")
    assert not bad, "\n".join(bad)


def test_long_runs_show_progress_quick_ones_print_nothing_extra():
    import io

    from rich.console import Console

    from explorer.commands.output import LateProgress

    now = [0.0]
    sink = io.StringIO()
    out = Console(file=sink, force_terminal=True, width=100)
    with LateProgress(1000, "racing on bowl", out) as bar:
        bar._clock = lambda: now[0]
        bar._start = 0.0
        bar.update(10)
        now[0] = 1.9
        bar.update(100)
        assert sink.getvalue() == ""  # under 2 s: silent
        now[0] = 2.1
        bar.update(500)
        bar._progress.refresh()
        assert "racing on bowl" in sink.getvalue() and "500/1000" in sink.getvalue()


def test_a_setup_file_in_an_unknown_language_is_one_sentence(tmp_path):
    setup = tmp_path / "s.toml"
    setup.write_text('version = 1\nscene = "landscape"\nlang = "fr"\n')
    out = tmp_path / "x.png"
    result = CliRunner().invoke(main, ["render", "--setup", str(setup), "--frames", "1",
                                       "--out", str(out)])  # fmt: skip
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert 'lang = "fr" is not a language' in " ".join(result.output.split())
    assert not out.exists()
