"""``dl-explorer race``: optimizers racing on a surface, headless, as a table and a CSV."""

from __future__ import annotations

import click
from rich.table import Table

from explorer.commands.optspec import (
    parse_noise,
    parse_optimizer_arg,
    parse_point,
    parse_schedule_arg,
)
from explorer.commands.output import LateProgress, check_output, check_size
from explorer.commands.output import console as make_console
from explorer.knob_text import LABEL, parse_spec
from explorer.landscape.race import DEFAULT_OPTIMIZERS, BallConfig, Noise, Race
from explorer.landscape.start_point import check_start
from explorer.plugins import describe_fault, plugin_fault
from explorer.specs import SurfaceSpec
from explorer.training.config import SEED_MAX

__all__ = ["check_start", "parse_noise", "print_summary", "race"]


def _label(text: str, taken: list[str]) -> str:
    """``sgd_fast=sgd:lr=2.2``'s label (the table's and the CSV's name for that ball, as in the
    app and in setups); "" for a plain ``NAME[:k=v]``, which the race names itself."""
    label = parse_spec(text).label
    if label and not LABEL.fullmatch(label):
        raise ValueError(
            f"--optimizer {text!r}: {label!r} is not a label; use letters, digits and _ "
            "(e.g. sgd_fast=sgd:lr=2.2)"
        )
    if label and label in taken:
        raise ValueError(
            f"--optimizer {text!r}: two balls are labelled {label!r}; give each its own"
        )
    return label


CSV_ROW_BYTES = 75  # "optimizer,step,x,y,loss" with full-precision floats, measured
TRAJECTORY_BYTES = 24  # per ball per step kept in memory: x, y and the loss as float64
MAX_TRAJECTORY_BYTES = 1_000_000_000
CHUNK = 1000  # race steps between progress updates


def fit_noise(noise: Noise, spec: SurfaceSpec) -> tuple[Noise, str]:
    """Mini-batches larger than the surface's data set are cut to its size (with a note): a
    batch of a billion samples drawn from 200 would only exhaust memory."""
    if noise.mode == "minibatch" and spec.has_data and noise.batch > spec.n_samples:
        note = (
            f"note: mini-batch {noise.batch} is larger than the {spec.n_samples} samples of "
            f"{spec.name!r}; using batches of {spec.n_samples}"
        )
        return Noise("minibatch", sigma=noise.sigma, batch=spec.n_samples), note
    return noise, ""


