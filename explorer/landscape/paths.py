"""Many optimizers on one plane: the same net trained from the same initialization by each
optimizer, every path drawn on one shared 2-D slice of weight space, with what the slice hides.

A 2-D picture of a path through P-dimensional weights lies in two ways: a point off the plane is
drawn at its projection, and the map's colour there is the loss *on the plane*, not at the point.
So every projected point carries both: its distance off the plane relative to its distance from
the centre (0: on the plane; 1: at right angles to it), and its true loss beside the map's value
at its projection. A path whose points are mostly off the plane is marked (drawn faded).

The plane goes through a centre (the shared initialization, or one optimizer's end point) along

- ``random``: filter-normalized Gaussian directions (Li et al. 2018), drawn with a seed;
- ``pca``: the top two principal directions of all the paths together (their variance share is
  reported): the plane that holds the most of the paths' movement;
- ``hessian``: the top two eigenvectors of the training loss's Hessian at the centre (Lanczos on
  Hessian-vector products, ``training/hessian.py``): the directions of highest curvature.

The grid, the filter normalization and the PCA are the ``net:`` surfaces' own
(``net_surface.NetSlice``, ``weight_path.pca_plane``): one computation, one place.

Batch norm: a net with it is evaluated as a trained net is used, with running statistics, and
those are not weights: they are not on the plane. Each path records its own statistics with its
weights, so a point's true loss is its optimizer's net at that step exactly; the map (and the
Hessian plane) use the centre's statistics (the initialization's, or the end point's of the
optimizer the plane goes through), so at the centre the map and the truth agree. A note says so.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from explorer.landscape.net_surface import (
    DTYPE,
    NetSlice,
    filter_normalized,
    parse_net_spec,
)
from explorer.training.weight_path import PathError, pca_plane, unflat

if TYPE_CHECKING:
    from explorer.plugins import Registry
    from explorer.training.config import TrainConfig
    from explorer.training.session import TrainingSession

PLANES = ("random", "pca", "hessian")
MAX_POINTS = 100  # recorded points per path (every k steps so that the run fits)
HESSIAN_LIMIT = 50_000  # parameters: Lanczos on the full training loss stays a few seconds
OFF_PLANE = 0.5  # a point is "off the plane" when its distance off it exceeds this share
MOSTLY = 0.5  # ... and a path is "mostly off the plane" when more than this share of points are
GRID = 64
OTHER_SEEDS = 3
MAP_BAND = 512  # grid points per band of rows: the waiting bar moves every band


Say = Callable[..., str]  # say(catalogue key, **fields) -> the sentence in some language


class Refusal(ValueError):
    """One sentence a user caused, as a ``Note`` (``planes.note_<code>``): as a string, English
    (the JSON, the tests); ``note.word(t)`` in the app's language. The lab's worker hands the
    note back, not the English text, so a Chinese lab reads a Chinese reason."""

    def __init__(self, code: str, **fields: str) -> None:
        self.note = Note(code, fields)
        super().__init__(str(self.note))

    def __reduce__(self) -> tuple[Any, ...]:
        return (_refused, (type(self), self.note.code, self.note.fields))


def _refused(cls: type[Refusal], code: str, fields: dict[str, str]) -> Refusal:
    return cls(code, **fields)


class PlaneError(Refusal):
    """One sentence: why these paths cannot be drawn on this plane."""


class Note(str):
    """One sentence of what the picture hides: as a string, English (the JSON, the tests); its
    ``code`` and ``fields`` word it in any language (``word(t)``: the catalogue's
    ``planes.note_<code>``). Numbers are formatted here, the same in every language; a
    ``plane`` field names a plane (``planes.plane_<name>``) and is worded too."""

    code: str
    fields: dict[str, str]

    def __new__(cls, code: str, fields: dict[str, str]) -> Note:
        self = super().__new__(cls, _word(_english, code, fields))
        self.code, self.fields = code, dict(fields)
        return self

    def __reduce__(self) -> tuple[Any, ...]:
        return (Note, (self.code, self.fields))

    def word(self, say: Say, **reword: Callable[[str], str]) -> str:
        """The sentence in ``say``'s language; ``reword[field]`` words a field that is itself an
        English sentence from elsewhere (a run's stop message: the app's ``message_text``)."""
        fields = {k: reword[k](v) if k in reword else v for k, v in self.fields.items()}
        return _word(say, self.code, fields)


def _word(say: Say, code: str, fields: dict[str, str]) -> str:
    texts = dict(fields)
    if "plane" in texts:
        texts["plane"] = say(f"planes.plane_{texts['plane']}")
    return say(f"planes.note_{code}", **texts)


def _english(key: str, **fields: str) -> str:
    """``key`` from the English catalogue with its ``%{field}`` places filled (the command line
    and the JSON need no app; the app words notes with its own ``t``)."""
    section, _, name = key.partition(".")
    template = _english_catalogue()[section][name]
    return re.sub(r"%\{(\w+)\}", lambda m: fields[m.group(1)], template)


@cache
def _english_catalogue() -> dict[str, dict[str, str]]:
    path = resources.files("explorer.assets").joinpath("i18n", "dl-explorer.en.json")
    catalogue: dict[str, dict[str, str]] = json.loads(path.read_text(encoding="utf-8"))["en"]
    return catalogue


@dataclass
class TrainedPath:
    """One optimizer's path: its weights every ``every`` steps from the shared start."""

    label: str  # the optimizer as the user wrote it
    optimizer: str  # the registry name (its colour)
    steps: list[int]
    points: torch.Tensor  # (T, P) float64
    cut: str = ""  # why the path ends early ("": it ran to the end)
    # batch norm's running statistics at each point, by buffer name: (T, ...) float64 each
    buffers: dict[str, torch.Tensor] = field(default_factory=dict)

    def buffers_at(self, k: int) -> dict[str, torch.Tensor]:
        return {name: values[k] for name, values in self.buffers.items()}


