"""``dl-explorer plugins``: what is loaded, what failed and why; ``plugins check`` for authors."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

import click
from rich.table import Table

from explorer.commands.output import console as make_console
from explorer.conformance import check_optimizer
from explorer.plugins import KINDS, PluginHost, describe_fault, plugin_fault


@dataclass(frozen=True)
class _Crashed:
    detail: str
    name: str = "runs"
    passed: bool = False


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
            table.add_row(kind[:-1], name, spec.plugin, _hypers(spec), _about(kind, spec))
        if kind == "surfaces":
            for family in registry.families.values():
                keys = ", ".join(family.keys)
                what = family.doc + (f" (keys: {keys})" if keys else "")
                example = family.examples[0] if family.examples else f"{family.name}…"
                table.add_row("surface family", example, family.plugin, "", what)
    console.print(table)
    if registry.failures:
        failed = Table(title="Plugins that failed (the rest loaded)", style="red")
        failed.add_column("plugin")
        failed.add_column("why")
        for f in registry.failures:
            failed.add_row(f.plugin, f.reason)
        console.print(failed)
    else:
        console.print("No plugin failed to load.")


@plugins.command("check")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(path: Path) -> None:
    """Conformance report for a plugin file: loads it, then checks each optimizer it adds."""
    host = PluginHost()
    host.load_file(path)
    registry = host.registry
    for kind in KINDS:
        host._collect(kind)
    console = make_console()
    for f in registry.failures:
        console.print(f"[red]FAIL[/red] {f.plugin}: {f.reason}", highlight=False)
    found = sum(len(getattr(registry, k)) for k in KINDS)
    if not found and registry.failures:
        sys.exit(1)
    if not found:
        console.print(
            f"{path.name} registers nothing: add a function decorated with "
            "@hookimpl named register_optimizers (or another hook)."
        )
        sys.exit(1)
    all_ok = not registry.failures
    for kind in KINDS:
        for name in getattr(registry, kind):
            if kind != "optimizers":
                console.print(
                    f"[green]ok[/green]   registers {kind[:-1]} {name!r}", highlight=False
                )
    for name, spec in registry.optimizers.items():
        table = Table(title=f"optimizer {name!r}")
        table.add_column("check")
        table.add_column("result")
        table.add_column("detail")
        try:
            checks = check_optimizer(spec)
        except BaseException as exc:  # the plugin's code ran inside the checks
            if not plugin_fault(exc):
                raise
            checks = [_Crashed(f"the checks stopped: the rule raised {describe_fault(exc)}")]
        for c in checks:
            all_ok &= c.passed
            table.add_row(
                c.name, "[green]pass[/green]" if c.passed else "[red]FAIL[/red]", c.detail
            )
        console.print(table)
    console.print("All checks passed." if all_ok else "Some checks failed.")
    sys.exit(0 if all_ok else 1)
