"""Telling a saddle from a minimum: the gradient and the Hessian's eigenvalues at a point."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from explorer.landscape import surface as S
from explorer.specs import SurfaceSpec

# what the curvature looks like where the gradient does not vanish: a shape, never a kind of point
SHAPES = {
    "minimum": "curved up both ways, like a bowl",
    "maximum": "curved down both ways, like a dome",
    "saddle": "curved up one way and down the other",
    "degenerate": "flat in one direction",
}


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
    is_critical: bool  # |∇f| <= grad_tol: the gradient vanishes here, up to rounding
    grad_tol: float = 0.0  # the tolerance it was judged by

    @property
    def escape_direction(self) -> np.ndarray | None:
        """Unit vector along the most negative curvature (the way off a saddle or maximum)."""
        if self.eigenvalues[0] >= 0:
            return None
        return self.eigenvectors[:, 0]

    @property
    def where(self) -> str:
        """Says 'a critical point (|∇f| = … ≤ tol …)' or 'not a critical point (… > tol …)'."""
        g = float(np.linalg.norm(self.gradient))
        if self.is_critical:
            return f"a critical point (|∇f| = {g:.3g} ≤ tol {self.grad_tol:.2g})"
        return f"not a critical point (|∇f| = {g:.3g} > tol {self.grad_tol:.2g})"

    def verdict(self) -> str:
        """One sentence a student can read. A point is called a minimum, saddle or maximum only
        where the gradient vanishes; elsewhere the sentence says what the curvature looks like
        (the ball rolls on, so the curvature says nothing of what the point is)."""
        lam = ", ".join(f"{v:.3g}" for v in self.eigenvalues)
        at = f"({self.x:.4g}, {self.y:.4g})"
        if not self.is_critical:
            return (
                f"{at} is {self.where}, so it is no minimum, saddle or maximum; Hessian "
                f"eigenvalues {lam}: the surface here is {SHAPES[self.kind]}."
            )
        text = {
            "minimum": "both curvatures are positive: a local minimum",
            "maximum": "both curvatures are negative: a local maximum",
            "saddle": "curvatures of both signs: a saddle, downhill along the escape direction",
            "degenerate": "a zero curvature: the Hessian alone cannot tell",
        }[self.kind]
        return f"{at} is {self.where}; Hessian eigenvalues {lam}: {text}."


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
        is_critical=bool(np.linalg.norm(g) <= grad_tol * max(1.0, scale)),
        grad_tol=grad_tol * max(1.0, scale),
    )
