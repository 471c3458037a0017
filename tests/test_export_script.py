"""``train --export-script``: the script a student takes home trains the same net with plain
PyTorch. Each case trains in the lab's session, runs the exported script in a fresh interpreter
(nothing of DL Explorer imported there) and compares the final weights, key by key, and the
losses, to 1e-6."""

import subprocess
import sys

import pytest
import torch

from explorer.training import TrainConfig, TrainingSession
from explorer.training.export_script import ExportError, export_script

CSV = "x1,x2,label\n" + "".join(
    f"{(i * 37 % 100) / 50 - 1:.2f},{(i * 53 % 100) / 50 - 1:.2f},{int((i * 37 % 100) > (i * 53 % 100))}\n"
    for i in range(120)
)

# one setup per optimizer with a torch twin, each with more of what the lab can do
CASES = {
    "sgd + dropout": dict(dataset="xor", n=96, depth=2, width=8, dropout=0.3, optimizer="sgd"),
    "momentum + batch norm + L1/L2": dict(
        dataset="moons",
        n=96,
        depth=2,
        width=8,
        batch_norm=True,
        l1=1e-3,
        l2=1e-2,
        optimizer="momentum",
        optimizer_hyper={"lr": 0.05},
    ),
    "nesterov + step decay": dict(
        dataset="blobs",
        n=90,
        depth=1,
        width=6,
        optimizer="nesterov",
        schedule="step",
        schedule_hyper={"every": 5, "gamma": 0.5},
    ),
    "adagrad + regression + init torch": dict(
        dataset="plane",
        n=80,
        depth=2,
        width=6,
        init="torch",
        optimizer="adagrad",
    ),
    "rmsprop + CSV + patience": dict(
        data="CSV",
        depth=2,
        width=8,
        optimizer="rmsprop",
        optimizer_hyper={"lr": 0.01},
        patience=2,
        epochs=6,
    ),
    "adam + skips + per-layer activations + warm-up cosine": dict(
        dataset="spiral",
        n=96,
        depth=3,
        width=8,
        activation="relu,sigmoid,tanh",
        residual=True,
        optimizer="adam",
        optimizer_hyper={"lr": 0.01},
        schedule="warmup_cosine",
        schedule_hyper={"steps": 4, "start": 0.1},
        input_dropout=0.1,
    ),
    "adamw + mse loss + standardized inputs": dict(
        dataset="circle",
        n=96,
        depth=2,
        width=8,
        activation="prelu",
        loss="mse",
        normalize="standard",
        optimizer="adamw",
        optimizer_hyper={"lr": 0.01},
    ),
    "adamax + digits + a step budget": dict(
        dataset="digits",
        n=300,
        depth=1,
        width=16,
        optimizer="adamax",
        steps=10,
        batch_size=32,
        schedule="exponential",
        schedule_hyper={"gamma": 0.9},
    ),
}
FAST = {"adam + skips + per-layer activations + warm-up cosine"}


@pytest.fixture(autouse=True)
def one_torch_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # the script runs on one thread: the same arithmetic
    yield
    torch.set_num_threads(before)


def _config(case: dict, tmp_path) -> TrainConfig:
    case = dict(case)
    if case.get("data") == "CSV":
        path = tmp_path / "points.csv"
        path.write_text(CSV)
        case["data"] = str(path)
    case.setdefault("epochs", 3)
    case.setdefault("batch_size", 16)
    return TrainConfig(seed=3, **case)


@pytest.mark.parametrize(
    "name",
    [pytest.param(n, marks=[] if n in FAST else [pytest.mark.slow]) for n in CASES],
)
def test_the_exported_script_reproduces_the_run(registry, tmp_path, name):
    config = _config(CASES[name], tmp_path)
    script = tmp_path / "run.py"
    script.write_text(export_script(config, registry))
    session = TrainingSession(config, registry)
    session.fit()
    # a fresh interpreter, in an empty folder, that cannot import explorer
    saved = tmp_path / "out.pt"
    code = "import sys; sys.modules['explorer'] = None; sys.argv = sys.argv[1:]; "
    code += "exec(compile(open(sys.argv[0]).read(), sys.argv[0], 'exec'))"
    done = subprocess.run(
        [sys.executable, "-c", code, str(script), str(saved)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    theirs = torch.load(saved)
    ours = session.model.state_dict()
    assert list(theirs["state"]) == list(ours)  # the same layers, named as the lab names them
    for key, value in ours.items():
        torch.testing.assert_close(theirs["state"][key], value, rtol=0, atol=1e-6, msg=key)
    result = session.result()
    train, val, test = (theirs["results"][k] for k in ("train", "val", "test"))
    assert (
        train[0] == pytest.approx(session.epochs[-1].train_loss, abs=1e-6) or session.stopped_early
    )
    assert test[0] == pytest.approx(result["test_loss"], abs=1e-6)
    assert len(theirs["history"]) == len(session.epochs)


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        (
            {"activation": "maxout"},
            "activation 'maxout' (plugin builtin/activations) has no torch.nn twin",
        ),
        (
            {"optimizer": "adagrad_lecture"},
            "optimizer 'adagrad_lecture' (plugin builtin/optimizers) has no torch.optim twin",
        ),
    ],
)
def test_what_plain_torch_cannot_write_is_refused_in_one_sentence(registry, changes, fragment):
    with pytest.raises(ExportError, match=None) as err:
        export_script(TrainConfig(dataset="xor", **changes), registry)
    assert fragment in str(err.value)


def test_export_as_pytorch_in_the_lab_writes_a_script_or_says_why(registry, tmp_path):
    from explorer.app.scenes.network.script_export import export
    from explorer.app.ui import i18n

    ok, said = export(TrainConfig(dataset="xor", depth=1, width=4), registry, tmp_path)
    (written,) = tmp_path.glob("network-*.py")
    assert ok and str(written) in said and "import torch" in written.read_text()
    ok, said = export(TrainConfig(dataset="xor", activation="maxout"), registry, tmp_path)
    assert not ok and "has no torch.nn twin" in said and len(list(tmp_path.glob("*.py"))) == 1
    i18n.set_language("zh")
    try:
        ok, said = export(TrainConfig(dataset="xor", activation="maxout"), registry, tmp_path)
        assert said.startswith("无法导出脚本")
    finally:
        i18n.set_language("en")


def test_the_labs_export_button_writes_net_a_as_a_script(network_lab, tmp_path, monkeypatch):
    """Click "Export as PyTorch": the script is in the setups folder and the lab says where."""
    monkeypatch.setenv("DL_EXPLORER_SETUPS", str(tmp_path))
    config = TrainConfig(dataset="moons", depth=2, width=6, activation="tanh", epochs=2)
    d = network_lab(config)
    d.click(d.scene.controls.export_button.rect.center)
    (script,) = tmp_path.glob("network-*.py")
    assert "nn.Tanh()" in script.read_text() and str(script) in d.scene.model.message
