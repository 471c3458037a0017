"""``dl-explorer plugins``: what is loaded, what failed and why; ``plugins check`` for authors."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click
from rich.markup import escape
from rich.table import Table

from explorer.commands.output import console as make_console
from explorer.plugins import KINDS, describe_fault, plugin_fault


def _hypers(spec) -> str:
    return ", ".join(f"{k}={h.default:g}" for k, h in getattr(spec, "hyper", {}).items())


def _about(kind: str, spec) -> str:
    if kind == "optimizers":
        return spec.doc.split("\n")[0]
    if kind == "surfaces":
        return spec.formula + ("  [data: mini-batches]" if spec.has_data else "")
    if kind == "activations":
        return spec.formula + (f"  [{spec.pieces} pieces]" if spec.pieces > 1 else "")
    if kind == "datasets":
        return f"{spec.task}, {spec.input_dim}-D input" + (
            f", {spec.n_classes} classes" if spec.task == "classification" else ""
        )
    return spec.doc


@click.group(invoke_without_command=True)
@click.pass_context
def plugins(ctx: click.Context) -> None:
    """List every optimizer, surface, schedule, activation and dataset, and failed plugins."""
    if ctx.invoked_subcommand is not None:
        return
    registry = ctx.obj
    console = make_console()
    table = Table(title="DL Explorer plugins")
    for col in ("kind", "name", "plugin", "defaults", "what"):
        table.add_column(col)
    for kind in KINDS:
        for name, spec in getattr(registry, kind).items():
            row = (kind[:-1], name, spec.plugin, _hypers(spec), _about(kind, spec))
            table.add_row(*(escape(str(c)) for c in row))  # a plugin's text is never markup
        if kind == "surfaces":
            for family in registry.families.values():
                keys = ", ".join(family.keys)
                what = family.doc + (f" (keys: {keys})" if keys else "")
                example = family.examples[0] if family.examples else f"{family.name}…"
                table.add_row(
                    "surface family",
                    *(escape(c) for c in (example, family.plugin)),
                    "",
                    escape(what),
                )
    console.print(table)
    if registry.failures:
        failed = Table(title="Plugins that failed (the rest loaded)", style="red")
        failed.add_column("plugin")
        failed.add_column("why")
        for f in registry.failures:
            failed.add_row(escape(f.plugin), escape(f.reason))
        console.print(failed)
    else:
        console.print("No plugin failed to load.")


@plugins.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--against",
    default=None,
    metavar="CLASS[:k=v,...]",
    help="Compare each optimizer step by step with a reference: an importable "
    "torch.optim.Optimizer class (torch.optim.Adam:lr=0.01,betas=0.9/0.999) or a registered "
    "optimizer (adam:lr=0.01). Names the first differing step and the likely mistake.",
)
@click.pass_obj
def check(registry, path: Path, against: str | None) -> None:
    """Conformance report for a plugin file: loads it, then checks everything it adds."""
    from explorer.conformance import check_file
    from explorer.reference_check import AgainstError, resolve_reference

    console = make_console()
    reference = None
    if against is not None:
        try:
            reference = resolve_reference(against, registry)
        except AgainstError as exc:
            raise click.ClickException(str(exc)) from None
    report = check_file(path)
    file_registry = report.registry
    for f in file_registry.failures:
        console.print(f"[red]FAIL[/red] {escape(f.plugin)}: {escape(f.reason)}", highlight=False)
    found = sum(len(getattr(file_registry, k)) for k in KINDS)
    if not found and file_registry.failures:
        sys.exit(1)
    if not found:
        console.print(
            f"{path.name} registers nothing: add a function decorated with "
            "@hookimpl named register_optimizers (or another hook)."
        )
        sys.exit(1)
    for (kind, name), checks in report.checks.items():
        table = Table(title=escape(f"{kind[:-1]} {name!r}"))
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail")
        for c in checks:
            table.add_row(  # a plugin's values ("[nan, nan]") are text, never rich markup
                escape(c.name),
                "[green]pass[/green]" if c.passed else "[red]FAIL[/red]",
                escape(c.detail),
            )
        console.print(table)
    all_ok = report.passed
    if reference is not None:
        if not file_registry.optimizers:
            console.print(f"--against compares optimizers; {path.name} registers none.")
            all_ok = False
        for spec in file_registry.optimizers.values():
            all_ok &= _print_comparison(console, spec, reference)
    console.print("All checks passed." if all_ok else "Some checks failed.")
    sys.exit(0 if all_ok else 1)


def _print_comparison(console, spec, reference) -> bool:
    from explorer.reference_check import compare, describe

    try:
        started = time.perf_counter()
        comparison = compare(spec, reference)
        took = time.perf_counter() - started
    except BaseException as exc:  # the reference or the rule raised outside a step
        if not plugin_fault(exc):
            raise
        console.print(f"[red]FAIL[/red] the comparison stopped: {escape(describe_fault(exc))}")
        return False
    if comparison.refused:  # nothing ran: a knob the reference has no name for
        console.print(f"[red]FAIL[/red] {escape(describe(comparison)[0])}", highlight=False)
        return False
    knobs = ", ".join(f"{k}={v:g}" for k, v in comparison.candidate_values.items())
    ref_args = ", ".join(
        f"{k}={'/'.join(f'{x:g}' for x in v) if isinstance(v, tuple) else v}"
        for k, v in comparison.reference_kwargs.items()
    )
    table = Table(
        title=f"{spec.name}({knobs}) against {reference.label}({ref_args}), float64, "
        "resynchronised every step"
    )
    for col in ("case", "steps", "first difference", "size", "largest"):
        table.add_column(col)
    for r in comparison.results:
        if r.agrees:
            first, size = "[green]none[/green]", "—"
        else:
            where = f"step {r.first_step}" + (
                f", coordinate {r.coordinate}" if r.coordinate is not None else ""
            )
            first, size = (
                f"[red]{where}[/red]",
                f"{r.size:.3g}" if r.coordinate is not None else "—",
            )
        table.add_row(
            r.case + (f" ({r.note})" if r.note else ""),
            str(r.steps),
            first,
            size,
            f"{r.largest:.3g}" if r.largest else "0",
        )
    console.print(table)
    for line in describe(comparison):
        console.print(escape(line), highlight=False)
    console.print(f"(compared in {took:.2f} s)", style="dim", highlight=False)
    return comparison.agrees


@plugins.command("new")
@click.argument(
    "kind", type=click.Choice(["optimizer", "surface", "schedule", "activation", "dataset"])
)
@click.argument("name")
@click.option(
    "--dir",
    "folder",
    default=".",
    show_default=True,
    type=click.Path(path_type=Path),
    help="The folder to write NAME.py and test_NAME.py into.",
)
def new(kind: str, name: str, folder: Path) -> None:
    """Write a plugin that runs as written (NAME.py) and its tests (test_NAME.py)."""
    from explorer.plugin_templates import TemplateError, write_plugin

    try:
        plugin, test = write_plugin(kind, name, folder)
    except (TemplateError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"wrote {plugin} and {test}")
    click.echo(f"next: dl-explorer plugins check {plugin}")
    click.echo(f"      pytest {test}")
    click.echo(f"      dl-explorer --plugins-dir {folder} --watch")


@plugins.command("show")
@click.argument("name")
@click.pass_obj
def show(registry, name: str) -> None:
    """Everything about one plugin thing: equation, hyperparameters, state, where it comes from."""
    from explorer.plugin_info import describe_thing

    console = make_console()
    for block in describe_thing(registry, name):
        console.print(block)


@plugins.command("score")
@click.argument("what", metavar="NAME|FILE")
@click.option(
    "--csv",
    "csv_path",
    default=None,
    help="Write the scoreboard as CSV (one row per task and optimizer).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, 2**32 - 1))
@click.option(
    "--against",
    "others",
    default=None,
    metavar="NAME,NAME",
    help="The optimizers to score against (default: adam,momentum).",
)
@click.option(
    "--budget",
    default=4,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Tuning trials per optimizer and task (dl-explorer benchmark for more).",
)
@click.pass_obj
def score(
    registry, what: str, csv_path: str | None, seed: int, others: str | None, budget: int
) -> None:
    """A quick benchmark: the optimizer against Adam and SGD with momentum, every knob tuned."""
    from explorer.commands.output import check_output
    from explorer.scoreboard import print_scoreboard, run_scoreboard, target_spec, write_csv

    out = check_output(csv_path, "--csv")
    spec = target_spec(what, registry)
    names = [n.strip() for n in others.split(",") if n.strip()] if others else None
    console = make_console()
    started = time.perf_counter()
    board = run_scoreboard(spec, registry, seed=seed, others=names, console=console, budget=budget)
    print_scoreboard(board, console)
    console.print(
        f"(scored in {time.perf_counter() - started:.1f} s)", style="dim", highlight=False
    )
    if out is not None:
        write_csv(board, out)
        console.print(f"wrote {out}")
