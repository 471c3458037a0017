"""The command line as a user types it: tables, files, and one sentence for every mistake."""

import csv
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from explorer.cli import main

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "plugins"


def run(*args):
    result = CliRunner().invoke(main, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def test_plugins_lists_every_kind():
    result = run("plugins")
    assert result.exit_code == 0
    for name in ("sgd", "nesterov", "adamax", "rosenbrock", "two_valleys", "warmup_cosine"):
        assert name in result.output
    assert "No plugin failed to load." in result.output


@pytest.fixture
def third_party(monkeypatch):
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)


def test_plugins_shows_failed_plugins_with_why(tmp_path, third_party):
    (tmp_path / "broken.py").write_text("import not_a_module_anywhere\n")
    result = run("--plugins-dir", str(tmp_path), "plugins")
    assert "Plugins that failed" in result.output
    assert "broken" in result.output and "not_a_module_anywhere" in result.output


@pytest.mark.slow
def test_race_prints_a_table_and_writes_the_csv(tmp_path):
    out = tmp_path / "traj.csv"
    result = run(
        "race",
        "--surface",
        "rosenbrock",
        "--start=-1.2,1",
        "--steps",
        "2000",
        "--optimizer",
        "sgd:lr=0.001",
        "--optimizer",
        "momentum:lr=0.001,beta=0.9",
        "--optimizer",
        "adam:lr=0.02",
        "--csv",
        str(out),
    )
    assert result.exit_code == 0, result.output
    for col in ("optimizer", "loss", "to nearest min", "converged at", "status"):
        assert col in result.output
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert len(rows) == 3 * 2001
    assert rows[0]["optimizer"] == "sgd" and rows[0]["step"] == "0"
    assert (float(rows[0]["x"]), float(rows[0]["y"])) == (-1.2, 1.0)
    momentum_end = [r for r in rows if r["optimizer"] == "momentum"][-1]
    assert float(momentum_end["loss"]) < 1e-3  # momentum reaches Rosenbrock's floor


def test_race_on_a_custom_expression():
    result = run(
        "race",
        "--surface",
        "expr:x**2 - y**2 + 0.1*sin(3*x)",
        "--optimizer",
        "adam",
        "--steps",
        "100",
    )
    assert result.exit_code == 0
    assert "expr:x**2 - y**2" in result.output


def test_race_with_a_plugin_folder_and_a_schedule(third_party):
    result = run(
        "--plugins-dir",
        str(EXAMPLES),
        "race",
        "--surface",
        "bowl",
        "--optimizer",
        "lion",
        "--schedule",
        "step:every=50,gamma=0.5",
        "--steps",
        "200",
    )
    assert result.exit_code == 0, result.output
    assert "lion" in result.output


def test_critical_reports_a_saddle_and_its_escape():
    result = run("critical", "--surface", "saddle", "--at", "0,0")
    assert result.exit_code == 0
    assert "kind        saddle" in result.output
    assert "eigenvalue  -2" in result.output and "eigenvalue  +2" in result.output
    assert "escape      (+0, +1)" in result.output or "escape      (-0, -1)" in result.output


def test_plugins_check_passes_a_good_optimizer():
    result = run("plugins", "check", str(EXAMPLES / "lion.py"))
    assert result.exit_code == 0, result.output
    assert result.output.count("│ pass ") == 7 and "All checks passed." in result.output


@pytest.mark.parametrize(
    ("bug", "message"),
    [
        ("grad.mul_(lr)", "p.grad was changed in place"),
        ("param.sub_(lr * grad)", "update() changed param in place"),
    ],
)
def test_plugins_check_catches_a_rule_that_changes_its_inputs(tmp_path, bug, message):
    path = tmp_path / "inplace.py"
    path.write_text(
        textwrap.dedent("""
        from explorer import Hyper, UpdateRule, hookimpl

        class InPlace(UpdateRule):
            name = "inplace"
            hyper = {"lr": Hyper(0.1, 1e-4, 1.0, log=True)}
            def update(self, grad, state, param, *, lr):
                BUG
                return -lr * grad

        @hookimpl
        def register_optimizers(register):
            register(InPlace)
    """).replace("BUG", bug)
    )
    result = run("plugins", "check", str(path))
    assert result.exit_code == 1
    assert message in result.output and "Some checks failed." in result.output


def test_plugins_check_reports_an_import_error(tmp_path):
    path = tmp_path / "bad.py"
    path.write_text("raise ImportError('needs a package you do not have')\n")
    result = run("plugins", "check", str(path))
    assert result.exit_code == 1
    assert "needs a package you do not have" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["race", "--surface", "rosenbrok"], "Did you mean 'rosenbrock'?"),
        (["race", "--optimizer", "adm"], "Unknown optimizer 'adm'. Did you mean 'adam'?"),
        (
            ["race", "--optimizer", "sgd:momentum=0.9"],
            "has no hyperparameter 'momentum'; valid: lr",
        ),
        (["race", "--optimizer", "sgd:lr=fast"], "is not a number"),
        (["race", "--start", "1;2"], "--start expects two numbers x,y"),
        (["race", "--surface", "expr:import os"], "not valid maths"),
        (["race", "--surface", "expr:os.system('x')"], "not allowed"),
        (["race", "--noise", "minibatch:4"], "needs a data-defined surface"),
        (["race", "--noise", "loud"], "use none, gaussian:SIGMA or minibatch:B"),
        (["race", "--schedule", "cosine:period=3"], "has no hyperparameter 'period'"),
        (["critical", "--surface", "bowl", "--at", "0"], "--at expects two numbers"),
        (["critical", "--surface", "expr:log(x)", "--at", "-1,0"], "not finite"),
    ],
)
def test_mistakes_get_one_sentence_and_no_traceback(args, message):
    result = run(*args)
    assert result.exit_code != 0
    assert message in result.output
    assert result.output.strip().startswith("Error:")


def test_bench_race_prints_the_ratio():
    result = run("bench", "race", "--steps", "20")
    assert result.exit_code == 0
    assert "ratio engine / naive" in result.output and "ball-steps/s" in result.output
