"""One training run, stepped by its caller: the synchronous engine under the CLI, the tests and the
background ``Trainer``.

Everything random comes from the run's own generators (initialization, batch order, dropout), so
the same config and seed give the same numbers, whatever else runs in the process.
"""

from __future__ import annotations

import dataclasses
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch.nn import functional as F

from explorer.optim import RuleOptimizer, UpdateRule, rule_label
from explorer.plugins import Registry, default_registry, describe_fault, plugin_fault
from explorer.schedules import make_scheduler
from explorer.specs import ActivationSpec, DatasetSpec, OptimizerSpec, ScheduleSpec
from explorer.step_budget import clock
from explorer.training.config import (
    MAX_ACTIVATIONS,
    MAX_PARAMETERS,
    MAX_SAMPLES,
    TrainConfig,
)
from explorer.training.csv_data import read_csv_cached
from explorer.training.data import Splits, load_splits
from explorer.training.device import resolve_device
from explorer.training.function_view import FunctionProbe, FunctionView
from explorer.training.model import Net, _takes_pieces, build_model
from explorer.training.probes import grad_norms, layer_probes
from explorer.training.snapshot import EpochRecord, LayerProbe, Snapshot
from explorer.training.weight_path import PathError, WeightPath, save_run

FUNCTION_INTERVAL = 0.08  # seconds: the decision and units' maps refresh ≥ 10×/s in training
SPARSE_BELOW = 1e-3  # a weight with |w| below this counts as zero in the sparsity readout
HISTOGRAM_BINS = 21


def weight_histograms(
    weights: list[torch.Tensor], bins: int = HISTOGRAM_BINS, shared: bool = False
) -> list[dict[str, Any]]:
    """Per weight matrix, over ALL its entries: ``weights`` (how many), ``small`` (how many have
    |w| < SPARSE_BELOW: what L1 drives to exactly zero) and a histogram (``counts``, ``edges``)
    over ±max|w|, the matrix's own or, with ``shared``, the largest of all (one x range for small
    multiples). Non-finite weights fall in no bin. The one place sparsity is counted (``train
    --json``, the Network lab's snapshots and readouts)."""
    if not weights:
        return []
    flat = torch.cat([w.detach().reshape(-1).float() for w in weights]).cpu().numpy()
    arrays = np.split(flat, np.cumsum([w.numel() for w in weights])[:-1])
    tops = []
    for w in arrays:
        finite = w[np.isfinite(w)]
        top = float(np.abs(finite).max()) if finite.size else 0.0
        tops.append(top if top > 0 else 1.0)
    if shared:
        tops = [max(tops)] * len(tops)
    out = []
    for w, top in zip(arrays, tops, strict=True):
        counts, edges = np.histogram(w[np.isfinite(w)], bins=bins, range=(-top, top))
        out.append(
            {
                "weights": int(w.size),
                "small": int((np.abs(w) < SPARSE_BELOW).sum()),
                "counts": counts.tolist(),
                "edges": edges.tolist(),
            }
        )
    return out


class TrainingFailed(ValueError):
    """A run stopped by a plugin's failure (or an impossible step); the message is one sentence
    naming the plugin and the reason. The session is then done, with ``failed`` set."""


class _BadStep(ValueError):
    pass