@dataclass
class ProjectedPath:
    path: TrainedPath
    coords: np.ndarray  # (T, 2) on the plane
    off: np.ndarray  # (T,) distance off the plane ÷ distance from the centre (0 at the centre)
    true_loss: np.ndarray  # (T,) the training loss at the point itself
    map_loss: np.ndarray  # (T,) the map's value at its projection

    @property
    def off_share(self) -> float:
        """The share of the path's points (the centre itself not counted) off the plane."""
        moved = self.off[np.isfinite(self.off)]
        return float((moved > OFF_PLANE).mean()) if len(moved) else 0.0

    @property
    def mostly_off(self) -> bool:
        return self.off_share > MOSTLY

    def summary(self) -> dict[str, Any]:
        gap = np.abs(self.true_loss - self.map_loss)
        return {
            "label": self.path.label,
            "optimizer": self.path.optimizer,
            "steps": self.path.steps,
            "cut": self.path.cut,
            "coords": self.coords.tolist(),
            "off_plane": self.off.tolist(),
            "true_loss": self.true_loss.tolist(),
            "map_loss": self.map_loss.tolist(),
            "off_share": self.off_share,
            "mostly_off": self.mostly_off,
            "median_off": float(np.nanmedian(self.off)) if len(self.off) else 0.0,
            "end_true_loss": float(self.true_loss[-1]),
            "end_map_loss": float(self.map_loss[-1]),
            "largest_loss_gap": float(np.nanmax(gap)) if len(gap) else 0.0,
        }


@dataclass
class PlaneMap:
    """The loss over a square of the plane: ``z[row, col]`` at (xs[col], ys[row])."""

    xs: np.ndarray
    ys: np.ndarray
    z: np.ndarray
    levels: np.ndarray
    seed: int | None = None  # the random directions' seed (None: pca or hessian)
    centre_mean: float = math.nan  # the mean loss within a tenth of the span around the centre


@dataclass
class PlaneResult:
    plane: str
    centre: str
    n_parameters: int
    paths: list[ProjectedPath]
    map: PlaneMap
    explained: tuple[float, float] | None = None  # pca: the share of the paths' variance
    curvatures: tuple[float, float] | None = None  # hessian: the two eigenvalues
    others: list[PlaneMap] = field(default_factory=list)  # the map for other random seeds
    notes: list[Note] = field(default_factory=list)  # one sentence each: cut paths, off-plane
    # batch norm's running statistics: "" (none), or "centre": the map uses the centre's, each
    # point's true loss its own optimizer's at that step
    statistics: str = ""

    @property
    def centre_spread(self) -> float | None:
        """How much the loss near the centre differs between the maps of different random seeds
        (max − min of their centre means; None with fewer than two)."""
        maps = [self.map, *self.others]
        means = [m.centre_mean for m in maps if m.seed is not None and math.isfinite(m.centre_mean)]
        return max(means) - min(means) if len(means) > 1 else None

    def to_dict(self) -> dict[str, Any]:
        def grid(m: PlaneMap) -> dict[str, Any]:
            return {
                "seed": m.seed,
                "x": m.xs.tolist(),
                "y": m.ys.tolist(),
                "loss": [[v if math.isfinite(v) else None for v in row] for row in m.z.tolist()],
                "centre_mean": m.centre_mean,
            }

        return {
            "plane": self.plane,
            "centre": self.centre,
            "parameters": self.n_parameters,
            "explained": list(self.explained) if self.explained else None,
            "curvatures": list(self.curvatures) if self.curvatures else None,
            "paths": [p.summary() for p in self.paths],
            "map": grid(self.map),
            "other_directions": [grid(m) for m in self.others],
            "centre_spread": self.centre_spread,
            "batch_norm_statistics": (
                {"map": "the centre's", "true_loss": "each point's own, recorded with it"}
                if self.statistics
                else None
            ),
            "notes": self.notes,
        }


