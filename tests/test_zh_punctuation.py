"""Chinese text is punctuated in Chinese: a reader of the 中文 UI or a lesson never meets an ASCII
"?" or "," after a Chinese word, nor "(…)" around Chinese words. Formulas and coordinates keep
ASCII (``f(z)``, ``(x, y)``, ``log₁₀(损失 − 最小值)``): only punctuation that belongs to a
Chinese sentence is checked. One term for one thing: 海森矩阵 throughout the catalogue (the lecture
notes say 二阶梯度 H; the catalogue had both "Hessian" and 海森矩阵)."""

from __future__ import annotations

import json
import re
import tomllib
from importlib import resources

from explorer.languages import CJK_CHARS

_IDEOGRAPH = r"[\u3400-\u9fff]"  # a Chinese character (not its punctuation)
_CJK = f"[{CJK_CHARS}]"  # a Chinese character or Chinese punctuation


def ascii_punctuation(text: str) -> list[str]:
    """The places in ``text`` where ASCII punctuation stands in a Chinese sentence."""
    rules = [
        rf"{_CJK} ?[?!;]",  # 吗? 好! 是;
        rf"[?!;] ?{_IDEOGRAPH}",
        rf"{_IDEOGRAPH}[,.:]",  # 梯度, 结束. 说明:
        rf"{_CJK} ?\([^()\s,−+*/=]*\)",  # 一阶矩 (m), ？(c) (not a formula: (1 − p), (x, y))
        rf"(?<![\w)′])\({_IDEOGRAPH}",  # (应为 … (a function's argument follows a name)
    ]
    return [m.group(0) for rule in rules for m in re.finditer(rule, text)]


def _strings(node, where=""):
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _strings(value, f"{where}.{key}" if where else key)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _strings(value, f"{where}[{i}]")
    elif isinstance(node, str):
        yield where, node


def _zh_catalogue() -> dict:
    folder = resources.files("explorer.assets").joinpath("i18n")
    return json.loads(folder.joinpath("dl-explorer.zh.json").read_text("utf-8"))


def _zh_lesson_texts():
    for path in sorted(resources.files("explorer.assets").joinpath("lessons").iterdir()):
        if path.name.endswith(".toml"):
            for where, text in _strings(tomllib.loads(path.read_text("utf-8"))):
                if where.endswith("zh"):
                    yield f"{path.name}:{where}", text


def test_the_checker_sees_ascii_punctuation_in_chinese_and_leaves_formulas_alone():
    assert ascii_punctuation("鞍点还是极小值？(c)") == ["？(c)"]
    assert ascii_punctuation("鞍点还是极小值?") == ["值?"]
    assert ascii_punctuation("梯度消失, 然后") == ["失,"]
    assert ascii_punctuation(" (应为3)") == ["(应"]
    assert ascii_punctuation("优化器状态：一阶矩 (m)") == ["矩 (m)"]
    formulas = (
        "f(z) 与 f′(z)",
        "位于 (%{x}, %{y})",
        "log₁₀(损失 − 最小值)",
        "乘以 (1 − p)",
        "第 3 步。",
    )
    for fine in formulas:
        assert ascii_punctuation(fine) == [], fine


def test_the_chinese_catalogue_uses_chinese_punctuation():
    bad = {k: ascii_punctuation(v) for k, v in _strings(_zh_catalogue())}
    assert {k: v for k, v in bad.items() if v} == {}


def test_chinese_lesson_captions_use_chinese_punctuation():
    bad = {k: ascii_punctuation(v) for k, v in _zh_lesson_texts()}
    assert {k: v for k, v in bad.items() if v} == {}


def test_the_hessian_has_one_name_in_the_chinese_catalogue():
    texts = [v for _, v in _strings(_zh_catalogue())]
    assert not [v for v in texts if "Hessian" in v or "黑塞" in v]
    assert any("海森矩阵" in v for v in texts)