class _CheckedRule(UpdateRule):
    """An UpdateRule whose every step is checked: a tensor shaped like the parameter, or a
    sentence (a Python float would otherwise be added to every weight). Made by ``_checked``:
    ``name`` and ``hyper`` are class attributes of an UpdateRule, so each wrapped rule gets a
    subclass carrying its own."""

    def __init__(self, rule: UpdateRule) -> None:
        self.rule = rule

    def init(self, param: torch.Tensor) -> dict[str, Any]:
        state = self.rule.init(param)
        if not isinstance(state, dict):
            raise _BadStep(f"init() returned {type(state).__name__}; it must return a dict")
        return state

    def update(
        self, grad: torch.Tensor, state: dict[str, Any], param: torch.Tensor, **hyper: float
    ) -> torch.Tensor:
        step = self.rule.update(grad, state, param, **hyper)
        if not isinstance(step, torch.Tensor) or step.shape != param.shape:
            got = (
                f"a tensor of shape {tuple(step.shape)}"
                if isinstance(step, torch.Tensor)
                else type(step).__name__
            )
            raise _BadStep(
                f"update() returned {got}; it must return a tensor shaped like the parameter "
                f"{tuple(param.shape)}"
            )
        return step

    def apply(
        self, grad: torch.Tensor, state: dict[str, Any], param: torch.Tensor, **hyper: Any
    ) -> torch.Tensor:
        """The wrapped rule's own ``apply`` where it writes one (torch's roundings), else the
        parameter plus the checked step."""
        if type(self.rule).apply is UpdateRule.apply:
            return param + self.update(grad, state, param, **hyper)
        new = self.rule.apply(grad, state, param, **hyper)
        if not isinstance(new, torch.Tensor) or new.shape != param.shape:
            got = (
                f"a tensor of shape {tuple(new.shape)}"
                if isinstance(new, torch.Tensor)
                else type(new).__name__
            )
            raise _BadStep(
                f"apply() returned {got}; it must return a tensor shaped like the parameter "
                f"{tuple(param.shape)}"
            )
        return new


def _checked(rule: UpdateRule) -> _CheckedRule:
    """``rule`` wrapped in a ``_CheckedRule`` subclass whose ``name`` and ``hyper`` are its own
    (what ``RuleOptimizer`` reads to label a failure and to look up the knobs of each step)."""

    class Checked(_CheckedRule):
        name = rule_label(rule)
        hyper = rule.hyper

    return Checked(rule)


@dataclass(frozen=True)
class Plugins:
    """The four plugins a run uses, looked up once (and what a worker process is sent)."""

    dataset: DatasetSpec
    activation: ActivationSpec  # the first hidden layer's (every layer's, unless ``layers``)
    optimizer: OptimizerSpec
    schedule: ScheduleSpec
    layers: tuple[ActivationSpec, ...] = ()  # one per hidden layer where the config names several

    @property
    def activations(self) -> tuple[ActivationSpec, ...]:
        """Each distinct activation the net uses, first layer first."""
        return tuple({id(s): s for s in self.layers or (self.activation,)}.values())


def lookup(config: TrainConfig, registry: Registry | None = None) -> Plugins:
    """The plugins ``config`` names, looked up without any check (UnknownName for a name the
    registry lacks): for a worker, whose configuration its caller checked."""
    registry = registry or default_registry()
    names = [name.strip() for name in config.activation.split(",")]
    specs = {name: registry.activation(name) for name in dict.fromkeys(names)}
    return Plugins(
        csv_dataset(config) if config.data is not None else registry.dataset(config.dataset),
        specs[names[0]],
        registry.optimizer(config.optimizer),
        registry.schedule(config.schedule),
        tuple(specs[name] for name in names) if len(names) > 1 else (),
    )


def csv_dataset(config: TrainConfig) -> DatasetSpec:
    """The dataset of ``config.data``, a CSV file read and checked (CsvError, one sentence)."""
    assert config.data is not None
    return read_csv_cached(
        config.data, classes_only=config.loss == "ce", sha256=config.data_sha256
    ).spec()


def check_config(config: TrainConfig, registry: Registry | None = None) -> Plugins:
    """Validate ``config`` against the registry: one sentence (ValueError / UnknownName) for the
    first problem, else the plugins it names."""
    config.validate()
    plugins = lookup(config, registry)
    for what, spec, hyper in (
        ("optimizer", plugins.optimizer, config.optimizer_hyper),
        ("schedule", plugins.schedule, config.schedule_hyper),
    ):
        unknown = sorted(set(hyper) - set(spec.hyper))
        if unknown:
            raise ValueError(
                f"{what} {spec.name!r} has no hyperparameter {', '.join(unknown)}; "
                f"valid: {', '.join(spec.hyper) or 'none'}"
            )
    act = plugins.activation
    if config.pieces not in (None, act.pieces) and not any(
        _takes_pieces(a.factory) for a in plugins.activations
    ):
        raise ValueError(
            f"activation {act.name!r} has no pieces setting; pieces is for Maxout-like activations"
        )
    data = plugins.dataset
    if config.loss == "ce" and data.task != "classification":
        raise ValueError(
            f"loss 'ce' needs class labels; dataset {data.name!r} is a regression "
            "(use --loss mse or auto)"
        )
    pieces = max(a.pieces for a in plugins.activations)
    check_budget(config, data, config.pieces if config.pieces is not None else pieces)
    resolve_device(config.device)
    return plugins


