"""``dl-explorer open FILE``: the app opened in exactly the state a setup file holds (its scene,
every knob, the seed and the speed); ``dl-explorer --scene NAME --set KEY=VALUE`` and
``render --setup FILE`` gather their setup here too."""

from __future__ import annotations

from pathlib import Path

import click

from explorer.knob_text import unknown
from explorer.setups import SetupError


def gather(registry, scene: str | None, path: Path | None, assignments=()) -> tuple[str, dict, str]:
    """(scene, typed values, source) from a setup file and/or ``--set`` texts, checked as far as
    they can be before a scene exists (one sentence naming the file or the --set for a mistake)."""
    from explorer.app import setup_files
    from explorer.app.scene_table import names

    values: dict = {}
    source = "--set"
    if path is not None:
        file_scene, values = setup_files.read(path)
        if scene and scene != file_scene:
            raise SetupError(
                f"--scene {scene} but {path} is a {file_scene} setup; leave --scene out"
            )
        scene, source = file_scene, str(path)
    scene = scene or "landscape"
    if scene not in names():
        raise SetupError("--scene: " + unknown("scene", scene, names()))
    if path is None and not assignments:
        return scene, {}, source  # the plain app: nothing to read (and no model to import)
    extra = setup_files.overrides(scene, assignments)
    if path is not None and extra:
        source = f"{path} with --set"
    values = {**values, **extra}
    setup_files.check(scene, values, registry, source)
    return scene, values, source


def run_with_setup(
    registry,
    scene: str,
    values: dict,
    source: str,
    ui_scale: float | None = None,
    watch=(),
    lang: str | None = None,
) -> None:
    """The app on ``scene`` with ``values`` applied before the first frame, at ``ui_scale``
    (None: the window picks one)."""
    from explorer.app import setup_files
    from explorer.app.main import run_app

    def prepare(tabs) -> None:
        setup_files.apply_to_scene(tabs.scene(), values, source, tabs.size)

    run_app(
        registry,
        scene=scene,
        prepare=prepare if values else None,
        ui_scale=ui_scale,
        watch=watch,
        lang=lang,
    )


@click.command("open")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change one setting of the file's setup (repeatable), e.g. --set seed=3.",
)
@click.pass_obj
def open_setup(registry, path: Path, assignments: tuple[str, ...]) -> None:
    """Open the app in the state a setup file holds (Ctrl+S in the app writes one)."""
    from explorer.app import setup_files

    scene, values, source = gather(registry, None, path, assignments)
    meta = click.get_current_context().meta
    run_with_setup(
        registry,
        scene,
        values,
        source,
        ui_scale=meta.get("ui_scale"),
        watch=meta.get("watch", ()),
        lang=meta.get("lang") or setup_files.language(path),  # --lang wins over the file's
    )
