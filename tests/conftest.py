"""Shared test setup: headless SDL before anything imports pygame, and a fresh plugin registry."""

import os

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
# Tests see the built-ins only, whatever a developer has in their per-user plugins folder.
os.environ.setdefault("DL_EXPLORER_NO_PLUGINS", "1")

import pytest  # noqa: E402

from explorer.plugins import load_plugins  # noqa: E402


@pytest.fixture(scope="session")
def registry():
    """The built-in plugins, loaded once."""
    return load_plugins(third_party=False)