# -- training ----------------------------------------------------------------------------------
def train_paths(
    config: TrainConfig,
    optimizers: list[tuple[str, str, dict[str, float]]],
    registry: Registry,
    steps_done: Callable[[int, int], None] | None = None,
) -> tuple[list[TrainedPath], TrainingSession]:
    """Train ``config`` once per optimizer ``(label, name, hyper)``, all from the same
    initialization (the same seed gives the same weights), recording every weight. A path is
    cut at the first point whose weights or loss are not finite. Returns the paths and the
    first session (its net, data and loss define the map). ``steps_done(done, total)`` hears
    the steps taken by all the optimizers together after each recorded point."""
    from explorer.training import TrainingSession

    paths, first = [], None
    start: torch.Tensor | None = None
    for k, (label, name, hyper) in enumerate(optimizers):
        session = TrainingSession(config.replace(optimizer=name, optimizer_hyper=hyper), registry)
        first = first or session
        total = session.total_steps
        every = max(1, math.ceil(total / MAX_POINTS))
        flat = _flat(session)
        if start is None:
            start = flat
        elif not torch.equal(start, flat):  # the promise of one initialization, checked
            raise PlaneError("not_shared", label=label)
        steps, points, stats = [0], [flat], [_statistics(session)]
        cut = ""  # or the Note that says where it was cut
        while not session.done:
            session.step(min(every, total - session.global_step))
            flat = _flat(session)
            if not bool(torch.isfinite(flat).all()) or session.diverged:
                fields = {"label": label, "step": str(session.global_step), "cut": str(steps[-1])}
                cut = Note("cut", fields)
                break
            steps.append(session.global_step)
            points.append(flat)
            stats.append(_statistics(session))
            if steps_done is not None:
                steps_done(k * total + session.global_step, len(optimizers) * total)
        buffers = {n: torch.stack([s[n] for s in stats]) for n in stats[0]}
        paths.append(TrainedPath(label, name, steps, torch.stack(points), cut, buffers))
    assert first is not None  # at least one optimizer: the caller checks
    return paths, first


def _flat(session: TrainingSession) -> torch.Tensor:
    return torch.cat([p.detach().reshape(-1) for p in session.model.parameters()]).to(DTYPE).cpu()


STATISTICS = ("running_mean", "running_var")  # batch norm's buffers an evaluation reads


def _statistics(session: TrainingSession) -> dict[str, torch.Tensor]:
    """The net's batch-norm running statistics now, by buffer name ({} without batch norm)."""
    return {
        name: b.detach().to(DTYPE).cpu().clone()
        for name, b in session.model.named_buffers()
        if name.endswith(STATISTICS)
    }


def _load_statistics(model: torch.nn.Module, values: dict[str, torch.Tensor]) -> None:
    with torch.no_grad():
        for name, value in values.items():
            model.get_buffer(name).copy_(value)


# -- the plane ---------------------------------------------------------------------------------
def _slice(
    registry: Registry,
    session: TrainingSession,
    theta: torch.Tensor,
    d1: torch.Tensor,
    d2: torch.Tensor,
    explained: tuple[float, float] | None,
) -> NetSlice:
    model = session.model.copy().double().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    cfg = session.config
    spec = parse_net_spec(
        f"net:{cfg.dataset}?depth={cfg.depth}&width={cfg.width}&activation={cfg.activation}"
        f"&seed={cfg.seed}"
    )
    classify = session.splits.task == "classification"
    y = session.splits.train.y.detach().cpu()
    return NetSlice(
        spec,
        registry,
        model,
        unflat(theta, shapes),
        unflat(d1, shapes),
        unflat(d2, shapes),
        session.splits.train.x.detach().cpu().to(DTYPE),
        y if classify else y.to(DTYPE),
        classify,
        np.zeros((0, 2)),
        explained,
        mse=classify and cfg.loss == "mse",
    )


