"""Setups as a user meets them: a file saved by Ctrl+S opens in exactly the same state, `--set`
and `open` put the model where the user asked, a bad file is one sentence naming the file, the
key and what is valid (and nothing changes), and `render --setup` draws what the flags draw."""

import dataclasses
import math
import typing
from pathlib import Path

import numpy as np
import pygame
import pygame_gui
import pytest
from click.testing import CliRunner
from PIL import Image

from explorer import setups
from explorer.app import setup_files
from explorer.app.scenes.landscape.model import LandscapeModel, LandscapeSetup
from explorer.app.scenes.network.model import NetworkModel, NetworkSetup
from explorer.app.shell import SCENE_NAMES, build_app
from explorer.cli import main
from explorer.knob_text import Pick, Spec
from explorer.landscape.rates import suggested_lr
from explorer.setups import SetupError

# Knobs a user changed before saving, per scene (a scene not listed round-trips its defaults).
CHANGES = {
    "landscape": [
        "surface=himmelblau",
        "start=1.5,-2",
        "optimizers=sgd:lr=0.0123,momentum:beta=0.8,adamw",
        "schedule=step:every=300,gamma=0.5",
        "noise=gaussian",
        "sigma=0.7",
        "arrows=gradient,step",
        "arrows_hidden=momentum",
        "seed=7",
        "speed=300",
    ],
    "network": [
        "dataset=moons",
        "depth=3",
        "width=8",
        "activation=tanh",
        "init=xavier",
        "batch_norm=on",
        "dropout=0.25",
        "l2=0.001",
        "patience=3",
        "epochs=5",
        "optimizer=adam:lr=0.02",
        "schedule=cosine",
        "seed=4",
        "speed=50",
        "compare=dropout:0.5",
    ],
}
# What the saved file then says (the changes really reached the model and the file).
SAVED = {
    "landscape": [
        'surface = "himmelblau"',
        "start = [\n    1.5,\n    -2.0,\n]",
        "seed = 7",
        "speed = 300.0",
        "sigma = 0.7",
        'noise = "gaussian"',
        "[optimizers.sgd]\nlr = 0.0123",
        "[optimizers.momentum]\nlr = 0.005\nbeta = 0.8",
        "[optimizers.adamw]",
        'arrows_hidden = [\n    "momentum",\n]',
        'name = "step"\nevery = 300.0',
    ],
    "network": [
        'dataset = "moons"',
        "depth = 3",
        "width = 8",
        'activation = "tanh"',
        'init = "xavier"',
        "batch_norm = true",
        "dropout = 0.25",
        "l2 = 0.001",
        "patience = 3",
        "epochs = 5",
        "seed = 4",
        "speed = 50.0",
        '[optimizer]\nname = "adam"\nlr = 0.02',
        "[compare]\ndropout = 0.5",
    ],
}


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def app(registry, tmp_path, monkeypatch):
    """The whole app (tabs and scenes, training in threads) drawn offscreen; Ctrl+S saves into
    tmp_path."""
    monkeypatch.setenv("DL_EXPLORER_SETUPS", str(tmp_path / "saved"))
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode((1280, 720))
    pygame.event.clear()
    made = []

    def make(first="landscape"):
        the_app, tabs = build_app(registry, screen, first, windowed=False, backend="thread")
        made.append(tabs)
        return the_app, tabs

    yield make
    for tabs in made:
        tabs.close()


def tick(the_app, n=1, events=()):
    events = list(events)
    for _ in range(n):
        the_app.tick(1 / 60, events + pygame.event.get())
        events = []


def ctrl(key):
    return pygame.event.Event(
        pygame.KEYDOWN, key=key, mod=pygame.KMOD_LCTRL, unicode="", scancode=0
    )


def scenes_with_a_setup():
    return [name for name in SCENE_NAMES if setup_files.setup_class(name) is not None]


def test_landscape_and_network_have_setups():
    assert {"landscape", "network"} <= set(scenes_with_a_setup())


