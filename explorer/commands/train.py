"""``dl-explorer train``: train a real network and print what the lecture looks at, per epoch."""

from __future__ import annotations

import contextlib
import dataclasses
import itertools
import json
import math
import signal
import statistics
import sys
import threading
import time
import typing
from collections.abc import Iterator
from typing import Any

import click
import torch
from rich import box
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from explorer.atomic_write import Terminated, sigterm_unwinds
from explorer.commands.optspec import parse_optimizer_arg, parse_schedule_arg
from explorer.commands.output import check_output, write_text
from explorer.commands.output import console as make_console
from explorer.knob_text import parse_value, split_specs
from explorer.plugins import Registry
from explorer.step_budget import clock, disarm
from explorer.training.config import (
    INITS,
    LOSSES,
    MAX_SAMPLES,
    NORMALIZE,
    SEED_MAX,
    TrainConfig,
    apply_suggested,
    describe_suggested,
)
from explorer.training.session import TrainingFailed, TrainingSession, check_config
from explorer.training.sharpness import MAX_EVERY, SharpnessTracker

_FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_TYPES = typing.get_type_hints(TrainConfig)
# Knobs --compare may vary; optimizer and schedule take NAME[:k=v,...] like their options.
COMPARABLE = sorted(
    set(_FIELDS)
    - {"optimizer_hyper", "schedule_hyper", "val_fraction", "test_fraction", "fold", "folds"}
)


def parse_knob(key: str, raw: str) -> Any:
    """A value for the TrainConfig field ``key`` (the one value parser, typed by the field)."""
    return parse_value(raw, _TYPES[key], f"--compare {key}")


