"""plugins new / show / score: what a plugin author runs."""

import csv
import subprocess
import sys

import pytest
from click.testing import CliRunner

from explorer.cli import main
from explorer.conformance import check_file
from explorer.plugin_templates import KINDS, class_name


def run(*args):
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize("kind", KINDS)
def test_every_template_runs_as_written_and_passes_its_checks(kind, tmp_path):
    code, out = run("plugins", "new", kind, "my_thing", "--dir", str(tmp_path))
    assert code == 0, out
    assert (tmp_path / "my_thing.py").is_file() and (tmp_path / "test_my_thing.py").is_file()
    report = check_file(tmp_path / "my_thing.py")
    assert report.passed, report.problems
    assert "my_thing" in getattr(report.registry, kind + "s")
    code, out = run("plugins", "check", str(tmp_path / "my_thing.py"))
    assert code == 0 and "All checks passed." in out, out


def test_the_optimizer_template_declares_its_equation_ranges_and_arrows(tmp_path):
    run("plugins", "new", "optimizer", "my_lion", "--dir", str(tmp_path))
    spec = check_file(tmp_path / "my_lion.py").registry.optimizers["my_lion"]
    assert spec.doc == "v ← βv + g ;  θ ← θ − ηv"
    assert spec.hyper["lr"].log and spec.hyper["beta"].law == "[0, 1)"
    assert spec.arrows == {"velocity": "v"}
    assert class_name("my_lion") == "MyLion"


@pytest.mark.slow
def test_the_generated_test_file_passes_under_pytest(tmp_path):
    run("plugins", "new", "optimizer", "my_lion", "--dir", str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_my_lion.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed" in result.stdout


def test_new_refuses_to_overwrite_and_writes_nothing(tmp_path):
    (tmp_path / "test_my_lion.py").write_text("# mine\n")
    code, out = run("plugins", "new", "optimizer", "my_lion", "--dir", str(tmp_path))
    assert code == 1 and "already exists" in out and "never overwrites" in out
    assert not (tmp_path / "my_lion.py").exists()
    assert (tmp_path / "test_my_lion.py").read_text() == "# mine\n"


def test_show_tells_equation_ranges_state_and_where_it_comes_from(registry):
    code, out = run("plugins", "show", "adam")
    assert code == 0, out
    assert "m ← β₁m + (1−β₁)g" in out
    assert "plugins/optimizers.py:" in out and "builtin/optimizers" in out
    assert "beta1 │ 0.9 │ 0 … 0.999 │ [0, 1)" in out
    assert "m │ (2,) │ arrow, labelled 'm'" in out
    assert "v │ (2,) │ per-coordinate glyph, labelled 'v'" in out
    code, out = run("plugins", "show", "adamax")
    assert "torch.optim.adamax.Adamax" in out and "exp_avg │ (2,) │ arrow, labelled 'm'" in out


@pytest.mark.slow
def test_score_is_a_small_deterministic_benchmark_and_writes_csv(tmp_path, registry):
    from explorer.benchmark.suite import load_suite

    out = tmp_path / "score.csv"
    args = ("plugins", "score", "adam", "--against", "sgd", "--budget", "2", "--csv", str(out))
    code, text = run(*args)
    assert code == 0, text
    assert "budget 2 trials per optimizer and task" in text and "is the fair comparison" in text
    with out.open() as fh:
        table = list(csv.DictReader(fh))
    assert {r["optimizer"] for r in table} == {"adam", "sgd"}
    assert {r["task"] for r in table} == {t.name for t in load_suite("classroom", registry).tasks}
    again = tmp_path / "again.csv"
    code, _ = run(*args[:-1], str(again))
    strip = [[c for k, c in row.items() if k != "seconds_to_target"] for row in table]
    with again.open() as fh:
        assert [
            [c for k, c in r.items() if k != "seconds_to_target"] for r in csv.DictReader(fh)
        ] == strip
