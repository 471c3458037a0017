"""``net:`` surfaces: the training loss of a real PyTorch net on a 2-D slice of its weights.

``net:moons?width=16&depth=2&directions=pca`` trains a small net on a registered dataset (seeded),
then the surface is L(θ₀ + x·d₁ + y·d₂) over the training split, with

- ``directions=random``: filter-normalized random directions (Li et al. 2018, "Visualizing the
  Loss Landscape of Neural Nets"): each row of each weight matrix of a direction is rescaled to the
  norm of the same row of θ₀; biases and batch-norm parameters get 0;
- ``directions=pca``: the top two principal directions of the weights' training trajectory
  (relative to θ₀), with the share of the trajectory's variance they explain;
- ``run=ID``: the net the Network lab is training, as it was when its "Landscape of this net"
  button was pressed (``explorer.training.weight_path``): θ₀ its weights then, the plane the
  principal directions of its path so far, the data its own split (the lab's every setting).

It is a data-defined surface (``sample_loss``), so the ball's mini-batch gradients are real, and
gradients and Hessians come from autograd like every surface's. All grid points are evaluated at
once with ``torch.func.functional_call`` + ``vmap``. The trained weights and directions are cached
on disk per spec, so opening the same spec again is instant and gives the same numbers bit for bit.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict

import numpy as np
import torch
import torch.nn.functional as F
from torch.func import functional_call, vmap

from explorer.atomic_write import OutputError, save_tensors
from explorer.specs import SurfaceSpec
from explorer.training.config import SEED_MAX
from explorer.training.session import squared_error
from explorer.training.weight_path import PathError, pca_plane, unflat

if TYPE_CHECKING:
    from explorer.plugins import Registry
    from explorer.training.config import TrainConfig
    from explorer.training.model import Net
    from explorer.training.session import TrainingSession

PREFIX = "net:"
DTYPE = torch.float64
CACHE_VERSION = 1
# What one vmap chunk may hold: points × samples × widest layer, in numbers.
CHUNK_NUMBERS = 250_000  # measured: small chunks stay in cache (3× faster than 4M here)
# The project's Net goes through a block of points × a block of samples at a time: the weights of
# POINT_BLOCK points built at once, a layer's outputs (points × samples × widest) at most
# BLOCK_NUMBERS numbers, which stay in the cache (``bench paths``).
POINT_BLOCK = 32
BLOCK_NUMBERS = 65_536
# A net whose grid would be too slow to draw is refused up front.
MAX_PARAMETERS = 200_000
MAX_SAMPLES = 5_000
# What net-surfaces/ may hold; the least recently used files go first. A slice at the largest
# allowed net is ~5 MB (three float64 weight vectors), so this is a few hundred of them.
CACHE_BUDGET_BYTES = 500_000_000

DEFAULTS: dict[str, int | float | str | None] = {
    "depth": 2,
    "width": 16,
    "activation": "relu",
    "directions": "random",
    "at": "trained",
    "epochs": 30,
    "n": None,  # samples: the dataset's default
    "seed": 0,
    "span": None,  # half-width of the domain: 1 for random directions, from the path for pca
    "optimizer": "adam",
    "lr": 0.01,
    "run": None,  # a run file recorded by the Network lab (its other settings come from there)
    "residual": "off",  # on: skip connections around every hidden layer
}
# what a net: spec may set, for a surface plugin (public as ``explorer.NET_SURFACE_KEYS``)
NET_SURFACE_KEYS = tuple(DEFAULTS)
CHOICES = {"directions": ("random", "pca"), "at": ("trained", "init"), "residual": ("off", "on")}


class NetSurfaceError(ValueError):
    """A ``net:`` spec that cannot be built; the message says what is valid."""


@dataclass(frozen=True)
class NetSpec:
    dataset: str
    depth: int
    width: int
    activation: str
    directions: str
    at: str
    epochs: int
    n: int | None
    seed: int
    span: float | None
    optimizer: str
    lr: float
    run: str | None = None
    residual: str = "off"

    @property
    def text(self) -> str:
        keys = [k for k in DEFAULTS if getattr(self, k) != DEFAULTS[k]]
        query = "&".join(f"{k}={getattr(self, k)}" for k in keys)
        return f"{PREFIX}{self.dataset}" + (f"?{query}" if query else "")


def parse_net_spec(text: str) -> NetSpec:
    """``net:NAME?key=value&...`` or ``net:NAME:key=value,...`` (the form optimizer specs use)
    → NetSpec; mistakes are one sentence."""
    body = text[len(PREFIX) :] if text.startswith(PREFIX) else text
    cut = min((i for i in (body.find("?"), body.find(":")) if i >= 0), default=len(body))
    name, query = body[:cut], body[cut + 1 :]
    name = name.strip()
    if not name:
        raise NetSurfaceError(
            "a net: surface names a dataset, e.g. net:moons or net:digits?width=32"
        )
    values: dict[str, Any] = dict(DEFAULTS)  # each key's own type (``_typed``): NetSpec's fields
    for item in filter(None, (p.strip() for p in query.replace(",", "&").split("&"))):
        key, eq, raw = item.partition("=")
        key = key.strip()
        if not eq:
            raise NetSurfaceError(f"{text}: {item!r} must be key=value")
        if key not in DEFAULTS:
            close = difflib.get_close_matches(key, DEFAULTS, n=1)
            hint = f" (did you mean {close[0]}?)" if close else ""
            raise NetSurfaceError(
                f"{text}: {key!r} is not a net: key{hint}; the keys are {', '.join(DEFAULTS)}"
            )
        values[key] = _typed(text, key, raw.strip())
    spec = NetSpec(dataset=name, **values)
    _check(text, spec)
    return spec


def _typed(text: str, key: str, raw: str) -> int | float | str:
    default = DEFAULTS[key]
    try:
        if key in ("depth", "width", "epochs", "seed", "n"):
            return int(raw)
        if key in ("span", "lr"):
            return float(raw)
    except ValueError:
        kind = "a whole number" if key in ("depth", "width", "epochs", "seed", "n") else "a number"
        raise NetSurfaceError(f"{text}: {key} must be {kind}, not {raw!r}") from None
    if key == "run" and not (raw and all(c.isalnum() or c in "-_" for c in raw)):
        raise NetSurfaceError(f"{text}: run must be a run's id (letters, digits, - and _)")
    if key in CHOICES and raw not in CHOICES[key]:
        raise NetSurfaceError(
            f"{text}: {key} must be one of {', '.join(CHOICES[key])}, not {raw!r}"
        )
    return raw if default is None or isinstance(default, str) else type(default)(raw)


def _check(text: str, s: NetSpec) -> None:
    limits = [
        ("depth", s.depth, 0, 8),
        ("width", s.width, 1, 256),
        ("epochs", s.epochs, 0, 500),
        ("seed", s.seed, 0, SEED_MAX),
    ]
    for key, value, lo, hi in limits:
        if not lo <= value <= hi:
            raise NetSurfaceError(f"{text}: {key} must be between {lo} and {hi}, not {value}")
    if s.n is not None and not 8 <= s.n <= MAX_SAMPLES:
        raise NetSurfaceError(f"{text}: n must be between 8 and {MAX_SAMPLES}, not {s.n}")
    if s.span is not None and not (0 < s.span < 1e6):
        raise NetSurfaceError(f"{text}: span must be a positive number, not {s.span}")
    if not (0 < s.lr < 10):
        raise NetSurfaceError(f"{text}: lr must be between 0 and 10, not {s.lr}")
    if s.directions == "pca" and s.epochs < 1:
        raise NetSurfaceError(
            f"{text}: pca directions need a training path of at least three points; "
            "use epochs ≥ 1 or directions=random"
        )


@dataclass
class NetSlice:
    """A trained net, its training data and two directions through its weights."""

    spec: NetSpec
    registry: Registry
    model: Net  # evaluation mode, float64, CPU
    theta0: dict[str, torch.Tensor]
    d1: dict[str, torch.Tensor]
    d2: dict[str, torch.Tensor]
    x: torch.Tensor  # (N, features) training inputs
    y: torch.Tensor  # (N,) class indices, or (N, 1) regression targets
    classify: bool
    path: np.ndarray  # (T, 2): the training trajectory projected on (d1, d2) around θ₀
    explained: tuple[float, float] | None  # pca: share of the path's variance per direction
    about: str = ""  # what net this is, for the surface's description ("" : from the spec)
    mse: bool = False  # a classifier trained with the lecture's squared error, not cross-entropy

    @property
    def n_parameters(self) -> int:
        return sum(int(t.numel()) for t in self.theta0.values())

    def params_at(self, a: torch.Tensor, b: torch.Tensor) -> dict[str, torch.Tensor]:
        """θ₀ + a·d₁ + b·d₂ for each of the P points in ``a``, ``b`` (shape (P,)): (P, ...)."""
        out = {}
        for name, t0 in self.theta0.items():
            shape = (-1,) + (1,) * t0.dim()
            out[name] = t0 + a.reshape(shape) * self.d1[name] + b.reshape(shape) * self.d2[name]
        return out

    def per_sample_loss(
        self, a: torch.Tensor, b: torch.Tensor, x: torch.Tensor, y: torch.Tensor
    ) -> torch.Tensor:
        """Losses (P, N) at P points; ``x`` is (N, d) for every point or (P, B, d) per point."""
        shared = x.dim() == 2
        n = x.shape[-2]
        if self._layered and a.shape[0]:

            def coeffs(i: int, j: int) -> torch.Tensor:
                return torch.stack([torch.ones_like(a[i:j]), a[i:j], b[i:j]], 1)

            return self._blocked_losses(
                a.shape[0], lambda i, j: self.params_at(a[i:j], b[i:j]), x, y, coeffs
            )
        # per point, the widest hidden layer's outputs are held (the shared data is not copied)
        widest = max(max(self.model.sizes), 1) * max(1, getattr(self.model, "pieces", 1))
        chunk = max(16, CHUNK_NUMBERS // max(1, n * widest))
        outs = []
        for i in range(0, a.shape[0], chunk):
            ai, bi = a[i : i + chunk], b[i : i + chunk]
            xi = x if shared else x[i : i + chunk]
            yi = y if shared else y[i : i + chunk]
            fn = vmap(self._one, in_dims=(0, None, None) if shared else (0, 0, 0))
            outs.append(fn(self.params_at(ai, bi), xi, yi))
        return torch.cat(outs) if outs else torch.zeros((0, n), dtype=DTYPE)

    def losses_at(self, points: torch.Tensor) -> torch.Tensor:
        """The training losses (T, N) at each of the (T, P) flat weight vectors ``points`` (not on
        the plane): the same forward as the grid's, batched over the points."""
        names = list(self.theta0)
        shapes = [self.theta0[k].shape for k in names]
        sizes = [self.theta0[k].numel() for k in names]

        def params(i: int, j: int) -> dict[str, torch.Tensor]:
            parts = torch.split(points[i:j], sizes, dim=1)
            return {k: t.reshape(j - i, *s) for k, t, s in zip(names, parts, shapes, strict=True)}

        if self._layered and points.shape[0]:
            return self._blocked_losses(points.shape[0], params, self.x, self.y)
        rows = [
            self._one({k: t[0] for k, t in params(i, i + 1).items()}, self.x, self.y)
            for i in range(points.shape[0])
        ]
        return torch.stack(rows) if rows else torch.zeros((0, self.x.shape[0]), dtype=DTYPE)

    @property
    def _layered(self) -> bool:
        """The project's own Net (linear layers, optional batch norm, an activation): forward
        with batched weights directly; any other module (a residual net too: its skips are
        the Net's own forward) goes through torch.func's vmap."""
        if not (hasattr(self.model, "hidden") and hasattr(self.model, "out")):
            return False
        return all(getattr(layer, "skip", None) is None for layer in self.model.hidden)

    def _blocked_losses(
        self,
        count: int,
        params_of: Callable[[int, int], dict[str, torch.Tensor]],
        x: torch.Tensor,
        y: torch.Tensor,
        coeffs_of: Callable[[int, int], torch.Tensor] | None = None,
    ) -> torch.Tensor:
        """Losses (count, N) of the project's Net at ``count`` points, a block of points by a
        block of samples at a time. ``params_of(i, j)``: the weights of points i…j−1, (p, …)
        each, built once per block of points; the samples go through in blocks small enough
        that a layer's outputs stay in the cache (the grid is memory-bound: measured about 2×
        faster than all samples at once, ``bench paths``). ``coeffs_of(i, j)``: for points on the
        plane with data shared by every point, (p, 3) rows [1, a, b], so the first layer is
        three products of the data made once and combined per point."""
        shared = x.dim() == 2
        n = x.shape[-2]
        widest = max(max(self.model.sizes[1:]), 1) * max(1, getattr(self.model, "pieces", 1))
        points = min(POINT_BLOCK, count)
        samples = max(8, BLOCK_NUMBERS // (points * widest)) if shared else n
        starts = range(0, n, samples)
        first = None
        if shared and coeffs_of is not None:
            first = [self._first_products(x[s : s + samples]) for s in starts]
        rows = []
        for i in range(0, count, points):
            j = min(i + points, count)
            layers = self._layers(params_of(i, j))
            if not shared:
                z = self._affine(x[i:j], *layers[0])
                rows.append(self._loss(self._forward(layers, z), y[i:j], False))
                continue
            cols = []
            for k, s in enumerate(starts):
                if first is not None and coeffs_of is not None:
                    z = (coeffs_of(i, j) @ first[k]).reshape(j - i, -1, layers[0][0].shape[-1])
                else:
                    z = self._affine(x[s : s + samples], *layers[0])
                cols.append(self._loss(self._forward(layers, z), y[s : s + samples], True))
            rows.append(torch.cat(cols, 1) if len(cols) > 1 else cols[0])
        return torch.cat(rows) if len(rows) > 1 else rows[0]

    def _linear_names(self) -> list[str]:
        return [f"hidden.{i}.linear" for i in range(len(self.model.hidden))] + ["out"]

    def _first_products(self, x: torch.Tensor) -> torch.Tensor:
        """(3, N·out): the first layer's x·W₀ᵀ + b₀, x·D₁ᵀ + d₁ and x·D₂ᵀ + d₂ for shared data
        ``x``; a point's first layer is [1, a, b] times these."""
        name = self._linear_names()[0]
        w, bias = f"{name}.weight", f"{name}.bias"
        parts = [x @ d[w].T + d[bias] for d in (self.theta0, self.d1, self.d2)]
        return torch.stack(parts).reshape(3, -1)

    def _layers(self, params: dict[str, torch.Tensor]) -> list[tuple[torch.Tensor, torch.Tensor]]:
        """Per linear layer, (Wᵀ (p, in, out), bias (p, 1, out)); per batch norm after a hidden
        layer's linear, (γ (p, 1, f), β (p, 1, f)) after it."""
        out = []
        for i, name in enumerate(self._linear_names()):
            out.append(
                (params[f"{name}.weight"].transpose(1, 2), params[f"{name}.bias"].unsqueeze(1))
            )
            if name != "out" and self.model.hidden[i].norm is not None:
                norm = f"hidden.{i}.norm"
                gamma, beta = params[f"{norm}.weight"], params[f"{norm}.bias"]
                out.append((gamma.unsqueeze(1), beta.unsqueeze(1)))
        return out

    @staticmethod
    def _affine(h: torch.Tensor, wt: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        """h·W(p)ᵀ + b(p) for each point p (``h`` (p, n, in), or (n, in) shared)."""
        z = torch.matmul(h, wt) if h.dim() == 2 else torch.bmm(h, wt)
        return z.add_(bias)

    def _forward(
        self, layers: list[tuple[torch.Tensor, torch.Tensor]], z: torch.Tensor
    ) -> torch.Tensor:
        """The rest of the net from the first linear layer's output ``z`` (p, n, out)."""
        k = 1
        for layer in self.model.hidden:
            if layer.norm is not None:
                gamma, beta = layers[k]
                k += 1
                mean, var = layer.norm.running_mean, layer.norm.running_var
                assert mean is not None and var is not None  # Net's batch norm tracks them
                z = (z - mean) / torch.sqrt(var + layer.norm.eps) * gamma + beta
            if type(layer.act) is torch.nn.ReLU and not z.requires_grad:
                h = z.relu_()  # z is this block's own: no copy (measured ~15% of the grid)
            else:
                p, n, f = z.shape
                h = layer.act(z.reshape(p * n, f)).reshape(p, n, -1)
            z = self._affine(h, *layers[k])
            k += 1
        return z

    def _loss(self, out: torch.Tensor, y: torch.Tensor, shared: bool) -> torch.Tensor:
        p, n, c = out.shape
        if self.classify and self.mse:
            return squared_error(out, y.expand(p, n) if shared else y)
        if self.classify:
            target = y.expand(p, n) if shared else y
            flat = F.cross_entropy(out.reshape(p * n, c), target.reshape(p * n), reduction="none")
            return flat.reshape(p, n)
        return ((out - y) ** 2).mean(-1)

    def _one(
        self, params: dict[str, torch.Tensor], x: torch.Tensor, y: torch.Tensor
    ) -> torch.Tensor:
        out: torch.Tensor = functional_call(self.model, params, (x,))
        if self.classify and self.mse:
            return squared_error(out, y)
        if self.classify:
            return F.cross_entropy(out, y, reduction="none")
        return ((out - y) ** 2).mean(-1)

    def surface(self) -> SurfaceSpec:
        spec = self.spec
        pca = spec.directions == "pca" or spec.run is not None
        span = spec.span
        if span is None:  # pca: the path's extent; random directions: θ₀'s own scale
            span = (float(np.abs(self.path).max()) * 1.3 or 1.0) if pca and len(self.path) else 1.0
        # pca: where training started (the path's first point); random directions: away from
        # the trained weights, so the balls have somewhere to go
        if pca and len(self.path):
            path_start = (float(self.path[0][0]), float(self.path[0][1]))
        else:
            path_start = (-0.7 * span, 0.6 * span)

        def sample_loss(
            xs: torch.Tensor, ys: torch.Tensor, data_x: torch.Tensor, data_y: torch.Tensor
        ) -> torch.Tensor:
            xs, ys = torch.broadcast_tensors(xs, ys)
            lead = xs.shape[:-1]
            a, b = xs.reshape(-1).to(DTYPE), ys.reshape(-1).to(DTYPE)
            if data_x.dim() == 2:
                losses = self.per_sample_loss(a, b, data_x, data_y)
            else:
                bx = data_x.reshape(-1, *data_x.shape[-2:])
                by = data_y.reshape(-1, *data_y.shape[len(lead) :])
                losses = self.per_sample_loss(a, b, bx, by)
            return losses.reshape(*lead, losses.shape[-1])

        where = "trained weights" if spec.at == "trained" else "initial weights"
        if spec.run is not None:
            where = "weights when the path was saved"
        kind = "filter-normalized random" if not pca else "PCA"
        about = self.about or describe(spec)
        share = (
            f"; they explain {self.explained[0]:.0%} + {self.explained[1]:.0%} of the path"
            if self.explained
            else ""
        )
        return SurfaceSpec(
            name=spec.text,
            domain=((-span, span), (-span, span)),
            minima=(),
            starts=(path_start, (0.5 * span, -0.5 * span)),
            formula=f"training loss of a {about} around its {where}, along {kind} directions",
            description=f"{about} on {spec.dataset}: {kind} directions{share}.",
            data=(self.x, self.y),
            sample_loss=sample_loss,
            plugin="net",
        )


def describe(spec: NetSpec) -> str:
    skips = " residual" if spec.residual == "on" else ""
    return f"{spec.depth}×{spec.width}{skips} {spec.activation} net"


# -- building ----------------------------------------------------------------------------------
class _Stored(TypedDict):
    """A slice's weights and directions as ``_train_and_pick`` computes them and the cache holds
    them: θ₀, d₁, d₂ by parameter name, the path's coordinates (T, 2) and, for pca, the shares."""

    theta0: dict[str, torch.Tensor]
    d1: dict[str, torch.Tensor]
    d2: dict[str, torch.Tensor]
    path: torch.Tensor
    explained: torch.Tensor | None


def check_net_spec(text: str, registry: Registry) -> NetSpec:
    """``text`` parsed and its names looked up, without training anything (NetSurfaceError,
    one sentence): what a saved setup naming a ``net:`` surface is checked with."""
    if not text.startswith(PREFIX):
        text = PREFIX + text
    spec = parse_net_spec(text)
    if spec.run is not None:
        return spec  # the run file is read (and judged) when the slice is built
    if spec.dataset not in registry.datasets:
        close = difflib.get_close_matches(spec.dataset, list(registry.datasets), n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        raise NetSurfaceError(
            f"{text}: no dataset {spec.dataset!r}{hint}; the datasets are "
            f"{', '.join(registry.datasets)}"
        )
    names = spec.activation.split("/")  # relu/sigmoid: one per hidden layer
    for name in names:
        if name not in registry.activations:
            raise NetSurfaceError(
                f"{text}: no activation {name!r}; use one of {', '.join(registry.activations)}"
            )
    if len(names) > 1 and len(names) != spec.depth:
        raise NetSurfaceError(
            f"{text}: activation names {len(names)} layers for depth {spec.depth}; give one name "
            "or one per layer (relu/sigmoid)"
        )
    return spec


def build_slice(text: str, registry: Registry, cache: Path | None | bool = None) -> NetSlice:
    """Train (or read from the cache) the net ``text`` names and pick its two directions."""
    from explorer.training import TrainingSession

    spec = check_net_spec(text, registry)
    if spec.run is not None:
        return _slice_of_run(text, spec, registry)
    config = _config(spec)
    try:
        session = TrainingSession(config, registry)
    except ValueError as exc:
        raise NetSurfaceError(f"{text}: {exc}") from None
    n_params = sum(p.numel() for p in session.model.parameters())
    if n_params > MAX_PARAMETERS or len(session.splits.train) > MAX_SAMPLES:
        raise NetSurfaceError(
            f"{text}: the net has {n_params} parameters on {len(session.splits.train)} samples; a "
            f"grid fits up to {MAX_PARAMETERS} parameters and {MAX_SAMPLES} samples (use a smaller "
            "width, depth or n)"
        )
    path_file = _cache_file(spec, cache)
    shapes = {n: tuple(p.shape) for n, p in session.model.named_parameters()}
    stored = _read_cache(path_file, shapes)
    names = list(shapes)
    if stored is None:
        stored = _train_and_pick(spec, session, names)
        _write_cache(path_file, stored)
    model = session.model.copy().double().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    x = session.splits.train.x.detach().to(DTYPE)
    y = session.splits.train.y.detach()
    classify = session.splits.task == "classification"
    if not classify:
        y = y.to(DTYPE)
    return NetSlice(
        spec,
        registry,
        model,
        stored["theta0"],
        stored["d1"],
        stored["d2"],
        x,
        y,
        classify,
        stored["path"].numpy(),
        tuple(stored["explained"].tolist()) if stored["explained"] is not None else None,
    )


def _slice_of_run(text: str, spec: NetSpec, registry: Registry) -> NetSlice:
    """The slice through a run the Network lab recorded (``weight_path.save_run``): the lab's
    own net, data split and loss, rebuilt from its configuration (deterministic: same seed)."""
    import dataclasses

    from explorer.training import TrainConfig, TrainingSession
    from explorer.training.weight_path import PathError, read_run, runs_dir

    try:
        data = read_run(runs_dir() / f"{spec.run}.pt")
    except PathError as exc:
        raise NetSurfaceError(f"{text}: {exc}") from None
    known = {f.name for f in dataclasses.fields(TrainConfig)}
    saved = {k: v for k, v in dict(data["config"]).items() if k in known}
    if saved.get("dataset") != spec.dataset:
        raise NetSurfaceError(
            f"{text}: run {spec.run} trained on {saved.get('dataset')!r}, not {spec.dataset!r}; "
            f"use net:{saved.get('dataset')}?run={spec.run}"
        )
    try:
        config = TrainConfig(**saved).replace(device="cpu")
        session = TrainingSession(config, registry)
    except (ValueError, LookupError, TypeError) as exc:
        raise NetSurfaceError(f"{text}: the run's net cannot be rebuilt here: {exc}") from None
    model = session.model.copy().double().eval()
    for p in model.parameters():
        p.requires_grad_(False)
    own = dict(model.named_buffers())
    for name, value in data.get("buffers", {}).items():  # batch norm's running statistics
        if name in own and own[name].shape == value.shape:
            own[name].copy_(value)
    shapes = {n: tuple(p.shape) for n, p in model.named_parameters()}
    if {n: tuple(t.shape) for n, t in data["theta0"].items()} != shapes:
        raise NetSurfaceError(f"{text}: the run file does not match the net its settings build")
    classify = session.splits.task == "classification"
    y = session.splits.train.y.detach()
    return NetSlice(
        spec,
        registry,
        model,
        {n: t.to(DTYPE) for n, t in data["theta0"].items()},
        {n: t.to(DTYPE) for n, t in data["d1"].items()},
        {n: t.to(DTYPE) for n, t in data["d2"].items()},
        session.splits.train.x.detach().to(DTYPE),
        y if classify else y.to(DTYPE),
        classify,
        data["path"].numpy(),
        tuple(data["explained"].tolist()),
        about=f"{config.depth}×{config.width} {config.activation} net of the Network lab",
        mse=classify and config.loss == "mse",
    )


def _config(spec: NetSpec) -> TrainConfig:
    from explorer.training import TrainConfig

    return TrainConfig(
        dataset=spec.dataset,
        n=spec.n,
        depth=spec.depth,
        width=spec.width,
        activation=spec.activation.replace("/", ","),
        residual=spec.residual == "on",
        optimizer=spec.optimizer,
        optimizer_hyper={"lr": spec.lr},
        epochs=max(1, spec.epochs),
        seed=spec.seed,
        device="cpu",
        val_fraction=0.0,
        test_fraction=0.0,
    )


def _replay_path(sl: NetSlice) -> torch.Tensor:
    """The recorded weights of ``sl``'s training run, (T, parameters), trained again from its spec
    (deterministic: the same seed gives the same path). For tests and the path's share."""
    from explorer.training import TrainingSession

    session = TrainingSession(_config(sl.spec), sl.registry)
    return _record_path(sl.spec, session, list(sl.theta0))[0]


def _flat(params: dict[str, torch.Tensor]) -> torch.Tensor:
    return torch.cat([t.reshape(-1) for t in params.values()])


def _current(session: TrainingSession, names: list[str]) -> dict[str, torch.Tensor]:
    params = dict(session.model.named_parameters())
    return {n: params[n].detach().to(DTYPE).clone() for n in names}


def _record_path(
    spec: NetSpec, session: TrainingSession, names: list[str]
) -> tuple[torch.Tensor, dict[str, torch.Tensor], dict[str, torch.Tensor]]:
    """Train with the weights recorded about 60 times along the way: (path (T, P), θ_init,
    θ_trained)."""
    initial = _current(session, names)
    path = [_flat(initial)]
    total = spec.epochs * session.steps_per_epoch
    every = max(1, total // 60)
    done = 0
    while done < total and not session.done:
        done += session.step(min(every, total - done))
        path.append(_flat(_current(session, names)))
    return torch.stack(path), initial, _current(session, names)


def _train_and_pick(spec: NetSpec, session: TrainingSession, names: list[str]) -> _Stored:
    """Train, then pick the two directions (and the path's coordinates along them)."""
    path, initial, trained = _record_path(spec, session, names)
    theta0 = trained if spec.at == "trained" else initial
    traj = path - _flat(theta0)  # (T, P)
    gen = torch.Generator().manual_seed(spec.seed + 7919)
    explained = None
    if spec.directions == "random":
        d1 = filter_normalized(theta0, gen)
        d2 = filter_normalized(theta0, gen)
        D = torch.stack([_flat(d1), _flat(d2)], 1)  # (P, 2)
        coords = torch.linalg.lstsq(D, traj.T).solution.T  # (T, 2): least-squares projection
    else:
        if traj.shape[0] < 3:
            raise NetSurfaceError(
                f"{spec.text}: pca directions need at least three recorded points, got "
                f"{traj.shape[0]}; train longer (epochs) or use directions=random"
            )
        try:  # the same plane the Network lab's path is drawn on (one PCA, one place)
            v1, v2, shares, coords = pca_plane(path, _flat(theta0))
        except PathError as exc:
            raise NetSurfaceError(f"{spec.text}: {exc}") from None
        explained = torch.tensor(shares, dtype=DTYPE)
        shapes = {name: tuple(t.shape) for name, t in theta0.items()}
        d1, d2 = unflat(v1, shapes), unflat(v2, shapes)
    return {
        "theta0": theta0,
        "d1": d1,
        "d2": d2,
        "path": coords,
        "explained": explained,
    }


def filter_normalized(
    theta0: dict[str, torch.Tensor], gen: torch.Generator
) -> dict[str, torch.Tensor]:
    """A Gaussian direction with each row (filter) rescaled to the norm of θ₀'s row; vectors
    (biases, batch-norm scales and shifts) get 0, as in Li et al.'s ``ignore='biasbn'``."""
    out = {}
    for name, t in theta0.items():
        if t.dim() <= 1:
            out[name] = torch.zeros_like(t)
            continue
        d = torch.randn(t.shape, generator=gen, dtype=DTYPE)
        rows_d = d.reshape(d.shape[0], -1).norm(dim=1).clamp(min=1e-12)
        rows_t = t.reshape(t.shape[0], -1).norm(dim=1)
        scale = (rows_t / rows_d).reshape((-1,) + (1,) * (t.dim() - 1))
        out[name] = d * scale
    return out


# -- the cache ---------------------------------------------------------------------------------
def _cache_dir(cache: Path | None | bool) -> Path | None:
    from explorer.training.weight_path import cache_root

    if cache is False:
        return None
    if isinstance(cache, Path):
        return cache
    return cache_root() / "net-surfaces"


def _cache_file(spec: NetSpec, cache: Path | None | bool) -> Path | None:
    """The cache file of ``spec``: its key holds the cache format, the app's version (a release
    that computes the slice differently never reads an older release's numbers), torch's, and
    torch's thread count: training splits its sums across the threads, so the trained weights
    differ in the last bits with it, and a slice opened under 2 threads must be the one 2
    threads compute (the same spec gives the same numbers bit for bit, whatever ran first)."""
    from explorer import __version__

    folder = _cache_dir(cache)
    if folder is None:
        return None
    key = json.dumps(
        [CACHE_VERSION, __version__, spec.text, torch.__version__, torch.get_num_threads()],
        sort_keys=True,
    )
    return folder / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.pt"


def _read_cache(path: Path | None, shapes: dict[str, tuple[int, ...]]) -> _Stored | None:
    """The cached weights and directions of a net whose parameters have ``shapes``, or None (to
    be recomputed) when the file is missing, damaged, or holds anything else."""
    if path is None or not path.is_file():
        return None
    try:
        data = torch.load(path, weights_only=True)
    except Exception:  # noqa: BLE001 - a damaged cache file is recomputed
        return None
    if not _cache_fits(data, shapes):
        return None
    with contextlib.suppress(OSError):
        os.utime(path)  # recently used: pruned last
    stored: _Stored = data  # what _cache_fits checked
    return stored


def _cache_fits(data: object, shapes: dict[str, tuple[int, ...]]) -> bool:
    """Whether ``data`` is what ``_train_and_pick`` stores for a net with ``shapes``."""
    if not isinstance(data, dict):
        return False
    for key in ("theta0", "d1", "d2"):
        part = data.get(key)
        if not isinstance(part, dict) or list(part) != list(shapes):
            return False
        if any(
            not isinstance(t, torch.Tensor) or tuple(t.shape) != shapes[n] for n, t in part.items()
        ):
            return False
    path, explained = data.get("path"), data.get("explained", 0)
    if not isinstance(path, torch.Tensor) or path.dim() != 2 or path.shape[1] != 2:
        return False
    return explained is None or (isinstance(explained, torch.Tensor) and explained.numel() == 2)


def _write_cache(path: Path | None, data: _Stored) -> None:
    """Store ``data`` (each tensor copied to storage of its own: a view would write the whole
    tensor it views, 25-40x the numbers), then keep the folder under its budget. A cache that
    cannot be written (read-only, a full disk) only costs the next open its training time."""
    if path is None:
        return
    owned = {k: _own_storage(v) for k, v in data.items()}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        save_tensors(path, owned, "the net: surface cache")
    except (OSError, OutputError):
        return
    prune_cache(path.parent, keep=path)


def _own_storage(value: object) -> object:
    if isinstance(value, torch.Tensor):
        return value.detach().clone()
    if isinstance(value, dict):
        return {k: _own_storage(v) for k, v in value.items()}
    return value


def prune_cache(folder: Path, budget: int | None = None, keep: Path | None = None) -> int:
    """Delete the least recently used cache files of ``folder`` until it holds at most
    ``budget`` bytes (default CACHE_BUDGET_BYTES; never ``keep``, the file just written), and
    the temporaries of writers that were killed an hour ago or more. Returns the bytes freed."""
    import time

    budget = CACHE_BUDGET_BYTES if budget is None else budget
    freed = 0
    try:
        entries = []
        for f in folder.iterdir():
            st = f.stat()
            if f.name.startswith(".") and ".part" in f.name and time.time() - st.st_mtime > 3600:
                f.unlink()
                freed += st.st_size
            elif f.suffix == ".pt" and f.is_file():
                entries.append((st.st_mtime, st.st_size, f))
    except OSError:  # another process pruning at the same time: the next write prunes again
        return freed
    total = sum(size for _, size, _ in entries)
    for _, size, f in sorted(entries):
        if total <= budget:
            break
        if keep is not None and f == keep:
            continue
        with contextlib.suppress(OSError):
            f.unlink()
            freed += size
        total -= size
    return freed


def surface_from_net_spec(
    text: str, registry: Registry, cache: Path | None | bool = None
) -> SurfaceSpec:
    return build_slice(text, registry, cache).surface()