def parse_compare(text: str, registry: Registry) -> tuple[str, list[dict[str, Any]]]:
    """``activation=sigmoid,relu`` → ``("activation", [{"activation": "sigmoid"}, ...])``.

    Values are separated by commas, or by semicolons where the text has one: a value that holds
    commas itself (one activation per layer) needs them, ``activation=relu,sigmoid;sigmoid,relu``
    compares two nets of two layers each."""
    key, sep, values = text.partition("=")
    key = key.strip().replace("-", "_")
    if not sep or not values.strip(" ;,"):
        raise ValueError(
            f"--compare expects KEY=V1,V2 or KEY=V1;V2 (e.g. activation=sigmoid,relu, or "
            f"activation=relu,tanh;tanh,relu per layer), got {text!r}"
        )
    if key not in COMPARABLE:
        raise ValueError(
            f"--compare: {key!r} is not a setting; choose from {', '.join(COMPARABLE)}"
        )
    if key in ("optimizer", "schedule"):
        parse = parse_optimizer_arg if key == "optimizer" else parse_schedule_arg
        changes = []
        texts = [v.strip() for v in values.split(";")] if ";" in values else split_specs(values)
        for spec_text in (t for t in texts if t):
            name, hyper = parse(spec_text, registry)
            changes.append({key: name, f"{key}_hyper": hyper, "_label": f"{key}={spec_text}"})
        return key, changes
    out = []
    for raw in (v for v in values.split(";" if ";" in values else ",") if v.strip()):
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
            ("skip connections", cfg.residual),
            ("batch norm", cfg.batch_norm),
            (f"dropout {cfg.dropout:g}", cfg.dropout),
            (f"input dropout {cfg.input_dropout:g}", cfg.input_dropout),
            (f"{cfg.loss} loss", cfg.loss != "auto"),
            ("standardized inputs", cfg.normalize == "standard"),
            ("raw inputs", cfg.normalize == "off" and splits.spec.auto_normalize != "off"),
            (f"fold {cfg.fold + 1} of {cfg.folds}", cfg.folds > 1),
            (f"test inputs shifted by {cfg.test_shift:g}", cfg.test_shift),
            (f"L1 {cfg.l1:g}", cfg.l1),
            (f"L2 {cfg.l2:g}", cfg.l2),
            (f"patience {cfg.patience}", cfg.patience),
        )
        if on
    ]
    hyper = ",".join(f"{k}={v:g}" for k, v in cfg.optimizer_hyper.items())
    return (
        f"{splits.spec.name} ({len(splits.train)} train / {len(splits.val)} val / "
        f"{len(splits.test)} test) · {cfg.depth} × {cfg.width} {act}, "
        f"{session.model.init_scheme} init"
        + (f" · {', '.join(extras)}" if extras else "")
        + f" · {cfg.optimizer}{':' + hyper if hyper else ''}, {cfg.schedule} schedule"
        + f" · batch {cfg.batch_size}"
        + (f" · {cfg.steps} steps" if cfg.steps is not None else f" · {cfg.epochs} epochs")
        + f" · seed {cfg.seed} · {session.device}"
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


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else 1000 * seconds


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
        test_loss, test_acc = (None, None) if s.failed else s.evaluate("test")
        timing = s.timing()
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
            ("epochs run", f"{s.epochs_done:.3g}"),
            ("updates", str(s.global_step)),
            ("ms / update", _f(_ms(timing["seconds_per_update"]), ".3g")),
            ("s / epoch", _f(timing["seconds_per_epoch"], ".3g")),
            ("|w| < 1e-3", _pct(s.weight_stats()["sparsity"])),
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
@click.option(
    "--n",
    type=click.IntRange(4, MAX_SAMPLES),
    default=None,
    help=f"Samples (default: the dataset's; at most {MAX_SAMPLES:,}).",
)
@click.option("--noise", type=click.FloatRange(0), default=None, help="Noise of a toy dataset.")
@click.option(
    "--data",
    default=None,
    metavar="FILE.csv",
    help="Your own points instead of --dataset: two or more feature columns and a label column "
    "(headed label, or the last); a header row is optional. Whole-number labels are classes, "
    "other numbers a regression target, and so is a column headed value.",
)
@click.option(
    "--val-fraction",
    default=0.2,
    show_default=True,
    type=float,
    help="The share of the samples that validates (the Network lab's Data panel sets it too); "
    "the test split keeps its 0.2.",
)
@click.option(
    "--normalize",
    type=click.Choice(NORMALIZE),
    default="auto",
    show_default=True,
    help="standard: every input feature to mean 0, std 1 (training split's statistics); off: "
    "the features as loaded (digits: raw pixels 0-16); auto: the dataset's convention (digits "
    "standardized over all images, the toys as drawn).",
)
@click.option("--depth", default=3, show_default=True, type=click.IntRange(0, 1000))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option(
    "--activation",
    default="relu",
    show_default=True,
    help="An activation plugin, or one per hidden layer: relu,sigmoid,relu.",
)
@click.option(
    "--residual/--no-residual",
    default=False,
    show_default=True,
    help="Skip connections: every hidden layer adds its input to its output (a projection "
    "where the width changes).",
)
@click.option("--pieces", type=click.IntRange(1, 64), default=None, help="Maxout's k.")
@click.option("--init", default="auto", show_default=True, type=click.Choice(INITS))
@click.option("--init-scale", type=float, default=None, help="Std (normal, small) or value.")
@click.option("--batch-norm/--no-batch-norm", default=False, show_default=True)
@click.option("--dropout", default=0.0, show_default=True, type=float)
@click.option(
    "--input-dropout",
    default=0.0,
    show_default=True,
    type=float,
    help="Dropout on the input features too (the lecture's picture drops inputs).",
)
@click.option("--l1", default=0.0, show_default=True, type=float)
@click.option("--l2", default=0.0, show_default=True, type=float)
@click.option(
    "--loss",
    type=click.Choice(LOSSES),
    default="auto",
    show_default=True,
    help="ce: cross-entropy; mse: squared error of the softmax output against the one-hot "
    "target; auto: ce for classes, mse for regression.",
)
@click.option(
    "--optimizer",
    default="sgd:lr=0.1",
    show_default=True,
    metavar="NAME[:k=v,...]",
    help="An optimizer plugin and its hyperparameters.",
)
@click.option("--schedule", default="constant", show_default=True, metavar="NAME[:k=v,...]")
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option(
    "--epochs",
    default=None,
    type=click.IntRange(1, 1_000_000),
    help="Epochs to train (20 unless --steps).",
)
@click.option(
    "--steps",
    default=None,
    type=click.IntRange(1, 1_000_000_000),
    help="A budget of updates instead of epochs: compare batch sizes at the same number of "
    "updates.",
)
@click.option("--patience", type=click.IntRange(1), default=None, help="Early stopping.")
@click.option(
    "--folds",
    default=1,
    show_default=True,
    type=click.IntRange(1, 100),
    help="K-fold cross-validation: K runs, each validating on another fold; prints the mean "
    "and spread of the validation accuracy.",
)
@click.option(
    "--test-shift",
    default=0.0,
    show_default=True,
    type=float,
    help="Move every test input by this much (in the features' units) after the split: a "
    "train/test mismatch, where a good validation score can still fail on test.",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option("--device", default="auto", show_default=True, help="auto, cpu, cuda or mps.")
@click.option(
    "--suggested/--no-suggested",
    "use_suggested",
    default=True,
    show_default=True,
    help="Take the dataset's suggested settings (depth, width, activation, optimizer, epochs, "
    "batch size) for every one of those knobs not given here.",
)
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
    default=None,
    metavar="FILE",
    help="Also write every figure of the table(s) to this JSON file.",
)
@click.option(
    "--export-script",
    "script_path",
    default=None,
    metavar="FILE.py",
    help="Also write this run as one plain PyTorch script that trains the same net with the same "
    "numbers (nothing of DL Explorer needed).",
)
@click.option(
    "--sharpness",
    type=click.IntRange(1, MAX_EVERY),
    default=None,
    metavar="K",
    help="Every K steps, the top eigenvalue λ_max of the training loss's Hessian (Lanczos on "
    "Hessian-vector products, a fixed batch of 128 training samples), against the learning "
    "rate's stability threshold: 2/η for sgd, (2 + 2β)/η for momentum, and for adam / adamw the "
    "preconditioned λ_max(P⁻¹H), P = (1 − β₁ᵗ)·diag(√v̂ + ε), against (2 + 2β₁)/((1 − β₁)η) "
    "= 38/η at β₁ = 0.9 (Cohen et al. 2021, 2022). Written into --json; the last value is "
    "printed.",
)
@click.option(
    "--compare",
    "compares",
    multiple=True,
    metavar="KEY=V1,V2,...",
    help="Run one configuration per value and print them side by side, e.g. "
    "activation=sigmoid,relu or optimizer=sgd:lr=0.1,adam. Values that hold commas themselves "
    "(one activation per layer) are separated by semicolons instead, quoted for the shell: "
    "'activation=relu,sigmoid;sigmoid,relu'. Repeat for every combination.",
)
@click.pass_obj
def train(
    registry: Registry | None,
    json_path: str | None,
    script_path: str | None,
    compares,
    threads: int,
    folds: int,
    use_suggested: bool,
    sharpness: int | None,
    **options,
) -> None:
    """Train a network and print loss, accuracy and gradient flow per epoch.

    Ctrl-C stops early and still prints (and writes) every finished epoch and run."""
    torch.set_num_threads(threads)
    if registry is None:
        from explorer.plugins import default_registry

        registry = default_registry()
    out_path = check_output(json_path, "--json")
    script_out = check_output(script_path, "--export-script")
    if script_out is not None and (compares or folds > 1):
        raise ValueError("--export-script writes one run; leave out --compare and --folds")
    if options["steps"] is not None and options["epochs"] is not None:
        raise ValueError("give --epochs or --steps, not both (--steps replaces --epochs)")
    ctx = click.get_current_context()
    given = {
        name
        for name in options
        if ctx.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT
    }
    if options["epochs"] is None:
        options["epochs"] = 20
    opt_name, opt_hyper = parse_optimizer_arg(options.pop("optimizer"), registry)
    sched_name, sched_hyper = parse_schedule_arg(options.pop("schedule"), registry)
    base = TrainConfig(
        optimizer=opt_name,
        optimizer_hyper=opt_hyper,
        schedule=sched_name,
        schedule_hyper=sched_hyper,
        folds=folds,
        **options,
    )
    axes = [parse_compare(text, registry)[1] for text in compares]
    runs: list[tuple[str, str, TrainConfig]] = []  # (label, label without the fold, config)
    applied: dict[str, dict[str, Any]] = {}  # dataset -> the suggested settings its runs took
    for combo in itertools.product(*axes) if axes else [()]:
        changes = {k: v for change in combo for k, v in change.items() if k != "_label"}
        label = " ".join(change["_label"] for change in combo) or "run"
        config = base.replace(**changes)
        if use_suggested and config.data is None:
            spec = registry.dataset(config.dataset)
            config, took = apply_suggested(config, spec.suggested, given | set(changes), spec.name)
            if took and spec.name not in applied:
                applied[spec.name] = took
        check_config(config, registry)  # every mistake before the first run starts
        for fold in range(folds):
            fold_label = f"{label} fold {fold + 1}" if folds > 1 else label
            runs.append((fold_label, label, config.replace(fold=fold)))
    out = make_console()
    if script_out is not None:
        from explorer.training.export_script import write_script

        write_script(script_out, runs[0][2], registry)
        out.print(
            f"wrote {script_out}: this run in plain PyTorch (python {script_out.name} trains it "
            "again)",
            highlight=False,
            soft_wrap=True,
        )
    for name, took in applied.items():
        out.print(
            f"{name}: its suggested settings for what was not given: {describe_suggested(took)} "
            "(--no-suggested for the plain defaults)",
            highlight=False,
            soft_wrap=True,
        )
    done: list[tuple[str, TrainingSession, float]] = []
    trackers: dict[int, SharpnessTracker] = {}  # id(session) -> its λ_max series (--sharpness)
    failures: list[tuple[str, str]] = []
    groups: dict[str, list[TrainingSession]] = {}
    interrupted = False
    stop_code = 130  # Ctrl-C; SIGTERM: 143
    with contextlib.ExitStack() as stack:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("steps · epoch {task.fields[epoch]} · loss {task.fields[loss]}"),
            TimeElapsedColumn(),
            console=out,
            transient=True,
        ) as progress:
            try:
                with sigterm_unwinds():  # SIGTERM stops training like Ctrl-C: finished epochs kept
                    for label, group, config in runs:
                        t0 = time.perf_counter()
                        try:
                            session = TrainingSession(config, registry)
                        except ValueError as exc:  # a plugin's failure while building this run
                            if len(runs) == 1:
                                raise
                            failures.append((label, str(exc)))
                            continue
                        task = progress.add_task(
                            label, total=session.total_steps, epoch=0, loss="-"
                        )
                        tracker = None
                        if sharpness is not None:
                            tracker = trackers[id(session)] = SharpnessTracker(session, sharpness)
                        try:
                            _train_one(session, progress, task, tracker)
                        except TrainingFailed as exc:
                            failures.append((label, str(exc)))
                        finally:
                            if session.epochs:
                                shown = label if session.done else f"{label} (interrupted)"
                                done.append((shown, session, time.perf_counter() - t0))
                                groups.setdefault(group, []).append(session)
                        progress.update(task, visible=False)
            except KeyboardInterrupt:
                interrupted = True
                disarm()  # Ctrl-C inside a rule's step budget: its alarm must not follow
            except Terminated as exc:
                interrupted, stop_code = True, int(exc.code)
            finally:  # from here a second Ctrl-C or a SIGTERM waits until the file is written
                held = stack.enter_context(signals_held())
        _report(
            out,
            done,
            runs,
            failures,
            groups,
            folds,
            interrupted,
            compares,
            applied,
            out_path,
            trackers,
        )
    if held:
        out.print("stopped again: the finished epochs were written first", highlight=False)
        sys.exit(128 + held[0])
    if interrupted:
        sys.exit(stop_code)
    if failures:
        sys.exit(1)


