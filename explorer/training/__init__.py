"""The torch backend of the network lab: datasets, models, trainer, probes. No pygame here.

``TrainingSession`` trains synchronously (CLI, tests, notebooks); ``Trainer`` runs the same
training in a background thread or process and hands the UI immutable ``Snapshot``s.
"""

from explorer.training.config import INIT_HELP, INITS, RELU_FAMILY, TrainConfig
from explorer.training.data import Split, Splits, load_samples, load_splits
from explorer.training.device import resolve_device
from explorer.training.dropout_average import ThinnedAverage, thinned_average
from explorer.training.function_view import FunctionView
from explorer.training.model import Net, build_model, resolve_init
from explorer.training.session import Checked, Plugins, TrainingSession, check_config, prepare
from explorer.training.snapshot import SATURATION_SLOPE, EpochRecord, LayerProbe, Snapshot
from explorer.training.trainer import BACKENDS, Trainer

__all__ = [
    "BACKENDS",
    "Checked",
    "INITS",
    "INIT_HELP",
    "RELU_FAMILY",
    "SATURATION_SLOPE",
    "EpochRecord",
    "FunctionView",
    "LayerProbe",
    "Net",
    "Plugins",
    "Snapshot",
    "Split",
    "Splits",
    "ThinnedAverage",
    "Trainer",
    "TrainConfig",
    "TrainingSession",
    "build_model",
    "check_config",
    "load_samples",
    "load_splits",
    "prepare",
    "resolve_device",
    "resolve_init",
    "thinned_average",
]
