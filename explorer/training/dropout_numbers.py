"""The numbers the Dropout scene shows (no pygame): what the live net's current mini-batch dropped,
the two scaling conventions for one unit, and the ensemble of all thinned networks of two small
nets (computed off the UI thread)."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import torch

from explorer.plugins import Registry
from explorer.training import TrainConfig, TrainingSession, thinned_average
from explorer.training.dropout_average import ThinnedAverage

if TYPE_CHECKING:
    from explorer.training.jobs import JobContext

# The live net: 2 → 8 → 8 → 2, trained one mini-batch at a time while the class watches.
LIVE_CONFIG = TrainConfig(
    dataset="moons",
    depth=2,
    width=8,
    activation="relu",
    dropout=0.5,
    optimizer="adam",
    optimizer_hyper={"lr": 0.01},
    batch_size=32,
    epochs=100_000,
    seed=0,
)
# The ensemble's nets: 2 → 6 → 6 → 2, so 12 droppable units and 4096 thinned networks.
# Trained briefly so their weights are not just random (validation accuracy ≈ 85–90%).
ENSEMBLE_CONFIG = LIVE_CONFIG.replace(
    width=6, optimizer="momentum", optimizer_hyper={"lr": 0.05}, epochs=30
)
ENSEMBLE_ACTIVATIONS = ("linear", "sigmoid")
ENSEMBLE_INPUTS = 4
ENSEMBLE_OUTPUT = 1  # the class-1 logit is the output tabulated and histogrammed
MC_MASKS = 4000  # masks averaged for the "expected input while training"
MC_SEED = 1234


@dataclass(frozen=True)
class Scaling:
    """The input one unit of hidden layer 2 receives from hidden layer 1, Σⱼ wⱼ·hⱼ (bias aside),
    under each convention, in training (Monte Carlo over masks) and at test."""

    unit: int
    p: float
    full: float  # Σ w·h with every unit kept and nothing scaled
    inv_train: float  # inverted: mean over masks of Σ w·m·h / (1 − p)
    inv_se: float  # its standard error
    orig_train: float  # original: mean over masks of Σ w·m·h
    orig_se: float
    this_batch: float | None  # inverted, through this mini-batch's mask (sample 1)
    n_masks: int = MC_MASKS

    @property
    def inv_test(self) -> float:
        return self.full

    @property
    def orig_test(self) -> float:
        return (1 - self.p) * self.full

    def agrees(self, train: float, se: float, test: float) -> bool:
        return abs(train - test) <= 4 * se + 1e-9 * max(1.0, abs(test))


@dataclass(frozen=True)
class LiveView:
    """The live net after its last mini-batch, as the two drawings and the scaling panel show it."""

    step: int
    p: float
    sizes: tuple[int, ...]
    weights: tuple[np.ndarray, ...]  # per weight layer (out, in)
    kept: tuple[np.ndarray, ...] | None  # per hidden layer, sample 1's mask (True = kept)
    batch_dropped: float | None  # fraction of (sample, unit) pairs dropped in this mini-batch
    batch_pairs: int
    x: np.ndarray  # the probe input the outputs and the scaling panel are computed on
    train_probs: np.ndarray | None  # class probabilities of this mini-batch's thinned net on x
    eval_probs: np.ndarray  # ... of the net in evaluation mode
    val_acc: float | None
    scaling: Scaling


def thinned_masks(kept: tuple[np.ndarray, ...], dtype: torch.dtype) -> list[torch.Tensor]:
    return [torch.as_tensor(k, dtype=dtype)[None, :] for k in kept]


@torch.no_grad()
def read_live(session: TrainingSession, unit: int) -> LiveView:
    """What the drawings need, read right after a step (it switches the net to evaluation mode and
    back, so it belongs in ``update``, never in ``draw``)."""
    model = session.model
    p = model.p
    masks = [model.dropout_mask(i) for i in range(len(model.hidden))]
    drawn = [m for m in masks if m is not None]
    have = len(drawn) == len(masks)
    kept = tuple(m[0].cpu().numpy().copy() for m in drawn) if have else None
    if have:
        pairs = sum(int(m.numel()) for m in drawn)
        batch_dropped = 1.0 - sum(int(m.sum()) for m in drawn) / pairs
    else:
        pairs, batch_dropped = 0, None
    x = session.splits.val.x[:1]
    was_training = model.training
    model.eval()
    eval_probs = torch.softmax(model(x), 1)[0].cpu().numpy()
    train_probs = None
    if kept is not None:
        out = model(x, masks=thinned_masks(kept, x.dtype))
        train_probs = torch.softmax(out, 1)[0].cpu().numpy()
    h1 = model.hidden[0](x)[0].cpu().numpy().astype(np.float64)
    model.train(was_training)
    weights = tuple(lin.weight.detach().cpu().numpy().copy() for lin in model.linears)
    unit = max(0, min(unit, model.width - 1))
    scaling = scaling_numbers(weights[1][unit].astype(np.float64) * h1, p, unit, kept)
    last = session.epochs[-1] if session.epochs else None
    return LiveView(
        step=session.global_step,
        p=p,
        sizes=model.sizes,
        weights=weights,
        kept=kept,
        batch_dropped=batch_dropped,
        batch_pairs=pairs,
        x=x[0].cpu().numpy().copy(),
        train_probs=train_probs,
        eval_probs=eval_probs,
        val_acc=last.val_acc if last is not None else None,
        scaling=scaling,
    )


def scaling_numbers(
    contrib: np.ndarray, p: float, unit: int, kept: tuple[np.ndarray, ...] | None
) -> Scaling:
    """``contrib`` = wⱼ·hⱼ for the units j of hidden layer 1. Masks from a fixed generator, so
    the same weights give the same numbers."""
    rng = np.random.default_rng(MC_SEED)
    m = rng.random((MC_MASKS, contrib.size)) >= p
    raw = m.astype(np.float64) @ contrib  # original: kept units pass as they are
    inv = raw / (1 - p)
    se = math.sqrt(MC_MASKS)
    this_batch = float(contrib[kept[0]].sum() / (1 - p)) if kept is not None else None
    return Scaling(
        unit=unit,
        p=p,
        full=float(contrib.sum()),
        inv_train=float(inv.mean()),
        inv_se=float(inv.std() / se),
        orig_train=float(raw.mean()),
        orig_se=float(raw.std() / se),
        this_batch=this_batch,
    )


def default_unit(session: TrainingSession) -> int:
    """The unit of hidden layer 2 with the largest incoming weights (the clearest numbers)."""
    w = session.model.hidden[1].linear.weight.detach()
    return int(w.norm(dim=1).argmax())


@dataclass(frozen=True)
class EnsembleNet:
    activation: str
    p: float
    sizes: tuple[int, ...]
    inputs: np.ndarray  # (k, input_dim)
    result: ThinnedAverage
    val_acc: float | None

    @property
    def droppable(self) -> int:
        return int(self.result.masks.shape[1])


def build_ensemble(
    registry: Registry,
    dataset: str,
    p: float,
    activation: str,
    cancelled: Callable[[], bool],
    seed: int = 0,
    progress: Callable[[int, int], None] = lambda done, total: None,
) -> EnsembleNet | None:
    """Train a small net briefly, then run all its thinned networks on a few inputs. None when
    ``cancelled`` says the answer is no longer wanted; ``progress(epoch, epochs)`` hears how far
    the training is (a waiting panel says so)."""
    config = ENSEMBLE_CONFIG.replace(dataset=dataset, dropout=p, activation=activation, seed=seed)
    session = TrainingSession(config, registry)
    while not session.done:
        if cancelled():
            return None
        session.run_epochs(5)
        progress(session.epoch, config.epochs)
    x = session.splits.val.x[:ENSEMBLE_INPUTS]
    result = thinned_average(session.model, x)
    last = session.epochs[-1] if session.epochs else None
    return EnsembleNet(
        activation=activation,
        p=p,
        sizes=session.model.sizes,
        inputs=x.cpu().numpy().copy(),
        result=result,
        val_acc=last.val_acc if last is not None else None,
    )


# -- the Dropout scene's jobs (explorer.training.jobs): run off the UI thread ------------------


@dataclass(frozen=True)
class LiveResult:
    """The live net after a job: what to draw, and the dropped fraction over every batch."""

    view: LiveView
    unit: int
    dropped_pairs: int
    total_pairs: int
    batches: int
    done: bool  # the run's budget is spent


def live_job(
    ctx: JobContext,
    dataset: str,
    p: float,
    seed: int,
    steps: int,
    unit: int | None,
    restart: bool,
    at: int = 0,
) -> LiveResult:
    """Step the live net ``steps`` mini-batches (a new net first when ``restart`` or when the
    settings differ from the net the worker holds) and read it for ``unit`` (None: the default).
    ``at``: the mini-batch the caller last saw; a worker that holds no net (a new one, after the
    last was lost) rebuilds it and replays it to there first, the same numbers (a run is
    deterministic), so the net carries on where it was instead of starting over; so does a
    ``restart`` with ``at`` (the scene leaves a prepared run's replay where it was)."""
    key = (dataset, p, seed)
    live = ctx.state.get("live")
    lost = live is None and not restart  # a new worker: the net the last one held is gone
    if restart or live is None or live["key"] != key:
        config = LIVE_CONFIG.replace(dropout=p, dataset=dataset, seed=seed)
        session = TrainingSession(config, ctx.registry)
        live = {"key": key, "session": session, "dropped": 0, "total": 0, "batches": 0}
        ctx.state["live"] = live
        replay = max(0, int(at)) if lost or restart else 0  # restart at ``at``: where a replay was
        _step_live(live, replay)
        if not replay:
            steps = max(steps, 1)  # a net is shown after its first mini-batch
            unit = None  # a new net: the unit with the clearest numbers
    session = live["session"]
    _step_live(live, steps)
    if unit is None:
        unit = live.get("unit")
        if unit is None:
            unit = default_unit(session)
    live["unit"] = unit
    return LiveResult(
        read_live(session, unit),
        unit,
        live["dropped"],
        live["total"],
        live["batches"],
        session.done,
    )


def _step_live(live: dict[str, Any], steps: int) -> None:
    """``steps`` mini-batches of the live net, counting what each one's masks dropped."""
    session = live["session"]
    for _ in range(steps):
        if session.step(1) == 0:
            break
        masks = [session.model.dropout_mask(i) for i in range(len(session.model.hidden))]
        if all(m is not None for m in masks):
            live["total"] += sum(int(m.numel()) for m in masks)
            live["dropped"] += sum(int((~m).sum()) for m in masks)
            live["batches"] += 1


def ensemble_job(
    ctx: JobContext, dataset: str, p: float, seed: int
) -> dict[str, EnsembleNet] | None:
    """Both ensemble nets (linear and sigmoid); None when a newer job replaced this one."""
    nets = {}
    for k, activation in enumerate(ENSEMBLE_ACTIVATIONS):

        def progress(done: int, total: int, k: int = k) -> None:  # over both nets, in turn
            ctx.progress(k * total + done, len(ENSEMBLE_ACTIVATIONS) * total)

        net = build_ensemble(ctx.registry, dataset, p, activation, ctx.cancelled, seed, progress)
        if net is None:
            return None
        nets[activation] = net
    return nets


def weighted_histogram(
    values: np.ndarray, weights: np.ndarray, bins: int
) -> tuple[np.ndarray, np.ndarray]:
    """(counts as probability mass, edges); a single value gets a bin around it."""
    lo, hi = float(values.min()), float(values.max())
    if not hi > lo:
        lo, hi = lo - 0.5, hi + 0.5
    pad = 0.02 * (hi - lo)
    return np.histogram(values, bins=bins, range=(lo - pad, hi + pad), weights=weights)