@contextlib.contextmanager
def signals_held() -> Iterator[list[int]]:
    """While finished epochs are reported and written, Ctrl-C and SIGTERM wait: the signals that
    arrived are listed (the caller exits with 128 + the first once its file is safe). A second
    Ctrl-C during the wind-down used to lose every finished epoch."""
    got: list[int] = []
    if threading.current_thread() is not threading.main_thread():
        yield got
        return

    def hold(signum, frame):  # noqa: ARG001
        got.append(signum)

    previous = {}
    try:
        for sig in (signal.SIGINT, signal.SIGTERM):
            previous[sig] = signal.signal(sig, hold)
        yield got
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)


def _report(
    out, done, runs, failures, groups, folds, interrupted, compares, applied, out_path, trackers
):
    """The finished runs: printed, and written to ``out_path`` (first, so that nothing printed
    can lose them)."""
    cross = _cross_validation(groups) if folds > 1 else []
    if out_path is not None:
        payload = {
            "complete": not interrupted and not failures,
            "interrupted": interrupted,
            "compare": list(compares),
            "suggested": applied,
            "runs": [
                {"label": label, "seconds": seconds}
                | session.result()
                | (
                    {"sharpness": trackers[id(session)].to_dict()}
                    if id(session) in trackers
                    else {}
                )
                for label, session, seconds in done
            ],
            "failed": [{"label": label, "reason": reason} for label, reason in failures],
        }
        if cross:
            payload["cross_validation"] = cross
        write_text(out_path, json.dumps(_finite(payload), indent=2) + "\n", "--json")
    if interrupted:
        out.print(
            f"interrupted: {len(done)} run(s) with finished epochs are shown below "
            f"({sum(s.done for _, s, _ in done)} of {len(runs)} complete)",
            highlight=False,
        )
    for label, session, _ in done:
        out.print(f"{label}: {describe(session)}", highlight=False)
    for label, session, _ in done:
        if id(session) in trackers:
            out.print(f"{label}: {trackers[id(session)].note()}", highlight=False, soft_wrap=True)
    if len(done) == 1 and len(runs) == 1:
        label, session, seconds = done[0]
        title = session.message or f"stopped after {session.global_step} steps"
        out.print(epoch_table(session, f"{session.splits.spec.name}: {title}"))
        out.print(_run_line(session, seconds), highlight=False)
    elif done:
        for table in compare_tables(done, out.width):
            out.print(table)
    if cross:
        out.print(_cross_table(cross, folds))
    for label, reason in failures:
        out.print(f"{label}: {reason}", highlight=False, style="red", soft_wrap=True)
    if out_path is not None:
        out.print(f"wrote {out_path}", highlight=False)


