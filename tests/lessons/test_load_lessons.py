"""manage.py load_lessons: idempotent, keeps ids, updates text, all or nothing."""

from __future__ import annotations

import shutil
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from lessons.lessonfiles import load_course
from lessons.models import (
    Course,
    LearningObjective,
    Lesson,
    LessonSection,
    Phase,
    Prerequisite,
)
from lessons.services import CONTENT_DIR, lesson_loaded

pytestmark = pytest.mark.django_db
SLUG = "why-precision-matters"


@pytest.fixture
def content(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, root)
    return root


def load(content_dir: Path | None = None) -> str:
    out = StringIO()
    args = ["--content-dir", str(content_dir)] if content_dir else []
    call_command("load_lessons", *args, stdout=out)
    return out.getvalue()


def replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def snapshot() -> dict[str, object]:
    return {
        "courses": list(Course.objects.values_list("id", "slug", "title")),
        "phases": list(Phase.objects.values_list("id", "number", "title")),
        "lessons": list(
            Lesson.objects.values_list("id", "slug", "title", "published", "html")
        ),
        "objectives": list(
            LearningObjective.objects.values_list("id", "key", "text", "retired")
        ),
        "sections": list(LessonSection.objects.values_list("id", "anchor", "html")),
        "prerequisites": list(Prerequisite.objects.values_list("id", "required_id")),
    }


def test_first_load_creates_the_outline_and_the_lesson():
    output = load()
    course = load_course(CONTENT_DIR)
    lesson = Lesson.objects.get(slug=SLUG)
    assert Course.objects.count() == 1
    assert Lesson.objects.count() == 4
    assert list(Lesson.objects.filter(published=True)) == [lesson]
    assert lesson.phase.number == 3 and lesson.order == 4 and lesson.phase_closer
    assert list(lesson.objectives.values_list("key", flat=True)) == list(
        course.lesson(SLUG).objective_keys
    )
    assert lesson.sections.count() == len(course.lesson(SLUG).sections)
    assert lesson.prerequisites.get().required.slug == "memory-engineering"
    assert lesson.word_count > 3000 and lesson.read_minutes >= 15
    assert lesson.html and lesson.toc and lesson.cards and lesson.source_hash
    assert f"created lesson {SLUG} (published)" in output
    assert "created lesson memory-engineering (not published)" in output
    assert "7 created" in output.splitlines()[-1]


def test_second_load_changes_nothing_and_keeps_ids():
    load()
    before = snapshot()
    output = load()
    assert snapshot() == before
    assert f"unchanged lesson {SLUG} text" in output
    assert "0 created, 0 updated" in output


def test_edited_text_updates_in_place(content):
    load(content)
    before = snapshot()
    lesson_dir = content / SLUG
    replace(
        lesson_dir / "07-summary.md",
        "## Summary\n",
        "## Summary\n\nA fresh sentence.\n",
    )
    replace(
        lesson_dir / "lesson.toml",
        'text = "Describe how',
        'text = "Explain in your own words how',
    )
    output = load(content)
    after = snapshot()
    assert [row[0] for row in after["lessons"]] == [row[0] for row in before["lessons"]]
    assert [row[0] for row in after["objectives"]] == [
        row[0] for row in before["objectives"]
    ]
    assert [row[0] for row in after["sections"]] == [
        row[0] for row in before["sections"]
    ]
    lesson = Lesson.objects.get(slug=SLUG)
    assert "A fresh sentence." in lesson.html
    assert "A fresh sentence." in lesson.sections.get(anchor="summary").html
    assert lesson.objectives.get(key="fp-representation").text.startswith(
        "Explain in your own words"
    )
    assert f"updated lesson {SLUG} text" in output