def directions(
    plane: str,
    session: TrainingSession,
    theta: torch.Tensor,
    paths: list[TrainedPath],
    seed: int,
) -> tuple[torch.Tensor, torch.Tensor, tuple[float, float] | None, tuple[float, float] | None]:
    """``(d1, d2, pca shares, hessian eigenvalues)`` of ``plane`` through ``theta``."""
    n = theta.numel()
    if plane == "random":
        shapes = {nm: tuple(p.shape) for nm, p in session.model.named_parameters()}
        gen = torch.Generator().manual_seed(seed)
        centre = unflat(theta, shapes)
        d1 = torch.cat([t.reshape(-1) for t in filter_normalized(centre, gen).values()])
        d2 = torch.cat([t.reshape(-1) for t in filter_normalized(centre, gen).values()])
        return d1, d2, None, None
    if plane == "pca":
        together = torch.cat([p.points for p in paths])
        if together.shape[0] < 3:
            raise PlaneError("pca_few", points=str(together.shape[0]))
        try:
            v1, v2, shares, _ = pca_plane(together, theta)
        except PathError:  # its one other refusal: no two independent directions
            raise PlaneError("pca_flat") from None
        return v1, v2, shares, None
    if n > HESSIAN_LIMIT:
        raise PlaneError("hessian_too_big", weights=f"{n:,}", limit=f"{HESSIAN_LIMIT:,}")
    return _hessian_plane(session, theta)


def _hessian_plane(
    session: TrainingSession, theta: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, None, tuple[float, float]]:
    from scipy.sparse.linalg import LinearOperator, eigsh

    from explorer.training.hessian import hvp, training_loss

    f, _ = training_loss(session, "train")
    product = hvp(f, theta.clone())
    n = theta.numel()

    def matvec(v: np.ndarray) -> np.ndarray:
        return product(torch.as_tensor(np.ravel(v), dtype=DTYPE)).numpy()

    op = LinearOperator((n, n), matvec=matvec, dtype=np.float64)
    start = np.random.default_rng(0).standard_normal(n)
    vals, vecs = eigsh(op, k=2, which="LA", tol=1e-6, ncv=min(n, 40), v0=start)
    order = np.argsort(vals)[::-1]
    d1 = torch.as_tensor(vecs[:, order[0]], dtype=DTYPE)
    d2 = torch.as_tensor(vecs[:, order[1]], dtype=DTYPE)
    return d1, d2, None, (float(vals[order[0]]), float(vals[order[1]]))


def project(
    sl: NetSlice, theta: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor, path: TrainedPath
) -> ProjectedPath:
    """The path's least-squares coordinates on the plane, how far off it each point is, and its
    true loss beside the map's value at the projection."""
    D = torch.stack([d1, d2], 1)  # (P, 2)
    rel = path.points - theta  # (T, P)
    coords = torch.linalg.lstsq(D, rel.T).solution.T  # (T, 2)
    residual = rel - coords @ D.T
    dist = rel.norm(dim=1)
    off = torch.where(dist > 0, residual.norm(dim=1) / dist.clamp(min=1e-300), torch.zeros(()))
    a, b = coords[:, 0].contiguous(), coords[:, 1].contiguous()
    with torch.no_grad():
        on_map = sl.per_sample_loss(a, b, sl.x, sl.y).mean(1)
        true = true_losses(sl, path.points, path.buffers)
    return ProjectedPath(path, coords.numpy(), off.numpy(), true.numpy(), on_map.numpy())


def true_losses(
    sl: NetSlice, points: torch.Tensor, buffers: dict[str, torch.Tensor] | None = None
) -> torch.Tensor:
    """The training loss at each of the (T, P) weight vectors (not on the plane): the slice's
    own forward with each point's weights, batched over the points. With batch norm,
    ``buffers`` holds each point's own running statistics (T, ...): a point at a time, each
    with its own (the slice's are put back after)."""
    if not buffers:
        return sl.losses_at(points).mean(1)
    kept = {name: sl.model.get_buffer(name).clone() for name in buffers}
    try:
        rows = []
        for k in range(points.shape[0]):
            _load_statistics(sl.model, {n: v[k] for n, v in buffers.items()})
            rows.append(sl.losses_at(points[k : k + 1]).mean(1))
    finally:
        _load_statistics(sl.model, kept)
    return torch.cat(rows)


