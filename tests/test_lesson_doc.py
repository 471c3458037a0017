"""docs/writing-a-lesson.md: every ```toml example is a lesson the reader accepts, with setups
the scenes accept (or, marked "# a setup file", a setup file the app opens)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from explorer.app import setup_files
from explorer.app.scene_table import scenes
from explorer.lessons import read_lesson
from explorer.lessons.catalogue import scene_facts
from explorer.lessons.lesson_file import STEP_KEYS
from explorer.lessons.run_setups import typed_setups
from explorer.lessons.scenes import by_name

DOC = Path(__file__).resolve().parents[1] / "docs" / "writing-a-lesson.md"
EXAMPLES = re.findall(r"```toml\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_doc_has_examples_and_names_every_step_key_and_scene(registry):
    text = DOC.read_text(encoding="utf-8")
    assert len(EXAMPLES) >= 5
    for key in [*STEP_KEYS, "caption.during.en"]:
        assert f"`{key}" in text, key
    for name, facts in scene_facts(registry, scenes()).items():
        assert f"`{name}`" in text, name
        for key in facts.setup_keys:
            assert f"`{key}`" in text, (name, key)
        for part in facts.highlights:
            assert f"`{part}" in text, (name, part)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.splitlines()[0][:30])
def test_every_example_in_the_doc_is_read_as_written(example, registry, tmp_path):
    path = tmp_path / "example.toml"
    path.write_text(example, encoding="utf-8")
    if example.startswith("# a setup file"):
        scene, values = setup_files.read(path)
        setup_files.check(scene, values, registry, path.name)
        return
    lesson = read_lesson(path, scene_facts(registry, scenes()))
    rows = by_name(scenes())
    typed = typed_setups(lesson, lambda scene: rows[scene].setup_class(), registry)
    assert len(typed) == len(lesson.steps)
