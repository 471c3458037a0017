"""``dl-explorer bench startup``: how long the app takes to show its first frame, and the Network
lab its first picture, each measured on a fresh ``dl-explorer`` process."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time

import click

from explorer.commands.output import console as make_console

TARGETS = {"first": 1.5, "network_warm": 1.0, "network_cold": 4.0}  # seconds
AS_BEFORE = {"DL_EXPLORER_STARTUP_AS_BEFORE": "1"}  # torch._dynamo and sympy paid before it


def _launch(probe: str, extra_env: dict[str, str], args: list[str]) -> dict[str, float]:
    """Start the app with the probe on; the moments it reports, in seconds after launch. (The
    "as before" launch may abort on its way out, torch._dynamo's threads dying with it; its
    figures were printed by then.)"""
    env = os.environ | {"DL_EXPLORER_STARTUP_PROBE": probe} | extra_env
    if not (env.get("DISPLAY") or env.get("WAYLAND_DISPLAY") or env.get("SDL_VIDEODRIVER")):
        env["SDL_VIDEODRIVER"] = "dummy"  # headless: the same work, no window on a screen
    start = time.time()
    try:
        run = subprocess.run(
            [sys.executable, "-m", "explorer", *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    except subprocess.TimeoutExpired:
        raise click.ClickException("the app did not end within 300 s of its launch") from None
    found = {}
    for line in run.stderr.splitlines():
        if line.startswith("startup-probe "):
            _, what, when = line.split()
            found[what] = float(when) - start
    ended = run.returncode == 0 or "DL_EXPLORER_STARTUP_AS_BEFORE" in extra_env
    if not ended or "first-frame" not in found:
        tail = run.stderr.strip().splitlines()[-1:] or ["no output"]
        raise click.ClickException(f"the app did not start ({tail[0]})")
    return found


@click.command()
@click.option(
    "--runs",
    default=3,
    show_default=True,
    type=click.IntRange(1, 20),
    help="Launches per figure (the median is shown).",
)
@click.option(
    "--after",
    default=5.0,
    show_default=True,
    type=click.FloatRange(0, 60),
    help="Seconds the app is up before the Network lab's tab is opened.",
)
@click.option(
    "--first-only",
    is_flag=True,
    help="Only the first frame and the first scene (not the Network lab's figures).",
)
@click.pass_obj
def startup(registry, runs: int, after: float, first_only: bool) -> None:
    """Start-up times of the app: first frame after launch (with and without the early window),
    and the Network lab's first picture after its tab is opened (a worker started ahead, and
    cold)."""
    args = []
    for folder in registry.plugin_dirs:
        args += ["--plugins-dir", folder]
    if not registry.third_party:
        args.append("--no-plugins")
    out = make_console()
    out.print(
        f"bench startup: {runs} launch(es) of `dl-explorer` per figure, median "
        f"(SDL driver {os.environ.get('SDL_VIDEODRIVER') or 'default'})",
        highlight=False,
    )

    def median(probe: str, env: dict[str, str], a: str, b: str) -> float:
        values = []
        for _ in range(runs):
            found = _launch(probe, env, args)
            values.append(found.get(b, float("nan")) - found.get(a, 0.0))
        return statistics.median(values)

    def line(label: str, value: float, target: float | None) -> None:
        goal = f"   target ≤ {target:g} s" if target else ""
        out.print(f"  {label:58s} {value:6.2f} s{goal}", highlight=False)

    line("first frame (window + tabs) after launch", median("first", {}, "", "window"), None)
    line(
        "the first scene drawn after launch",
        median("first", {}, "", "first-frame"),
        TARGETS["first"],
    )
    line(
        "the first scene drawn, as before (torch._dynamo, sympy first)",
        median("first", AS_BEFORE, "", "first-frame"),
        None,
    )
    line(
        "first frame without the early window (as before)",
        median("first", {"DL_EXPLORER_NO_SPLASH": "1"}, "", "first-frame"),
        None,
    )
    if first_only:
        return
    line(
        f"Network lab: first picture, tab opened {after:g} s after start",
        median(f"network:{after}", {}, "network-opened", "network-picture"),
        TARGETS["network_warm"],
    )
    line(
        "Network lab: first picture, tab opened as the app shows",
        median("network:0", {}, "network-opened", "network-picture"),
        None,
    )
    line(
        "Network lab: first picture, cold (no worker started ahead)",
        median(
            f"network:{after}",
            {"DL_EXPLORER_NO_PRESTART": "1"},
            "network-opened",
            "network-picture",
        ),
        TARGETS["network_cold"],
    )