def check_activation(spec: ActivationSpec) -> None:
    """Try an activation plugin on a small batch before it trains: it must return a torch tensor
    of the layer's width that autograd can follow. Raises ValueError with one sentence."""
    width, who = 3, f"the activation {spec.name!r} (plugin {spec.plugin!r})"
    z = torch.randn(4, width * max(1, spec.pieces), requires_grad=True)
    try:
        out = spec.factory()(z)
    except Exception as exc:  # noqa: BLE001 - the plugin's own failure, in a sentence
        raise ValueError(f"{who} failed on a test batch: {type(exc).__name__}: {exc}") from None
    if not isinstance(out, torch.Tensor):
        raise ValueError(
            f"{who} returned a {type(out).__name__}, not a torch tensor: compute it "
            "with torch operations so gradients flow"
        )
    if tuple(out.shape) != (4, width):
        raise ValueError(
            f"{who} turned {width} units into {tuple(out.shape)[-1:] or 'none'}: an "
            "activation must keep the layer's width (declare pieces for a Maxout)"
        )
    if not out.requires_grad:  # (the identity returns its input: no grad_fn, but followed)
        raise ValueError(
            f"{who} returned a tensor autograd cannot follow (no grad_fn: detached "
            "or rebuilt from numpy), so no gradient would reach the layers below it"
        )


@dataclass(frozen=True)
class Checked:
    """A configuration that passed every check (``prepare``), with the plugins it names: what
    travels to a worker, which trusts it. Made once per change, so a change is checked once on
    its way (the Network lab checks before it stops the run it replaces)."""

    config: TrainConfig
    plugins: Plugins


def prepare(config: TrainConfig, registry: Registry | None = None) -> Checked:
    """``config`` checked against the registry (``check_config``) and its activation tried on a
    test batch (``check_activation``): ValueError / LookupError with one sentence, else the
    ``Checked`` configuration a ``Trainer`` takes without checking again."""
    plugins = check_config(config, registry)
    for spec in plugins.activations:
        check_activation(spec)
    return Checked(config, plugins)


def check_budget(config: TrainConfig, data: DatasetSpec, pieces: int) -> None:
    """Refuse, before anything is allocated, a run over the samples, parameters or activation
    budget of one run (MAX_SAMPLES, MAX_PARAMETERS, MAX_ACTIVATIONS)."""
    n = config.n if config.n is not None else data.default_n
    rest = n - round(n * config.test_fraction)
    if config.folds > 1 and (rest < config.folds or rest - math.ceil(rest / config.folds) < 2):
        raise ValueError(
            f"{config.folds} folds need more samples: {n} samples leave {rest} outside the test "
            "split; use fewer --folds or a larger --n"
        )
    if n > MAX_SAMPLES:
        raise ValueError(
            f"dataset {data.name!r} with {n:,} samples is over the budget of {MAX_SAMPLES:,} "
            "samples for one run; use a smaller --n"
        )
    out_dim = data.n_classes if data.task == "classification" else 1
    units = config.width * max(1, pieces)
    params, fan_in = 0, data.input_dim
    for _ in range(config.depth):
        params += (fan_in + 1) * units
        fan_in = config.width
    params += (fan_in + 1) * out_dim
    if params > MAX_PARAMETERS:
        raise ValueError(
            f"a {config.depth} × {config.width} net on {data.input_dim} inputs has {params:,} "
            f"parameters, over the budget of {MAX_PARAMETERS:,} for one run; use a smaller "
            "--width or --depth"
        )
    batch = min(config.batch_size, n)
    values = max(n * units, 3 * batch * units * max(1, config.depth))
    if values > MAX_ACTIVATIONS:
        raise ValueError(
            f"{n:,} samples through {config.depth} layer(s) of {units:,} units would hold about "
            f"{values:,} values at once, over the budget of {MAX_ACTIVATIONS:,}; use a smaller "
            "--width, --n or --batch-size"
        )