@click.command()
@click.option(
    "--surface",
    default="rosenbrock",
    show_default=True,
    help="A surface name (see `dl-explorer plugins`) or expr:FORMULA in x and y.",
)
@click.option("--start", default=None, help="Start point x,y (default: the surface's suggestion).")
@click.option("--steps", default=2000, show_default=True, type=click.IntRange(1, 10_000_000))
@click.option(
    "--optimizer",
    "optimizers",
    multiple=True,
    metavar="NAME[:k=v,...]",
    help="An optimizer and its hyperparameters, e.g. momentum:lr=0.001,beta=0.9. "
    "Repeat for more balls. Default: the six classics.",
)
@click.option(
    "--schedule",
    default="constant",
    show_default=True,
    metavar="NAME[:k=v,...]",
    help="Learning-rate schedule for every ball, e.g. cosine or step:every=500,gamma=0.5.",
)
@click.option(
    "--noise",
    default="none",
    show_default=True,
    help="Gradient noise: none, gaussian:SIGMA, or minibatch:B (data surfaces).",
)
@click.option(
    "--stop-when-settled",
    is_flag=True,
    help="End early once every ball still on the map has settled (by default every ball takes "
    "every step, as torch would: a settled ball can move again).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option(
    "--csv",
    "csv_path",
    default=None,
    help="Write every step of every ball: optimizer,step,x,y,loss,settled.",
)
@click.pass_obj
def race(
    registry, surface, start, steps, optimizers, schedule, noise, stop_when_settled, seed, csv_path
) -> None:
    """Race optimizers on a loss surface and print where each one ended."""
    csv_file = check_output(csv_path, "--csv")
    spec = registry.surface(surface)
    sched_name, sched_hyper = parse_schedule_arg(schedule, registry)
    configs: list[BallConfig] = []
    for text in optimizers or DEFAULT_OPTIMIZERS:
        name, hyper = parse_optimizer_arg(text, registry, labels=True)
        label = _label(text, [c.label for c in configs])
        configs.append(BallConfig(name, hyper, sched_name, sched_hyper, label=label))
    rows = (steps + 1) * len(configs)
    if rows * TRAJECTORY_BYTES > MAX_TRAJECTORY_BYTES:
        raise ValueError(
            f"{steps:,} steps × {len(configs)} balls would keep about "
            f"{rows * TRAJECTORY_BYTES / 1e9:.1f} GB of trajectory, over the "
            f"{MAX_TRAJECTORY_BYTES / 1e9:g} GB budget; use fewer --steps or optimizers"
        )
    if csv_file is not None:
        check_size(rows * CSV_ROW_BYTES, "--csv", "use fewer --steps or optimizers")
    point = parse_point(start, "--start") if start else None
    if point is not None:
        check_start(spec, point)
    the_noise, note = fit_noise(parse_noise(noise), spec)
    the_race = Race(
        spec,
        configs,
        point,
        noise=the_noise,
        seed=seed,
        total_steps=steps,
        registry=registry,
    )
    console = make_console()
    if note:
        console.print(note, highlight=False)
    with LateProgress(steps, f"racing on {spec.name}", console) as progress:
        while the_race.t < steps:
            before = the_race.t
            try:
                the_race.step(min(CHUNK, steps - the_race.t), stop_when_settled=stop_when_settled)
            except BaseException as exc:  # e.g. a rule calling sys.exit(): not a silent end
                if not plugin_fault(exc) or isinstance(exc, ValueError | LookupError):
                    raise
                raise ValueError(
                    f"the race stopped after step {the_race.t}: a plugin raised "
                    f"{describe_fault(exc)}"
                ) from None
            progress.update(the_race.t)
            if the_race.t == before:  # every ball has stopped, or settled (--stop-when-settled)
                break
    print_summary(the_race)
    if csv_file is not None:
        the_race.to_csv(csv_file, "--csv")  # atomic: an interrupted write leaves no temporary
        click.echo(f"wrote {len(the_race.positions) * len(the_race.balls)} rows to {csv_file}")


def print_summary(the_race: Race) -> None:
    s = the_race.surface
    x, y = the_race.start
    table = Table(title=f"{s.name} from ({x:g}, {y:g}), {the_race.t} steps")
    for col in ("optimizer", "x", "y", "loss", "to nearest min", "converged at", "status"):
        table.add_column(col, justify="left" if col in ("optimizer", "status") else "right")
    notes = [note for ball in the_race.balls for note in ball.notes]
    for row in the_race.summary():
        dist = "-" if row["distance"] is None else f"{row['distance']:.3g}"
        conv = "-" if row["converged_at"] is None else str(row["converged_at"])
        table.add_row(
            row["optimizer"],
            f"{row['x']:.5g}",
            f"{row['y']:.5g}",
            f"{row['loss']:.4g}",
            dist,
            conv,
            row["status"],
        )
        if row["reason"] and row["status"] != "converged":  # saddle, moving again, stopped
            notes.append(f"{row['optimizer']} {row['status']}: {row['reason']}")
        elif row["moved_again_at"] is not None:  # settled again after a burst
            notes.append(
                f"{row['optimizer']} first settled at step {row['converged_at']}, moved again "
                f"(last at step {row['moved_again_at']}) and settled again"
            )
    console = make_console()
    console.print(table)
    for note in notes:
        console.print(note, highlight=False)