def plane_map(
    sl: NetSlice,
    span: float,
    side: int = GRID,
    seed: int | None = None,
    rows_done: Callable[[int, int], None] | None = None,
) -> PlaneMap:
    """The loss over [−span, span]² of the slice's plane, ``side`` × ``side`` points, a band of
    rows at a time (``rows_done(done, side)`` after each: a waiting panel's bar)."""
    from explorer.landscape.surface import contour_levels, loss

    xs = np.linspace(-span, span, side)
    ys = xs.copy()
    spec = sl.surface()
    band = max(1, MAP_BAND // side)
    bands = []
    for i in range(0, side, band):
        Y, X = torch.meshgrid(
            torch.tensor(ys[i : i + band], dtype=DTYPE),
            torch.tensor(xs, dtype=DTYPE),
            indexing="ij",
        )
        with torch.no_grad():
            bands.append(loss(spec, X, Y))
        if rows_done is not None:
            rows_done(min(side, i + band), side)
    z = torch.cat(bands).numpy().astype(np.float64)
    gx, gy = np.meshgrid(xs, ys)
    cell = 2 * span / max(1, side - 1)
    near = np.hypot(gx, gy) <= max(0.1 * span, 0.75 * cell)  # at least the nearest points
    values = z[near & np.isfinite(z)]
    centre = float(values.mean()) if values.size else math.nan
    return PlaneMap(xs, ys, z, contour_levels(z), seed, centre)


def compare_on_plane(
    config: TrainConfig,
    optimizers: list[tuple[str, str, dict[str, float]]],
    registry: Registry,
    plane: str = "random",
    centre: str = "init",
    seed: int = 0,
    side: int = GRID,
    others: int = OTHER_SEEDS,
    timings: dict[str, tuple[float, float]] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> PlaneResult:
    """Train, pick the plane, project every path, and compute the map (and ``others`` maps of
    other random seeds). Every problem a user can cause is one sentence (PlaneError).
    ``timings``, when given, receives the (wall, CPU) seconds of each phase (``bench paths``);
    ``progress(phase, done, total)``, when given, hears how far the work is (the lab's bar)."""
    import time

    clock = [time.perf_counter(), time.process_time()]
    spent = timings if timings is not None else {}

    def lap(phase: str) -> None:
        now = [time.perf_counter(), time.process_time()]
        wall, cpu = spent.get(phase, (0.0, 0.0))
        spent[phase] = (wall + now[0] - clock[0], cpu + now[1] - clock[1])
        clock[:] = now

    if not optimizers:
        raise PlaneError("no_optimizer")
    if plane not in PLANES:
        raise PlaneError("no_plane", name=repr(plane), planes=", ".join(PLANES))
    labels = [label for label, *_ in optimizers]
    if centre != "init" and centre not in labels:
        raise PlaneError("no_centre", centre=repr(centre), labels=", ".join(labels))

    def say(phase: str) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        return lambda done, total: progress(phase, done, total)

    paths, session = train_paths(config, optimizers, registry, say("training"))
    lap("training")
    through = paths[0] if centre == "init" else paths[labels.index(centre)]
    at = 0 if centre == "init" else -1
    theta = through.points[at]
    # the map and the Hessian plane: the net with the centre's own batch-norm statistics
    _load_statistics(session.model, through.buffers_at(at))
    d1, d2, explained, curv = directions(plane, session, theta, paths, seed)
    sl = _slice(registry, session, theta, d1, d2, explained)
    lap("plane")
    projected = [project(sl, theta, d1, d2, p) for p in paths]
    lap("projections")
    extent = max(float(np.abs(p.coords).max()) for p in projected)
    span = 1.25 * extent if extent > 0 else 1.0
    shown = plane_map(sl, span, side, seed if plane == "random" else None, say("map"))
    result = PlaneResult(plane, centre, theta.numel(), projected, shown, explained, curv)
    lap("map")
    first = seed + 1 if plane == "random" else seed  # the shown random map is seed's own
    for k in range(first, first + others):
        if progress is not None:
            progress("others", k - first, others)
        o1, o2, _, _ = directions("random", session, theta, paths, k)
        other = _slice(registry, session, theta, o1, o2, None)
        result.others.append(plane_map(other, span, max(16, side // 2), k))
        lap("other directions")
    result.notes += [p.cut for p in paths if isinstance(p.cut, Note)]
    if through.buffers:
        result.statistics = "centre"
        named = "init" if centre == "init" else "end"
        result.notes.append(Note(f"statistics_{named}", {"label": centre}))
    for p in projected:
        if p.mostly_off:
            share, limit = f"{p.off_share:.0%}", f"{OFF_PLANE:.0%}"
            result.notes.append(
                Note("mostly_off", {"label": p.path.label, "share": share, "limit": limit})
            )
    if all(p.mostly_off for p in projected):
        # the PCA plane already holds the most of the paths' movement: no better plane to try
        code = "all_off_pca" if plane == "pca" else "all_off"
        result.notes.insert(0, Note(code, {} if plane == "pca" else {"plane": plane}))
    return result
