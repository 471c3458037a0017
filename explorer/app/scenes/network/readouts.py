"""The Network lab's live numbers, without pygame: what a lesson's captions and ``expect``
conditions read from the newest snapshots (``NetworkModel.readouts``), and the Hessian's answer
in words."""

from __future__ import annotations

from typing import Any

from explorer.app.ui import i18n
from explorer.training import Snapshot

# Per net; the B net of side-by-side mode gives the same with a ``b.`` prefix.
NET_NUMBERS = (
    "epoch",
    "step",
    "train_loss",
    "val_loss",
    "train_acc",
    "val_acc",
    "test_loss",
    "test_acc",
    "best_val_loss",
    "best_epoch",
    "stopped",
    "finished",
    "diverged",
    "grad_ratio",
    "grad_first",
    "grad_last",
    "sparsity",
    "batch_loss",
    "lr",
    "hessian_min_ratio",
    "hessian_saddle",
    "hessian_critical",
    "hessian_grad_norm",
    "hessian_negative",
    "hessian_smallest",
    "lambda_max",
    "lambda_threshold",
    "lambda_ratio",
    "lambda_start",
    "lambda_peak",
    "lambda_crossed",
)

# Read from the last finished epoch's record (the test split's too: read, never trained on).
EPOCH_NUMBERS = ("train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "lr")


def readout_names() -> frozenset[str]:
    """Every live number a Network lab can provide, before it runs (A's, and B's as ``b.*``)."""
    return frozenset(NET_NUMBERS) | frozenset(f"b.{k}" for k in NET_NUMBERS)


def snapshot_readouts(snap: Snapshot, prefix: str = "") -> dict[str, Any]:
    """One net's live numbers from its snapshot: losses and accuracies of the last finished epoch
    (on the whole split), ``best_val_loss`` / ``best_epoch`` so far, ``stopped`` (early stopping
    ended the run), ``grad_ratio`` = first layer's gradient norm / last layer's (the epoch's mean,
    else the last step's: what the gradient bars show), ``sparsity`` = the share of weights with
    |w| < 1e-3 among all the net's weights, ``hessian_min_ratio`` and ``hessian_saddle`` once the
    Hessian was asked for ("Hessian here") and computed. A number the run has not produced is
    absent."""
    out: dict[str, Any] = {
        "epoch": snap.epoch,
        "step": snap.step,
        "stopped": snap.stopped_early is not None,
        "finished": snap.finished,
        "diverged": bool(snap.diverged),
    }
    last = snap.last
    if last is not None:
        for key in EPOCH_NUMBERS:
            value = getattr(last, key)
            if value is not None:
                out[key] = float(value)
        vals = [(r.val_loss, r.epoch) for r in snap.epochs if r.val_loss is not None]
        if vals:
            best = min(vals)
            out["best_val_loss"] = float(best[0])
            out["best_epoch"] = int(snap.best_epoch if snap.best_epoch is not None else best[1])
    norms = list(last.grad_norms) if last is not None else [p.grad_norm for p in snap.layers]
    if len(norms) >= 2:
        out["grad_first"], out["grad_last"] = float(norms[0]), float(norms[-1])
        if norms[-1] > 0:
            out["grad_ratio"] = float(norms[0] / norms[-1])
    if len(snap.losses):
        out["batch_loss"] = float(snap.losses[-1])
    total = sum(p.n_weights for p in snap.layers)
    if total:  # every weight of the net, counted in the worker (not the truncated matrices)
        out["sparsity"] = sum(p.n_small for p in snap.layers) / total
    out |= hessian_readouts(snap.hessian)
    out |= sharpness_readouts(snap.sharpness)
    return {prefix + k: v for k, v in out.items()}


def sharpness_readouts(sharpness: dict[str, Any] | None) -> dict[str, Any]:
    """Of the λ_max series (nothing before its first measurement, or with the switch off):
    ``lambda_max`` (the last measured), ``lambda_start`` (the first), ``lambda_peak`` (the
    highest so far), and against the rule's stability threshold (2/η for gradient descent; none
    for a rule without one): ``lambda_threshold``, ``lambda_ratio`` = lambda_max / threshold,
    ``lambda_crossed`` (the step λ_max rose to the threshold and stayed at or above it, while
    it does)."""
    if not sharpness or not sharpness["series"]:
        return {}
    values = [float(row[1]) for row in sharpness["series"]]
    out: dict[str, Any] = {
        "lambda_max": values[-1],
        "lambda_start": values[0],
        "lambda_peak": max(values),
    }
    limit = sharpness["threshold"]
    if limit:
        out["lambda_threshold"] = float(limit)
        out["lambda_ratio"] = values[-1] / float(limit)
    if sharpness["crossed"] is not None:
        out["lambda_crossed"] = int(sharpness["crossed"])
    return out


def hessian_readouts(hessian: dict[str, Any] | None) -> dict[str, Any]:
    """Of the last computed Hessian (nothing before one is done): ``hessian_min_ratio`` (the
    share of positive eigenvalues), ``hessian_critical`` (|∇L| within the stated tolerance),
    ``hessian_saddle`` (a critical point with a direction curving down: never true where the
    gradient does not vanish), ``hessian_grad_norm``, ``hessian_negative`` (the share of
    directions curving down) and ``hessian_smallest`` (the most negative curvature)."""
    if not hessian or "minimum_ratio" not in hessian:
        return {}
    critical = bool(hessian.get("critical", False))
    return {
        "hessian_min_ratio": float(hessian["minimum_ratio"]),
        "hessian_critical": critical,
        "hessian_saddle": critical and hessian["kind"] == "saddle",
        "hessian_grad_norm": float(hessian["grad_norm"]),
        "hessian_negative": float(hessian["negative"]),
        "hessian_smallest": float(hessian["smallest"]),
    }


# the kinds of point hessian.Spectrum tells apart, in words
HESSIAN_KINDS = {
    "saddle": "network.hessian_kind_saddle",
    "minimum": "network.hessian_kind_minimum",
    "minimum or flat valley": "network.hessian_kind_minimum_or_flat_valley",
    "maximum": "network.hessian_kind_maximum",
    "flat": "network.hessian_kind_flat",
}


def hessian_sentence(hessian: dict[str, Any], name: str = "") -> str:
    """For the message under the panel: what the Hessian says, in the UI's language (side by
    side, ``name`` "A" or "B": a shorter line each)."""
    down = f"{hessian['negative']:.0%}"
    if hessian.get("share_error"):  # Lanczos: a share with its error, never an exact count
        down = f"{hessian['negative']:.1%} ± {hessian['share_error']:.1%}"
    if not hessian.get("critical", False):  # no verdict where the gradient does not vanish
        return i18n.t(
            "network.hessian_short_not_critical" if name else "network.hessian_not_critical",
            name=name,
            step=hessian["step"],
            g=f"{hessian['grad_norm']:.2g}",
            tol=f"{hessian.get('grad_tol', 0.0):.2g}",
            down=down,
        )
    return i18n.t(
        "network.hessian_short" if name else "network.hessian_summary",
        name=name,
        step=hessian["step"],
        kind=i18n.t(HESSIAN_KINDS[hessian["kind"]]),
        down=down,
        ratio=f"{hessian['minimum_ratio']:.3f}",
    )
