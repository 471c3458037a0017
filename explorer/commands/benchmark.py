"""``dl-explorer benchmark OPT…``: tune every hyperparameter within a budget, rerun with seeds,
compare with performance profiles (``explorer/benchmark/``)."""

from __future__ import annotations

import os
from pathlib import Path

import click

from explorer.commands.output import console as make_console


def store_url(store: str) -> str:
    """A bare file name is an SQLite file; anything with ``://`` is any URL Optuna takes."""
    return store if "://" in store else f"sqlite:///{Path(store).resolve()}"


@click.command("benchmark")
@click.argument("optimizers", nargs=-1, required=True, metavar="OPT…")
@click.option(
    "--suite",
    default="classroom",
    show_default=True,
    help="classroom (minutes), lecture (every task) or a suite file (.toml).",
)
@click.option(
    "--budget",
    default=20,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Tuning trials per optimizer and task.",
)
@click.option(
    "--seeds",
    default=3,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Seeds the best setting is rerun on.",
)
@click.option(
    "--workers",
    default=None,
    type=click.IntRange(1, 512),
    help="Local worker processes [default: every core].",
)
@click.option(
    "--out",
    "out_dir",
    default=None,
    type=click.Path(file_okay=False),
    help="Folder for results.json, tasks.csv, profiles.csv/png, sensitivity.png "
    "[default: benchmark-SUITE].",
)
@click.option(
    "--store",
    default=None,
    metavar="URL",
    help="Keep every finished trial in this Optuna storage (bench.sqlite, or any URL Optuna "
    "takes): a run stopped by Ctrl-C goes on from there; several machines may share it.",
)
@click.option(
    "--ray",
    "ray_address",
    default=None,
    metavar="local|ADDRESS",
    help="Run the studies as Ray tasks: local starts Ray on this machine; an address joins a "
    "cluster (needs the cluster extra).",
)
@click.option("--seed", default=0, show_default=True, type=int, help="Seeds every sampler.")
@click.pass_obj
def benchmark(
    registry,
    optimizers: tuple[str, ...],
    suite: str,
    budget: int,
    seeds: int,
    workers: int | None,
    out_dir: str | None,
    store: str | None,
    ray_address: str | None,
    seed: int,
) -> None:
    """Benchmark OPT… on a suite: every hyperparameter tuned, the best rerun with seeds."""
    from explorer.atomic_write import write_text
    from explorer.benchmark.live import LiveResults, running_path
    from explorer.benchmark.report import latest_path, print_summary, write_all
    from explorer.benchmark.runner import run_benchmark
    from explorer.benchmark.suite import load_suite
    from explorer.output import LateProgress

    out = make_console()
    the_suite = load_suite(suite, registry)
    names = list(dict.fromkeys(optimizers))
    for name in names:
        registry.optimizer(name)
        if not registry.optimizer(name).hyper:
            out.print(f"note: {name} declares no hyperparameter ranges; it runs at its defaults.")
    url = store_url(store) if store else None
    jobs = len(names) * len(the_suite.tasks)
    workers = workers or os.cpu_count() or 1
    engine = f"Ray ({ray_address})" if ray_address else f"{min(workers, jobs)} local worker(s)"
    out.print(
        f"benchmark: {', '.join(names)} on suite {the_suite.name!r} ({len(the_suite.tasks)} "
        f"tasks); every hyperparameter tuned with {budget} trials (seeded TPE, seed {seed}), the "
        f"best rerun on {seeds} seed(s); {engine}",
        highlight=False,
    )
    latest = latest_path()  # what the Scoreboard scene shows; the run so far beside it
    live = LiveResults(running_path(latest), the_suite, names, budget, seeds)
    try:
        with live:  # the Scoreboard shows the run so far until the latest is written
            with LateProgress(jobs, "studies", out) as progress:
                summary = run_benchmark(
                    names,
                    the_suite,
                    registry,
                    budget=budget,
                    seeds=seeds,
                    workers=workers,
                    store=url,
                    ray=ray_address,
                    seed=seed,
                    done=progress.update,
                    finished=live.finished,
                )
            print_summary(summary, out)
            folder = Path(out_dir or f"benchmark-{the_suite.name}")
            written = write_all(folder, summary)
            latest.parent.mkdir(parents=True, exist_ok=True)
            write_text(latest, (folder / "results.json").read_text(), "the latest benchmark")
    except KeyboardInterrupt:
        kept = (
            f"every finished trial is kept in {store}; run the same command to go on"
            if store
            else "nothing was kept (--store bench.sqlite keeps every finished trial)"
        )
        raise click.ClickException(f"interrupted: {kept}.") from None
    out.print(f"wrote {', '.join(str(p) for p in written)}", highlight=False)
