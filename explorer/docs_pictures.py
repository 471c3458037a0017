"""Every picture in ``docs/``, drawn again from the current code: ``python -m explorer.docs_pictures``.

Each picture is the headless ``dl-explorer render`` of one scene, run exactly as a user would run
it (the command is printed), so the README never shows a screen the app no longer draws. Built-in
plugins only, whatever the machine has installed; each file is written under a temporary name and
renamed, so a failed render leaves the old picture in place.
"""

from __future__ import annotations

import argparse
import os
import shlex
import subprocess
import sys
from pathlib import Path

#: file name → the ``dl-explorer`` arguments that draw it (its caption is in README.md)
PICTURES: dict[str, list[str]] = {
    "landscape.png": [
        "render",
        "--scene",
        "landscape",
        "--surface",
        "two_valleys",
        "--frames",
        "40",
    ],
    "network.png": [
        "render",
        "--scene",
        "network",
        "--depth",
        "8",
        "--activation",
        "sigmoid",
        "--compare",
        "activation=relu",
        "--frames",
        "120",
        "--steps-per-frame",
        "4",
    ],
    "activations.png": ["render", "--scene", "activations", "--frames", "2"],
    "dropout.png": ["render", "--scene", "dropout", "--frames", "60"],
}


def default_folder() -> Path:
    """The repository's ``docs/`` when run from a checkout, else ``./docs``."""
    here = Path(__file__).resolve().parents[1] / "docs"
    return here if here.is_dir() else Path("docs")


def regenerate(folder: Path, names: list[str] | None = None, echo=print) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    env = os.environ | {
        "SDL_VIDEODRIVER": "dummy",
        "SDL_AUDIODRIVER": "dummy",
        "DL_EXPLORER_NO_PLUGINS": "1",
    }
    written = []
    for name in names or list(PICTURES):
        final = folder / name
        temp = folder / f".{final.stem}.new{final.suffix}"
        args = [*PICTURES[name], "--out", str(temp)]
        echo(f"dl-explorer {shlex.join(args[:-2])} --out {final}")
        done = subprocess.run(
            [sys.executable, "-m", "explorer", *args], env=env, text=True, capture_output=True
        )
        if done.returncode != 0 or not temp.exists():
            temp.unlink(missing_ok=True)
            reason = (done.stderr or done.stdout).strip().splitlines()
            raise RuntimeError(f"{name} could not be drawn: {reason[-1] if reason else '?'}")
        os.replace(temp, final)
        written.append(final)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m explorer.docs_pictures", description=__doc__)
    parser.add_argument("folder", nargs="?", type=Path, default=None, help="default: docs/")
    parser.add_argument("--only", action="append", choices=list(PICTURES), help="one picture")
    args = parser.parse_args(argv)
    folder = args.folder or default_folder()
    try:
        for path in regenerate(folder, args.only):
            print(f"  wrote {path} ({path.stat().st_size / 1e6:.2f} MB)")
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
