"""The path a training run took through weight space, and the plane a Landscape draws it on.

``WeightPath`` records a net's weights every k steps with bounded memory: at most ``max_points``
points (and ``MAX_NUMBERS`` numbers in all); when full, every other point is dropped and k
doubles, so the path always spans the whole run at an even spacing. ``pca_plane`` picks the two
principal directions of a path around a centre (the "animated training path" projection of Li et
al. 2018, section 7), and ``save_run`` writes what a ``net:DATASET?run=ID`` surface needs: the
run's configuration, the centre θ₀, the two directions and the path's coordinates on them.

After ``save_run`` the recorder also projects every new point onto that plane, so a Landscape can
extend the trail live (``WeightPath.projected``) without the weights ever leaving the worker.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import torch

from explorer.atomic_write import OutputError, save_tensors

DTYPE = torch.float64
MAX_POINTS = 240
MAX_NUMBERS = 16_000_000  # 64 MB of float32 at most, however large the net
MAX_PARAMETERS = 200_000  # a grid over a larger net is refused anyway (net_surface)
RUN_FILE_VERSION = 1
KEEP_RUNS = 20  # run files kept in the folder; older ones are removed when a new one is saved


class PathError(ValueError):
    """A path that cannot give a plane; the message says why, in one sentence."""


class WeightPath:
    """The weights of ``params`` (name → tensor, e.g. ``dict(model.named_parameters())``) every
    ``every`` steps, from step 0."""

    def __init__(self, params: Mapping[str, torch.Tensor], max_points: int = MAX_POINTS) -> None:
        self.names = list(params)
        self.shapes = {n: tuple(t.shape) for n, t in params.items()}
        self.size = sum(int(t.numel()) for t in params.values())
        self.max_points = int(max(3, min(max_points, MAX_NUMBERS // max(1, self.size))))
        self.enabled = self.size <= MAX_PARAMETERS
        self.every = 1
        self.steps: list[int] = []
        self.points: list[torch.Tensor] = []  # float32, CPU, flat
        self._plane: tuple[torch.Tensor, torch.Tensor] | None = None  # (θ₀, pinv (2, P))
        self._coords: list[np.ndarray] = []
        self.plane_file = ""  # the run file whose plane the projections are on

    def __len__(self) -> int:
        return len(self.points)

    def record(self, step: int, params: Mapping[str, torch.Tensor], force: bool = False) -> None:
        """Keep the weights at ``step`` when it falls on the spacing (or ``force``)."""
        if not self.enabled or (step % self.every and not force):
            return
        if self.steps and self.steps[-1] == step:
            return
        flat = torch.cat([params[n].detach().reshape(-1) for n in self.names]).float().cpu()
        self.points.append(flat)
        self.steps.append(step)
        if self._plane is not None:
            self._coords.append(self._project(flat[None])[0])
        if len(self.points) > self.max_points:
            self._thin()

    def _thin(self) -> None:
        self.every *= 2
        keep = [i for i, s in enumerate(self.steps) if s % self.every == 0]
        self.points = [self.points[i] for i in keep]
        self.steps = [self.steps[i] for i in keep]
        if self._plane is not None:
            self._coords = [self._coords[i] for i in keep]

    def stacked(self) -> torch.Tensor:
        """(T, P) in float64."""
        return torch.stack(self.points).to(DTYPE)

    # -- the plane a Landscape draws ----------------------------------------------------------
    def set_plane(
        self, theta0: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor, file: str
    ) -> None:
        """Project this path, and every point recorded from now on, on θ₀ + x·d₁ + y·d₂."""
        D = torch.stack([d1, d2], 1).to(DTYPE)  # (P, 2)
        self._plane = (theta0.to(DTYPE), torch.linalg.pinv(D))
        self.plane_file = file
        self._coords = list(self._project(self.stacked()))

    def _project(self, points: torch.Tensor) -> np.ndarray:
        assert self._plane is not None  # every caller has set the plane
        theta0, pinv = self._plane
        return ((points.to(DTYPE) - theta0) @ pinv.T).numpy()

    def projected(
        self, step: int | None = None, params: Mapping[str, torch.Tensor] | None = None
    ) -> np.ndarray | None:
        """(T, 2): the path's coordinates on the plane last set (None before ``set_plane``),
        ending with the weights ``params`` at ``step`` when that step is not a recorded one."""
        if self._plane is None:
            return None
        coords = list(self._coords)
        if params is not None and self.enabled and (not self.steps or self.steps[-1] != step):
            flat = torch.cat([params[n].detach().reshape(-1) for n in self.names]).float().cpu()
            coords.append(self._project(flat[None])[0])
        out = np.array(coords, dtype=float).reshape(-1, 2)
        out.flags.writeable = False
        return out


def pca_plane(
    path: torch.Tensor, theta0: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, tuple[float, float], torch.Tensor]:
    """The top two principal directions of ``path`` (T, P) around its mean, with the share of
    the path's variance each explains, and the path's least-squares coordinates on the plane
    through ``theta0``: ``(d1, d2, (share1, share2), coords (T, 2))``."""
    if path.shape[0] < 3:
        raise PathError(
            f"a path of {path.shape[0]} recorded point(s) has no principal plane; train a few "
            "more steps (at least three points)"
        )
    traj = path.to(DTYPE) - theta0.to(DTYPE)
    centred = traj - traj.mean(0, keepdim=True)
    _, s, vt = torch.linalg.svd(centred, full_matrices=False)
    var = s**2
    total = float(var.sum())
    if total <= 0 or len(var) < 2 or float(var[1]) <= 0:
        raise PathError(
            "the recorded weights have not moved in two independent directions yet (the run "
            "has not trained, or moves along a line); train a few more steps"
        )
    d1, d2 = vt[0], vt[1]
    D = torch.stack([d1, d2], 1)
    coords = torch.linalg.lstsq(D, traj.T).solution.T
    return d1, d2, (float(var[0]) / total, float(var[1]) / total), coords


def unflat(vec: torch.Tensor, shapes: dict[str, tuple[int, ...]]) -> dict[str, torch.Tensor]:
    out, i = {}, 0
    for name, shape in shapes.items():
        n = int(np.prod(shape)) if shape else 1
        out[name] = vec[i : i + n].reshape(shape).clone()
        i += n
    return out


def save_run(
    recorder: WeightPath,
    params: Mapping[str, torch.Tensor],
    config: dict[str, Any],
    step: int,
    file: str,
    buffers: Mapping[str, torch.Tensor] | None = None,
) -> dict[str, Any]:
    """Write the run file of a ``net:DATASET?run=ID`` surface through the current weights
    ``params`` and ``buffers`` (batch norm's running statistics) (atomically), then project the recorder's path on its plane from now on. Returns
    what it wrote, less the tensors: the explained shares and the number of points."""
    if not recorder.enabled:
        raise PathError(
            f"the net has {recorder.size:,} parameters; its path is recorded (and a landscape "
            f"drawn) up to {MAX_PARAMETERS:,} (use a smaller width or depth)"
        )
    recorder.record(step, params, force=True)
    path = recorder.stacked()
    theta0 = torch.cat([params[n].detach().reshape(-1) for n in recorder.names]).to(DTYPE).cpu()
    d1, d2, explained, coords = pca_plane(path, theta0)
    data = {
        "version": RUN_FILE_VERSION,
        "config": config,
        "theta0": unflat(theta0, recorder.shapes),
        "d1": unflat(d1, recorder.shapes),
        "d2": unflat(d2, recorder.shapes),
        "path": coords.clone(),  # a view of lstsq's (P, T) solution would save all of it
        "steps": torch.tensor(recorder.steps),
        "explained": torch.tensor(explained, dtype=DTYPE),
        "buffers": {n: b.detach().cpu().clone() for n, b in (buffers or {}).items()},
    }
    target = Path(file)
    try:  # a full disk is a sentence (torch says it as a RuntimeError), the run goes on
        target.parent.mkdir(parents=True, exist_ok=True)
        save_tensors(target, data, "the run file")
    except (OSError, OutputError) as exc:
        raise PathError(str(exc)) from None
    _prune(target.parent)
    recorder.set_plane(theta0, d1, d2, str(target))
    return {"explained": explained, "points": len(recorder), "file": str(target)}


def cache_root() -> Path:
    """The app's cache folder: $DL_EXPLORER_CACHE, else the platform's user cache."""
    env = os.environ.get("DL_EXPLORER_CACHE")
    if env:
        return Path(env)
    import platformdirs

    return Path(platformdirs.user_cache_dir("dl-explorer"))


def runs_dir() -> Path:
    """Where the Network lab's recorded runs (``net:DATASET?run=ID``) are kept."""
    return cache_root() / "net-runs"


def _prune(folder: Path) -> None:
    try:
        runs = sorted(folder.glob("*.pt"), key=lambda p: p.stat().st_mtime)
        for old in runs[:-KEEP_RUNS]:
            old.unlink()
    except OSError:  # another process pruning at the same time: harmless
        pass


def read_run(file: Path) -> dict[str, Any]:
    """A run file written by ``save_run``; a missing or damaged one is one sentence."""
    if not file.is_file():
        raise PathError(
            f"no recorded run {file.stem!r} (looked in {file.parent}); press "
            "'Landscape of this net' in the Network lab to record one"
        )
    try:
        data = torch.load(file, weights_only=True)
    except Exception as exc:  # noqa: BLE001 - a damaged file: say so
        raise PathError(f"the run file {file} cannot be read ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("version") != RUN_FILE_VERSION:
        raise PathError(f"the run file {file} was written by another version of the app")
    problem = _run_file_problem(data)
    if problem:
        raise PathError(
            f"the run file {file} is not one the Network lab wrote ({problem}); press "
            "'Landscape of this net' again to record the run anew"
        )
    return data


def _run_file_problem(data: dict[str, Any]) -> str:
    """What is wrong with a run file's contents ("" if nothing): the keys, their types, and
    θ₀, d1 and d2 naming the same tensors of the same shapes."""
    if not isinstance(data.get("config"), dict):
        return "no config table"
    parts = [p for k in ("theta0", "d1", "d2") if isinstance(p := data.get(k), dict) and p]
    if len(parts) != 3:
        return "no weights and directions"
    shapes = [
        {n: tuple(t.shape) for n, t in p.items() if isinstance(t, torch.Tensor)} for p in parts
    ]
    if any(len(sh) != len(p) for sh, p in zip(shapes, parts, strict=True)) or not (
        shapes[0] == shapes[1] == shapes[2]
    ):
        return "its weights and directions do not match"
    path, explained = data.get("path"), data.get("explained")
    if not isinstance(path, torch.Tensor) or path.dim() != 2 or path.shape[1] != 2:
        return "no path of (x, y) points"
    if not isinstance(explained, torch.Tensor) or explained.numel() != 2:
        return "no explained shares"
    buffers = data.get("buffers", {})
    if not isinstance(buffers, dict) or not all(
        isinstance(b, torch.Tensor) for b in buffers.values()
    ):
        return "its buffers are not tensors"
    return ""
