"""docs/writing-an-optimizer.md is run, block by block: every file it shows is written, every
command is run in a fresh folder (with the checkout's examples/plugins beside it), and every line
of output it shows must appear in what the command printed."""

import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from explorer.cli import main

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL = ROOT / "docs" / "writing-an-optimizer.md"
BLOCK = re.compile(r"^```(\w+)([^\n]*)\n(.*?)^```", re.M | re.S)


def blocks() -> list[tuple[str, str, str]]:
    return [(m[1], m[2].strip(), m[3]) for m in BLOCK.finditer(TUTORIAL.read_text())]


def commands(body: str) -> list[tuple[str, int, list[str]]]:
    """(command, expected exit code, output lines shown) for each ``$`` line of a console block."""
    out = []
    for line in body.splitlines():
        if line.startswith("$ "):
            text, _, comment = line[2:].partition("  # ")
            code = int(comment.split()[-1]) if comment.startswith("exits") else 0
            out.append((text.strip(), code, []))
        elif line.strip() and out:
            out[-1][2].append(line.strip())
    return out


def test_the_tutorial_has_what_the_issue_asks_for():
    kinds = [k for k, _, _ in blocks()]
    text = TUTORIAL.read_text()
    assert kinds.count("console") >= 6 and "python" in kinds
    for must in (
        "plugins new optimizer",
        "--against",
        "race --surface two_valleys",
        "train --dataset digits",
        "plugins score",
        "# exits 1",
    ):
        assert must in text


def squash(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.slow
def test_every_block_of_the_tutorial_runs_as_written(tmp_path, monkeypatch):
    shutil.copytree(ROOT / "examples" / "plugins", tmp_path / "examples" / "plugins")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    monkeypatch.setenv("COLUMNS", "200")
    ran = 0
    for kind, info, body in blocks():
        if kind == "python" and info:
            (tmp_path / info).write_text(body)
            continue
        if kind != "console":
            continue
        for command, code, shown in commands(body):
            argv = shlex.split(command)
            if argv[0] == "dl-explorer":
                result = CliRunner().invoke(main, argv[1:])
                output, exit_code = result.output, result.exit_code
                assert result.exception is None or isinstance(result.exception, SystemExit), (
                    command,
                    result.exception,
                )
            elif argv[0] == "pytest":
                run = subprocess.run(
                    [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *argv[1:]],
                    capture_output=True,
                    text=True,
                    timeout=300,
                )
                output, exit_code = run.stdout + run.stderr, run.returncode
            else:
                raise AssertionError(
                    f"the tutorial runs {argv[0]!r}; the test knows only dl-explorer and pytest"
                )
            assert exit_code == code, f"{command}\n{output}"
            for line in shown:
                assert squash(line) in squash(output), f"{command}: missing {line!r}\n{output}"
            ran += 1
    assert ran >= 10
    assert (tmp_path / "lion-score.csv").is_file()


@pytest.mark.slow
def test_what_the_tutorial_says_about_the_race_is_what_the_race_does(tmp_path):
    """Section 4's prose: at lr 0.02 on two_valleys Lion crosses into the deeper valley (x ≈ 1.44,
    loss −1.33) while Adam settles in the shallow one (x ≈ −1.18); on Rosenbrock Lion reaches
    (0.92, 0.88) in 600 steps."""
    from explorer.landscape.race import BallConfig, Race
    from explorer.plugins import load_plugins

    fixed = [info for kind, info, _ in blocks() if kind == "python" and info == "my_lion.py"]
    assert len(fixed) == 2
    body = [b for k, i, b in blocks() if i == "my_lion.py"][-1]
    (tmp_path / "my_lion.py").write_text(body)
    registry = load_plugins([tmp_path], third_party=True)
    balls = [BallConfig("my_lion", {"lr": 0.02}), BallConfig("adam", {"lr": 0.02})]
    race = Race(registry.surface("two_valleys"), balls, registry=registry)
    race.step(600)
    (lx, _), (ax, _) = race.positions[-1]
    assert abs(lx - 1.44) < 0.01 and abs(race.losses[-1, 0] - (-1.33)) < 0.01
    assert abs(ax - (-1.18)) < 0.01 and race.balls[1].status.settled
    race = Race(registry.surface("rosenbrock"), balls, registry=registry)
    race.step(600)
    assert abs(race.positions[-1, 0] - (0.92, 0.88)).max() < 0.005
