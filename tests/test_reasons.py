"""Why a ball stopped travels as ``Reason(code, fields)``: worded from the catalogue in either
language, the same English sentence on the command line as before, never parsed back."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from explorer.app.ui import i18n
from explorer.landscape.reasons import CODES, Reason

CATALOGUES = Path(__file__).resolve().parents[1] / "assets" / "i18n"
FIELD = re.compile(r"%\{(\w+)\}")

FAR = Reason("far_away", {"step": 12})
SAMPLES = {
    "converged": Reason("converged", {"tol": 1e-5, "step": 140}),
    "saddle": Reason("saddle", {"step": 90, "x": -0.0, "y": 1.0, "curvature": -2.0}),
    "moving_again": Reason("moving_again", {"step": 300, "settled": 120}),
    "escaped": Reason("escaped", {"step": 61, "x": 0.7071, "y": -0.7071}),
    "non_finite": Reason("non_finite", {"step": 7}),
    "far_away": FAR,
    "overshoots": Reason(
        "overshoots",
        {"lr": 5.0, "curvature": 1.0, "product": 5.0, "x": 1.0, "y": 0.0, "inner": FAR},
    ),
    "plugin_raised": Reason(
        "plugin_raised", {"who": "student/exploding", "error": "RuntimeError", "message": "bug"}
    ),
    "plugin_refused": Reason("plugin_refused", {"who": "student/shape", "message": "bad shape"}),
    "plugin_slow": Reason("plugin_slow", {"who": "student/sleepy", "seconds": 0.5}),
    "schedule_raised": Reason(
        "schedule_raised", {"who": "mine/cosine", "error": "KeyError", "message": "'t'"}
    ),
    "surface_failed": Reason("surface_failed", {"message": "my surface returned NaN"}),
}
# What the race printed before reasons were data: `dl-explorer race` prints the same
ENGLISH = {
    "converged": "gradient below 1e-05 since step 140",
    "saddle": "since step 90: no gradient, but the curvature along (+0.00, +1.00) is -2 < 0, so "
    "the loss still falls that way (a nudge frees it)",
    "moving_again": "moving again at step 300 (settled at step 120)",
    "escaped": "left the map at step 61, still going downhill along (+0.71, -0.71)",
    "non_finite": "became non-finite at step 7",
    "far_away": "left the domain far behind, loss rising at step 12",
    "overshoots": "learning rate 5 × largest curvature 1 = 5 > 2 along (+1.00, +0.00): each step "
    "overshoots further (left the domain far behind, loss rising at step 12)",
    "plugin_raised": "student/exploding raised RuntimeError: bug",
    "plugin_refused": "student/shape: bad shape",
    "plugin_slow": "student/sleepy took longer than 0.5 s for one step (a loop or a sleep?), so "
    "its ball is frozen",
    "schedule_raised": "schedule mine/cosine raised KeyError: 't'",
    "surface_failed": "my surface returned NaN",
}


@pytest.fixture(autouse=True)
def _english_after():
    yield
    i18n.set_language("en")


def _reasons(lang: str) -> dict[str, str]:
    data = json.loads((CATALOGUES / f"dl-explorer.{lang}.json").read_text("utf-8"))
    return data[lang]["reason"]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_reason_code_is_in_the_catalogue_with_its_fields(lang):
    worded = _reasons(lang)
    for code, fields in CODES.items():
        assert code in worded, f"reason.{code} is missing from the {lang} catalogue"
        assert set(FIELD.findall(worded[code])) == set(fields), (lang, code)
    assert set(worded) == set(CODES), "a catalogue reason no code gives"
    assert set(SAMPLES) == set(CODES)


@pytest.mark.parametrize("code", sorted(CODES))
def test_the_command_lines_english_is_the_races_old_sentence(code):
    assert str(SAMPLES[code]) == ENGLISH[code]


@pytest.mark.parametrize("code", sorted(CODES))
def test_a_reason_drawn_in_chinese_has_no_english_words(code):
    from explorer.app.scenes.landscape.reason_text import reason_text

    reason = SAMPLES[code]
    assert reason_text(reason) == ENGLISH[code]
    i18n.set_language("zh")
    worded = reason_text(reason)
    assert i18n.has_cjk(worded), worded
    # the plugin's own words (who, error, message) are shown as the plugin wrote them
    own = [str(v) for k, v in reason.fields.items() if k in ("who", "error", "message")]
    rest = worded
    for text in own:
        rest = rest.replace(text, "")
    assert not re.search(r"[A-Za-z]{3,}", rest), worded


def test_a_reason_is_checked_when_made():
    with pytest.raises(ValueError, match="no reason is called 'exploded'"):
        Reason("exploded", {"step": 1})
    with pytest.raises(ValueError, match="takes the fields step"):
        Reason("non_finite", {"steps": 1})


def test_the_app_reads_no_sentence_back():
    """reason_text words a Reason; it has no patterns to match English against."""
    import explorer.app.scenes.landscape.reason_text as module

    source = Path(module.__file__).read_text("utf-8")
    assert "import re" not in source and "reword" not in source
