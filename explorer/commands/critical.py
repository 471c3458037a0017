"""``dl-explorer critical``: what the Hessian says about a point (minimum, saddle, maximum)."""

from __future__ import annotations

import click
import numpy as np

from explorer.commands.optspec import parse_point
from explorer.landscape.critical import analyze


def _vec(v: np.ndarray) -> str:
    return "(" + ", ".join(f"{c:+.4g}" for c in v) + ")"


@click.command()
@click.option("--surface", required=True, help="A surface name or expr:FORMULA.")
@click.option("--at", "at", required=True, help="The point x,y to inspect, e.g. --at 0,0.")
@click.pass_obj
def critical(registry, surface: str, at: str) -> None:
    """Gradient, Hessian eigenvalues, kind of point and escape direction at a point."""
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
    click.echo(
        f"kind        {cp.kind}{'' if cp.is_critical else ' (curvature here; not a critical point)'}"
    )
    escape = cp.escape_direction
    if escape is not None:
        click.echo(
            f"escape      {_vec(escape)} (and its opposite): the loss falls fastest that way"
        )
    click.echo(cp.verdict())
