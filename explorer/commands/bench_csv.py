"""``dl-explorer bench csv``: how long a CSV of your own points takes to load and be checked.

The target is 1 s for 100,000 rows. numpy's own readers are timed on the same file in the same
run, for scale (they check less: no row or column named in a mistake)."""

from __future__ import annotations

import statistics
import tempfile
import time
import warnings
from pathlib import Path

import click
import numpy as np

from explorer.commands.output import console as make_console
from explorer.training.csv_data import read_csv

TARGET_S = 1.0


def write_points(path: Path, rows: int, features: int = 2, seed: int = 0) -> None:
    """``rows`` points of two classes (the sign of x₁·x₂) with a header row."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(rows, features))
    y = (x[:, 0] * x[:, 1] > 0).astype(int)
    header = ",".join(f"x{j + 1}" for j in range(features)) + ",label"
    data = np.column_stack([x, y])
    fmt = ["%.6f"] * features + ["%d"]
    np.savetxt(path, data, fmt=fmt, delimiter=",", header=header, comments="")


def _best(fn, repeats: int) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times)


@click.command("csv")
@click.option("--rows", default=100_000, show_default=True, type=click.IntRange(4, 1_000_000))
@click.option("--features", default=2, show_default=True, type=click.IntRange(2, 64))
@click.option("--repeats", default=5, show_default=True, type=click.IntRange(1, 100))
def csv_cmd(rows: int, features: int, repeats: int) -> None:
    """Time loading and checking a CSV of ROWS points (target: 100,000 rows in ≤ 1 s)."""
    out = make_console()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "points.csv"
        write_points(path, rows, features)
        size = path.stat().st_size
        best, median = _best(lambda: read_csv(path), repeats)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            load_best, load_median = _best(
                lambda: np.loadtxt(path, delimiter=",", skiprows=1), max(1, repeats // 2)
            )
            gen_best, gen_median = _best(
                lambda: np.genfromtxt(path, delimiter=",", skip_header=1), max(1, repeats // 2)
            )
    verdict = "meets" if median <= TARGET_S * rows / 100_000 else "MISSES"
    out.print(
        f"{rows:,} rows × {features} features + label ({size / 1e6:.1f} MB), best / median of "
        f"{repeats}:",
        highlight=False,
    )
    out.print(f"  read_csv (load and check)  {best:.3f} s / {median:.3f} s", highlight=False)
    out.print(
        f"  numpy.loadtxt              {load_best:.3f} s / {load_median:.3f} s", highlight=False
    )
    out.print(
        f"  numpy.genfromtxt           {gen_best:.3f} s / {gen_median:.3f} s", highlight=False
    )
    out.print(
        f"target: 100,000 rows in ≤ {TARGET_S:g} s: read_csv {verdict} it at this size",
        highlight=False,
    )
