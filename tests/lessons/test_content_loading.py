"""load_course and render_lesson report bad content by file and field."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from lessons.lessonfiles import (
    ContentError,
    UnknownPlaceholderError,
    lesson_values,
    load_course,
    render_lesson,
)

CONTENT = Path(__file__).resolve().parents[2] / "lessons" / "content"
LESSON = "why-precision-matters"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT, root)
    return root


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def problems(root: Path) -> str:
    with pytest.raises(ContentError) as info:
        load_course(root)
    return str(info.value)


def test_the_copy_loads(content):
    assert load_course(content).lesson(LESSON).title.startswith("Why precision")


def test_invalid_toml_names_the_file(content):
    (content / LESSON / "lesson.toml").write_text("slug = \n")
    message = problems(content)
    assert f"{LESSON}/lesson.toml: invalid TOML" in message


def test_missing_course_file(tmp_path):
    assert "course.toml: file missing" in problems(tmp_path)


def test_missing_field_names_file_and_field(content):
    replace(content / LESSON / "lesson.toml", 'difficulty = "standard"\n', "")
    assert f"{LESSON}/lesson.toml: difficulty: missing" in problems(content)


def test_every_problem_is_reported_together(content):
    toml = content / LESSON / "lesson.toml"
    replace(toml, "read_minutes = 23", 'read_minutes = "23"')
    replace(toml, 'key = "fewer-bits-save"', 'key = "Fewer Bits"')
    replace(toml, 'difficulty = "standard"', 'difficulty = "hard"')
    message = problems(content)
    assert "lesson.toml: read_minutes: expected int, got str" in message
    assert "lesson.toml: objectives[1].key: 'Fewer Bits' is not a slug" in message
    assert "lesson.toml: difficulty: 'hard' is not one of" in message


def test_lesson_must_match_its_course_entry(content):
    replace(content / LESSON / "lesson.toml", "order = 4", "order = 3")
    assert "lesson.toml: order: 3 does not match course.toml (4)" in problems(content)


def test_course_fields_are_checked(content):
    replace(content / "course.toml", "published = false\n", "published = 0\n")
    replace(content / "course.toml", "order = 2\n", "order = 5\n")
    message = problems(content)
    assert (
        "course.toml: phases[0].lessons[0].published: expected bool, got int" in message
    )
    assert "course.toml: phases[0].lessons: orders must run 1..4" in message


def test_unknown_prerequisite(content):
    replace(content / LESSON / "lesson.toml", '["memory-engineering"]', '["nope"]')
    assert "prerequisites.lessons: 'nope' is not a lesson of the course" in problems(
        content
    )


def test_missing_and_unlisted_section_files(content):
    (content / LESSON / "07-summary.md").rename(content / LESSON / "10-extra.md")
    message = problems(content)
    assert "sections[6].file: " in message
    assert "07-summary.md is missing" in message
    assert "10-extra.md is in the folder but not listed" in message


def test_section_heading_must_match_its_anchor(content):
    replace(content / LESSON / "04-quantization.md", "## Quantization", "## Quantizing")
    message = problems(content)
    assert "04-quantization.md: heading: 'Quantizing'" in message
    assert "'quantization'" in message


def test_published_lesson_needs_a_folder(content):
    shutil.rmtree(content / LESSON)
    assert f"'{LESSON}' is published but" in problems(content)


def test_unlisted_lesson_folder(content):
    shutil.copytree(content / LESSON, content / "stray")
    assert "stray: lesson folder not listed" in problems(content)


def test_bad_card_objective_names_the_section_file(content):
    replace(
        content / LESSON / "06-the-asymmetry.md",
        "objective: precision-asymmetry",
        "objective: asymmetry",
    )
    lesson = load_course(content).lesson(LESSON)
    with pytest.raises(ContentError, match=r"06-the-asymmetry\.md: card .*objective"):
        render_lesson(lesson, lesson_values())


def test_unknown_placeholders_are_listed_for_the_whole_lesson(content):
    lesson = load_course(content).lesson(LESSON)
    with pytest.raises(UnknownPlaceholderError) as info:
        render_lesson(lesson, {})
    assert "fp16.max" in info.value.keys
    assert "mem.7b.weights.bf16_gb" in info.value.keys


def test_rendering_module_imports_no_django():
    code = (
        "import sys, lessons.lessonfiles as r; r.render_lesson(r.load_course(sys.argv[1])"
        ".lesson('why-precision-matters'), r.lesson_values());"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('django', 'rest_framework')];"
        "assert not bad, bad"
    )
    subprocess.run(
        [sys.executable, "-c", code, str(CONTENT)],
        check=True,
        cwd=Path(__file__).resolve().parents[2],
    )
