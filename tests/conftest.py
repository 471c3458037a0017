"""Shared test setup: headless SDL before anything imports pygame, and a fresh plugin registry.

Tests that start a worker process pass ``nice=0``: the app lowers its workers' priority by 10 so
that its own frame comes first, but beside two other CPU-bound processes such a worker gets a few
per cent of a core and needs minutes to import torch. A test has no frame to protect, so its
workers run at its own priority; it waits for them a minute or more, and never asserts a
speed (that is `dl-explorer bench`'s job).
"""

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


@pytest.fixture
def network_lab(registry):
    """``network_lab(config, size=(1280, 720), **model_kwargs)``: the harness's Driver on the
    Network lab training ``config`` (its runs in threads); each one made is closed when the test
    ends. Menus are chosen as a user would with the Driver's ``choose(menu, option)``."""
    from explorer.app.harness import Driver
    from explorer.app.scenes.network.model import NetworkModel
    from explorer.app.scenes.network.scene import NetworkScene

    made = []

    def make(config, size=(1280, 720), **model_kwargs):
        def scene(reg, window):
            model = NetworkModel(reg, config, backend="thread", **model_kwargs)
            return NetworkScene(model, window)

        made.append(Driver(registry, size=size, scene=scene))
        return made[-1]

    yield make
    for driver in made:
        driver.scene.close()


@pytest.fixture(autouse=True)
def _ui_scale_one():
    """Every test starts at UI scale 1 (the scale is one number the whole UI reads)."""
    from explorer.app.ui import scale

    scale.set_factor(1.0)
    yield
    scale.set_factor(1.0)


@pytest.fixture(autouse=True)
def _no_scene_on_screen():
    """Every test starts with no scene on the worker pool's screen (``POOL.focus``: an app a
    test built names its first scene there, and a later test's Dropout workers, owned by
    "dropout", were held behind a "network" no one showed: CI timed out waiting for them)."""
    from explorer.training.pool import POOL

    POOL.focus("")
    POOL.background.clear()
    yield
    POOL.focus("")
    POOL.background.clear()


@pytest.fixture(autouse=True)
def _english():
    """Every test starts in English (the language is one setting the whole UI reads)."""
    from explorer.app.ui import i18n

    i18n.set_language("en")
    yield
    i18n.set_language("en")
