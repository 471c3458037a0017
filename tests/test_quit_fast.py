"""Leaving the app while its workers train: Ctrl+C or SIGTERM in the terminal is a request to quit,
answered like the window's close button: the app ends normally (exit status 0, no "Aborted!"),
every worker process it started is gone, and it does not wait on them one after another (the
figure: ``python tests/test_quit_fast.py``, seconds from the signal to the exit)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads /proc"),
]


def children(pid: int) -> set[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return set()
    return {int(c) for c in text.split()}


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def start_app(scene: str = "network") -> subprocess.Popen:
    env = dict(
        os.environ, SDL_VIDEODRIVER="dummy", SDL_AUDIODRIVER="dummy", DL_EXPLORER_NO_PLUGINS="1"
    )
    return subprocess.Popen(
        [sys.executable, "-m", "explorer", "--scene", scene],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def quit_while_training(
    sig: int, scene: str = "network", settle_s: float = 0.0
) -> tuple[int, str, set[int], float]:
    """Start the app on ``scene``, wait until it has its worker processes (the one training and
    the one started ahead) and ``settle_s`` more, send ``sig``: (exit status, output, the
    workers, seconds to exit)."""
    app = start_app(scene)
    try:
        deadline = time.monotonic() + 180
        while len(children(app.pid)) < 2 and app.poll() is None:
            assert time.monotonic() < deadline, "the app never started its workers"
            time.sleep(0.05)
        time.sleep(settle_s)  # (the figure only: quitting a running app, not one starting)
        workers = children(app.pid)
        sent = time.monotonic()
        app.send_signal(sig)
        out, _ = app.communicate(timeout=120)
        return app.returncode, out.decode(errors="replace"), workers, time.monotonic() - sent
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["ctrl-c", "sigterm"])
def test_a_signal_quits_the_app_like_its_close_button_and_ends_every_worker(sig):
    code, out, workers, _ = quit_while_training(sig)
    assert code == 0, out
    assert "Traceback" not in out and "Aborted" not in out
    assert workers
    deadline = time.monotonic() + 30  # a worker ended is reaped by init a moment later
    while any(alive(w) for w in workers) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [w for w in workers if alive(w)]


if __name__ == "__main__":  # the figure: seconds from Ctrl+C to the exit, workers training
    for _ in range(int(sys.argv[1]) if len(sys.argv) > 1 else 3):
        code, _, workers, seconds = quit_while_training(signal.SIGINT, settle_s=5.0)
        print(f"Ctrl+C with {len(workers)} workers: exit {code} after {seconds:.2f} s")
