"""``dl-explorer train``: train a real network and print what the lecture looks at, per epoch."""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import time
import typing
from pathlib import Path
from typing import Any

import click
import torch
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from explorer.commands.optspec import parse_optimizer_arg, parse_schedule_arg
from explorer.commands.output import console as make_console
from explorer.knob_text import parse_value, split_specs
from explorer.plugins import Registry
from explorer.training.config import INITS, TrainConfig
from explorer.training.session import TrainingSession, check_config

_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_TYPES = typing.get_type_hints(TrainConfig)
# Knobs --compare may vary; optimizer and schedule take NAME[:k=v,...] like their options.
COMPARABLE = sorted(
    set(_FIELDS) - {"optimizer_hyper", "schedule_hyper", "val_fraction", "test_fraction"}
)


def parse_knob(key: str, raw: str) -> Any:
    """A value for the TrainConfig field ``key`` (the one value parser, typed by the field)."""
    return parse_value(raw, _TYPES[key], f"--compare {key}")


def parse_compare(text: str, registry: Registry) -> tuple[str, list[dict[str, Any]]]:
    """``activation=sigmoid,relu`` → ``("activation", [{"activation": "sigmoid"}, ...])``."""
    key, sep, values = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not values.strip():
        raise ValueError(
            f"--compare expects KEY=V1,V2 (e.g. activation=sigmoid,relu), got {text!r}"
        )
    if key not in COMPARABLE:
        raise ValueError(
            f"--compare: {key!r} is not a setting; choose from {', '.join(COMPARABLE)}"
        )
    if key in ("optimizer", "schedule"):
        parse = parse_optimizer_arg if key == "optimizer" else parse_schedule_arg
        changes = []
        for spec_text in split_specs(values):
            name, hyper = parse(spec_text, registry)
            changes.append({key: name, f"{key}_hyper": hyper, "_label": f"{key}={spec_text}"})
        return key, changes
    out = []
    for raw in (v for v in values.split(",") if v.strip()):
        out.append({key: parse_knob(key, raw), "_label": f"{key}={raw.strip()}"})
    return key, out


