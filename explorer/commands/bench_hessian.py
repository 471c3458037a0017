"""``dl-explorer bench hessian``: what "Hessian here" costs on the Network lab's default net, the
way it was (ARPACK for the extremes, then four sequential quadrature probes) beside the way it is
(one batched Lanczos run), and whether the Lanczos shares hold against the exact Hessian."""

from __future__ import annotations

import time

import click
import torch
from rich import box
from rich.table import Table

from explorer.commands.output import console as make_console
from explorer.training.config import TrainConfig


def _trained(registry, config: TrainConfig):
    from explorer.training.session import TrainingSession

    session = TrainingSession(config, registry)
    session.fit()
    return session


def _circle(depth: int, width: int, epochs: int) -> TrainConfig:
    return TrainConfig(
        dataset="circle",
        depth=depth,
        width=width,
        activation="tanh",
        optimizer="adam",
        optimizer_hyper={"lr": 0.01},
        batch_size=4096,
        epochs=epochs,
        device="cpu",
    )


def _before(f, theta: torch.Tensor, steps: int = 80, probes: int = 4) -> tuple[float, float]:
    """The way "Hessian here" was computed until this bench was written: ARPACK's 6 largest and
    6 smallest, then ``probes`` quadrature probes of ``steps`` steps one after the other (the
    extremes are returned; the probes are run for their time)."""
    from explorer.training import hessian as H

    bottom, top = H.lanczos_extremes(f, theta, 6)
    product = H.hvp(f, theta)
    n = theta.numel()
    gen = torch.Generator().manual_seed(0)
    for _ in range(probes):
        v = torch.randint(0, 2, (n,), generator=gen).to(H.DTYPE) * 2 - 1
        basis, w_prev, beta = [v / v.norm()], torch.zeros(n, dtype=H.DTYPE), 0.0
        for j in range(steps):
            w = product(basis[j]) - beta * w_prev
            w = w - float(w @ basis[j]) * basis[j]
            q = torch.stack(basis)
            w = w - q.T @ (q @ w)
            w = w - q.T @ (q @ w)
            beta = float(w.norm())
            if j == steps - 1 or beta < 1e-10:
                break
            w_prev = basis[j]
            basis.append(w / beta)
    return float(bottom[0]), float(top[-1])


@click.command()
@click.option(
    "--widths",
    default="20,42",
    show_default=True,
    help="Widths of the circle 2 × W tanh nets on which Lanczos is checked against the exact "
    "Hessian (20: 522 parameters, 42: 2,018, 60: 3,962).",
)
@click.option("--epochs", default=200, show_default=True, type=click.IntRange(1, 10_000))
@click.option(
    "--lab-depth", default=8, show_default=True, type=click.IntRange(1, 20), help="Lab net."
)
@click.option(
    "--lab-width", default=32, show_default=True, type=click.IntRange(1, 400), help="Lab net."
)
@click.option(
    "--lab-epochs",
    default=3,
    show_default=True,
    type=click.IntRange(1, 1000),
    help="Epochs the lab net trains before it is asked.",
)
@click.option("--threads", default=1, show_default=True, type=click.IntRange(1, 256))
@click.pass_obj
def hessian(registry, widths: str, epochs: int, lab_depth, lab_width, lab_epochs, threads) -> None:
    """Time "Hessian here" on the lab's default net before and after; check Lanczos's shares
    against the exact Hessian counted in the same band."""
    from explorer.app.scenes.network.model import DEFAULT
    from explorer.training import hessian as H

    try:
        sizes = [int(w) for w in widths.split(",")]
    except ValueError:
        raise click.BadParameter(f"{widths!r} is not a list of widths such as 20,42") from None
    torch.set_num_threads(threads)
    if registry is None:
        from explorer.plugins import default_registry

        registry = default_registry()
    out = make_console()
    lab = DEFAULT.replace(depth=lab_depth, width=lab_width, epochs=lab_epochs, device="cpu")
    f, theta = H.training_loss(_trained(registry, lab))
    n = theta.numel()
    H.hvp(f, theta)(theta)  # warm-up: torch.func builds its transforms once
    t0 = time.perf_counter()
    low, high = _before(f, theta)
    t_before = time.perf_counter() - t0
    t0 = time.perf_counter()
    sp = H.spectrum(f, theta, "lanczos")
    t_after = time.perf_counter() - t0
    table = Table(
        title=f'"Hessian here", {lab.dataset} {lab_depth} × {lab_width} {lab.activation}, '
        f"{n:,} parameters, after {lab_epochs} epochs ({threads} thread)",
        box=box.SIMPLE,
    )
    for column in ("how", "seconds", "λ min", "λ max", "shares"):
        table.add_column(column, justify="left" if column in ("how", "shares") else "right")
    table.add_row(
        "before: ARPACK 6 + 6, then 4 probes × 80 steps",
        f"{t_before:.2f}",
        f"{low:+.5g}",
        f"{high:+.5g}",
        "counts at |λ| < 1e-6·max (unresolvable)",
    )
    e = sp.share_error
    table.add_row(
        "after: one batched run, 4 probes × 40 steps",
        f"{t_after:.2f}",
        f"{sp.smallest:+.5g}",
        f"{sp.largest:+.5g}",
        f"down {sp.negative:.1%} · up {sp.positive:.1%} (± {e:.1%}) beyond ±{sp.tol:.2g}",
    )
    out.print(table)
    out.print(
        f"Hessian here: {t_before:.2f} s before, {t_after:.2f} s after "
        f"({t_before / t_after:.1f}× faster)",
        highlight=False,
    )
    _check(out, registry, sizes, epochs)


def _check(out, registry, sizes: list[int], epochs: int) -> None:
    """Lanczos's shares against the exact Hessian's eigenvalues counted in the same band."""
    from explorer.training import hessian as H

    table = Table(
        title="Lanczos against the exact Hessian (circle 2 × W tanh, full batches)",
        box=box.SIMPLE,
    )
    for column in ("W", "params", "exact s", "Lanczos s", "band ±δ", "down", "up", "agree"):
        table.add_column(column, justify="right")
    table.add_column("exact's own counts (|λ| < 1e-6·max)", justify="left")
    worst = 0.0
    for width in sizes:
        f, theta = H.training_loss(_trained(registry, _circle(2, width, epochs)))
        exact = H.spectrum(f, theta, "exact")
        approx = H.spectrum(f, theta, "lanczos")
        vals, d, e = exact.eigenvalues, approx.tol, approx.share_error
        down, up = float((vals < -d).mean()), float((vals > d).mean())
        gap = max(abs(approx.negative - down), abs(approx.positive - up))
        worst = max(worst, gap)
        ok = "yes" if gap <= min(e, 0.05) else "NO"
        n = exact.n_params
        table.add_row(
            str(width),
            f"{n:,}",
            f"{exact.seconds:.2f}",
            f"{approx.seconds:.2f}",
            f"{d:.2g}",
            f"{approx.negative:.1%} vs {down:.1%}",
            f"{approx.positive:.1%} vs {up:.1%}",
            f"{ok} (±{e:.1%})",
            f"{exact.negative * n:.0f} down / {exact.positive * n:.0f} up / "
            f"{exact.flat * n:.0f} flat",
        )
    out.print(table)
    out.print(
        f"largest gap between Lanczos's share and the exact count in its band: {worst:.1%} "
        "(Lanczos / exact; Lanczos gives no counts at the exact band)",
        highlight=False,
    )