def test_a_dropped_objective_is_retired_not_deleted(content):
    load(content)
    kept = LearningObjective.objects.get(key="precision-asymmetry")
    toml = content / SLUG / "lesson.toml"
    text = toml.read_text(encoding="utf-8")
    start = text.index('[[objectives]]\nkey = "precision-asymmetry"')
    end = text.index("\n\n", start)
    toml.write_text(text[:start] + text[end + 2 :], encoding="utf-8")
    # The lesson's cards for that objective must go too.
    for md in (content / SLUG).glob("*.md"):
        md.write_text(
            md.read_text(encoding="utf-8").replace(
                "objective: precision-asymmetry", "objective: quantization-vs-mixed"
            ),
            encoding="utf-8",
        )
    output = load(content)
    kept.refresh_from_db()
    assert kept.retired
    assert f"retired objective {SLUG}:precision-asymmetry" in output
    lesson = Lesson.objects.get(slug=SLUG)
    assert "precision-asymmetry" not in [o["key"] for o in _api_objectives(lesson)]


def _api_objectives(lesson):
    from lessons.selectors import lesson_objectives

    return lesson_objectives(lesson=Lesson.objects.get(pk=lesson.pk))


def test_lessons_can_swap_places(content):
    load(content)
    ids = dict(Lesson.objects.values_list("slug", "id"))
    course_toml = content / "course.toml"
    text = course_toml.read_text(encoding="utf-8")
    text = text.replace(
        'slug = "pretraining-at-scale"\ntitle = "Pretraining: one objective at extraordinary scale"\norder = 1',
        'slug = "pretraining-at-scale"\ntitle = "Pretraining: one objective at extraordinary scale"\norder = 2',
    ).replace(
        'slug = "chinchilla-compute-optimal"\ntitle = "The Chinchilla rule: spending compute optimally"\norder = 2',
        'slug = "chinchilla-compute-optimal"\ntitle = "The Chinchilla rule: spending compute optimally"\norder = 1',
    )
    # course.toml wants the lessons listed in order: swap the two blocks.
    first = text.index("[[phases.lessons]]")
    second = text.index("[[phases.lessons]]", first + 1)
    third = text.index("[[phases.lessons]]", second + 1)
    text = text[:first] + text[second:third] + text[first:second] + text[third:]
    course_toml.write_text(text, encoding="utf-8")
    load(content)
    orders = dict(Lesson.objects.values_list("slug", "order"))
    assert orders["chinchilla-compute-optimal"] == 1
    assert orders["pretraining-at-scale"] == 2
    assert dict(Lesson.objects.values_list("slug", "id")) == ids


@pytest.mark.parametrize(
    ("file", "old", "new"),
    [
        ("course.toml", "[course]", "[course"),  # invalid TOML
        (
            f"{SLUG}/07-summary.md",
            "## Summary\n",
            "## Summary\n\n{{ no.such.value }}\n",
        ),
        (f"{SLUG}/lesson.toml", 'difficulty = "standard"', 'difficulty = "hard"'),
    ],
)
def test_bad_content_is_one_line_and_changes_nothing(content, file, old, new):
    load(content)
    before = snapshot()
    replace(content / file, old, new)
    with pytest.raises(CommandError) as info:
        load(content)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("invalid lesson content")
    assert snapshot() == before


def test_bad_content_on_an_empty_database_writes_nothing(content):
    replace(content / f"{SLUG}/lesson.toml", 'key = "fp-representation"', "key = 7")
    with pytest.raises(CommandError, match="objectives"):
        load(content)
    assert not Course.objects.exists() and not Lesson.objects.exists()


def test_a_failure_while_writing_rolls_everything_back(content):
    load(content)
    before = snapshot()
    replace(content / f"{SLUG}/07-summary.md", "## Summary\n", "## Summary\n\nNew.\n")

    def explode(**kwargs):
        raise RuntimeError("a receiver failed")

    lesson_loaded.connect(explode)
    try:
        with pytest.raises(RuntimeError):
            load(content)
    finally:
        lesson_loaded.disconnect(explode)
    assert snapshot() == before


def test_the_command_exits_non_zero_on_bad_content(content, capsys):
    from django.core.management import ManagementUtility

    replace(content / "course.toml", "[course]", "[course")
    with pytest.raises(SystemExit) as info:
        ManagementUtility(
            ["manage.py", "load_lessons", "--content-dir", str(content)]
        ).execute()
    assert info.value.code != 0
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "invalid lesson content" in err
