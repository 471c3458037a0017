"""The installed package: names, entry points and the two ways to start it."""

import importlib.metadata
import importlib.resources
import subprocess
import sys

import pytest


def test_builtins_are_declared_as_entry_points():
    eps = importlib.metadata.entry_points(group="dl_explorer")
    ours = {ep.name: ep.value for ep in eps if ep.dist and ep.dist.name == "dl-explorer"}
    assert ours["optimizers"] == "explorer_plugins.optimizers"
    assert ours["surfaces"] == "explorer_plugins.surfaces"
    assert ours["schedules"] == "explorer_plugins.schedules"


def test_assets_are_a_resource_package():
    assert importlib.resources.files("explorer.assets").is_dir()


@pytest.mark.slow
def test_python_dash_m_runs_the_command_line():
    out = subprocess.run(
        [sys.executable, "-m", "explorer", "--help"], capture_output=True, text=True, check=True
    )
    for command in ("race", "critical", "plugins", "bench"):
        assert command in out.stdout
