"""Lesson files: conditions, captions with live numbers, and one sentence for each mistake."""

from __future__ import annotations

import pytest

from explorer.lessons import (
    ConditionError,
    LessonError,
    SceneFacts,
    fill,
    parse_condition,
    placeholders,
    read_lesson,
)

FACTS = {
    "network": SceneFacts(
        frozenset({"depth", "activation", "compare"}),
        frozenset({"epoch", "grad_ratio", "train_acc", "b.train_acc", "stopped"}),
        frozenset({"gradient_bars", "curves"}),
        unit="epochs",
    ),
    "landscape": SceneFacts(
        frozenset({"surface", "optimizers"}),
        frozenset({"step", "sgd.loss", "momentum.loss"}),
        frozenset({"ball", "map"}),
    ),
}

GOOD = """
order = 2
[title]
en = "Vanishing gradients"
zh = "梯度消失"
[summary]
en = "Deep sigmoid nets stall."
zh = "深的 sigmoid 网络学不动。"

[[steps]]
scene = "network"
setup = { depth = 8, activation = "sigmoid" }
caption.en = "Layer 1 gets {grad_ratio:.0e} of the output's gradient."
caption.zh = "第 1 层的梯度只有输出层的 {grad_ratio:.0e}。"
highlight = ["gradient_bars"]
until = "epoch >= 5"
limit = 20
expect = ["grad_ratio < 1e-3"]

[[steps]]
scene = "landscape"
caption.en = "Momentum {momentum.loss:.2f} vs SGD {sgd.loss:.2f}"
caption.zh = "动量 {momentum.loss:.2f}，SGD {sgd.loss:.2f}"
highlight = ["ball:momentum"]
expect = "momentum.loss < sgd.loss"
"""


def write(tmp_path, text, name="02-my-lesson.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_good_lesson_reads_into_steps_with_checked_conditions(tmp_path):
    lesson = read_lesson(write(tmp_path, GOOD), FACTS)
    assert lesson.name == "my-lesson"
    assert lesson.order == 2
    assert lesson.title["zh"] == "梯度消失"
    first, second = lesson.steps
    assert first.setup == {"depth": 8, "activation": "sigmoid"}
    assert first.until({"epoch": 5}) and not first.until({"epoch": 4})
    assert first.limit == 20
    assert first.expect[0]({"grad_ratio": 2e-4})
    assert not first.expect[0]({"grad_ratio": 2e-2})
    assert second.expect[0]({"momentum.loss": 0.1, "sgd.loss": 0.5})
    assert second.highlight == ("ball:momentum",)


def test_captions_are_filled_only_from_live_numbers():
    text = "Layer 1 gets {grad_ratio:.0e}; momentum {momentum.loss:.2f}; {missing}"
    assert placeholders(text) == [("grad_ratio", ".0e"), ("momentum.loss", ".2f"), ("missing", "")]
    shown = fill(text, {"grad_ratio": 0.00031, "momentum.loss": 0.123})
    assert shown == "Layer 1 gets 3e−4; momentum 0.12; …"


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("a < 1e-3", {"a": 1e-4}, True),
        ("a < 1e-3", {"a": 1e-2}, False),
        ("b.loss < a.loss and step >= 10", {"b.loss": 1, "a.loss": 2, "step": 10}, True),
        ("not stopped or epoch > 3", {"stopped": True, "epoch": 2}, False),
        ("abs(x - 0.5) < 0.1", {"x": 0.45}, True),
        ("0 < x <= 1", {"x": 1}, True),
        ("max(a, b) > 2 * min(a, b)", {"a": 1, "b": 3}, True),
        ("log10(a) < -2", {"a": 1e-3}, True),
    ],
)
def test_conditions_compute_what_they_say(text, values, expected):
    assert parse_condition(text)(values) is expected


@pytest.mark.parametrize(
    "text",
    [
        "__import__('os').system('echo hi')",
        "a.__class__",  # a dotted name is just a name: refused as unknown below
        "open('x')",
        "[1, 2]",
        "a if b else c",
        "lambda: 1",
        "'text' == a",
        "",
    ],
)
def test_conditions_never_run_code(text):
    with pytest.raises(ConditionError):
        parse_condition(text, known={"a", "b", "c"})


def test_a_condition_naming_an_unknown_number_says_what_is_there():
    with pytest.raises(
        ConditionError, match="unknown name 'grad_ration' — did you mean 'grad_ratio'"
    ):
        parse_condition("grad_ration < 1", known={"grad_ratio", "epoch"})


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        (
            lambda t: t.replace("[title]", "[titel]"),
            "titel is not a key of the top level (did you mean title?)",
        ),
        (lambda t: t.replace('zh = "梯度消失"\n', ""), "title has no zh text"),
        (
            lambda t: t.replace('scene = "landscape"', 'scene = "landscpe"'),
            "step 2: scene 'landscpe' is not a scene",
        ),
        (
            lambda t: t.replace("depth = 8", "dpeth = 8"),
            "step 1: setup.dpeth is not a key of the network setup (did you mean depth?)",
        ),
        (
            lambda t: t.replace(
                "{grad_ratio:.0e} of the output's", "{grad_ration:.0e} of the output's"
            ),
            "step 1: caption.en shows {grad_ration}, which the network scene does not compute (did you mean grad_ratio?)",
        ),
        (lambda t: t.replace('"grad_ratio < 1e-3"', '"grad_ratio <"'), "step 1: expect:"),
        (lambda t: t.replace('"grad_ratio < 1e-3"', '"os.system(1)"'), "step 1: expect:"),
        (lambda t: t.replace("limit = 20\n", ""), "step 1: until needs a limit"),
        (
            lambda t: t.replace('highlight = ["gradient_bars"]', 'highlight = ["gradient_barz"]'),
            "highlight 'gradient_barz' is not a part of the network scene",
        ),
        (lambda t: t.replace("[[steps]]", "[[stepz]]", 1), "stepz is not a key"),
        (lambda t: t + "\n[[steps]\n", "is not valid TOML"),
        (lambda t: t.replace("{grad_ratio:.0e} of", "{grad_ratio:.0q} of"), "the format '.0q'"),
        (lambda t: t.replace("order = 2", "order = 'two'"), "order must be a whole number"),
    ],
)
def test_every_mistake_is_one_sentence_naming_file_step_and_key(tmp_path, change, fragment):
    path = write(tmp_path, change(GOOD))
    with pytest.raises(LessonError) as info:
        read_lesson(path, FACTS)
    message = str(info.value)
    assert fragment in message
    assert message.startswith(path.name) or message.startswith(str(path))
    assert "\n" not in message and "Traceback" not in message


def test_a_missing_file_is_one_sentence(tmp_path):
    with pytest.raises(LessonError, match="no such lesson file"):
        read_lesson(tmp_path / "nope.toml", FACTS)
