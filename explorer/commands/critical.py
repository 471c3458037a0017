"""``dl-explorer critical``: what the Hessian says about a point (minimum, saddle, maximum), on a
2-D surface (``--surface --at``) or where a small real network's training stalls (``--net``)."""

from __future__ import annotations

import json

import click
import numpy as np
import torch
from rich import box
from rich.table import Table
from rich.text import Text

from explorer.commands.optspec import parse_optimizer_arg, parse_point
from explorer.commands.output import check_output, write_text
from explorer.commands.output import console as make_console
from explorer.landscape.critical import analyze
from explorer.training.config import MAX_SAMPLES, SEED_MAX, TrainConfig

# The --net options and their defaults: a small smooth net whose Hessian is exact in a blink.
NET_DEFAULTS = {
    "dataset": "circle",
    "n": None,
    "depth": 2,
    "width": 8,
    "activation": "tanh",
    "optimizer": "adam:lr=0.01",
    "batch_size": None,
    "epochs": None,
    "max_epochs": 2000,
    "method": "auto",
    "steps": 40,
    "probes": 4,
    "seed": 0,
    "json_path": None,
}


def _vec(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{c:+.4g}" for c in v) + ")"


@click.command()
@click.option("--surface", default=None, help="A surface name or expr:FORMULA.")
@click.option("--at", "at", default=None, help="The point x,y to inspect, e.g. --at 0,0.")
@click.option(
    "--net",
    is_flag=True,
    help="Instead: train a small network until its training stalls (or for --epochs) and "
    "examine the Hessian of its training loss there.",
)
@click.option("--dataset", default="circle", show_default=True, help="(--net) A dataset plugin.")
@click.option("--n", type=click.IntRange(4, MAX_SAMPLES), default=None, help="(--net) Samples.")
@click.option(
    "--depth",
    default=2,
    show_default=True,
    type=click.IntRange(0, 100),
    help="(--net) Hidden layers.",
)
@click.option(
    "--width",
    default=8,
    show_default=True,
    type=click.IntRange(1, 100_000),
    help="(--net) Units per hidden layer.",
)
@click.option("--activation", default="tanh", show_default=True, help="(--net) An activation.")
@click.option(
    "--optimizer",
    default="adam:lr=0.01",
    show_default=True,
    metavar="NAME[:k=v,...]",
    help="(--net) The optimizer that trains it.",
)
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=None,
    help="(--net) Default: the whole training split (full-batch steps settle where the "
    "gradient vanishes).",
)
@click.option(
    "--epochs",
    type=click.IntRange(1, 1_000_000),
    default=None,
    help="(--net) Train exactly this many epochs instead of until the loss stalls.",
)
@click.option(
    "--max-epochs",
    type=click.IntRange(1, 1_000_000),
    default=2000,
    show_default=True,
    help="(--net) Give up waiting for a stall after this many epochs.",
)
@click.option(
    "--method",
    type=click.Choice(["auto", "exact", "lanczos"]),
    default="auto",
    show_default=True,
    help="(--net) exact: the whole Hessian by torch.func (up to 4,000 parameters); lanczos: "
    "Hessian-vector products (the extreme eigenvalues, and the shares of directions curving "
    "down and up by more than a band it resolves, with their error, by stochastic Lanczos "
    "quadrature); auto: exact when it fits.",
)
@click.option(
    "--steps",
    type=click.IntRange(2, 1000),
    default=40,
    show_default=True,
    help="(--net, lanczos) Lanczos steps per probe (more: a thinner band resolved).",
)
@click.option(
    "--probes",
    type=click.IntRange(1, 100),
    default=4,
    show_default=True,
    help="(--net, lanczos) Random probe vectors (more: a smaller error on the shares).",
)
@click.option("--seed", default=0, show_default=True, type=click.IntRange(0, SEED_MAX))
@click.option(
    "--json",
    "json_path",
    default=None,
    metavar="FILE",
    help="(--net) Also write the spectrum and its summary to this JSON file.",
)
@click.pass_obj
def critical(registry, surface: str | None, at: str | None, net: bool, **options) -> None:
    """Gradient, Hessian eigenvalues, kind of point and escape direction at a point.

    With --net: the Hessian spectrum of a real network's training loss where training stalls,
    its minimum ratio (the fraction of positive eigenvalues) and whether it is a saddle."""
    if net:
        if surface is not None or at is not None:
            raise click.UsageError("give --net or --surface/--at, not both")
        return _net(registry, **options)
    changed = [k for k, v in options.items() if v != NET_DEFAULTS[k]]
    if changed:
        name = "--" + changed[0].replace("_path", "").replace("_", "-")
        raise click.UsageError(f"{name} is an option of --net; add --net to examine a network")
    if surface is None:
        raise click.UsageError("Missing option '--surface' (or give --net for a network).")
    if at is None:
        raise click.UsageError("Missing option '--at'.")
    spec = registry.surface(surface)
    x, y = parse_point(at, "--at")
    cp = analyze(spec, x, y)
    click.echo(f"surface     {spec.name}   f(x, y) = {spec.formula}")
    click.echo(f"point       ({x:g}, {y:g})   value {cp.value:.6g}")
    click.echo(f"gradient    {_vec(cp.gradient)}   |∇f| = {np.linalg.norm(cp.gradient):.3g}")
    click.echo(f"hessian     {_vec(cp.hessian[0])}")
    click.echo(f"            {_vec(cp.hessian[1])}")
    for i, lam in enumerate(cp.eigenvalues):
        click.echo(f"eigenvalue  {lam:+.6g} along {_vec(cp.eigenvectors[:, i])}")
    if cp.is_critical:
        click.echo(f"kind        {cp.kind}: {cp.where}")
    else:
        click.echo(f"kind        none: {cp.where}")
    escape = cp.escape_direction
    if escape is not None and cp.is_critical:
        click.echo(
            f"escape      {_vec(escape)} (and its opposite): the loss falls fastest that way"
        )
    click.echo(cp.verdict())


