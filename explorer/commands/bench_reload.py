"""``dl-explorer bench reload``: how long from saving a plugin file to the new version's first
step in the Landscape (the real watcher, the real reload, the model the app runs)."""

from __future__ import annotations

import statistics
import tempfile
import time
from pathlib import Path

import click

PLUGIN = '''
from explorer import Hyper, UpdateRule, hookimpl


class Watched(UpdateRule):
    """θ ← θ − η·{scale}·sign(g)"""

    name = "watched"
    hyper = {{"lr": Hyper(0.01, 1e-4, 1.0, log=True)}}

    def update(self, grad, state, param, *, lr):
        return -lr * {scale} * grad.sign()


@hookimpl
def register_optimizers(register):
    register(Watched)
'''


def plugin_source(scale: float) -> str:
    return PLUGIN.format(scale=scale)


def measure(saves: int = 5, timeout: float = 5.0) -> list[float]:
    """Seconds from each save to the first step of the reloaded optimizer."""
    from explorer.app.plugin_watch import apply_to_landscape
    from explorer.app.scenes.landscape.model import LandscapeModel
    from explorer.hot_reload import PluginReloader, PluginWatcher
    from explorer.plugins import load_plugins

    out = []
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "watched.py"
        path.write_text(plugin_source(1.0))
        registry = load_plugins([folder], third_party=True)
        model = LandscapeModel(registry, "bowl", ["watched", "sgd"])
        model.play()
        reloader = PluginReloader(registry)
        watcher = PluginWatcher([folder]).start()
        watcher.ready.wait(5)
        try:
            for i in range(saves):
                model.update(1 / 60)
                path.write_text(plugin_source(0.5 + 0.1 * i))
                saved = time.perf_counter()
                stepped = None
                while time.perf_counter() - saved < timeout:
                    for changed in watcher.poll():
                        outcome = reloader.reload(changed)
                        if not outcome.ok:
                            raise click.ClickException(outcome.message)
                        apply_to_landscape(model, outcome)
                        stepped = model.race.t
                    model.update(1 / 60)
                    if stepped is not None and model.race.t > stepped:
                        break
                    time.sleep(0.002)
                out.append(time.perf_counter() - saved if stepped is not None else float("inf"))
        finally:
            watcher.stop()
    return out


@click.command("reload")
@click.option("--saves", default=5, show_default=True, type=click.IntRange(1, 100))
def reload_cmd(saves: int) -> None:
    """Seconds from saving a plugin file to the new version's first step (target ≤ 1 s)."""
    times = measure(saves)
    shown = ", ".join(f"{t * 1000:.0f}" for t in times)
    click.echo(
        f"hot reload, save → first step of the new version: median "
        f"{statistics.median(times) * 1000:.0f} ms, worst {max(times) * 1000:.0f} ms "
        f"({saves} saves: {shown} ms)"
    )
