"""``dl-explorer connect``: the loss between two trained solutions of one net, along the straight
line and along a Bezier curve trained to connect them (``explorer.landscape.connect``)."""

from __future__ import annotations

import json

import click
import torch
from rich import box
from rich.table import Table

from explorer.commands.optspec import parse_optimizer_arg
from explorer.commands.output import check_output, write_text
from explorer.commands.output import console as make_console
from explorer.training.config import MAX_SAMPLES, SEED_MAX, TrainConfig

OTHER_KEYS = {"depth": int, "width": int, "activation": str}


def parse_other(items: tuple[str, ...]) -> dict[str, object]:
    from explorer.app.ui.i18n import t

    out: dict[str, object] = {}
    for item in items:
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq or key not in OTHER_KEYS:
            raise ValueError(t("planes.cli_other_key", item=repr(item), keys=", ".join(OTHER_KEYS)))
        try:
            out[key] = OTHER_KEYS[key](raw.strip())
        except ValueError:
            raise ValueError(t("planes.cli_other_number", item=repr(item), name=key)) from None
    return out


@click.command()
@click.option("--dataset", default="moons", show_default=True, help="A dataset plugin.")
@click.option("--n", type=click.IntRange(4, MAX_SAMPLES), default=None, help="Samples.")
@click.option("--depth", default=2, show_default=True, type=click.IntRange(1, 50))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1, 2048))
@click.option("--activation", default="relu", show_default=True)
@click.option("--optimizer", default="adam:lr=0.01", show_default=True, metavar="NAME[:k=v,...]")
@click.option("--epochs", default=60, show_default=True, type=click.IntRange(1, 100_000))
@click.option("--seed-a", default=0, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option("--seed-b", default=1, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option(
    "--other",
    multiple=True,
    metavar="KEY=VALUE",
    help="Train the second solution with this setting changed (depth, width or activation); "
    "a different architecture is refused.",
)
@click.option("--curve-steps", default=400, show_default=True, type=click.IntRange(0, 100_000))
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 256))
@click.option("--json", "json_path", default=None, metavar="FILE", help="Every figure, as JSON.")
@click.pass_obj
def connect(registry, optimizer, seed_a, seed_b, other, curve_steps, threads, json_path, **net):
    """Train one net with two seeds; print the loss along the straight line between the two
    solutions and along a quadratic Bezier curve trained to connect them (Garipov et al. 2018):
    the barrier on the line, and what is left of it on the curve."""
    from explorer.app.scenes.network.message_text import message_text
    from explorer.app.ui.i18n import t
    from explorer.landscape.connect import ConnectError
    from explorer.landscape.connect import connect as run

    torch.set_num_threads(threads)
    out_file = check_output(json_path, "--json")
    name, hyper = parse_optimizer_arg(optimizer, registry)
    config = TrainConfig(**net, optimizer=name, optimizer_hyper=hyper, device="cpu")
    config.validate()
    try:
        result = run(config, registry, (seed_a, seed_b), parse_other(other), curve_steps)
    except ConnectError as exc:  # one sentence, in the command's language
        raise ValueError(exc.note.word(t, message=message_text)) from None
    out = make_console()
    table = Table(box=box.SIMPLE_HEAD, title=t("planes.connect_table"))
    for head in ("connect_t", "connect_line", "connect_curve"):
        table.add_column(t(f"planes.{head}"), justify="right")
    for t_, a, b in zip(result.t, result.line, result.curve, strict=True):
        table.add_row(f"{t_:.2f}", f"{a:.4f}", f"{b:.4f}")
    out.print(table)
    summary = t(
        "planes.connect_summary",
        weights=f"{result.parameters:,}",
        a=seed_a,
        b=seed_b,
        distance=f"{result.distance:.3g}",
        line=f"{result.line_barrier:.4g}",
        curve=f"{result.curve_barrier:.4g}",
        steps=curve_steps,
    )
    out.print(summary, highlight=False, soft_wrap=True)
    if out_file is not None:
        write_text(out_file, json.dumps(result.to_dict(), indent=1) + "\n", "--json")
        out.print(t("planes.wrote", file=out_file), highlight=False)