# every scene in the full suite; the fast subset keeps the Landscape's
@pytest.mark.parametrize(
    "scene",
    [pytest.param(s, marks=[] if s == "landscape" else pytest.mark.slow) for s in SCENE_NAMES],
)
def test_save_open_save_gives_the_same_file(app, scene, tmp_path):
    the_app, tabs = app(scene)
    values = setup_files.overrides(scene, CHANGES.get(scene, []))
    setup_files.apply_to_scene(tabs.scene(), values, "test", tabs.size)
    first = setup_files.save_current(tabs, tmp_path / "a")
    # a fresh app on another scene opens it: same scene, same state, same file when saved again
    other = next(n for n in SCENE_NAMES if n != scene)
    the_app2, tabs2 = app(other)
    setup_files.open_in(tabs2, first)
    assert tabs2.current == scene
    second = setup_files.save_current(tabs2, tmp_path / "b")
    assert first.read_text() == second.read_text()
    text = first.read_text()
    assert "version = 1" in text and f'scene = "{scene}"' in text
    for line in SAVED.get(scene, []):
        assert line in text


def test_a_saved_landscape_file_holds_the_numbers_the_user_set(app, tmp_path):
    the_app, tabs = app("landscape")
    m = tabs.scene().model
    m.set_surface("booth")
    m.set_hyper("sgd", "lr", 0.0123)
    m.set_start(1.25, -3.5)
    m.set_speed(300)
    tick(the_app, 2, [ctrl(pygame.K_s)])
    (path,) = (tmp_path / "saved").glob("landscape-*.toml")
    assert str(path) in tabs.setup_keys.message  # the path is shown on screen
    text = path.read_text()
    assert 'surface = "booth"' in text
    assert "start = [\n    1.25,\n    -3.5,\n]" in text
    assert "[optimizers.sgd]\nlr = 0.0123" in text
    assert "speed = 300.0" in text
    assert not list(path.parent.glob("*.tmp"))  # written atomically: no temp file left


def test_ctrl_o_opens_a_file_picked_in_the_dialog_and_switches_scene(app, tmp_path):
    path = tmp_path / "deep.toml"
    path.write_text('version = 1\nscene = "network"\ndepth = 10\nactivation = "relu"\n')
    the_app, tabs = app("landscape")
    tick(the_app, 1, [ctrl(pygame.K_o)])
    dialog = tabs.setup_keys.dialog
    assert isinstance(dialog, pygame_gui.windows.UIFileDialog)
    event = pygame.event.Event(
        pygame_gui.UI_FILE_DIALOG_PATH_PICKED, text=str(path), ui_element=dialog
    )
    tick(the_app, 2, [event])
    assert tabs.current == "network"
    config = tabs.scene().model.config
    assert (config.depth, config.activation) == (10, "relu")
    assert "opened" in tabs.setup_keys.message and str(path) in tabs.setup_keys.message


def test_ctrl_s_in_a_scene_without_a_setup_says_so(app, tmp_path, monkeypatch):
    the_app, tabs = app("dropout")
    monkeypatch.setattr(tabs.scene(), "setup", lambda: None)  # a scene with nothing to set
    tick(the_app, 2, [ctrl(pygame.K_s)])
    assert "nothing to save" in tabs.setup_keys.message
    assert not (tmp_path / "saved").exists()


# -- bad input: one sentence with the file, the key and what is valid; nothing changes ----------
BAD = [
    ("not TOML", "depth = = 3\n", ["is not a TOML file"]),
    (
        "misspelt key",
        'scene = "network"\ndpeth = 3\n',
        ["'dpeth'", "did you mean 'depth'?", "valid keys:", "batch_size"],
    ),
    (
        "wrong type",
        'scene = "network"\ndepth = "ten"\n',
        ['depth = "ten" is not a whole number', "valid: whole numbers 0 … 64"],
    ),
    (
        "out of range",
        'scene = "network"\nwidth = 8\ndepth = 99\n',
        ["depth = 99 is out of range", "valid: whole numbers 0 … 64"],
    ),
    (
        "a probability of 1",
        'scene = "network"\ndropout = 1.0\n',
        ["dropout = 1 is out of range", "up to (not including) 1"],
    ),
    (
        "unknown activation",
        'scene = "network"\nactivation = "sigmod"\n',
        ['activation = "sigmod"', "did you mean 'sigmoid'?", "valid: sigmoid, tanh, relu"],
    ),
    (
        "unknown scene",
        'scene = "netwrk"\n',
        ['scene = "netwrk" is not a scene', "did you mean 'network'?"],
    ),
    (
        "future version",
        'version = 2\nscene = "network"\n',
        ["version = 2 is newer", "valid: 1"],
    ),
    (
        "misspelt optimizer",
        'scene = "landscape"\n[optimizers.sgdd]\nlr = 0.1\n',
        ['optimizers = "sgdd"', "did you mean 'sgd'?"],
    ),
    (
        "hyperparameter the maths forbids",
        'scene = "landscape"\n[optimizers.sgd]\nlr = -0.5\n',
        ["optimizers.sgd.lr:", "lr=-0.5 is not allowed"],
    ),
    (
        "misspelt hyperparameter",
        'scene = "landscape"\n[optimizers.momentum]\nbta = 0.5\n',
        ["optimizers.momentum.bta", "did you mean 'beta'?"],
    ),
    (
        "mini-batch noise on a formula",
        'scene = "landscape"\nsurface = "bowl"\nnoise = "minibatch"\n',
        ['noise = "minibatch" needs a data-defined surface', "valid:"],
    ),
    (
        "compare key",
        'scene = "network"\n[compare]\ncolour = "red"\n',
        ['compare = "colour" is not a setting it can change', "valid: activation, init"],
    ),
]


