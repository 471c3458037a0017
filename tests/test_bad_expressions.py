"""Hostile formulas and lesson conditions: every one is bounded (no evaluation can run long or
build a huge number), every mistake is one sentence, and a misspelt name gets the closest one.

Cases in the style of the bad-input table (tests/test_bad_input.py), to be folded into it.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from explorer.landscape.expression import ExpressionError, surface_from_expression
from explorer.lessons import ConditionError, LessonError, SceneFacts, parse_condition, read_lesson
from explorer.lessons.lesson_file import MAX_LIMIT

# Conditions that build astronomically large integers when ** is evaluated on Python ints
# (9**9**9 has 370 million digits): each must be answered at once, with what the maths says.
HOSTILE = [
    ("9**9**9 > 0", {}, True),
    ("-(9**9**9) < 0", {}, True),
    ("(-9)**9**9 < 0", {}, True),  # an odd power of a negative number: -inf
    ("10**10**10 == 10**10**10", {}, True),
    ("max(9**9**9, 1) > 1e308", {}, True),
    ("2**step**step > 1", {"step": 1000}, True),  # grows with a live count
    ("step**step**step >= 0", {"step": 10**6}, True),
    ("b.epoch**b.epoch**b.epoch > 1e308", {"b.epoch": 400}, True),
    ("9**-9**9 == 0", {}, True),
]


def test_huge_powers_are_answered_at_once_in_floats():
    """Run in a child process with a generous deadline: on unbounded integers the first case
    alone computes for hours (and ignores SIGTERM), so a hang fails here instead of freezing
    the suite."""
    code = textwrap.dedent(
        f"""
        from explorer.lessons import parse_condition
        for text, values, expected in {HOSTILE!r}:
            got = parse_condition(text)(values)
            assert got is expected, (text, got)
        print("all bounded")
        """
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "all bounded" in done.stdout


def test_a_numpy_count_is_a_float_too():
    """A live count may arrive as a numpy integer, whose ** wraps around at 64 bits."""
    np = pytest.importorskip("numpy")
    assert parse_condition("2**step**step > 1e300")({"step": np.int64(50)}) is True
    assert parse_condition("step == 50")({"step": np.int64(50)}) is True


@pytest.mark.parametrize(
    ("formula", "fragment"),
    [
        ("x + 9**9**9", "exponents between -100 and 100"),
        ("x * 10**10**10", "exponents between -100 and 100"),
        ("x ** (2**2**2**2**2)", "exponents between -100 and 100"),
        ("x^9^9^9", "exponents between -100 and 100"),
        ("sine(x)", "did you mean 'sin'?"),
        ("xx + y", "did you mean 'x'?"),
        ("x + yy", "did you mean 'y'?"),
        ("x + z", "Unknown name 'z'; use e, pi, x, y."),
    ],
)
def test_a_formula_is_bounded_and_a_misspelling_names_the_closest(formula, fragment):
    with pytest.raises(ExpressionError) as info:
        surface_from_expression(formula)
    message = str(info.value)
    assert fragment in message and "\n" not in message


MANY = frozenset(
    {"step"}
    | {f"{ball}.{n}" for ball in ("sgd", "momentum", "adam", "rmsprop") for n in ("loss", "x", "y")}
    | {f"opt{i}.{n}" for i in range(40) for n in ("loss", "grad", "lr", "x", "y")}
)


@pytest.mark.parametrize(
    ("text", "close"),
    [
        ("stepp >= 40", "step"),
        ("step >= 40 and sgd.los < 1", "sgd.loss"),
        ("momentun.x > 0", "momentum.x"),
        ("not adam.lss", "adam.loss"),
    ],
)
def test_a_misspelt_name_in_a_condition_names_the_closest_not_every_name(text, close):
    with pytest.raises(ConditionError) as info:
        parse_condition(text, MANY)
    message = str(info.value)
    assert f"— did you mean {close!r}?" in message
    assert len(message) < 120, message  # not the 200 names the scene provides


def test_a_name_nothing_is_close_to_summarises_the_names():
    with pytest.raises(ConditionError) as info:
        parse_condition("banana > 1", MANY)
    message = str(info.value)
    assert "unknown name 'banana'" in message and "PREFIX.NUMBER" in message
    assert len(message) < 300, message


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("log10(0) < 1", "math domain error"),
        ("1 / 0 > 0", "division by zero"),
        ("(-8)**(1/3) < 0", "complex"),
    ],
)
def test_a_condition_that_cannot_be_computed_is_not_computable_not_a_crash(text, fragment):
    from explorer.lessons.player import check

    holds, why = check(parse_condition(text), {})
    assert not holds and why.startswith("not computable") and "\n" not in why


FACTS = {
    "landscape": SceneFacts(frozenset({"surface"}), frozenset({"step", "sgd.loss"}), unit="steps"),
    "network": SceneFacts(frozenset({"depth"}), frozenset({"epoch"}), unit="epochs"),
}


def lesson_text(scene: str, limit: str, until: str = "step >= 10", expect: str = "step > 0"):
    return textwrap.dedent(
        f"""
        [title]
        en = "Mine"
        zh = "我的"
        [summary]
        en = "Mine."
        zh = "我的。"
        [[steps]]
        scene = "{scene}"
        caption.en = "Hello."
        caption.zh = "你好。"
        until = "{until}"
        limit = {limit}
        expect = ["{expect}"]
        """
    )


@pytest.mark.parametrize(
    ("scene", "until", "limit", "fragment"),
    [
        ("landscape", "step >= 10", "1000000000000000000", "limit 1000000000000000000 is more"),
        ("landscape", "step >= 10", "10**18", "is not valid TOML"),
        ("landscape", "step >= 10", str(MAX_LIMIT["steps"] + 1), "(100000 steps at most)"),
        ("network", "epoch >= 5", str(MAX_LIMIT["epochs"] + 1), "(1000 epochs at most)"),
        ("network", "epoch >= 5", "9223372036854775807", "more than a step may wait"),
        ("landscape", "stepp >= 40", "100", "until: unknown name 'stepp' — did you mean 'step'?"),
    ],
)
def test_a_step_limit_is_bounded_in_one_sentence(tmp_path, scene, until, limit, fragment):
    path = tmp_path / "09-mine.toml"
    path.write_text(lesson_text(scene, limit, until=until), encoding="utf-8")
    with pytest.raises(LessonError) as info:
        read_lesson(path, FACTS)
    message = str(info.value)
    assert fragment in message and message.startswith(path.name) and "\n" not in message
    assert not message.endswith("?.")


def test_the_largest_limit_is_accepted(tmp_path):
    path = tmp_path / "09-mine.toml"
    path.write_text(lesson_text("landscape", str(MAX_LIMIT["steps"])), encoding="utf-8")
    assert read_lesson(path, FACTS).steps[0].limit == MAX_LIMIT["steps"]


@pytest.mark.slow
def test_lesson_check_answers_a_huge_power_at_once(tmp_path):
    """The issue's reproduction: ``expect = ["9**9**9 > 0"]`` hung ``lesson check`` for good."""
    path = tmp_path / "09-mine.toml"
    text = lesson_text("landscape", "20", until="2**step**step > 1e300", expect="9**9**9 > 0")
    path.write_text(text, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "explorer", "lesson", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert "all 1 expect condition holds" in done.stdout


@pytest.mark.parametrize(
    ("formula", "code"),
    [
        ("foo(x)", "function"),
        ("sinn(x)", "function_guess"),
        ("x +* y", "syntax_at"),
        ("xx + y", "name_guess"),
        ("x**1000", "powers"),
        ("1e999", "finite"),
        ("[x]", "construct"),
    ],
)
def test_a_refused_formula_says_why_as_data_in_both_catalogues(formula, code):
    """The parser's refusal carries a code and its fields; each language words it from its
    catalogue (no sentence is parsed back), and the English one is the parser's own sentence."""
    import json
    from importlib import resources

    from explorer.landscape.expression import ExpressionError, surface_from_expression

    with pytest.raises(ExpressionError) as caught:
        surface_from_expression(formula)
    exc = caught.value
    assert exc.code == code
    for lang in ("en", "zh"):
        path = resources.files("explorer.assets").joinpath("i18n", f"dl-explorer.{lang}.json")
        template = json.loads(path.read_text(encoding="utf-8"))[lang]["landscape"][
            f"formula_{code}"
        ]
        filled = template
        for name, value in exc.fields.items():
            assert f"%{{{name}}}" in template, (lang, name)
            filled = filled.replace(f"%{{{name}}}", value)
        assert "%{" not in filled
        if lang == "en":
            assert filled == str(exc)
