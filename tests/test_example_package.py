"""examples/dl-explorer-lion: an installable plugin package, seen through its entry point."""

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from explorer.cli import main
from explorer.plugins import PluginHost

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "dl-explorer-lion"


def fake_install(target: Path) -> None:
    """What an install leaves on sys.path: the package and a dist-info whose entry_points.txt
    is the pyproject's entry points (no wheel, no network)."""
    project = tomllib.loads((EXAMPLE / "pyproject.toml").read_text())["project"]
    dist = target / f"{project['name'].replace('-', '_')}-{project['version']}.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {project['name']}\nVersion: {project['version']}\n"
    )
    lines = []
    for group, entries in project["entry-points"].items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {value}" for name, value in entries.items()]
    (dist / "entry_points.txt").write_text("\n".join(lines) + "\n")
    shutil.copytree(EXAMPLE / "src" / "dl_explorer_lion", target / "dl_explorer_lion")


def test_its_entry_point_registers_lion(tmp_path, monkeypatch):
    fake_install(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("DL_EXPLORER_NO_PLUGINS", raising=False)
    registry = PluginHost().load(third_party=True)
    assert "lion" in registry.optimizers, registry.failures
    assert registry.optimizers["lion"].plugin == "lion (dl_explorer_lion)"
    result = CliRunner().invoke(main, ["plugins"])
    assert "lion (dl_explorer_lion)" in result.output
    sys.modules.pop("dl_explorer_lion", None)


@pytest.mark.slow
def test_pip_installs_it_and_its_own_tests_pass(tmp_path):
    source = tmp_path / "source"
    shutil.copytree(EXAMPLE, source)  # the build writes egg-info beside the sources
    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--no-build-isolation"]
    run = subprocess.run(
        [*pip, "--no-index", "--target", str(target), str(source), "-q"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("DL_EXPLORER_NO_PLUGINS", None)
    listing = subprocess.run(
        [sys.executable, "-m", "explorer", "plugins"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert "lion (dl_explorer_lion)" in " ".join(listing.stdout.split()), listing.stdout
    tests = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(source / "tests")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert tests.returncode == 0 and "3 passed" in tests.stdout, tests.stdout + tests.stderr