@pytest.fixture(scope="module")
def one_app(registry, tmp_path_factory):
    """One app for every bad file: each must leave it exactly as it was, so they can share it
    (and a file that did not would show in the next one's comparison too)."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DL_EXPLORER_SETUPS", str(tmp_path_factory.mktemp("saved")))
        pygame.display.init()
        pygame.font.init()
        screen = pygame.display.set_mode((1280, 720))
        pygame.event.clear()
        the_app, tabs = build_app(registry, screen, "landscape", windowed=False, backend="thread")
        tabs.show("network")
        tabs.show("landscape")
        yield the_app, tabs
        tabs.close()


@pytest.mark.parametrize(("what", "text", "expected"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_file_is_one_sentence_and_the_app_keeps_its_state(
    one_app, tmp_path, what, text, expected
):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    the_app, tabs = one_app
    before = {n: setups.dumps(n, tabs.built[n].setup()) for n in ("landscape", "network")}
    with pytest.raises(SetupError) as err:
        setup_files.open_in(tabs, path)
    sentence = str(err.value)
    assert sentence.startswith(f"{path}: ") or sentence.startswith(str(path))
    for bit in expected:
        assert bit in sentence, sentence
    assert sentence.count(". ") == 0 and sentence.endswith(".")  # one sentence
    assert tabs.current == "landscape"
    after = {n: setups.dumps(n, tabs.built[n].setup()) for n in ("landscape", "network")}
    assert after == before
    # the same mistake through Ctrl+O is that sentence on screen, and the app goes on
    tabs.setup_keys.open(path)
    assert tabs.setup_keys.message == sentence and tabs.setup_keys.level == "error"
    tick(the_app, 2)


def test_nothing_is_half_applied(registry):
    m = LandscapeModel(registry)
    before = m.setup()
    bad = dataclasses.replace(before, surface="booth", seed=3, speed=5000.0)
    with pytest.raises(SetupError, match="speed = 5000 is out of range; valid: numbers 1 … 2000"):
        m.apply(bad)
    assert m.setup() == before and m.spec.name == "rosenbrock"


def test_the_network_lab_refuses_a_setup_the_trainer_would_refuse_and_goes_on(registry):
    m = NetworkModel(registry, backend="thread")
    try:
        # a lab whose data has no validation split (as a plugin or a script may build it)
        m.config = m.config.replace(val_fraction=0.0)
        m.reset()
        before, version = m.setup(), m.version
        # early stopping needs a validation split: the trainer's own check, before any change
        with pytest.raises(SetupError, match="early stopping .* needs a validation split"):
            m.apply(dataclasses.replace(before, patience=2, depth=3))
        assert m.version == version and m.setup() == before and m.config.depth == 8
    finally:
        m.close()


# -- --set and open -------------------------------------------------------------------------
@pytest.fixture
def captured(monkeypatch):
    """run_app without a main loop: the app is built, the setup applied, then it closes; the
    scene's setup is kept for the test (the Network lab trains in a thread, not a process)."""
    import explorer.app.main as app_main
    from explorer.app.ui.app_loop import App

    seen = {}
    build = app_main.build_app

    def thread_build(registry, screen, scene, **kw):
        the_app, tabs = build(registry, screen, scene, backend="thread", **kw)
        seen["tabs"] = tabs
        return the_app, tabs

    def run_once(self):
        tabs = seen["tabs"]
        seen["scene"] = tabs.current
        seen["setup"] = tabs.scene().setup()
        seen["model"] = tabs.scene().model

    monkeypatch.setattr(app_main, "build_app", thread_build)
    monkeypatch.setattr(App, "run", run_once)
    return seen