def _net(registry, *, json_path, method, steps, probes, max_epochs, optimizer, **knobs) -> None:
    from explorer.training import hessian as H
    from explorer.training.session import TrainingSession, check_config

    torch.set_num_threads(1)  # small nets: one thread is fastest
    if registry is None:
        from explorer.plugins import default_registry

        registry = default_registry()
    out_path = check_output(json_path, "--json")
    opt_name, opt_hyper = parse_optimizer_arg(optimizer, registry)
    data = registry.dataset(knobs["dataset"])
    epochs = knobs.pop("epochs")
    if knobs["batch_size"] is None:  # full batch
        knobs["batch_size"] = knobs["n"] if knobs["n"] is not None else data.default_n
    config = TrainConfig(
        optimizer=opt_name,
        optimizer_hyper=opt_hyper,
        epochs=epochs or max_epochs,
        device="cpu",
        **knobs,
    )
    check_config(config, registry)
    session = TrainingSession(config, registry)
    n_params = sum(p.numel() for p in session.model.parameters())
    if method == "exact" and n_params > H.EXACT_LIMIT:
        raise ValueError(H.too_large(n_params))
    out = make_console()
    with out.status(f"training {n_params:,} parameters on {data.name} …"):
        if epochs is None:
            how = H.train_until_stall(session, max_epochs)
        else:
            session.fit()
            how = f"ran {session.epoch} epochs (training loss {session.epochs[-1].train_loss:.4g})"
    if session.failed or session.diverged:
        raise ValueError(f"training did not reach a point worth examining: {session.message}")
    f, theta = H.training_loss(session)
    with out.status(f"Hessian of {n_params:,} parameters ({method}) …"):
        sp = H.spectrum(f, theta, method, steps=steps, probes=probes)
    act = config.activation
    n_train = len(session.splits.train)
    batch = "full batch" if config.batch_size >= n_train else f"batch {config.batch_size}"
    shape = " × ".join([str(config.depth), str(config.width)]) if config.depth else "no hidden"
    out.print(
        f"net          {data.name} ({len(session.splits.train)} training samples) · {shape} "
        f"{act} · {n_params:,} parameters · {opt_name} · {batch}",
        highlight=False,
    )
    out.print(f"training     {how}", highlight=False)
    out.print(f"loss         {sp.loss:.6g} · |∇L| = {sp.grad_norm:.3g}", highlight=False)
    if sp.method == "exact":
        how_h = f"exact (torch.func), {n_params:,} × {n_params:,}, {sp.seconds:.2f} s"
    else:
        how_h = (
            f"Lanczos on Hessian-vector products ({probes} probes × {steps} steps; extremes "
            f"and shares by stochastic Lanczos quadrature), {sp.seconds:.2f} s"
        )
    out.print(f"hessian      {how_h}", highlight=False)
    out.print(
        f"eigenvalues  min {sp.smallest:+.4g} · max {sp.largest:+.4g} · flat when "
        f"|λ| < {sp.tol:.2g}",
        highlight=False,
    )
    if sp.method == "exact":
        line = (
            f"counts       positive {sp.positive * n_params:.0f} · negative "
            f"{sp.negative * n_params:.0f} · flat {sp.flat * n_params:.0f} of {n_params:,}"
        )
    else:  # shares with their error: Lanczos cannot count eigenvalues one by one
        e = sp.share_error
        line = (
            f"shares       positive {sp.positive:.1%} ± {e:.1%} · negative {sp.negative:.1%} "
            f"± {e:.1%} · flat {sp.flat:.1%} (no counts: Lanczos resolves no band thinner "
            f"than ±{sp.tol:.2g})"
        )
    out.print(line, highlight=False)
    out.print(_histogram(sp))
    out.print(sp.verdict(), highlight=False)
    if out_path is not None:
        payload = {
            "config": config.to_dict(),
            "training": how,
            "epochs": session.epoch,
            "n_params": n_params,
            "method": sp.method,
            "loss": sp.loss,
            "grad_norm": sp.grad_norm,
            "eigenvalues": sp.eigenvalues.tolist(),
            "smallest": sp.smallest,
            "largest": sp.largest,
            "tol": sp.tol,
            "positive": sp.positive,
            "negative": sp.negative,
            "flat": sp.flat,
            "share_error": sp.share_error,
            "critical": sp.critical,
            "grad_tol": sp.grad_tol,
            "minimum_ratio": sp.minimum_ratio,
            "kind": sp.kind,
            "histogram": [list(row) for row in sp.histogram()],
            "seconds": sp.seconds,
        }
        write_text(out_path, json.dumps(payload, indent=2) + "\n", "--json")
        out.print(f"wrote {out_path}", highlight=False)


def _histogram(sp) -> Table:
    rows = sp.histogram()
    filled = [i for i, (*_, count) in enumerate(rows) if count > 0]
    if filled:  # no empty bins beyond the extremes
        rows = rows[filled[0] : filled[-1] + 1]
    top = max((c for *_, c in rows), default=1.0) or 1.0
    title = "eigenvalue spectrum" + ("" if sp.method == "exact" else " (estimated)")
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False)
    table.add_column("eigenvalues", justify="right")
    table.add_column("count" if sp.method == "exact" else "share", justify="right")
    table.add_column("", justify="left", min_width=30)
    for lo, hi, count in rows:
        if lo < 0 < hi:
            label, style = f"flat |λ| < {hi:.2g}", "dim"
        else:
            label = f"{lo:+.2g} … {hi:+.2g}"
            style = "red" if hi <= 0 else "green"
        shown = f"{count:.0f}" if sp.method == "exact" else f"{count / sp.n_params:.1%}"
        table.add_row(
            label, shown, Text("█" * (round(30 * count / top) or (count > 0)), style=style)
        )
    return table
