"""Activations: every activation's f and f', Maxout's learned pieces, ReLU's thinner network."""

from __future__ import annotations

from explorer.app.scene_table import SceneSpec


def _model(registry, backend):
    from explorer.app.scenes.activations.model import ActivationsModel

    return ActivationsModel(registry, backend=backend)


def _scene(model, size):
    from explorer.app.scenes.activations.scene import ActivationScene

    return ActivationScene(model, size)


def _setup():
    from explorer.app.scenes.activations.model import ActivationsSetup

    return ActivationsSetup


def _numbers(registry):
    from explorer.app.scenes.activations.model import ActivationsModel

    return ActivationsModel.readout_names()


def _driver():
    from explorer.app.scenes.activations.driver import ActivationsDriver

    return ActivationsDriver


SCENE = SceneSpec(
    name="activations",
    label_key="tabs.activations",
    key="F4",
    model=_model,
    scene=_scene,
    setup=_setup,
    numbers=_numbers,
    driver=_driver,
    highlights=frozenset({"curves", "thinner", "maxout"}),
    unit="steps",  # nothing to advance: the scene's jobs run to their end
)