def test_set_on_the_command_line_sets_the_network_lab(captured):
    result = run(
        "--scene",
        "network",
        "--set",
        "depth=10",
        "--set",
        "activation=sigmoid",
        "--set",
        "compare=activation:relu",
        "--set",
        "optimizer=adam:lr=0.003",
    )
    assert result.exit_code == 0, result.output
    model = captured["model"]
    assert captured["scene"] == "network"
    assert (model.config.depth, model.config.activation) == (10, "sigmoid")
    assert model.side_by_side and (model.compare, model.compare_value) == ("activation", "relu")
    assert [c.activation for c in model.configs()] == ["sigmoid", "relu"]
    assert model.config.optimizer == "adam" and model.config.optimizer_hyper["lr"] == 0.003


def test_set_with_an_unknown_key_lists_the_valid_keys(captured):
    result = run("--scene", "network", "--set", "dpth=10")
    assert result.exit_code != 0
    out = " ".join(result.output.split())
    assert "--set dpth=10:" in out and "did you mean 'depth'?" in out
    assert "valid keys: dataset, batch_size, depth, width, activation" in out
    assert "setup" not in captured  # no window was opened


def test_set_a_value_out_of_range_before_any_window(captured):
    result = run("--scene", "network", "--set", "depth=65")
    assert result.exit_code != 0 and "depth = 65 is out of range" in result.output
    assert "setup" not in captured


def test_changing_only_the_surface_takes_that_surfaces_start_and_rates(captured, registry):
    result = run("--set", "surface=himmelblau")
    assert result.exit_code == 0, result.output
    model = captured["model"]
    spec = registry.surface("himmelblau")
    assert model.start == tuple(float(v) for v in spec.starts[0])
    assert model.hyper["sgd"]["lr"] == suggested_lr(registry.optimizers["sgd"], spec)


def test_open_puts_every_knob_seed_and_speed_in_place(captured, tmp_path):
    path = tmp_path / "run.toml"
    path.write_text(
        'version = 1\nscene = "landscape"\nsurface = "expr:x**2 + 3*y**2"\nstart = [2.0, -1.0]\n'
        'seed = 11\nspeed = 40.0\nnoise = "gaussian"\nsigma = 0.5\n'
        "[optimizers.momentum]\nlr = 0.03\nbeta = 0.7\n[optimizers.adam]\nlr = 0.1\n"
        '[schedule]\nname = "cosine"\n'
    )
    result = run("open", str(path), "--set", "seed=12")
    assert result.exit_code == 0, result.output
    m = captured["model"]
    assert m.spec.name == "expr:x**2 + 3*y**2" and m.start == (2.0, -1.0)
    assert m.enabled == ["momentum", "adam"]
    assert m.hyper["momentum"] == {"lr": 0.03, "beta": 0.7}
    assert m.hyper["adam"]["lr"] == 0.1 and m.hyper["adam"]["beta1"] == 0.9  # default
    assert (m.seed, m.speed, m.schedule) == (12, 40.0, "cosine")
    assert (m.noise.mode, m.noise.sigma) == ("gaussian", 0.5)
    assert m.race.seed == 12 and m.race.start == (2.0, -1.0)


def test_open_a_bad_file_is_one_sentence_on_the_command_line(captured, tmp_path):
    path = tmp_path / "run.toml"
    path.write_text('scene = "landscape"\nsped = 40.0\n')
    result = run("open", str(path))
    assert result.exit_code != 0
    assert f"{path}: the landscape scene has no setting 'sped' (did you mean 'speed'?)" in (
        " ".join(result.output.split())
    )
    assert "setup" not in captured


# -- one parser ---------------------------------------------------------------------------
def test_set_render_compare_and_train_read_values_with_one_parser():
    from explorer.commands.render import _compare
    from explorer.commands.train import parse_knob

    pick = setups.from_text(NetworkSetup, "compare", "dropout:0.5")
    assert pick == Pick("dropout", 0.5) == setups.from_text(NetworkSetup, "compare", "dropout=0.5")
    assert _compare("dropout=0.5") == ("dropout", 0.5)
    assert _compare("batch_norm:on") == ("batch_norm", True) and parse_knob("batch_norm", "on")
    assert setups.from_text(NetworkSetup, "optimizer", "momentum:lr=0.01,beta=0.8") == Spec(
        "momentum", {"lr": 0.01, "beta": 0.8}
    )
    assert setups.from_text(LandscapeSetup, "optimizers", "sgd:lr=0.1,beta=2,adam") == (
        Spec("sgd", {"lr": 0.1, "beta": 2.0}),
        Spec("adam"),
    )
    assert setups.from_text(NetworkSetup, "patience", "off") is None
    assert setups.from_text(NetworkSetup, "speed", "max") is None
    assert setups.from_text(LandscapeSetup, "start", "auto") is None


