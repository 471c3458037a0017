"""The Network lab: a real PyTorch net trains live in a worker process."""

from __future__ import annotations

from explorer.app.scene_table import SceneSpec


def _model(registry, backend):
    from explorer.app.scenes.network.model import NetworkModel

    return NetworkModel(registry, backend=backend)


def _scene(model, size):
    from explorer.app.scenes.network.scene import NetworkScene

    return NetworkScene(model, size)


def _pieces(model, size):
    """The scene a piece at a time: its modules imported on a helper thread first (compiling
    them when no bytecode is cached took a third of a second), then ``scene.in_pieces``."""
    from explorer.pieces import in_thread

    def imports() -> None:
        from explorer.app.scenes.network import scene  # noqa: F401

    yield from in_thread(imports)
    from explorer.app.scenes.network.scene import in_pieces

    return (yield from in_pieces(model, size))


def _setup():
    from explorer.app.scenes.network.model import NetworkSetup

    return NetworkSetup


def _numbers(registry):
    from explorer.app.scenes.network.model import readout_names

    return readout_names()


def _driver():
    from explorer.app.scenes.network.driver import NetworkDriver

    return NetworkDriver


def _lesson_model(registry):
    """On the CPU, trained in a thread: a lesson's numbers are the same on every machine."""
    from explorer.app.scenes.network.model import DEFAULT, NetworkModel

    return NetworkModel(registry, DEFAULT.replace(device="cpu"), backend="thread")


def _render(*args):
    from explorer.app.scene_headless import render_network_setup

    return render_network_setup(*args)


SCENE = SceneSpec(
    name="network",
    label_key="tabs.network",
    key="F3",
    model=_model,
    scene=_scene,
    pieces=_pieces,
    setup=_setup,
    numbers=_numbers,
    driver=_driver,
    highlights=frozenset({"network", "gradient_bars", "curves", "function"}),
    unit="epochs",
    step_keys=frozenset({"hessian"}),  # a step asks the Hessian where its run ends
    lesson_model=_lesson_model,
    render=_render,
)