def _blame(plugins: Plugins, phase: str, exc: BaseException) -> str:
    """One sentence for a failure during a step: which plugin, doing what, and why."""
    why = str(exc) if isinstance(exc, _BadStep) else describe_fault(exc)
    if isinstance(exc, torch.OutOfMemoryError):
        return f"out of memory during the {phase} ({why}); use a smaller net or batch"
    specs: dict[str, ActivationSpec | OptimizerSpec | ScheduleSpec] = {
        "forward": plugins.activation,
        "optimizer": plugins.optimizer,
        "schedule": plugins.schedule,
    }
    spec = specs.get(phase)
    if spec is None:
        return f"training failed during the {phase}: {why}"
    kind = {"forward": "activation", "optimizer": "optimizer", "schedule": "schedule"}[phase]
    return f"{kind} {spec.name!r} (plugin {spec.plugin}) failed: {why}"


def _seed(seed: int, stream: int) -> int:
    """Independent seeds per random stream, so e.g. a different init leaves the batch order be."""
    return (int(seed) * 1_000_003 + stream * 7919) % (2**63)


class _LossBuffer:
    """Append-only float32 history whose read-only views stay valid as it grows."""

    def __init__(self) -> None:
        self._data = np.zeros(256, np.float32)
        self.n = 0

    def extend(self, values: np.ndarray) -> None:
        need = self.n + len(values)
        if need > len(self._data):
            grown = np.zeros(max(need, 2 * len(self._data)), np.float32)
            grown[: self.n] = self._data[: self.n]
            self._data = grown  # views handed out earlier keep the old array
        self._data[self.n : need] = values
        self.n = need

    def view(self, start: int = 0) -> np.ndarray:
        v = self._data[start : self.n]
        v.flags.writeable = False
        return v