def test_the_file_and_the_set_line_read_the_same_setup(tmp_path, registry):
    path = tmp_path / "n.toml"
    path.write_text(
        'scene = "network"\ndepth = 4\nbatch_norm = true\npatience = "off"\nspeed = 10\n'
        '[optimizer]\nname = "momentum"\nlr = 0.01\n[compare]\ndropout = 0.5\n'
    )
    scene, from_file = setup_files.read(path)
    from_text = setup_files.overrides(
        "network",
        [
            "depth=4",
            "batch_norm=on",
            "patience=off",
            "speed=10",
            "optimizer=momentum:lr=0.01",
            "compare=dropout:0.5",
        ],
    )
    assert scene == "network" and from_file == from_text


# -- render --setup -----------------------------------------------------------------------
def _pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path).convert("RGB"), dtype=np.int16)


@pytest.mark.slow
def test_render_setup_draws_what_the_equivalent_flags_draw(tmp_path):
    flags = tmp_path / "flags.png"
    result = run(
        "render",
        "--surface",
        "himmelblau",
        "--optimizer",
        "sgd:lr=0.01",
        "--optimizer",
        "adam:lr=0.05",
        "--start=-1,1",
        "--seed",
        "3",
        "--schedule",
        "cosine",
        "--speed",
        "200",
        "--frames",
        "20",
        "--out",
        str(flags),
    )
    assert result.exit_code == 0, result.output
    setup = tmp_path / "run.toml"
    setup.write_text(
        'version = 1\nscene = "landscape"\nsurface = "himmelblau"\nstart = [-1.0, 1.0]\n'
        "seed = 3\nspeed = 200.0\n[optimizers.sgd]\nlr = 0.01\n[optimizers.adam]\nlr = 0.05\n"
        '[schedule]\nname = "cosine"\n'
    )
    from_file = tmp_path / "setup.png"
    result = run("render", "--setup", str(setup), "--frames", "20", "--out", str(from_file))
    assert result.exit_code == 0, result.output
    assert "race steps" in result.output
    a, b = _pixels(flags), _pixels(from_file)
    assert a.shape == b.shape and np.array_equal(a, b)
    assert a.std() > 10  # a real picture, not two blank frames


@pytest.mark.slow
def test_render_setup_of_the_network_lab_draws_what_the_flags_draw(tmp_path):
    flags = tmp_path / "flags.png"
    common = ["--frames", "3", "--steps-per-frame", "4"]
    result = run(
        "render",
        "--scene",
        "network",
        "--dataset",
        "moons",
        "--depth",
        "3",
        "--width",
        "8",
        "--activation",
        "relu",
        "--epochs",
        "5",
        "--compare",
        "activation=tanh",
        *common,
        "--out",
        str(flags),
    )
    assert result.exit_code == 0, result.output
    setup = tmp_path / "net.toml"
    setup.write_text(
        'version = 1\nscene = "network"\ndataset = "moons"\ndepth = 3\nwidth = 8\n'
        'activation = "relu"\nepochs = 5\n[compare]\nactivation = "tanh"\n'
    )
    from_file = tmp_path / "setup.png"
    result = run("render", "--setup", str(setup), *common, "--out", str(from_file))
    assert result.exit_code == 0, result.output
    assert "8 training steps" in result.output
    assert np.array_equal(_pixels(flags), _pixels(from_file))


def test_render_refuses_a_knob_flag_beside_setup(tmp_path):
    setup = tmp_path / "run.toml"
    setup.write_text('scene = "landscape"\n')
    out = str(tmp_path / "x.png")
    result = run("render", "--setup", str(setup), "--seed", "4", "--out", out)
    assert result.exit_code != 0
    assert "--seed and --setup/--set both set the scene's knobs" in result.output
    assert "--set seed=" in result.output
    result = run("render", "--scene", "landscape", "--set", "sped=3", "--out", out)
    assert result.exit_code != 0 and "did you mean 'speed'?" in result.output


