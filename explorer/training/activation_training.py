"""The Activation scene's two small nets (a ReLU one and a Maxout one), trained with the real
backend as jobs off the UI thread (``explorer.training.jobs``); the newest job's results win."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from explorer.training import TrainConfig, TrainingSession
from explorer.training.maxout_pieces import MaxoutPieces, read_pieces
from explorer.training.relu_regions import ReluNet, read_net

if TYPE_CHECKING:
    from explorer.plugins import Registry
    from explorer.training.jobs import JobContext

DATASET = "moons"
MAXOUT_CONFIG = TrainConfig(
    dataset=DATASET,
    depth=1,
    width=4,
    activation="maxout",
    pieces=3,
    optimizer="adam",
    optimizer_hyper={"lr": 0.02},
    epochs=40,
    seed=0,
    device="cpu",
)
RELU_CONFIG = TrainConfig(
    dataset=DATASET,
    depth=2,
    width=6,
    activation="relu",
    optimizer="adam",
    optimizer_hyper={"lr": 0.02},
    epochs=40,
    seed=0,
    device="cpu",
)


@dataclass(frozen=True)
class Results:
    """What one job produced so far (a net is None until trained, or when it failed)."""

    job: int = 0
    relu: ReluNet | None = None
    maxout: MaxoutPieces | None = None
    relu_error: str = ""
    maxout_error: str = ""
    done: bool = False


def pick_dataset(registry: Registry) -> str:
    """moons, or else any 2-input classification dataset that is registered."""
    usable = [
        name
        for name, spec in registry.datasets.items()
        if spec.task == "classification" and getattr(spec, "input_dim", 2) == 2
    ]
    return DATASET if DATASET in usable or not usable else usable[0]


def _train(ctx: JobContext, config: TrainConfig) -> TrainingSession | None:
    session = TrainingSession(config, ctx.registry)
    while not session.done:
        if ctx.cancelled():
            return None  # a newer job (another seed, other pieces) replaces this one
        session.run_epochs(1)
        ctx.progress(session.epoch, config.epochs)  # a waiting panel says "epoch 12 of 40"
    return session


def relu_job(ctx: JobContext, dataset: str, seed: int) -> ReluNet | None:
    """Train the ReLU net (a job for ``explorer.training.jobs``) and read its regions."""
    session = _train(ctx, RELU_CONFIG.replace(seed=seed, dataset=dataset))
    return None if session is None else read_net(session, seed)


def maxout_job(ctx: JobContext, dataset: str, seed: int, pieces: int) -> MaxoutPieces | None:
    """Train the Maxout net with ``pieces`` pieces and read the pieces each unit learned."""
    config = MAXOUT_CONFIG.replace(seed=seed, dataset=dataset, pieces=pieces)
    session = _train(ctx, config)
    return None if session is None else read_pieces(session, seed)
