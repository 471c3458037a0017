"""``dl-explorer bench suite`` prints what issue 24's targets ask for, side by side in one run:
the time on one worker and on two, the speed-up, and that both gave the same numbers."""

import pytest
from click.testing import CliRunner

from explorer.cli import main


@pytest.mark.slow
def test_bench_suite_times_one_worker_against_two_and_compares_the_numbers(tmp_path):
    suite = tmp_path / "tiny.toml"
    suite.write_text('name = "tiny"\n[tasks.valley]\nsteps = 40\ntarget = 1e-3\n')
    args = ["bench", "suite", "sgd", "--suite", str(suite), "--budget", "2", "--seeds", "1"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "1 worker(s)" in text and "2 worker(s)" in text
    assert "target ≤ 300 s" in text and "speed-up" in text and "(target ≥ 1.7×)" in text
    assert "same numbers: yes" in text


def test_bench_suite_refuses_an_unknown_optimizer_in_one_sentence():
    result = CliRunner().invoke(main, ["bench", "suite", "adamm"])
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "adamm" in result.output
