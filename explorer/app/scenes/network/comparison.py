"""Side by side in the Network lab: net B is net A with one setting changed (same data, same
seed), so the two runs differ in that setting alone. What may differ, B's default for each, how
B's configuration is made and how a setup names the comparison."""

from __future__ import annotations

from typing import Any

from explorer.app.ui import i18n
from explorer.knob_text import Pick, Spec
from explorer.plugins import Registry
from explorer.training import TrainConfig

# What side-by-side mode can vary, and the B side's default value for each.
COMPARE_KEYS = (
    "activation",
    "init",
    "batch_norm",
    "dropout",
    "optimizer",
    "depth",
    "residual",
    "fold",  # K-fold: the same model validated on another fold (A's ``folds`` must be ≥ 2)
)
COMPARE_DEFAULT_B = {
    "activation": "relu",
    "init": "small",
    "batch_norm": True,
    "dropout": 0.5,
    "optimizer": "adam",
    "depth": 2,
    "residual": True,
    "fold": 1,
}


def variant(registry: Registry, config: TrainConfig, compare: str, value: Any) -> TrainConfig:
    """The B side: ``config`` with ``compare`` set to ``value`` (an activation equal to A's is
    swapped: B must differ; an optimizer comes with its default rate, or with the values a
    ``Spec`` gives it: the Scoreboard hands two optimizers at their tuned settings)."""
    if compare == "activation" and value == config.activation:
        value = "sigmoid" if value != "sigmoid" else "relu"
    if compare == "depth":  # an activation per layer: one per B's layer too
        return config.replace(depth=value, activation=for_depth(config.activation, int(value)))
    if compare == "optimizer":
        given = value.values if isinstance(value, Spec) else {}
        spec = registry.optimizer(value.name if isinstance(value, Spec) else str(value))
        lr = {"lr": spec.hyper["lr"].default} if "lr" in spec.hyper else {}
        return config.replace(optimizer=spec.name, optimizer_hyper={**lr, **given})
    return config.replace(**{compare: value})


def for_depth(activation: str, depth: int) -> str:
    """``activation`` for a net of ``depth`` hidden layers: one name stays; one per layer is
    cut to the first ``depth``, or the last layer's repeated for new ones."""
    names = [name.strip() for name in activation.split(",")]
    if len(names) == 1 or depth < 1:
        return activation if len(names) == 1 else names[0]
    names = names[:depth] + names[-1:] * (depth - len(names))
    return names[0] if len(set(names)) == 1 else ",".join(names)


def setup_compare(pick: Pick | None, compare: str, value: Any) -> tuple[bool, str, Any]:
    """(side by side?, the setting B differs in, B's value) a setup's ``compare`` names
    (``None``: one net, the comparison kept for later). An optimizer given with
    hyperparameters (``compare.optimizer = "adam:lr=0.003"``) stays a ``Spec``: B uses them."""
    if pick is None:
        return False, compare, value
    compare, value = pick.key, pick.value
    if isinstance(value, Spec) and not value.values:
        value = value.name
    return True, compare, value


def describe(config: TrainConfig) -> str:
    if config.depth == 0:
        bits = [i18n.t("network.no_hidden")]
    else:
        bits = [f"{config.depth} × {config.width} {activation_words(config.activation)}"]
    if config.residual:
        bits.append(i18n.t("network.residual"))
    if config.batch_norm:
        bits.append(i18n.t("network.batch_norm"))
    if config.dropout:
        bits.append(i18n.t("network.dropout_value", p=f"{config.dropout:g}"))
    return i18n.t("network.list_separator").join(bits)


def show(key: str, config: TrainConfig) -> str:
    """``config``'s ``key`` as a side's title says it ("B · relu")."""
    value = getattr(config, key)
    if key == "batch_norm":
        return i18n.t("network.batch_norm") if value else i18n.t("network.no_batch_norm")
    if key == "residual":
        return i18n.t("network.residual") if value else i18n.t("network.no_residual")
    if key == "depth":
        return i18n.t("network.hidden_layers", n=value)
    if key == "dropout":
        return i18n.t("network.dropout_value", p=f"{value:g}")
    if key == "init":
        return i18n.t("network.title_init", init=value)
    if key == "optimizer" and "lr" in config.optimizer_hyper:  # B's rate is in no slider
        return f"{value} (lr {config.optimizer_hyper['lr']:.3g})"
    if key == "fold":
        return i18n.t("network.title_fold", n=value + 1, k=config.folds)
    if key == "activation":
        return activation_words(str(value))
    return str(value)


def activation_words(activation: str) -> str:
    """An activation as a title says it: one name; up to four layers' names in order; a deeper
    net's different names in the order they first come ("relu/tanh/sigmoid")."""
    names = activation.split(",")
    if len(names) <= 4:
        return ", ".join(names) if len(names) > 1 else activation
    return "/".join(dict.fromkeys(names))