def _train_one(
    session: TrainingSession, progress: Progress, task, tracker: SharpnessTracker | None = None
) -> None:
    if tracker is not None:
        tracker.observe()  # step 0
    with clock():  # the whole run's step budgets share one timer (see TrainingSession.step)
        _steps(session, progress, task, tracker)


def _steps(session: TrainingSession, progress: Progress, task, tracker) -> None:
    while not session.done:
        session.step(1)
        if tracker is not None:
            tracker.observe()
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


def _run_line(session: TrainingSession, seconds: float) -> str:
    """Validation and test figures on one line; updates, their cost and the sparsity readout on
    the next."""
    if session.failed:
        test = "no test figure (the run failed)"
    else:
        test_loss, test_acc = session.evaluate("test")
        val_loss, val_acc = session.evaluate("val")
        shifted = " (shifted)" if session.config.test_shift else ""
        if session.classify:
            test = f"validation accuracy {_pct(val_acc)} · test accuracy{shifted} {_pct(test_acc)}"
        else:
            test = f"validation loss {_f(val_loss, '.4g')} · test loss{shifted} {test_loss:.4g}"
    timing = session.timing()
    stats = session.weight_stats()
    per_layer = ", ".join(_pct(layer["sparsity"]) for layer in stats["layers"])
    return (
        f"{test}\n{session.global_step} updates ({session.epochs_done:.3g} epochs) in "
        f"{seconds:.1f} s · {_f(_ms(timing['seconds_per_update']), '.3g')} ms / update · "
        f"{_f(timing['seconds_per_epoch'], '.3g')} s / epoch · |w| < 1e-3: "
        f"{_pct(stats['sparsity'])} of weights (per layer {per_layer})"
    )


