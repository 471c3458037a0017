"""The ``dl-explorer`` command: the app with no subcommand, and headless tools beside it.

Every command lives in its own module under ``explorer/commands/``; this file is the group, the
options every command shares, and the one place a user's mistake becomes a sentence, not a
traceback.
"""

from __future__ import annotations

import importlib
import os
import sys


def _first_window_here() -> bool:
    """Whether this process is the ``dl-explorer`` the user started (then its window comes
    first). A worker process it spawns runs this module again with the same ``sys.argv`` while
    it gets ready, and must never open a window of its own: it would cover the app with a stale
    "Loading…" picture on a desktop (seen under Xvfb)."""
    import multiprocessing

    if multiprocessing.current_process().name != "MainProcess":
        return False
    return os.path.basename(sys.argv[0]) in ("dl-explorer", "__main__.py")


if _first_window_here():  # the app's window first, before torch (issue 9)
    from explorer.app.splash import show as _show_window

    _show_window(sys.argv[1:])

import click  # noqa: E402 - after the window (above)

from explorer.app.scene_table import names as scene_names  # noqa: E402
from explorer.plugins import UnknownName, load_plugins, set_default_registry  # noqa: E402


def _one_of(words) -> str:
    """The words as a sentence lists them: "a, b or c"."""
    words = list(words)
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


# (module under explorer.commands, attribute, group): every command; a missing module is an
# ImportError at startup, never a command that quietly disappears.
COMMANDS = [
    ("plugins_cmd", "plugins", "main"),
    ("race", "race", "main"),
    ("critical", "critical", "main"),
    ("train", "train", "main"),
    ("render", "render", "main"),
    ("open_cmd", "open_setup", "main"),
    ("lesson_cmd", "lesson", "main"),
    ("benchmark", "benchmark", "main"),
    ("bench_race", "race", "bench"),
    ("bench_suite", "suite", "bench"),
    ("bench_train", "train", "bench"),
    ("bench_frames", "frames", "bench"),
    ("bench_startup", "startup", "bench"),
    ("bench_netgrid", "netgrid", "bench"),
    ("bench_reload", "reload_cmd", "bench"),
    ("lesson_cmd", "bench_lesson", "bench"),
    ("bench_hessian", "hessian", "bench"),
    ("bench_csv", "csv_cmd", "bench"),
    ("bench_sharpness", "sharpness", "bench"),
    ("paths", "paths", "main"),
    ("connect", "connect", "main"),
    ("bench_paths", "paths", "bench"),
    ("bench_orbit", "orbit", "bench"),
]


class UserError(click.ClickException):
    """A mistake in what the user typed: shown as one sentence."""


class FriendlyGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except (UnknownName, ValueError) as exc:
            raise UserError(str(exc)) from None


@click.group(cls=FriendlyGroup, invoke_without_command=True)
@click.option(
    "--plugins-dir",
    "plugins_dirs",
    multiple=True,
    type=click.Path(file_okay=False),
    help="Load every plugin file (*.py) in this folder; may be given more than once.",
)
@click.option(
    "--no-plugins",
    is_flag=True,
    help="Load only the built-ins (also: DL_EXPLORER_NO_PLUGINS=1).",
)
@click.option(
    "--scene",
    default=None,
    metavar="NAME",
    help=f"The scene the app opens on: {_one_of(scene_names())}.",
)
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Set one knob of that scene before the first frame (repeatable), e.g. --set depth=10 "
    "--set compare=activation:relu. The keys are a setup file's (Ctrl+S writes one).",
)
@click.option(
    "--scale",
    "ui_scale",
    default="auto",
    show_default=True,
    help="UI scale for a projector: text, lines, widgets and panels (e.g. 1.5; Ctrl+= / Ctrl+- "
    "/ Ctrl+0 in the app).",
)
@click.option(
    "--watch",
    is_flag=True,
    help="Follow the --plugins-dir folders: a plugin file saved is reloaded in the running app "
    "and the balls that use its optimizers restart.",
)
@click.option(
    "--lang",
    default="en",
    show_default=True,
    metavar="en|zh",
    help="The app's language: en (English) or zh (中文). Ctrl+L switches it in the app.",
)
@click.version_option(package_name="dl-explorer")
@click.pass_context
def main(
    ctx: click.Context,
    plugins_dirs: tuple[str, ...],
    no_plugins: bool,
    scene: str | None,
    assignments: tuple[str, ...],
    ui_scale: str,
    watch: bool,
    lang: str,
) -> None:
    """DL Explorer: see why deep networks are hard to train. With no command, opens the app."""
    from explorer.app.ui.i18n import parse_language, set_language
    from explorer.app.ui.scale import parse_scale

    try:
        requested = parse_scale(ui_scale)
        language = set_language(parse_language(lang))
    except ValueError as exc:
        raise UserError(str(exc)) from None
    ctx.meta["ui_scale"] = requested  # for the commands that open the app (open, lesson)
    if watch and not plugins_dirs:
        raise UserError(
            "--watch follows the --plugins-dir folders; give one (dl-explorer --plugins-dir . "
            "--watch)."
        )
    if watch and ctx.invoked_subcommand is not None:
        raise UserError(f"--watch reloads plugins in the app, not in {ctx.invoked_subcommand}.")
    ctx.meta["watch"] = tuple(plugins_dirs) if watch else ()
    ctx.meta["lang"] = language
    registry = load_plugins(plugins_dirs, third_party=False if no_plugins else None)
    set_default_registry(registry)
    ctx.obj = registry
    if ctx.invoked_subcommand != "plugins":
        for failure in registry.failures:
            click.echo(f"warning: plugin {failure}", err=True)
    if ctx.invoked_subcommand is None:
        try:
            from explorer.commands.open_cmd import gather, run_with_setup
        except ModuleNotFoundError:
            click.echo(ctx.get_help())
            return
        run_with_setup(
            registry,
            *gather(registry, scene, None, assignments),
            ui_scale=requested,
            watch=ctx.meta["watch"],
            lang=language,
        )
    elif scene or assignments:
        raise UserError(
            "--scene and --set open the app (dl-explorer --scene network --set depth=10), not "
            f"{ctx.invoked_subcommand}; render takes its own --scene and --set."
        )


@main.group(cls=FriendlyGroup)
def bench() -> None:
    """Benchmarks that print figures (speed lives here, not in tests)."""


def _add_commands() -> None:
    groups = {"main": main, "bench": bench}
    for module_name, attr, group in COMMANDS:
        module = importlib.import_module(f"explorer.commands.{module_name}")
        groups[group].add_command(getattr(module, attr))


_add_commands()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