def squared_error(out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The lecture's squared error of a classifier, per sample: Σ_k (softmax_k − onehot_k)²
    over the last axis of ``out`` (logits) for the class indices ``y``."""
    return (out.softmax(-1) - F.one_hot(y, out.shape[-1]).to(out.dtype)).pow(2).sum(-1)


class TrainingSession:
    """A network, its data and optimizer, stepped synchronously.

    ``step(n)``, ``run_epochs(n)`` and ``fit()`` train; ``snapshot()`` reads everything the view
    shows; ``reset()`` starts the same run again from scratch (same numbers).
    """

    def __init__(
        self,
        config: TrainConfig,
        registry: Registry | None = None,
        *,
        plugins: Plugins | None = None,
    ) -> None:
        self.plugins = plugins or check_config(config, registry)
        if plugins is not None:
            config.validate()
        self.config = config
        self.device = resolve_device(config.device)
        self.splits: Splits = load_splits(
            self.plugins.dataset,
            n=config.n,
            noise=config.noise,
            seed=config.seed,
            val_fraction=config.val_fraction,
            test_fraction=config.test_fraction,
            device=self.device,
            normalize=config.normalize,
            folds=config.folds,
            fold=config.fold,
            test_shift=config.test_shift,
        )
        self._config_dict = config.to_dict()
        self._function_probe = FunctionProbe(self.splits)
        self.reset()

    # -- building --------------------------------------------------------------------------
    def reset(self) -> None:
        """Back to step 0 with freshly initialized weights (the same ones: same seed)."""
        cfg, splits = self.config, self.splits
        init_gen = torch.Generator().manual_seed(_seed(cfg.seed, 1))
        act = self.plugins.activation
        try:
            self.model: Net = build_model(
                cfg, self.plugins.layers or act, splits.input_dim, splits.output_dim, init_gen
            ).to(self.device)
        except ValueError:
            raise
        except BaseException as exc:
            if not plugin_fault(exc):
                raise
            raise ValueError(
                f"activation {act.name!r} (plugin {act.plugin}): its factory raised "
                f"{describe_fault(exc)}"
            ) from None
        self.model.record = True
        self.model.set_generator(torch.Generator(self.device).manual_seed(_seed(cfg.seed, 2)))
        self._shuffle_gen = torch.Generator().manual_seed(_seed(cfg.seed, 3))
        self._weights = [linear.weight for linear in self.model.linears]
        # L1 / L2 reach every weight, the skip connections' projections too.
        self._penalized = self._weights + [p.weight for p in self.model.projections]
        hyper = dict(cfg.optimizer_hyper)
        opt_spec = self.plugins.optimizer
        try:
            self.optimizer = opt_spec.make(self.model.parameters(), **hyper)
        except BaseException as exc:
            if not plugin_fault(exc):
                raise
            raise ValueError(
                f"optimizer {cfg.optimizer!r} (plugin {opt_spec.plugin}) could not be made: "
                f"{exc if isinstance(exc, TypeError | ValueError) else describe_fault(exc)}"
            ) from None
        if isinstance(self.optimizer, RuleOptimizer) and not isinstance(
            self.optimizer.rule, _CheckedRule
        ):
            self.optimizer.rule = _checked(self.optimizer.rule)
        n_train = len(splits.train)
        bs = min(cfg.batch_size, n_train)
        # A last batch of one sample is dropped: batch norm cannot normalize a single sample.
        self.steps_per_epoch = n_train // bs + (1 if n_train % bs >= 2 else 0)
        self.total_steps = cfg.steps if cfg.steps is not None else cfg.epochs * self.steps_per_epoch
        sched = self.plugins.schedule
        try:
            self.scheduler = make_scheduler(
                sched, self.optimizer, self.total_steps, **dict(cfg.schedule_hyper)
            )
        except ValueError:
            raise
        except BaseException as exc:
            if not plugin_fault(exc):
                raise
            raise ValueError(
                f"schedule {sched.name!r} (plugin {sched.plugin}): its factory raised "
                f"{describe_fault(exc)}"
            ) from None
        if not callable(getattr(self.scheduler, "step", None)):
            raise ValueError(
                f"schedule {sched.name!r} (plugin {sched.plugin}): its factory returned "
                f"{type(self.scheduler).__name__}; it must return a torch lr_scheduler"
            )
        self.classify = splits.task == "classification"
        self.global_step = 0
        self.epoch = 0
        self.epochs: list[EpochRecord] = []
        self.done = False
        self.diverged = False
        self.failed: str | None = None
        self.message = ""
        self.train_seconds = 0.0  # time in the updates themselves (evaluations not counted)
        self.eval_seconds = 0.0
        self.best_epoch: int | None = None
        self.best_val = math.inf
        self.stopped_early: int | None = None
        self._best_state: dict[str, torch.Tensor] | None = None
        self._bad_epochs = 0
        self._batches: list[torch.Tensor] | None = None
        self._batch_idx = 0
        self._pending_losses: list[torch.Tensor] = []
        self._epoch_norms: list[torch.Tensor] = []
        self._last_norms: torch.Tensor | None = None
        self._losses = _LossBuffer()
        self._epoch_start = 0
        self._lr = float(self.optimizer.param_groups[0]["lr"])
        self._function: tuple[int, float, FunctionView] | None = None
        self._named = dict(self.model.named_parameters())
        self.path = WeightPath(self._named)  # the weights every k steps (bounded)
        self.path.record(0, self._named)
        self.path_note = ""  # what the last save_path did, in one sentence
        self.path_explained: tuple[float, float] | None = None  # its plane's shares of the path

    # -- training --------------------------------------------------------------------------
    def loss_fn(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the softmax output, or (``loss="mse"``) the lecture's squared error
        Σ_k (softmax_k − onehot_k)² per sample, averaged over the batch; regression: MSE."""
        if not self.classify:
            return F.mse_loss(out, y)
        if self.config.loss == "mse":
            return squared_error(out, y).mean()
        return F.cross_entropy(out, y)

    def penalty(self) -> torch.Tensor | float:
        """The L1 / L2 terms added to the loss (on weights only, not biases)."""
        cfg = self.config
        total: torch.Tensor | float = 0.0
        if cfg.l1:
            total = total + cfg.l1 * sum(w.abs().sum() for w in self._penalized)
        if cfg.l2:
            total = total + 0.5 * cfg.l2 * sum((w * w).sum() for w in self._penalized)
        return total

    def _next_batch(self) -> torch.Tensor:
        if self._batches is None:
            n = len(self.splits.train)
            order = torch.randperm(n, generator=self._shuffle_gen).to(self.device)
            bs = min(self.config.batch_size, n)
            self._batches = list(order.split(bs))[: self.steps_per_epoch]
            self._batch_idx = 0
        idx = self._batches[self._batch_idx]
        self._batch_idx += 1
        return idx

    def _train_step(self) -> None:
        """One update; a plugin failing in it (or a step that cannot be applied) ends the run
        with the reason (``failed``, ``message``) and raises TrainingFailed."""
        if self.failed:
            raise TrainingFailed(self.failed)
        phase = "forward"
        t0 = time.perf_counter()
        try:
            idx = self._next_batch()
            x, y = self.splits.train.x[idx], self.splits.train.y[idx]
            model, opt = self.model, self.optimizer
            if not model.training:  # someone looked at it in evaluation mode
                model.train()
            opt.zero_grad(set_to_none=True)
            out = model(x)
            if not isinstance(out, torch.Tensor):
                raise _BadStep(f"the network's output is {type(out).__name__}, not a tensor")
            loss = self.loss_fn(out, y)
            objective = loss + self.penalty() if (self.config.l1 or self.config.l2) else loss
            objective.backward()
            cut = [i + 1 for i, w in enumerate(self._weights) if w.grad is None]
            if cut:
                raise _BadStep(
                    f"no gradient reaches weight layer(s) {', '.join(map(str, cut[:5]))}: its "
                    "output must be a torch tensor computed from its input (not detached, not "
                    "numpy)"
                )
            norms = grad_norms(self._weights)
            self._lr = opt.param_groups[0]["lr"]  # the rate this step used (the schedule moves)
            phase = "optimizer"
            opt.step()
            phase = "schedule"
            self.scheduler.step()
            phase = "evaluation"
            self._pending_losses.append(loss.detach())
            self._epoch_norms.append(norms)
            self._last_norms = norms
            self.global_step += 1
            self.path.record(self.global_step, self._named)
            self.train_seconds += time.perf_counter() - t0
            assert self._batches is not None  # _next_batch made this epoch's
            if self._batch_idx >= len(self._batches) or self.global_step >= self.total_steps:
                t1 = time.perf_counter()
                phase = "forward"  # evaluation runs the activations again
                self._end_epoch()
                self.eval_seconds += time.perf_counter() - t1
        except TrainingFailed:
            raise
        except BaseException as exc:
            if not plugin_fault(exc):
                raise
            reason = _blame(self.plugins, phase, exc)
            self.failed = f"stopped at step {self.global_step + 1}: {reason}"
            self._finish(self.failed)
            raise TrainingFailed(self.failed) from None

    # The steps below run under one ``step_budget.clock()``: a rule's update is budgeted per
    # parameter (``RuleOptimizer``), and inside a clock those calls share one timer (a clock read
    # each) instead of setting and stopping it for every parameter of every step.
    def step(self, n: int = 1) -> int:
        """Take up to ``n`` optimizer steps (fewer when the run ends); returns how many."""
        taken = 0
        with clock():
            while taken < n and not self.done:
                self._train_step()
                taken += 1
        return taken

    def run_epochs(self, n: int = 1) -> list[EpochRecord]:
        """Train until ``n`` more epochs are complete (or the run ends); their records."""
        start = len(self.epochs)
        target = self.epoch + n
        with clock():
            while self.epoch < target and not self.done:
                self._train_step()
        return self.epochs[start:]

    def fit(self) -> list[EpochRecord]:
        """Train to the end of the budget (or until early stopping); every epoch's record."""
        with clock():
            while not self.done:
                self._train_step()
        return list(self.epochs)

    # -- epochs ----------------------------------------------------------------------------
    def _flush(self) -> None:
        if self._pending_losses:
            values = torch.stack(self._pending_losses).float().cpu().numpy()
            self._losses.extend(values)
            self._pending_losses = []

    @torch.no_grad()
    def evaluate(self, split: str = "val") -> tuple[float | None, float | None]:
        """(loss, accuracy) on a whole split in evaluation mode (no dropout, batch-norm running
        statistics); accuracy is None for regression, both are None for an empty split."""
        data = getattr(self.splits, split)
        if len(data) == 0:
            return None, None
        was_training = self.model.training
        self.model.eval()
        out = self.model(data.x)
        loss = self.loss_fn(out, data.y)
        acc = (out.argmax(1) == data.y).float().mean() if self.classify else None
        self.model.train(was_training)
        values = torch.stack([loss, acc]).tolist() if acc is not None else [loss.item(), None]
        return values[0], values[1]

    def _end_epoch(self) -> None:
        cfg = self.config
        self._flush()
        batch_losses = self._losses.view(self._epoch_start)
        self._epoch_start = self._losses.n
        norms = torch.stack(self._epoch_norms).mean(0).tolist()
        self._epoch_norms = []
        self._batches = None
        train_loss, train_acc = self.evaluate("train")
        assert train_loss is not None  # the training split is never empty
        val_loss, val_acc = self.evaluate("val")
        test_loss, test_acc = self.evaluate("test")
        self.epoch += 1
        record = EpochRecord(
            epoch=self.epoch,
            step=self.global_step,
            train_loss=train_loss,
            train_acc=train_acc,
            val_loss=val_loss,
            val_acc=val_acc,
            batch_loss=float(batch_losses.mean()),
            grad_norms=tuple(norms),
            lr=float(self._lr),
            test_loss=test_loss,
            test_acc=test_acc,
        )
        self.epochs.append(record)
        if val_loss is not None and math.isfinite(val_loss) and val_loss < self.best_val:
            self.best_val, self.best_epoch, self._bad_epochs = val_loss, self.epoch, 0
            if cfg.patience is not None:
                self._best_state = {
                    k: v.detach().clone() for k, v in self.model.state_dict().items()
                }
        else:
            self._bad_epochs += 1
        if not (math.isfinite(train_loss) and math.isfinite(record.batch_loss)):
            self.diverged = True
            self._finish(f"diverged at epoch {self.epoch}: the loss is not finite")
        elif cfg.patience is not None and self._bad_epochs >= cfg.patience:
            self.stopped_early = self.epoch
            self._finish(
                f"stopped early after epoch {self.epoch}: no better validation loss for "
                f"{cfg.patience} epoch(s); weights of epoch {self.best_epoch} restored"
            )
        elif self.global_step >= self.total_steps:
            kept = f"; weights of epoch {self.best_epoch} restored" if cfg.patience else ""
            if cfg.steps is not None:
                done = f"finished {self.global_step} steps ({self.epochs_done:.3g} epochs)"
            else:
                done = f"finished {self.epoch} epochs"
            self._finish(done + kept)

    def _finish(self, message: str) -> None:
        self.done = True
        self.message = message
        if self.config.patience is not None and self._best_state is not None:
            self.model.load_state_dict(self._best_state)

    # -- reading ---------------------------------------------------------------------------
    @property
    def epochs_done(self) -> float:
        """Passes over the training split so far (fractional when a step budget ends mid-way)."""
        return self.global_step / self.steps_per_epoch

    def timing(self) -> dict[str, float | None]:
        """Seconds per update (the updates alone) and per epoch (updates and evaluations)."""
        steps, epochs = self.global_step, self.epochs_done
        total = self.train_seconds + self.eval_seconds
        return {
            "seconds_per_update": self.train_seconds / steps if steps else None,
            "seconds_per_epoch": total / epochs if epochs else None,
            "train_seconds": self.train_seconds,
            "eval_seconds": self.eval_seconds,
        }

    def weight_stats(self, bins: int = HISTOGRAM_BINS) -> dict[str, Any]:
        """Per weight layer (input side first): the fraction of weights with |w| < SPARSE_BELOW
        (what L1 drives to zero) and a histogram over ±max|w|; and the fraction over all layers."""
        layers, small, total = [], 0, 0
        for i, h in enumerate(weight_histograms(self._weights, bins)):
            layers.append(
                {
                    "layer": i + 1,
                    "weights": h["weights"],
                    "sparsity": h["small"] / h["weights"] if h["weights"] else 0.0,
                    "histogram": {"edges": h["edges"], "counts": h["counts"]},
                }
            )
            small, total = small + h["small"], total + h["weights"]
        return {
            "below": SPARSE_BELOW,
            "sparsity": small / total if total else 0.0,
            "layers": layers,
        }

    def _weight_probes(self, probes: tuple[LayerProbe, ...], fresh: bool) -> tuple[LayerProbe, ...]:
        """``probes`` with every layer's whole-weight histogram and sparsity (one x range for all
        layers). While training runs (``fresh`` False) a count less than FUNCTION_INTERVAL old is
        reused: it costs a pass over every weight."""
        now = time.perf_counter()
        cached = getattr(self, "_weight_hist", None)
        if fresh or cached is None or now - cached[0] >= FUNCTION_INTERVAL:
            cached = (now, weight_histograms(self._weights, shared=True))
            self._weight_hist = cached
        hists = cached[1]
        if len(hists) != len(probes):
            return probes
        return tuple(
            dataclasses.replace(
                p,
                n_weights=h["weights"],
                n_small=h["small"],
                weight_counts=tuple(h["counts"]),
                weight_span=float(h["edges"][-1]),
            )
            for p, h in zip(probes, hists, strict=True)
        )

    def function_view(self, fresh: bool = True) -> FunctionView:
        """What the net computes now (decision regions or predictions). With ``fresh`` False a
        view less than FUNCTION_INTERVAL seconds old is reused: while training runs, the picture
        need not follow every step, and the grid costs as much as a few steps."""
        now = time.perf_counter()
        cached = self._function
        if cached is not None and (
            cached[0] == self.global_step or (not fresh and now - cached[1] < FUNCTION_INTERVAL)
        ):
            return cached[2]
        view = self._function_probe.view(self.model)
        self._function = (self.global_step, now, view)
        return view

    def snapshot(
        self,
        state: str | None = None,
        *,
        run: int = 0,
        weights: bool = True,
        max_units: int = 64,
        function: bool = True,
    ) -> Snapshot:
        """Everything the view draws, as small immutable numpy / Python values."""
        self._flush()
        if state is None:
            state = "done" if self.done else ("paused" if self.global_step else "idle")
        norms = self._last_norms.tolist() if self._last_norms is not None else []
        return Snapshot(
            state=state,
            run=run,
            step=self.global_step,
            epoch=self.epoch,
            steps_per_epoch=self.steps_per_epoch,
            total_steps=self.total_steps,
            losses=self._losses.view(),
            epochs=tuple(self.epochs),
            layers=self._weight_probes(
                layer_probes(self.model, norms, max_units, weights), fresh=state != "running"
            ),
            sizes=self.model.sizes,
            best_epoch=self.best_epoch,
            stopped_early=self.stopped_early,
            diverged=self.diverged,
            message=self.message,
            device=str(self.device),
            init=self.model.init_scheme,
            task=self.splits.task,
            config=self._config_dict,
            function=self.function_view(fresh=state != "running") if function else None,
            path_points=len(self.path),
            path_file=self.path.plane_file,
            path_xy=self.path.projected(self.global_step, self._named),
            path_note=self.path_note,
            path_explained=self.path_explained,
        )

    def save_path(self, file: str) -> bool:
        """Write the run file of a ``net:DATASET?run=ID`` surface through the current weights,
        its plane the principal directions of the path so far (``weight_path.save_run``); from
        then on the snapshot's ``path_xy`` is the path on that plane. ``path_note`` says what
        happened, in one sentence; False when nothing was written."""
        try:
            info = save_run(
                self.path,
                self._named,
                self._config_dict,
                self.global_step,
                file,
                dict(self.model.named_buffers()),
            )
        except (PathError, OSError) as exc:
            self.path_note = str(exc)
            return False
        a, b = self.path_explained = info["explained"]
        self.path_note = (
            f"path of {info['points']} points saved; its two principal directions explain "
            f"{a:.0%} + {b:.0%} of its variance"
        )
        return True

    def result(self) -> dict[str, Any]:
        """The run's figures as plain JSON-ready values (what ``train --json`` writes)."""
        test_loss = test_acc = None
        if not self.failed:
            test_loss, test_acc = self.evaluate("test")
        return {
            "config": self._config_dict,
            "device": str(self.device),
            "init": self.model.init_scheme,
            "sizes": list(self.model.sizes),
            "steps": self.global_step,
            "epochs": [r.to_dict() for r in self.epochs],
            "best_epoch": self.best_epoch,
            "stopped_early": self.stopped_early,
            "diverged": self.diverged,
            "failed": self.failed,
            "message": self.message,
            "test_loss": test_loss,
            "test_acc": test_acc,
            "epochs_done": self.epochs_done,
            "timing": self.timing(),
            "weights": self.weight_stats(),
        }
