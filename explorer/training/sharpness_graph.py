"""Hessian-vector products for ``sharpness`` through a graph traced once per net shape.

Why a graph: on the lab's nets a product costs little in arithmetic (a 4×32 net on 128 samples:
~0.1 ms of matrix products) and ~0.7 ms in the ~250 tensor operations autograd's double backward
dispatches one by one from Python. So the loss's gradient and the vector-Jacobian product of
that gradient (``torch.func``: grad, vjp) are traced once
into one flat graph of aten operations (``make_fx``) and split in two: what depends on the
weights alone (the forward pass and the gradient, once per measurement) and what depends on the
vector too (once per product). Each part runs in TorchScript's interpreter (``torch.jit.trace``),
which dispatches an operation in ~1 µs where Python takes ~3. A third graph strings the
weights-only part and ``HEAD`` copies of the product part together with Lanczos's
re-orthogonalization, so a measurement's first ``HEAD`` steps are one call (``head``): between
separate calls each product ran ~40 % slower. The arithmetic is autograd's own, operation for
operation: the same float32 products, the same float64 Lanczos vectors.

Where this torch has no TorchScript (it is deprecated) the graphs run as fx code (slower, the
same numbers). Where the net cannot be traced (``make_fx`` refuses data-dependent control flow
rather than fixing one branch: a plugin activation that branches on its values; the lecture's
squared-error loss, whose one-hot encoding checks the labels), or the traced products disagree
with autograd's on random vectors at the weights they were traced at, the products are
autograd's own, one vector at a time (``autograd``).

A traced graph holds the net's layers and activation modules, the batch's shape, the loss and
the L1 / L2 factors, and takes the weights, batch-norm statistics and batch as inputs: it serves
every later tracker of the same net (a reset, the next run of ``train --sharpness``), as tracing
takes ~0.5–1 s. The last ``KEEP`` shapes are kept.
"""

from __future__ import annotations

import functools
import operator
import threading
import warnings
from collections import OrderedDict
from collections.abc import Callable, Sequence
from operator import getitem
from typing import Any

import numpy as np
import torch
from torch import fx, nn
from torch.func import functional_call, grad, vjp

KEEP = 8  # traced net shapes kept
HEAD = 5  # Lanczos steps the traced graph takes in one pass (most measurements need 4 to 6)
AGREE = 1e-4  # the traced products' largest relative difference from autograd's, on trust

Block = Callable[[np.ndarray], np.ndarray]  # (k, n) float64 vectors ↦ H times each of them
# (a block of vectors through one vmapped graph cost ~0.1 ms more per vector, about one
# product's arithmetic: block methods needed ~3 times Lanczos's products; so one at a time)
Loss = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

_lock = threading.Lock()
Parts = tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any] | None]
Head = tuple[np.ndarray, np.ndarray, np.ndarray]  # Lanczos basis (m + 1 rows), alphas, betas
_traced: OrderedDict[tuple[Any, ...], Parts | None] = OrderedDict()


