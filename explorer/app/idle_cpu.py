"""How much CPU the app takes while nothing moves: ``python -m explorer.app.idle_cpu``.

Runs the real main loop (``App.run``'s clock and event queue, 60 fps) on the Landscape, paused,
under SDL's dummy video driver, twice in one run: drawing every frame (as before) and lazy
(drawing only on input or activity), and prints the CPU time per second of wall time for each.
A real display adds the cost of each flip, which the lazy loop skips too.
"""

from __future__ import annotations

import argparse
import os
import time


def measure(seconds: float, lazy: bool, size=(1280, 720), scene: str = "landscape") -> dict:
    import pygame

    from explorer.app.shell import build_app
    from explorer.app.ui.app_loop import QUIET_S
    from explorer.plugins import load_plugins

    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(size)
    app, tabs = build_app(load_plugins(third_party=False), screen, scene, backend="thread")
    shown = tabs.scene()
    shown.wait_ready(60)
    if getattr(shown.model, "playing", False):  # paused, as a teacher leaves it while talking
        shown.model.pause()
    if getattr(shown, "playing", False):
        shown.toggle_play()
    app.run(lazy=lazy, seconds=QUIET_S + 0.5)  # first frames, then the quiet window
    drawn0, wall0, cpu0 = app.frames, time.perf_counter(), time.process_time()
    app.run(lazy=lazy, seconds=seconds)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    tabs.close()
    return {"cpu": cpu / wall, "fps_drawn": (app.frames - drawn0) / wall}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.app.idle_cpu", description=__doc__)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--scene", default="landscape")
    args = parser.parse_args(argv)
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    os.environ.setdefault("DL_EXPLORER_NO_PLUGINS", "1")
    print(f"{args.scene}, paused, 1280x720, {args.seconds:g} s each (CPU = process CPU / wall):")
    rows = {}
    for lazy in (False, True):
        r = rows[lazy] = measure(args.seconds, lazy, scene=args.scene)
        label = "lazy (draws on change) " if lazy else "draws every frame      "
        print(
            f"  {label} CPU {100 * r['cpu']:5.1f} % of a core   frames drawn {r['fps_drawn']:5.1f}/s"
        )
    if rows[True]["cpu"] > 0:
        print(f"  ratio: {rows[False]['cpu'] / rows[True]['cpu']:.1f}x less CPU when idle")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