# -- the generic machinery, on a setup no scene has --------------------------------------
@dataclasses.dataclass(frozen=True)
class ToySetup:
    rate: float = setups.knob(0.5, low=0.0, high=1.0)
    steps: int | None = setups.knob(None, low=1, none="off")
    label: str = setups.knob("a", choices=("a", "b"))
    point: tuple[float, float] = setups.knob((0.0, 0.0))


def test_any_frozen_setup_dataclass_round_trips_and_is_checked(tmp_path):
    toy = ToySetup(rate=0.25, steps=3, label="b", point=(1.5, -2.0))
    path = setups.write(tmp_path / "toy.toml", "toy", toy)
    scene, values = setups.read(path, {"toy": ToySetup})
    assert scene == "toy" and setups.merge(ToySetup(), values) == toy
    setups.check(toy)
    for bad, sentence in [
        (ToySetup(rate=math.inf), "rate = inf is not a finite number"),
        (ToySetup(steps=0), "steps = 0 is out of range; valid: whole numbers ≥ 1 or off"),
        (ToySetup(label="c"), 'label = "c" is not one of the choices'),
    ]:
        with pytest.raises(SetupError, match=sentence):
            setups.check(bad)


@dataclasses.dataclass(frozen=True)
class PlainSetup:
    """A scene's setup written with plain types only, no knob metadata."""

    p: float = 0.5
    mode: typing.Literal["train", "test"] = "train"
    width: int = 4


def test_a_plain_dataclass_with_a_literal_is_read_typed_and_checked(tmp_path):
    assert setups.overrides_from_text(PlainSetup, ["p=0.2", "mode=test", "width=3"]) == {
        "p": 0.2,
        "mode": "test",
        "width": 3,
    }
    path = tmp_path / "plain.toml"
    path.write_text('scene = "plain"\nmode = "tset"\n')
    scene, values = setups.read(path, {"plain": PlainSetup})
    with pytest.raises(
        SetupError,
        match="mode = \"tset\" is not one of the choices \\(did you mean 'test'\\?\\); valid: train, test",
    ):
        setups.check(setups.merge(PlainSetup(), values))
    path.write_text('scene = "plain"\nwidth = 2.5\n')
    with pytest.raises(SetupError, match=f"{path}: width = 2.5 is not a whole number"):
        setups.read(path, {"plain": PlainSetup})


def test_scene_and_set_belong_to_the_app_not_to_another_command():
    result = run("--set", "depth=3", "race", "--steps", "1")
    assert result.exit_code != 0
    assert "--scene and --set open the app" in result.output and "not race" in result.output


def test_the_plain_app_opens_on_the_scene_asked_for_with_nothing_applied(captured):
    result = run("--scene", "dropout")
    assert result.exit_code == 0, result.output
    assert captured["scene"] == "dropout"


def test_the_network_lab_takes_the_lectures_loss_input_dropout_and_normalization(registry):
    """Cross-entropy vs MSE, dropout on the inputs, standardized features: setup keys like every
    other (for --set, setup files and lessons), refused with one sentence when wrong."""
    from explorer.app.scenes.network.model import NetworkModel
    from explorer.setups import SetupError, apply

    model = NetworkModel(registry, backend="thread")
    try:
        apply(model, {"loss": "mse", "input_dropout": 0.2, "normalize": "standard"}, "--set")
        c = model.config
        assert (c.loss, c.input_dropout, c.normalize) == ("mse", 0.2, "standard")
        assert model.setup().loss == "mse"
        with pytest.raises(SetupError, match="loss"):
            apply(model, {"loss": "hinge"}, "--set")
        assert model.config.loss == "mse"  # nothing half-applied
    finally:
        model.close()


@pytest.mark.slow
def test_a_setup_saved_in_chinese_opens_in_chinese(app, tmp_path):
    from explorer.app.ui import i18n

    the_app, tabs = app("network")
    the_app.set_language("zh")
    try:
        tick(the_app, 2, [ctrl(pygame.K_s)])
        saved = next((tmp_path / "saved").glob("network-*.toml"))
        assert 'lang = "zh"' in saved.read_text()
        the_app.set_language("en")
        tabs.setup_keys.open(saved)
        assert i18n.language() == "zh" and tabs.buttons["network"].text == "网络实验室"
        bad = tmp_path / "bad.toml"
        bad.write_text('version = 1\nscene = "network"\nlang = "fr"\n')
        assert not tabs.setup_keys.open(bad)
        assert 'lang = "fr" is not a language' in tabs.setup_keys.message
        assert i18n.language() == "zh"  # a bad file changes nothing
    finally:
        i18n.set_language("en")
