"""The Landscape: balls, one per optimizer, racing on a 2-D loss surface."""

from __future__ import annotations

from explorer.app.scene_table import SceneSpec


def _model(registry, backend):
    from explorer.app.scenes.landscape.model import LandscapeModel

    return LandscapeModel(registry, backend=backend)


def _scene(model, size):
    from explorer.app.scenes.landscape.scene import LandscapeScene

    return LandscapeScene(model, size)


def _setup():
    from explorer.app.scenes.landscape.model import LandscapeSetup

    return LandscapeSetup


def _numbers(registry):
    from explorer.app.scenes.landscape.model import LandscapeModel

    return LandscapeModel.readout_names(registry)


def _driver():
    from explorer.app.scenes.landscape.driver import LandscapeDriver

    return LandscapeDriver


def _lesson_model(registry):
    from explorer.app.scenes.landscape.model import LandscapeModel

    return LandscapeModel(registry)


def _render(*args):
    from explorer.app.scene_headless import render_landscape_setup

    return render_landscape_setup(*args)


SCENE = SceneSpec(
    name="landscape",
    label_key="tabs.landscape",
    key="F2",
    model=_model,
    scene=_scene,
    setup=_setup,
    numbers=_numbers,
    driver=_driver,
    # ``ball:NAME`` outlines one ball; the scene's ``highlight_rects()`` returns these keys
    highlights=frozenset({"map", "numbers", "chart", "ball", "inspector", "schedule"}),
    unit="steps",  # race steps
    step_keys=frozenset({"inspect"}),  # a step opens the Hessian inspector at a point
    lesson_model=_lesson_model,
    render=_render,
)