def _cross_validation(groups: dict[str, list[TrainingSession]]) -> list[dict[str, Any]]:
    """Per configuration, each fold's final validation accuracy (loss for regression), their
    mean and their spread (sample standard deviation)."""
    rows = []
    for label, sessions in groups.items():
        values = []
        for s in sessions:
            loss, acc = s.evaluate("val") if not s.failed else (None, None)
            values.append(acc if s.classify else loss)
        clean = [v for v in values if v is not None and math.isfinite(v)]
        rows.append(
            {
                "label": label,
                "metric": "val_acc" if sessions[0].classify else "val_loss",
                "values": values,
                "mean": statistics.fmean(clean) if clean else None,
                "std": statistics.stdev(clean) if len(clean) > 1 else None,
            }
        )
    return rows


def _cross_table(rows: list[dict[str, Any]], folds: int) -> Table:
    acc = rows[0]["metric"] == "val_acc"
    fmt = _pct if acc else _f
    table_rows = [
        [
            r["label"],
            *(fmt(v) for v in r["values"]),
            *([""] * (folds - len(r["values"]))),
            fmt(r["mean"]),
            fmt(r["std"]),
        ]
        for r in rows
    ]
    headers = ["run", *(f"fold {i + 1}" for i in range(folds)), "mean", "spread (std)"]
    what = "validation accuracy" if acc else "validation loss"
    return _table(f"{folds}-fold cross-validation: {what}", headers, table_rows, True)
