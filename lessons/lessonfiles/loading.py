"""Reading the course outline (``course.toml``) and each lesson's files.

:func:`load_course` reads ``course.toml``, each lesson's ``lesson.toml`` and
its section files into the frozen dataclasses of
:mod:`lessons.lessonfiles.model`, checking everything and reporting every
problem at once (:class:`ContentError`).
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

from lessons.lessonfiles.errors import ContentError
from lessons.lessonfiles.model import (
    DIFFICULTIES,
    SECTION_KINDS,
    SLUG,
    Course,
    Lesson,
    LessonRef,
    Objective,
    Phase,
    Prerequisites,
    Section,
)
from lessons.markup.markdown_html import slugify

__all__ = ["load_course"]

_SECTION_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")


class _Table:
    """Typed access to one TOML table, collecting problems instead of raising."""

    def __init__(self, data: Any, where: str, problems: list[str]) -> None:
        self.where = where
        self.problems = problems
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        if not isinstance(data, dict):
            self.fail("", "expected a table")

    def fail(self, name: str, message: str) -> None:
        self.problems.append(f"{self.where}{name}: {message}")

    def get(
        self, name: str, kind: type, default: Any = ..., *, empty: bool = False
    ) -> Any:
        if name not in self.data:
            if default is ...:
                self.fail(name, "missing")
            return None if default is ... else default
        value: Any = self.data[name]
        if type(value) is not kind:  # bool is an int: compare exact types
            self.fail(name, f"expected {kind.__name__}, got {type(value).__name__}")
            return None
        if isinstance(value, str) and not empty and not value.strip():
            self.fail(name, "must not be empty")
        return value

    def slug(self, name: str) -> str | None:
        value: str | None = self.get(name, str)
        if value is not None and not SLUG.match(value):
            self.fail(name, f"{value!r} is not a slug (lowercase, digits, hyphens)")
        return value

    def positive(self, name: str) -> int | None:
        value: int | None = self.get(name, int)
        if value is not None and value < 1:
            self.fail(name, "must be a positive integer")
        return value

    def tables(self, name: str) -> list[_Table]:
        items = self.get(name, list)
        if items is not None and not items:
            self.fail(name, "must not be empty")
        return [
            _Table(item, f"{self.where}{name}[{i}].", self.problems)
            for i, item in enumerate(items or [])
        ]


def _read_toml(path: Path, problems: list[str]) -> dict[str, Any] | None:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path}: file missing")
    except tomllib.TOMLDecodeError as exc:
        problems.append(f"{path}: invalid TOML: {exc}")
    return None


def load_course(content_dir: str | Path) -> Course:
    """Load and validate ``course.toml`` and every lesson folder beside it.

    Args:
        content_dir: The folder holding ``course.toml`` and one folder per
            lesson with content, named after the lesson's slug.

    Returns:
        The course, with its phases and the lessons that have content.

    Raises:
        ContentError: Listing every problem found, each naming its file and
            field, e.g. ``".../lesson.toml: objectives[0].key: missing"``.
    """
    root = Path(content_dir)
    problems: list[str] = []
    path = root / "course.toml"
    data = _read_toml(path, problems)
    if data is None:
        raise ContentError(problems)
    top = _Table(data, f"{path}: ", problems)
    course = _Table(top.get("course", dict, {}), f"{path}: course.", problems)
    course.slug("slug")
    course.get("title", str)
    phases = tuple(_load_phase(t) for t in top.tables("phases"))
    refs = {ref.slug: (phase, ref) for phase in phases for ref in phase.lessons}
    if len(refs) != sum(len(p.lessons) for p in phases):
        problems.append(f"{path}: phases.lessons: lesson slugs are not unique")
    lessons = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        if not (folder / "lesson.toml").exists():
            continue
        if folder.name not in refs:
            problems.append(f"{folder}: lesson folder not listed in {path}")
            continue
        phase, ref = refs[folder.name]
        lessons.append(_load_lesson(folder, phase, ref, set(refs), problems))
    for _phase, ref in refs.values():
        if ref.published and not (root / ref.slug / "lesson.toml").exists():
            problems.append(
                f"{path}: phases.lessons: {ref.slug!r} is published but "
                f"{root / ref.slug / 'lesson.toml'} is missing"
            )
    if problems:
        raise ContentError(problems)
    return Course(
        slug=course.data["slug"],
        title=course.data["title"],
        phases=phases,
        lessons=tuple(lessons),
    )


def _load_phase(table: _Table) -> Phase:
    number = table.positive("number")
    table.slug("slug")
    table.get("title", str)
    refs = []
    for item in table.tables("lessons"):
        refs.append(
            LessonRef(
                slug=item.slug("slug") or "",
                title=item.get("title", str) or "",
                order=item.positive("order") or 0,
                published=bool(item.get("published", bool)),
                phase_closer=bool(item.get("phase_closer", bool, False)),
            )
        )
    orders = [r.order for r in refs]
    if orders != list(range(1, len(refs) + 1)):
        table.fail("lessons", f"orders must run 1..{len(refs)} in order, got {orders}")
    return Phase(
        number=number or 0,
        slug=table.data.get("slug", ""),
        title=table.data.get("title", ""),
        lessons=tuple(refs),
    )


def _load_lesson(
    folder: Path, phase: Phase, ref: LessonRef, slugs: set[str], problems: list[str]
) -> Lesson:
    path = folder / "lesson.toml"
    t = _Table(_read_toml(path, problems) or {}, f"{path}: ", problems)
    expected = {"slug": ref.slug, "title": ref.title, "phase": phase.number}
    expected["order"] = ref.order
    for name, want in expected.items():
        got = t.get(name, type(want))
        if got is not None and got != want:
            t.fail(name, f"{got!r} does not match course.toml ({want!r})")
    difficulty = t.get("difficulty", str)
    if difficulty is not None and difficulty not in DIFFICULTIES:
        t.fail("difficulty", f"{difficulty!r} is not one of {DIFFICULTIES}")
    return Lesson(
        slug=ref.slug,
        title=ref.title,
        summary=(t.get("summary", str) or "").strip(),
        phase=phase.number,
        order=ref.order,
        read_minutes=t.positive("read_minutes") or 0,
        practice_minutes=t.positive("practice_minutes") or 0,
        difficulty=difficulty or "",
        objectives=_load_objectives(t),
        prerequisites=_load_prerequisites(t, slugs),
        sections=_load_sections(folder, t),
        path=folder,
    )


def _load_objectives(t: _Table) -> tuple[Objective, ...]:
    objectives = tuple(
        Objective(key=o.slug("key") or "", text=o.get("text", str) or "")
        for o in t.tables("objectives")
    )
    keys = [o.key for o in objectives]
    if len(set(keys)) != len(keys):
        t.fail("objectives", f"keys are not unique: {keys}")
    return objectives


def _load_prerequisites(t: _Table, slugs: set[str]) -> Prerequisites:
    pre = _Table(
        t.get("prerequisites", dict, {}), f"{t.where}prerequisites.", t.problems
    )
    lessons = pre.get("lessons", list, [])
    for slug in lessons:
        if slug not in slugs:
            pre.fail("lessons", f"{slug!r} is not a lesson of the course")
    summary = pre.get("summary", str, "")
    return Prerequisites(lessons=tuple(lessons), summary=summary.strip())


def _load_sections(folder: Path, t: _Table) -> tuple[Section, ...]:
    sections = []
    for s in t.tables("sections"):
        name, kind = s.get("file", str), s.get("kind", str)
        if kind is not None and kind not in SECTION_KINDS:
            s.fail("kind", f"{kind!r} is not one of {SECTION_KINDS}")
        match = _SECTION_FILE.match(name or "")
        if name is not None and not match:
            s.fail("file", f"{name!r} is not named like '01-some-anchor.md'")
        if not match:
            continue
        path = folder / name
        if not path.is_file():
            s.fail("file", f"{path} is missing")
            continue
        text = path.read_text(encoding="utf-8")
        title = _section_title(text, anchor=match[2], path=path, problems=t.problems)
        sections.append(Section(match[2], title, kind or "", name, text))
    files = [s.file for s in sections]
    if files != sorted(files):
        t.fail("sections", "files must be listed in the order of their numbers")
    listed = set(files)
    for path in sorted(folder.glob("*.md")):
        if path.name not in listed:
            t.fail("sections", f"{path.name} is in the folder but not listed")
    return tuple(sections)


def _section_title(text: str, *, anchor: str, path: Path, problems: list[str]) -> str:
    first = text.lstrip().split("\n", 1)[0]
    if not first.startswith("## "):
        problems.append(f"{path}: heading: must start with a '## Title' line")
        return ""
    title = first[3:].strip()
    if slugify(title, "-") != anchor:
        problems.append(
            f"{path}: heading: {title!r} gives the anchor "
            f"{slugify(title, '-')!r}, but the file name says {anchor!r}"
        )
    return title
