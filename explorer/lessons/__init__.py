"""Lessons: the lecture's story told step by step on the live app (no pygame here).

A lesson is a TOML file (``assets/lessons/*.toml`` or a teacher's own): steps that each name a
scene, a setup, captions in English and 中文 with live numbers, highlights, an advance condition
and ``expect`` conditions that check what the caption claims.
"""

from explorer.languages import LANGUAGES
from explorer.lessons.captions import CaptionError, fill, placeholders
from explorer.lessons.conditions import Condition, ConditionError, parse_condition
from explorer.lessons.lesson_file import (
    Lesson,
    LessonError,
    SceneFacts,
    Step,
    lesson_name,
    read_lesson,
)

__all__ = [
    "LANGUAGES",
    "CaptionError",
    "Condition",
    "ConditionError",
    "Lesson",
    "LessonError",
    "SceneFacts",
    "Step",
    "fill",
    "lesson_name",
    "parse_condition",
    "placeholders",
    "read_lesson",
]
