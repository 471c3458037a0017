"""Telling a saddle from a minimum: the gradient and the Hessian's eigenvalues at a point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.landscape import surface as S
from explorer.specs import SurfaceSpec


@dataclass(frozen=True)
class CriticalPoint:
    x: float
    y: float
    value: float
    gradient: np.ndarray
    hessian: np.ndarray
    eigenvalues: np.ndarray  # ascending
    eigenvectors: np.ndarray  # columns, matching eigenvalues
    kind: str  # "minimum", "maximum", "saddle", "degenerate"
    is_critical: bool  # the gradient (nearly) vanishes here

    @property
    def escape_direction(self) -> np.ndarray | None:
        """Unit vector along the most negative curvature (the way off a saddle or maximum)."""
        if self.eigenvalues[0] >= 0:
            return None
        return self.eigenvectors[:, 0]

    def verdict(self) -> str:
        """One sentence a student can read."""
        lam = ", ".join(f"{v:.3g}" for v in self.eigenvalues)
        where = (
            "a critical point"
            if self.is_critical
            else f"not a critical point (|∇f| = {np.linalg.norm(self.gradient):.3g})"
        )
        text = {
            "minimum": "both curvatures are positive: a local minimum",
            "maximum": "both curvatures are negative: a local maximum",
            "saddle": "curvatures of both signs: a saddle, downhill along the escape direction",
            "degenerate": "a zero curvature: the Hessian alone cannot tell",
        }[self.kind]
        return f"({self.x:.4g}, {self.y:.4g}) is {where}; Hessian eigenvalues {lam}: {text}."


def analyze(
    spec: SurfaceSpec, x: float, y: float, grad_tol: float = 1e-6, eig_tol: float = 1e-8
) -> CriticalPoint:
    """Gradient, Hessian (autograd, float64), eigen-decomposition and the verdict at (x, y)."""
    g = S.gradient(spec, x, y)
    h = S.hessian(spec, x, y)
    value = S.value(spec, x, y)
    if not (np.isfinite(value) and np.all(np.isfinite(g)) and np.all(np.isfinite(h))):
        raise ValueError(f"the surface is not finite at ({x:g}, {y:g}); pick a point inside it")
    vals, vecs = np.linalg.eigh(h)
    scale = max(1.0, float(np.abs(vals).max()))
    tol = eig_tol * scale
    if np.all(vals > tol):
        kind = "minimum"
    elif np.all(vals < -tol):
        kind = "maximum"
    elif vals[0] < -tol and vals[-1] > tol:
        kind = "saddle"
    else:
        kind = "degenerate"
    return CriticalPoint(
        x=float(x),
        y=float(y),
        value=value,
        gradient=g,
        hessian=h,
        eigenvalues=vals,
        eigenvectors=vecs,
        kind=kind,
        is_critical=bool(np.linalg.norm(g) < grad_tol * max(1.0, scale)),
    )
