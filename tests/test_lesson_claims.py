"""What the built-in lessons say about the code, checked against the code by hand computations:
a formula in a caption is the formula the training runs."""

from __future__ import annotations

import pytest
import torch

from explorer.lessons.catalogue import find
from explorer.training.config import TrainConfig
from explorer.training.session import TrainingSession


def test_the_l2_caption_says_what_the_training_adds_half_lambda_sum_w_squared(registry):
    """early-stopping-regularization once said L2 adds λ·Σw²; the training adds ½λ·Σw² (so its
    gradient is λw): the penalty of a small net, by hand, against what the lesson says."""
    text = find("early-stopping-regularization").read_text(encoding="utf-8")
    assert "½λ·Σw²" in text and "adds λ·Σw²" not in text
    config = TrainConfig(
        dataset="circle", n=40, depth=1, width=3, activation="tanh", l2=0.03, epochs=1
    ).replace(device="cpu")
    session = TrainingSession(config, registry)
    weights = [p for name, p in session.model.named_parameters() if name.endswith("weight")]
    by_hand = 0.5 * 0.03 * sum(float((w.detach().double() ** 2).sum()) for w in weights)
    with torch.no_grad():
        assert float(session.penalty()) == pytest.approx(by_hand, rel=1e-6)
