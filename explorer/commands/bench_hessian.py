"""``dl-explorer bench hessian``: what the Hessian of a real net's training loss costs, exact
(torch.func) and by Lanczos on Hessian-vector products, and how well the two agree."""

from __future__ import annotations

import time

import click
import numpy as np
import torch
from rich import box
from rich.table import Table

from explorer.commands.output import console as make_console
from explorer.training.config import TrainConfig


def _session(registry, depth: int, width: int, epochs: int):
    from explorer.training.session import TrainingSession

    config = TrainConfig(
        dataset="circle",
        depth=depth,
        width=width,
        activation="tanh",
        optimizer="adam",
        optimizer_hyper={"lr": 0.01},
        batch_size=400,
        epochs=epochs,
        device="cpu",
    )
    session = TrainingSession(config, registry)
    session.fit()
    return session


@click.command()
@click.option(
    "--width",
    default=42,
    show_default=True,
    type=click.IntRange(1, 200),
    help="Width of the 2-hidden-layer net timed exactly (42: 2,018 parameters).",
)
@click.option(
    "--lanczos-width",
    default=100,
    show_default=True,
    type=click.IntRange(1, 400),
    help="Width of the 3-hidden-layer net timed by Lanczos alone (100: 20,702 parameters).",
)
@click.option("--epochs", default=30, show_default=True, type=click.IntRange(1, 10_000))
@click.option("--k", default=6, show_default=True, type=click.IntRange(1, 50))
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 256))
@click.pass_obj
def hessian(registry, width: int, lanczos_width: int, epochs: int, k: int, threads: int) -> None:
    """Time an exact ~2,000-parameter Hessian and Lanczos on it and on a larger net."""
    from explorer.training import hessian as H

    torch.set_num_threads(threads)
    if registry is None:
        from explorer.plugins import default_registry

        registry = default_registry()
    out = make_console()
    table = Table(title="Hessian of a trained net's training loss (float64, CPU)", box=box.SIMPLE)
    for column in ("net", "parameters", "what", "seconds", "result"):
        table.add_column(column, justify="left" if column in ("net", "what", "result") else "right")

    session = _session(registry, 2, width, epochs)
    f, theta = H.training_loss(session)
    n = theta.numel()
    if n > H.EXACT_LIMIT:
        raise ValueError(H.too_large(n))
    label = f"circle 2 × {width} tanh"
    H.hvp(f, theta)(theta)  # warm-up: torch.func builds its transforms once
    t0 = time.perf_counter()
    hess = H.exact_hessian(f, theta, chunk_size=64)
    t_exact = time.perf_counter() - t0
    t0 = time.perf_counter()
    exact = torch.linalg.eigvalsh(hess).numpy()
    t_eig = time.perf_counter() - t0
    table.add_row(label, f"{n:,}", "exact Hessian (torch.func jacrev∘grad)", f"{t_exact:.2f}", "")
    table.add_row(
        "", "", "all eigenvalues (eigvalsh)", f"{t_eig:.2f}", f"{exact[0]:+.3g} … {exact[-1]:+.3g}"
    )
    hvp = H.hvp(f, theta)
    v = torch.randn(n, dtype=H.DTYPE, generator=torch.Generator().manual_seed(0))
    reps = 20
    t0 = time.perf_counter()
    for _ in range(reps):
        hv = hvp(v)
    t_hvp = (time.perf_counter() - t0) / reps
    err = float((hv - hess @ v).norm() / (hess @ v).norm())
    table.add_row("", "", "one Hessian-vector product", f"{t_hvp:.4f}", f"rel. error {err:.1e}")
    t0 = time.perf_counter()
    bottom, top = H.lanczos_extremes(f, theta, k)
    t_lanczos = time.perf_counter() - t0
    gap = (
        max(np.abs(top - exact[-len(top) :]).max(), np.abs(bottom - exact[: len(bottom)]).max())
        / np.abs(exact).max()
    )
    table.add_row(
        "",
        "",
        f"Lanczos: {k} largest + {k} smallest",
        f"{t_lanczos:.2f}",
        f"off exact by {gap:.1e} × max|λ|",
    )
    big = _session(registry, 3, lanczos_width, max(1, epochs // 3))
    fb, thetab = H.training_loss(big)
    nb = thetab.numel()
    hvpb = H.hvp(fb, thetab)
    hvpb(thetab)
    t0 = time.perf_counter()
    for _ in range(5):
        hvpb(thetab)
    t_hvpb = (time.perf_counter() - t0) / 5
    t0 = time.perf_counter()
    bb, tb = H.lanczos_extremes(fb, thetab, k)
    t_big = time.perf_counter() - t0
    label_b = f"circle 3 × {lanczos_width} tanh"
    table.add_row(label_b, f"{nb:,}", "one Hessian-vector product", f"{t_hvpb:.4f}", "")
    table.add_row(
        "",
        "",
        f"Lanczos: {k} largest + {k} smallest",
        f"{t_big:.2f}",
        f"{bb[0]:+.3g} … {tb[-1]:+.3g}",
    )
    gb = nb * nb * 8 / 1e9
    table.add_row("", "", f"(exact would need a {gb:.1f} GB matrix)", "", "")
    out.print(table)
    out.print(
        f"exact {n:,}-parameter Hessian {t_exact:.2f} s ≈ {t_exact / t_hvp:.0f} Hessian-vector "
        f"products; Lanczos extremes {t_lanczos:.2f} s on it, {t_big:.2f} s on {nb:,} parameters",
        highlight=False,
    )