class GraphProducts:
    """Products with the Hessian of ``loss(model(x), y) + l1·Σ|w| + ½·l2·Σw²`` (w: the weights
    named in ``penalized``); ``model`` is an evaluation-mode, float32, CPU net whose parameters and buffers ``at`` replaces with its own;
    ``key`` says what in the net the graph depends on (its layers, activations, loss)."""

    def __init__(
        self,
        model: nn.Module,
        x: torch.Tensor,
        y: torch.Tensor,
        loss: Loss,
        penalty: tuple[float, float, Sequence[str]],
        key: tuple[Any, ...],
    ) -> None:
        self.x, self.y = x, y
        self.names = [name for name, _ in model.named_parameters()]
        self.shapes = [p.shape for _, p in model.named_parameters()]
        self.sizes = [p.numel() for _, p in model.named_parameters()]
        buffer_names = [name for name, _ in model.named_buffers()]
        l1, l2, penalized = penalty
        names = self.names

        def loss_of(
            params: tuple[torch.Tensor, ...],
            buffers: tuple[torch.Tensor, ...],
            x: torch.Tensor,
            y: torch.Tensor,
        ) -> torch.Tensor:
            weights = dict(zip(names, params, strict=True))
            state = weights | dict(zip(buffer_names, buffers, strict=True))
            total = loss(functional_call(model, state, (x,)), y)
            if l1:
                total = total + l1 * sum(weights[w].abs().sum() for w in penalized)
            if l2:
                total = total + 0.5 * l2 * sum((weights[w] ** 2).sum() for w in penalized)
            return total

        self._loss_of = loss_of
        self.key = (*key, tuple(x.shape), x.dtype, tuple(y.shape), y.dtype, l1, l2)

    @property
    def traced(self) -> bool:
        """Whether the products run through a traced graph (else autograd's, one by one)."""
        return _traced.get(self.key) is not None

    def at(self, params: Sequence[torch.Tensor], buffers: Sequence[torch.Tensor]) -> Block:
        """The block product at these weights and batch-norm statistics (float32 CPU tensors,
        in the model's order); the weights-only part runs at its first use."""
        parts = self._parts(params, buffers)
        if parts is None:
            return self.autograd(params, buffers)
        return self._graph(parts, params, buffers)

    def head(
        self,
        params: Sequence[torch.Tensor],
        buffers: Sequence[torch.Tensor],
        start: np.ndarray,
        scale: np.ndarray | None,
    ) -> Head | None:
        """The first ``HEAD`` Lanczos steps from ``start`` (unit length) on S·H·S (S: the
        diagonal ``scale``, none where None), in one pass through a traced graph: the basis
        (``HEAD`` + 1 rows), alphas and betas, as ``sharpness.top_eigen`` computes them
        (None where the net has no traced graph)."""
        parts = self._parts(params, buffers)
        if parts is None or parts[2] is None:
            return None
        s = (
            torch.ones(len(start), dtype=torch.float64)
            if scale is None
            else torch.from_numpy(scale)
        )
        q, a, b = parts[2](*params, *buffers, self.x, self.y, torch.from_numpy(start), s)
        return q.numpy(), a.numpy(), b.numpy()

    def _parts(
        self, params: Sequence[torch.Tensor], buffers: Sequence[torch.Tensor]
    ) -> Parts | None:
        with _lock:
            if self.key not in _traced:
                try:
                    _traced[self.key] = self._trace(params, buffers)
                except Exception:  # noqa: BLE001 - untraceable: autograd's products instead
                    _traced[self.key] = None
                while len(_traced) > KEEP:
                    _traced.popitem(last=False)
            _traced.move_to_end(self.key)
            return _traced[self.key]

    def _graph(
        self, parts: Parts, params: Sequence[torch.Tensor], buffers: Sequence[torch.Tensor]
    ) -> Block:
        build, product, _ = parts
        dtype = self.x.dtype
        saved: list[Any] = []

        def block(vectors: np.ndarray) -> np.ndarray:
            if not saved:
                saved.extend(build(*params, *buffers, self.x, self.y))
            rows = [product(*saved, torch.from_numpy(v[None]).to(dtype))[0] for v in vectors]
            return torch.stack(rows).numpy().astype(np.float64)

        return block

    def _trace(
        self, params: Sequence[torch.Tensor], buffers: Sequence[torch.Tensor]
    ) -> Parts | None:
        from torch.fx.experimental.proxy_tensor import make_fx

        loss_of, sizes, shapes = self._loss_of, self.sizes, self.shapes
        n_params, n_buffers = len(params), len(buffers)

        def single(*inputs: torch.Tensor) -> torch.Tensor:
            ps, bs = tuple(inputs[:n_params]), tuple(inputs[n_params : n_params + n_buffers])
            x, y, vector = inputs[n_params + n_buffers :]  # vector: (1, n)
            pullback = vjp(lambda q: grad(loss_of)(q, bs, x, y), ps)[1]
            split = vector[0].split(sizes)
            parts = tuple(t.reshape(s) for t, s in zip(split, shapes, strict=True))
            return torch.cat([h.reshape(-1) for h in pullback(parts)[0]])[None]

        n = sum(sizes)
        probe = torch.randn(2, n, generator=torch.Generator().manual_seed(0))
        probe = probe.to(self.x.dtype)
        fixed = (*params, *buffers, self.x, self.y)
        build, product = split(make_fx(single)(*fixed, probe[:1]), len(fixed))
        saved = build(*fixed)
        parts = _script(build, fixed), _script(product, (*saved, probe[:1])), None
        # trusted only where it agrees with autograd's own products
        flat = probe.double().numpy()
        mine = self._graph(parts, params, buffers)(flat)
        theirs = self.autograd(params, buffers)(flat)
        scale = float(np.abs(theirs).max()) or 1.0
        if not float(np.abs(mine - theirs).max()) <= AGREE * scale:
            return None
        head = _script(_lanczos(build, product, len(fixed), self.x.dtype), (*fixed, *_start(n)))
        basis, alphas, _ = head(*fixed, *_start(n))
        first = basis[:1].numpy()  # its first step against the checked product's
        alpha = float(first[0] @ self._graph(parts, params, buffers)(first)[0])
        if not abs(float(alphas[0]) - alpha) <= AGREE * scale:
            return parts
        return parts[0], parts[1], head

    def autograd(self, params: Sequence[torch.Tensor], buffers: Sequence[torch.Tensor]) -> Block:
        """Double backward, one vector at a time: the products without a traced graph."""
        leaves = tuple(p.detach().requires_grad_(True) for p in params)
        with torch.enable_grad():
            loss = self._loss_of(leaves, tuple(buffers), self.x, self.y)
            gradient = torch.autograd.grad(loss, leaves, create_graph=True)
        sizes, shapes = self.sizes, self.shapes

        def block(vectors: np.ndarray) -> np.ndarray:
            rows = []
            for v in torch.from_numpy(vectors).to(self.x.dtype):
                parts = [t.reshape(s) for t, s in zip(v.split(sizes), shapes, strict=True)]
                hv = torch.autograd.grad(gradient, leaves, grad_outputs=parts, retain_graph=True)
                rows.append(torch.cat([h.reshape(-1) for h in hv]))
            return torch.stack(rows).double().numpy()

        return block


