"""``dl-explorer paths``: several optimizers trained from one initialization on one real net,
their paths drawn on one shared plane, with how far each path is off the plane and its true loss
beside the map's (``explorer.landscape.paths``)."""

from __future__ import annotations

import json
import time

import click
import torch

from explorer.commands.optspec import parse_optimizer_arg
from explorer.commands.output import check_output, write_text
from explorer.commands.output import console as make_console
from explorer.commands.train import _finite
from explorer.training.config import MAX_SAMPLES, SEED_MAX, TrainConfig

OPTIMIZERS = ("sgd:lr=0.1", "momentum:lr=0.05", "adam:lr=0.001")


@click.command()
@click.option("--dataset", default="digits", show_default=True, help="A dataset plugin.")
@click.option("--n", type=click.IntRange(4, MAX_SAMPLES), default=None, help="Samples.")
@click.option("--depth", default=8, show_default=True, type=click.IntRange(0, 100))
@click.option("--width", default=32, show_default=True, type=click.IntRange(1, 4096))
@click.option("--activation", default="relu", show_default=True, help="An activation plugin.")
@click.option(
    "--batch-norm/--no-batch-norm",
    default=False,
    show_default=True,
    help="Batch norm after each hidden layer: each point's true loss then uses its own "
    "optimizer's running statistics at that step, the map the centre's.",
)
@click.option("--batch-size", default=64, show_default=True, type=click.IntRange(1))
@click.option("--steps", default=300, show_default=True, type=click.IntRange(1, 100_000))
@click.option(
    "--optimizer",
    "optimizers",
    multiple=True,
    metavar="NAME[:k=v,...]",
    help=f"An optimizer to train with; repeat for each (default: {', '.join(OPTIMIZERS)}).",
)
@click.option(
    "--plane",
    type=click.Choice(("random", "pca", "hessian")),
    default="pca",
    show_default=True,
    help="random: filter-normalized random directions (--seed); pca: the top two principal "
    "directions of all the paths together; hessian: the top two Hessian eigenvectors at the "
    "centre.",
)
@click.option(
    "--centre",
    default="init",
    show_default=True,
    metavar="init|OPTIMIZER",
    help="Where the plane goes through: the shared initialization, or one optimizer's end point "
    "(as written in --optimizer).",
)
@click.option(
    "--others",
    default=3,
    show_default=True,
    type=click.IntRange(0, 8),
    help="Also draw the map along this many other random directions (seeds after --seed), with "
    "the spread of the loss near the centre between them.",
)
@click.option("--grid", default=64, show_default=True, type=click.IntRange(8, 256))
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 256))
@click.option("--out", "out_path", default=None, metavar="FILE.png", help="The picture.")
@click.option("--json", "json_path", default=None, metavar="FILE", help="Every figure, as JSON.")
@click.pass_obj
def paths(registry, optimizers, plane, centre, others, grid, threads, out_path, json_path, **net):
    """Train one net from one initialization with each optimizer and draw all the paths on one
    shared plane, with the share of each path off the plane and its true loss beside the map's."""
    from explorer.app.ui.i18n import t
    from explorer.landscape.paths import PlaneError, compare_on_plane

    torch.set_num_threads(threads)
    out_file = check_output(out_path, "--out")
    json_file = check_output(json_path, "--json")
    if out_file is not None and out_file.suffix.lower() != ".png":
        raise ValueError(t("planes.cli_png", file=out_path))
    specs = list(optimizers) or list(OPTIMIZERS)
    chosen = []
    for text in specs:
        name, hyper = parse_optimizer_arg(text, registry)
        chosen.append((text, name, dict(hyper)))
    if len({label for label, *_ in chosen}) < len(chosen):
        raise ValueError(t("planes.cli_twice"))
    config = TrainConfig(**net, device="cpu")
    config.validate()
    out = make_console()
    t0 = time.perf_counter()
    try:
        result = compare_on_plane(
            config,
            chosen,
            registry,
            plane=plane,
            centre=centre,
            seed=net["seed"],
            side=grid,
            others=others,
        )
    except PlaneError as exc:  # one sentence, in the command's language
        raise ValueError(exc.note.word(t)) from None
    seconds = time.perf_counter() - t0
    _print(out, result, seconds)
    if json_file is not None:
        payload = _finite(result.to_dict() | {"seconds": seconds})
        write_text(json_file, json.dumps(payload, indent=1, allow_nan=False) + "\n", "--json")
        out.print(t("planes.wrote", file=json_file), highlight=False)
    if out_file is not None:
        _write_png(result, registry, out_file)
        out.print(t("planes.wrote", file=out_file), highlight=False)


def _print(out, result, seconds: float) -> None:
    """The figures, in the app's language (``dl-explorer --lang zh paths``)."""
    from explorer.app.ui.i18n import t
    from explorer.landscape.paths import OFF_PLANE

    centre = t("planes.centre_init") if result.centre == "init" else result.centre
    plane = t(f"planes.plane_{result.plane}")
    weights = f"{result.n_parameters:,}"
    head = t("planes.print_head", plane=plane, centre=centre, weights=weights)
    if result.explained:
        a, b = result.explained
        head += t("planes.print_explained", a=f"{a:.1%}", b=f"{b:.1%}", sum=f"{a + b:.1%}")
    if result.curvatures:
        a, b = result.curvatures
        head += t("planes.print_curvatures", a=f"{a:.4g}", b=f"{b:.4g}")
    head += t("planes.print_seconds", seconds=f"{seconds:.1f}")
    out.print(head, highlight=False, soft_wrap=True)
    for p in result.paths:
        s = p.summary()
        row = t(
            "planes.print_row",
            points=len(p.path.steps),
            step=p.path.steps[-1],
            median=f"{s['median_off']:.0%}",
            share=f"{p.off_share:.0%}",
            limit=f"{OFF_PLANE:.0%}",
            true=f"{s['end_true_loss']:.4g}",
            map=f"{s['end_map_loss']:.4g}",
        )
        out.print(f"  {p.path.label:<20} {row}", highlight=False, soft_wrap=True)
    if result.others:
        maps = [m for m in [result.map, *result.others] if m.seed is not None]
        means = ", ".join(
            t("planes.seed_mean", seed=m.seed, mean=f"{m.centre_mean:.4g}") for m in maps
        )
        spread = result.centre_spread
        line = t("planes.print_others", means=means)
        if spread is not None:
            line += t("planes.print_spread", spread=f"{spread:.3g}")
        out.print(f"  {line}", highlight=False, soft_wrap=True)
    for note in result.notes:
        out.print(note.word(t), highlight=False, style="yellow", soft_wrap=True)


def _write_png(result, registry, out_file) -> None:
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    from explorer.app.scenes.network.plane_picture import write_png

    order = list(registry.optimizers)
    colours = [
        order.index(p.path.optimizer) if p.path.optimizer in order else i
        for i, p in enumerate(result.paths)
    ]
    write_png(result, colours, out_file)
