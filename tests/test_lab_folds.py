"""K-fold validation and a train/test mismatch in the Network lab (issue 20): a setup's ``folds``,
``fold`` and ``test_shift``, net B validated on another fold (``compare = "fold:1"``), and the
test split's score beside validation's, as a lesson reads them."""

from __future__ import annotations

import dataclasses

import pytest
import torch

from explorer import setups
from explorer.app.scenes.network.comparison import show
from explorer.app.scenes.network.model import NetworkModel, NetworkSetup
from explorer.app.ui import i18n
from explorer.knob_text import Pick
from explorer.setups import SetupError
from explorer.training import TrainingSession

SMALL = dict(
    dataset="digits",
    depth=1,
    width=16,
    activation="relu",
    batch_norm=False,
    dropout=0.0,
    epochs=2,
    batch_size=64,
    seed=3,
)


def _run(registry, **changes):
    """The lab's numbers once every net has trained to its end."""
    m = NetworkModel(registry, backend="thread")
    try:
        m.apply(dataclasses.replace(NetworkSetup(), **(SMALL | changes)))
        m.step(10_000)
        m.wait(120)
        assert all(s.finished for s in m.snapshots)
        return m.readouts(), m.configs()
    finally:
        m.close()


def test_net_b_validates_on_another_fold_and_both_are_scored_on_the_same_test_set(registry):
    numbers, (a, b) = _run(registry, folds=5, fold=0, compare=Pick("fold", 1))
    assert (a.folds, a.fold, b.folds, b.fold) == (5, 0, 5, 1)
    before = i18n.language()
    try:
        i18n.set_language("en")
        assert show("fold", b) == "validated on fold 2 of 5"  # B's title: 1-based, as read
    finally:
        i18n.set_language(before)
    for who in ("", "b."):
        assert 0.5 < numbers[f"{who}val_acc"] <= 1 and 0.5 < numbers[f"{who}test_acc"] <= 1
    # an independent look at the splits: A's and B's validation samples are different fifths
    # of what the test split leaves, and the test split is the same for both
    sa, sb = (TrainingSession(c, registry).splits for c in (a, b))
    assert torch.equal(sa.test.x, sb.test.x)
    assert not torch.equal(sa.val.x, sb.val.x)
    assert abs(len(sa.val) - len(sa.train) / 4) <= 4  # a fifth each: 1 fold to 4


def test_a_shifted_test_set_lowers_the_test_score_and_leaves_training_untouched(registry):
    same, _ = _run(registry)
    shifted, (config,) = _run(registry, test_shift=1.5)
    assert config.test_shift == 1.5
    # the shift touches the test inputs only: the same training, bit for bit
    assert shifted["val_acc"] == same["val_acc"] and shifted["train_loss"] == same["train_loss"]
    assert shifted["test_acc"] < same["test_acc"] - 0.1


@pytest.mark.parametrize(
    ("changes", "fragment"),
    [
        ({"folds": 0}, "folds = 0 is out of range"),
        ({"fold": 3}, "fold 3 does not exist with 1 fold(s); K-fold cross-validation needs"),
        ({"compare": Pick("fold", 5), "folds": 5}, "fold 5 does not exist with 5 fold(s)"),
    ],
)
def test_a_fold_that_does_not_exist_is_one_sentence_and_the_run_goes_on(
    registry, changes, fragment
):
    m = NetworkModel(registry, backend="thread")
    try:
        before = m.configs()
        with pytest.raises(SetupError) as caught:
            setup = dataclasses.replace(NetworkSetup(), **(SMALL | changes))
            setups.check(setup, registry)
            m.apply(setup)
        assert fragment in str(caught.value) and "\n" not in str(caught.value)
        assert m.configs() == before
    finally:
        m.close()


def test_every_comparison_the_lab_offers_draws_its_b_menu(registry):
    """The side panel once had no B menu for ``fold`` and the lab crashed drawing it."""
    import pygame

    from explorer.app.scenes.network.comparison import COMPARE_KEYS
    from explorer.app.scenes.network.scene import NetworkScene

    pygame.display.init()
    pygame.font.init()
    pygame.display.set_mode((1280, 720))
    model = NetworkModel(registry, backend="thread")
    scene = NetworkScene(model, (1280, 720))
    try:
        model.apply(dataclasses.replace(NetworkSetup(), **(SMALL | {"folds": 5})))
        for key in COMPARE_KEYS:
            assert model.set_side_by_side(True, compare=key), model.message
            scene.controls.build()
            assert scene.controls.menus["compare"].selected_option[0] == key
        assert scene.controls.menus["b_value"].selected_option[0] == "2"  # fold 1 shown from 1
    finally:
        scene.close()


def test_the_accuracy_chart_says_the_test_score_with_folds_or_a_shift_and_never_otherwise():
    from explorer.app.scenes.network.training_curves import acc_caption
    from explorer.training import EpochRecord, Snapshot

    record = EpochRecord(1, 10, 0.3, 0.95, 0.3, 0.96, 0.3, (1.0, 1.0), 0.01, 2.9, 0.41)
    before = i18n.language()
    try:
        i18n.set_language("en")
        plain = acc_caption(Snapshot("done", epochs=(record,)))
        shifted = acc_caption(Snapshot("done", epochs=(record,), config={"test_shift": 2.0}))
        folds = acc_caption(Snapshot("done", epochs=(record,), config={"folds": 5}))
        default = acc_caption(Snapshot("done", epochs=(record,), config={"folds": 1}))
    finally:
        i18n.set_language(before)
    assert "41%" not in plain and "test" not in plain  # nobody picks a model by the test set
    assert "41%" not in default and "test" not in default  # the lab's default: one split
    assert "96%" in shifted and shifted.endswith("shifted test 41%")
    # lesson 24 step 2 quotes the test score of a k-fold setup: the chart shows the number it quotes
    assert folds.endswith("val 96%   test 41%")