def _finite(value: Any) -> Any:
    """JSON has no NaN: non-finite numbers are written as null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def _f(value: float | None, fmt: str = ".4f") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return format(value, fmt)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def describe(session: TrainingSession) -> str:
    cfg, splits = session.config, session.splits
    act = cfg.activation + (f"({session.model.pieces})" if session.model.pieces > 1 else "")
    extras = [
        label
        for label, on in (
            ("batch norm", cfg.batch_norm),
            (f"dropout {cfg.dropout:g}", cfg.dropout),
            (f"L1 {cfg.l1:g}", cfg.l1),
            (f"L2 {cfg.l2:g}", cfg.l2),
            (f"patience {cfg.patience}", cfg.patience),
        )
        if on
    ]
    hyper = ",".join(f"{k}={v:g}" for k, v in cfg.optimizer_hyper.items())
    return (
        f"{cfg.dataset} ({len(splits.train)} train / {len(splits.val)} val / "
        f"{len(splits.test)} test) · {cfg.depth} × {cfg.width} {act}, "
        f"{session.model.init_scheme} init"
        + (f" · {', '.join(extras)}" if extras else "")
        + f" · {cfg.optimizer}{':' + hyper if hyper else ''}, {cfg.schedule} schedule"
        + f" · batch {cfg.batch_size} · seed {cfg.seed} · {session.device}"
    )


def _table(title: str, headers: list[str], rows: list[list[str]], first_left=False) -> Table:
    """A compact table whose numbers are never cut: headers wrap instead."""
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    for i, header in enumerate(headers):
        widest = max((len(row[i]) for row in rows), default=0)
        left = first_left and i == 0
        table.add_column(header, justify="left" if left else "right", min_width=widest)
    for row in rows:
        table.add_row(*row)
    return table


def epoch_table(session: TrainingSession, title: str) -> Table:
    rows = []
    for r in session.epochs:
        best = " *" if r.epoch == session.best_epoch and session.config.patience else ""
        rows.append(
            [
                f"{r.epoch}{best}",
                _f(r.train_loss),
                _pct(r.train_acc),
                _f(r.val_loss),
                _pct(r.val_acc),
                _f(r.grad_first, ".3g"),
                _f(r.grad_last, ".3g"),
                _f(r.grad_ratio, ".3g"),
            ]
        )
    headers = ["epoch", "train loss", "train acc", "val loss", "val acc"]
    headers += ["‖∇W‖ first", "‖∇W‖ last", "first/last"]
    return _table(title, headers, rows)


def _fits(rows: list[list[str]], width: int) -> bool:
    widest = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return sum(widest) + 3 * len(widest) <= width


def compare_tables(
    sessions: list[tuple[str, TrainingSession, float]], width: int = 130
) -> list[Table]:
    """Per epoch, the runs side by side (or one row per run and epoch when the terminal is too
    narrow), then the last epoch of every run side by side."""
    labels = [label for label, *_ in sessions]
    title = "per epoch: train / val accuracy (loss for regression) / first ÷ last gradient"
    per_epoch, long_rows = [], []
    for i in range(max(len(s.epochs) for _, s, _ in sessions)):
        row = [str(i + 1)]
        for label, s, _ in sessions:
            if i < len(s.epochs):
                r = s.epochs[i]
                first = _pct(r.train_acc) if s.classify else _f(r.train_loss)
                second = _pct(r.val_acc) if s.classify else _f(r.val_loss)
                row.append(f"{first} / {second} / {_f(r.grad_ratio, '.2g')}")
                long_rows.append([str(i + 1), label, first, second, _f(r.grad_ratio, ".3g")])
            else:
                row.append("")
        per_epoch.append(row)
    if _fits(per_epoch, width):
        epochs_table = _table(title, ["epoch", *labels], per_epoch)
    else:
        headers = ["epoch", "run", "train", "val", "first/last"]
        epochs_table = _table(title.replace(" / ", ", "), headers, long_rows)
    summary: dict[str, list[str]] = {}
    for _, s, seconds in sessions:
        r = s.epochs[-1]
        test_loss, test_acc = s.evaluate("test")
        for name, value in (
            ("train loss", _f(r.train_loss)),
            ("train acc", _pct(r.train_acc)),
            ("val loss", _f(r.val_loss)),
            ("val acc", _pct(r.val_acc)),
            ("test acc (loss)", _pct(test_acc) if s.classify else _f(test_loss)),
            ("‖∇W‖ first", _f(r.grad_first, ".3g")),
            ("‖∇W‖ last", _f(r.grad_last, ".3g")),
            ("first/last", _f(r.grad_ratio, ".3g")),
            ("best epoch", str(s.best_epoch or "-")),
            ("epochs run", str(len(s.epochs))),
            ("seconds", f"{seconds:.1f}"),
        ):
            summary.setdefault(name, []).append(value)
    side = [[name, *values] for name, values in summary.items()]
    if _fits(side, width):
        last = _table("side by side (last epoch)", ["", *labels], side, first_left=True)
    else:  # too many runs for the terminal: one row per run
        rows = [
            [label, *(values[i] for values in summary.values())] for i, label in enumerate(labels)
        ]
        last = _table("last epoch of each run", ["run", *summary], rows, first_left=True)
    return [epochs_table, last]


@click.command()
@click.option("--dataset", default="digits", show_default=True, help="A dataset plugin.")
@click.option("--n", type=click.IntRange(4), default=None, help="Samples (default: the dataset's).")
@click.option("--noise", type=click.FloatRange(0), default=None, help="Noise of a toy dataset.")
@click.option("--depth", default=3, show_default=True, type=click.IntRange(0, 1000))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--activation", default="relu", show_default=True, help="An activation plugin.")
@click.option("--pieces", type=click.IntRange(1, 64), default=None, help="Maxout's k.")
@click.option("--init", default="auto", show_default=True, type=click.Choice(INITS))
@click.option("--init-scale", type=float, default=None, help="Std (normal, small) or value.")
@click.option("--batch-norm/--no-batch-norm", default=False, show_default=True)
@click.option("--dropout", default=0.0, show_default=True, type=float)
@click.option("--l1", default=0.0, show_default=True, type=float)
@click.option("--l2", default=0.0, show_default=True, type=float)
@click.option(
    "--optimizer",
    default="sgd:lr=0.1",
    show_default=True,
    metavar="NAME[:k=v,...]",
    help="An optimizer plugin and its hyperparameters.",
)
@click.option("--schedule", default="constant", show_default=True, metavar="NAME[:k=v,...]")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--epochs", default=20, show_default=True, type=click.IntRange(1))
@click.option("--patience", type=click.IntRange(1), default=None, help="Early stopping.")
@click.option("--seed", default=0, show_default=True, type=int)
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps.")
@click.option(
    "--threads",
    default=1,
    show_default=True,
    type=click.IntRange(1, 256),
    help="torch CPU threads. Small nets run fastest on one; more threads wait on each other.",
)
@click.option(
    "--json",
    "json_path",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Also write every figure of the table(s) to this JSON file.",
)
@click.option(
    "--compare",
    "compares",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Run one configuration per value and print them side by side, e.g. "
    "activation=sigmoid,relu or optimizer=sgd:lr=0.1,adam. Repeat for every combination.",
)
@click.pass_obj
def train(
    registry: Registry | None, json_path: Path | None, compares, threads: int, **options
) -> None:
    """Train a network and print loss, accuracy and gradient flow per epoch."""
    torch.set_num_threads(threads)
    if registry is None:
        from explorer.plugins import default_registry

        registry = default_registry()
    opt_name, opt_hyper = parse_optimizer_arg(options.pop("optimizer"), registry)
    sched_name, sched_hyper = parse_schedule_arg(options.pop("schedule"), registry)
    base = TrainConfig(
        optimizer=opt_name,
        optimizer_hyper=opt_hyper,
        schedule=sched_name,
        schedule_hyper=sched_hyper,
        **options,
    )
    axes = [parse_compare(text, registry)[1] for text in compares]
    runs = []
    for combo in itertools.product(*axes) if axes else [()]:
        changes = {k: v for change in combo for k, v in change.items() if k != "_label"}
        label = " ".join(change["_label"] for change in combo) or "run"
        config = base.replace(**changes)
        check_config(config, registry)  # every mistake before the first run starts
        runs.append((label, config))
    out = make_console()
    done = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("steps · epoch {task.fields[epoch]} · loss {task.fields[loss]}"),
        TimeElapsedColumn(),
        console=out,
        transient=True,
    ) as progress:
        for label, config in runs:
            session = TrainingSession(config, registry)
            task = progress.add_task(label, total=session.total_steps, epoch=0, loss="-")
            t0 = time.perf_counter()
            while not session.done:
                session.step(1)
                if session.global_step % session.steps_per_epoch == 0 or session.done:
                    last = session.epochs[-1] if session.epochs else None
                    progress.update(
                        task,
                        completed=session.global_step,
                        epoch=session.epoch,
                        loss=_f(last.train_loss if last else None),
                    )
                else:
                    progress.update(task, completed=session.global_step)
            progress.update(task, completed=session.total_steps)
            done.append((label, session, time.perf_counter() - t0))
    for label, session, _ in done:
        out.print(f"{label}: {describe(session)}", highlight=False)
    if len(done) == 1:
        label, session, seconds = done[0]
        out.print(epoch_table(session, f"{session.config.dataset}: {session.message}"))
        test_loss, test_acc = session.evaluate("test")
        test = (
            f"test accuracy {_pct(test_acc)}" if session.classify else f"test loss {test_loss:.4g}"
        )
        out.print(f"{test} · {session.global_step} steps in {seconds:.1f} s", highlight=False)
    else:
        for table in compare_tables(done, out.width):
            out.print(table)
    if json_path is not None:
        payload = {
            "compare": list(compares),
            "runs": [
                {"label": label, "seconds": seconds} | session.result()
                for label, session, seconds in done
            ],
        }
        json_path.write_text(json.dumps(_finite(payload), indent=2) + "\n", encoding="utf-8")
        out.print(f"wrote {json_path}", highlight=False)
