"""Dropout: the thinned network of each mini-batch, the scaling conventions, the ensemble."""

from __future__ import annotations

from explorer.app.scene_table import SceneSpec


def _model(registry, backend):
    from explorer.app.scenes.dropout.model import DropoutModel

    return DropoutModel(registry, backend=backend)


def _scene(model, size):
    from explorer.app.scenes.dropout.scene import DropoutScene

    return DropoutScene(model, size)


def _setup():
    from explorer.app.scenes.dropout.model import DropoutSetup

    return DropoutSetup


def _numbers(registry):
    from explorer.app.scenes.dropout.model import DropoutModel

    return DropoutModel.readout_names()


def _driver():
    from explorer.app.scenes.dropout.driver import DropoutDriver

    return DropoutDriver


SCENE = SceneSpec(
    name="dropout",
    label_key="tabs.dropout",
    key="F5",
    model=_model,
    scene=_scene,
    setup=_setup,
    numbers=_numbers,
    driver=_driver,
    highlights=frozenset({"thinned", "scaling", "ensemble"}),
    unit="steps",
)