def _start(n: int) -> tuple[torch.Tensor, torch.Tensor]:
    """A unit start vector and a scale of ones (what the Lanczos graph is traced with)."""
    q = torch.randn(n, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    return q / q.norm(), torch.ones(n, dtype=torch.float64)


def _lanczos(
    build: fx.GraphModule, product: fx.GraphModule, n_fixed: int, dtype: torch.dtype
) -> fx.GraphModule:
    """``HEAD`` Lanczos steps (full re-orthogonalization in float64, products with S·H·S) as
    one graph: ``build`` once, then ``product`` ``HEAD`` times, copied node by node (tracing
    them again through make_fx took ~2 s)."""
    graph, root = fx.Graph(), nn.Module()
    fixed = [graph.placeholder(f"fixed_{i}") for i in range(n_fixed)]
    start, scale = graph.placeholder("start"), graph.placeholder("scale")
    saved = _inline(graph, build, fixed, root, "build")

    def call(fn: Callable[..., Any], *args: Any) -> fx.Node:
        return graph.call_function(fn, args)

    # the basis in one block filled row by row (rows not reached yet are zero: they take no part
    # in the re-orthogonalization), not grown by concatenation: one allocation, not HEAD
    first = call(torch.unsqueeze, start, 0)
    basis = call(torch.cat, [first] + [call(torch.zeros_like, first)] * HEAD)
    alphas, betas = [], []
    for j in range(HEAD):
        row = call(operator.mul, scale, call(getitem, basis, j))
        vector = graph.call_method("to", (row,), {"dtype": dtype})
        out = _inline(graph, product, [*saved, call(torch.unsqueeze, vector, 0)], root, f"step{j}")
        w = call(operator.mul, graph.call_method("double", (call(getitem, out, 0),)), scale)
        coef = call(torch.mv, basis, w)
        alphas.append(call(getitem, coef, j))
        w = call(operator.sub, w, call(torch.mv, graph.call_method("t", (basis,)), coef))
        again = call(torch.mv, basis, w)  # twice is enough
        w = call(operator.sub, w, call(torch.mv, graph.call_method("t", (basis,)), again))
        beta = graph.call_method("norm", (w,))
        betas.append(beta)
        unit = call(operator.truediv, w, graph.call_method("clamp_min", (beta, 1e-300)))
        graph.call_method("copy_", (graph.call_method("select", (basis, 0, j + 1)), unit))
    graph.output((basis, call(torch.stack, alphas), call(torch.stack, betas)))
    return fx.GraphModule(root, graph)


def _inline(
    graph: fx.Graph, module: fx.GraphModule, args: Sequence[Any], root: nn.Module, prefix: str
) -> Any:
    """``module``'s nodes copied into ``graph`` with its inputs bound to ``args`` (its constants
    moved to ``root``); returns what its output holds, as nodes of ``graph``."""
    env: dict[fx.Node, Any] = {}
    inputs = [node for node in module.graph.nodes if node.op == "placeholder"]
    env.update(zip(inputs, args, strict=True))
    for node in module.graph.nodes:
        if node.op == "output":
            return fx.map_arg(node.args[0], lambda a: env[a])
        if node.op == "get_attr":
            name = f"{prefix}_{node.target}".replace(".", "_")
            setattr(root, name, functools.reduce(getattr, str(node.target).split("."), module))
            env[node] = graph.get_attr(name)
        elif node.op != "placeholder":
            env[node] = graph.node_copy(node, lambda a: env[a])
    raise ValueError("a graph without an output")


def split(whole: fx.GraphModule, n_fixed: int) -> tuple[fx.GraphModule, fx.GraphModule]:
    """``whole`` (inputs: ``n_fixed`` fixed ones, then the varying ones) as two graphs: ``build``
    (the fixed inputs ↦ every value the rest needs) and ``product`` (those values, then the
    varying inputs ↦ ``whole``'s output)."""
    nodes = list(whole.graph.nodes)
    inputs = [node for node in nodes if node.op == "placeholder"]
    (output,) = [node for node in nodes if node.op == "output"]
    varying = set(inputs[n_fixed:])
    for node in nodes:
        if node.op not in ("placeholder", "output") and varying & set(node.all_input_nodes):
            varying.add(node)
    fixed_graph, env = fx.Graph(), dict[fx.Node, fx.Node]()
    for node in nodes:
        if node is not output and node not in varying:
            env[node] = fixed_graph.node_copy(node, lambda a: env[a])
    needed = [
        node
        for node in env
        if node.op != "get_attr" and any(u in varying or u is output for u in node.users)
    ]
    fixed_graph.output(tuple(env[node] for node in needed))
    varying_graph, mine = fx.Graph(), dict[fx.Node, fx.Node]()
    for node in needed:
        mine[node] = varying_graph.placeholder(f"saved_{node.name}")
    for node in inputs[n_fixed:]:
        mine[node] = varying_graph.node_copy(node)
    for node in nodes:
        if node.op == "get_attr" and any(u in varying for u in node.users):
            mine[node] = varying_graph.node_copy(node)
    for node in nodes:
        if node in varying and node.op != "placeholder":
            mine[node] = varying_graph.node_copy(node, lambda a: mine[a])
    varying_graph.output(fx.map_arg(output.args[0], lambda a: mine[a]))
    return fx.GraphModule(whole, fixed_graph), fx.GraphModule(whole, varying_graph)


def _script(graph: fx.GraphModule, example: tuple[torch.Tensor, ...]) -> Callable[..., Any]:
    """``graph`` in TorchScript's interpreter, or as it is where this torch cannot."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch.jit.trace is deprecated: it says so
            return torch.jit.trace(graph, example, check_trace=False)  # type: ignore[no-any-return]
    except Exception:  # noqa: BLE001 - no TorchScript here: the fx code runs the same graph
        return graph
