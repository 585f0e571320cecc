"""Load the course outline and render lesson markdown to safe HTML.

Pure: this module imports nothing from Django. It reads ``course.toml``, each
lesson's ``lesson.toml`` and its section files into frozen dataclasses, and
renders markdown with three additions the plain ``Markdown`` package lacks:

* ``{{ key }}`` placeholders, filled from a values map at render time. Every
  number in a lesson comes from :func:`lesson_values`, which computes it with
  the precision domain module, so the text cannot drift from the code. A
  placeholder missing from the map is an error.
* Math in ``$...$`` and ``$$...$$``, lifted out before Markdown (which would
  otherwise read ``_`` and ``*`` as emphasis) and put back, escaped, inside
  ``\\(..\\)`` and ``\\[..\\]`` for KaTeX's auto-render.
* Fenced ````card`` blocks: flashcards written next to the idea they test.
  They come back as :class:`Card` data and render as "Check yourself" boxes.

All HTML leaves through :func:`sanitize_html` (nh3 with an explicit
allow-list), which also protects teacher-written text
(:func:`render_user_markdown`).
"""

from __future__ import annotations

import html
import math
import re
import tomllib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import markdown  # type: ignore[import-untyped]
import nh3
from markdown.extensions.toc import slugify  # type: ignore[import-untyped]

from lessons import precision
from lessons.precision import compute, memory
from lessons.precision.formats import nan_codes, underflow_threshold

__all__ = [
    "READING_WORDS_PER_MINUTE",
    "Card",
    "ContentError",
    "Course",
    "Lesson",
    "LessonRef",
    "Objective",
    "Phase",
    "Prerequisites",
    "RenderedDoc",
    "RenderedLesson",
    "RenderedSection",
    "Section",
    "TocEntry",
    "UnknownPlaceholderError",
    "lesson_values",
    "load_course",
    "read_minutes",
    "render_lesson",
    "render_markdown",
    "render_user_markdown",
    "sanitize_html",
]

#: Reading speed used for read times: 200 words per minute, a common figure for
#: technical prose read with care; read time = ceil(words / 200).
READING_WORDS_PER_MINUTE = 200

DIFFICULTIES = ("introductory", "standard", "advanced")
SECTION_KINDS = ("reading", "practice")
CARD_TYPES = ("basic", "cloze")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_SECTION_FILE = re.compile(r"^(\d{2})-([a-z0-9]+(?:-[a-z0-9]+)*)\.md$")


# --------------------------------------------------------------------------
# Errors


class ContentError(ValueError):
    """Lesson content is invalid; every problem names its file and field.

    Attributes:
        problems: One line per problem, ``"<file>: <field>: <message>"``.
    """

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(self.problems))


class UnknownPlaceholderError(ContentError):
    """The text uses ``{{ key }}`` placeholders that the values map lacks.

    Attributes:
        keys: The unknown keys, sorted.
    """

    def __init__(self, keys: Iterable[str], *, source: str = "<text>") -> None:
        self.keys = tuple(sorted(set(keys)))
        super().__init__([f"{source}: unknown placeholders: {', '.join(self.keys)}"])


# --------------------------------------------------------------------------
# Content model


@dataclass(frozen=True)
class LessonRef:
    """A lesson's entry in the course outline (``course.toml``)."""

    slug: str
    title: str
    order: int
    published: bool
    phase_closer: bool = False


@dataclass(frozen=True)
class Phase:
    """A phase of the course: a numbered group of lessons in order."""

    number: int
    slug: str
    title: str
    lessons: tuple[LessonRef, ...]


@dataclass(frozen=True)
class Objective:
    """A learning objective with a stable key that cards refer to."""

    key: str
    text: str


@dataclass(frozen=True)
class Prerequisites:
    """Lessons to read first and a short "what you should know" summary."""

    lessons: tuple[str, ...]
    summary: str


@dataclass(frozen=True)
class Section:
    """One section file of a lesson; its anchor is the file name sans prefix."""

    anchor: str
    title: str
    kind: str
    file: str
    text: str


@dataclass(frozen=True)
class Lesson:
    """A published lesson: metadata from ``lesson.toml`` and its sections."""

    slug: str
    title: str
    summary: str
    phase: int
    order: int
    read_minutes: int
    practice_minutes: int
    difficulty: str
    objectives: tuple[Objective, ...]
    prerequisites: Prerequisites
    sections: tuple[Section, ...]
    path: Path

    @property
    def objective_keys(self) -> tuple[str, ...]:
        """The objective keys in order."""
        return tuple(o.key for o in self.objectives)


@dataclass(frozen=True)
class Course:
    """The course outline and every lesson that has content."""

    slug: str
    title: str
    phases: tuple[Phase, ...]
    lessons: tuple[Lesson, ...]

    def lesson(self, slug: str) -> Lesson:
        """Return the lesson with this slug.

        Raises:
            KeyError: No lesson with content has this slug.
        """
        for lesson in self.lessons:
            if lesson.slug == slug:
                return lesson
        raise KeyError(slug)


@dataclass(frozen=True)
class Card:
    """A flashcard written in a lesson (a fenced ``card`` block).

    ``front``/``back`` (basic) and ``text`` (cloze, ``{{c1::answer::hint}}``)
    are markdown with math, placeholders already filled in.
    """

    key: str
    type: str
    objective: str
    front: str = ""
    back: str = ""
    text: str = ""
    section: str = ""

    def to_dict(self) -> dict[str, str]:
        """Return the card as a JSON-safe dict."""
        return asdict(self)


@dataclass(frozen=True)
class TocEntry:
    """A heading: its level (2 for ``##``), its id and its plain-text title."""

    level: int
    id: str
    title: str


@dataclass(frozen=True)
class RenderedDoc:
    """Markdown rendered to sanitized HTML, with what the page needs around it.

    ``word_count`` counts prose only: not math, code or card boxes (the cards
    are practice). ``read_minutes`` is ``ceil(word_count / 200)``.
    """

    html: str
    toc: tuple[TocEntry, ...]
    cards: tuple[Card, ...]
    word_count: int
    read_minutes: int
    math_count: int


@dataclass(frozen=True)
class RenderedSection:
    """One rendered section of a lesson."""

    anchor: str
    title: str
    kind: str
    html: str
    word_count: int


@dataclass(frozen=True)
class RenderedLesson:
    """A whole lesson rendered; counts cover reading sections only."""

    lesson: Lesson
    html: str
    toc: tuple[TocEntry, ...]
    cards: tuple[Card, ...]
    sections: tuple[RenderedSection, ...]
    word_count: int
    read_minutes: int
    math_count: int


# --------------------------------------------------------------------------
# Loading


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
        if value is not None and not _SLUG.match(value):
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


# --------------------------------------------------------------------------
# Placeholders

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*\}\}")


def _substitute(text: str, values: Mapping[str, str], *, source: str) -> str:
    unknown = {m for m in _PLACEHOLDER.findall(text) if m not in values}
    if unknown:
        raise UnknownPlaceholderError(unknown, source=source)
    return _PLACEHOLDER.sub(lambda m: str(values[m[1]]), text)


def placeholders(text: str) -> set[str]:
    """Return the placeholder keys used in ``text``."""
    return set(_PLACEHOLDER.findall(text))


# --------------------------------------------------------------------------
# Cards

_CARD_BLOCK = re.compile(r"^```card[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)
_CARD_FIELDS = ("key", "type", "objective", "front", "back", "text")
_CLOZE_OPEN = re.compile(r"\{\{c(\d+)::")


def _parse_card(body: str, *, objectives: Iterable[str] | None, where: str) -> Card:
    fields: dict[str, str] = {}
    problems: list[str] = []
    last = None
    for line in body.splitlines():
        if last and (line.startswith((" ", "\t")) or not line.strip()):
            fields[last] += "\n" + line.strip()
            continue
        name, sep, value = line.partition(":")
        if not sep or name.strip() not in _CARD_FIELDS:
            problems.append(f"{where}: line {line!r}: expected one of {_CARD_FIELDS}")
            continue
        last = name.strip()
        if last in fields:
            problems.append(f"{where}: {last}: given twice")
        fields[last] = value.strip()
    card = Card(
        **{k: v.strip() for k, v in fields.items()},
        **{k: "" for k in _CARD_FIELDS if k not in fields},
    )
    problems += _card_problems(card, objectives, where)
    if problems:
        raise ContentError(problems)
    return card


def _card_problems(
    card: Card, objectives: Iterable[str] | None, where: str
) -> list[str]:
    problems = []
    where = f"{where} {card.key!r}" if card.key else where
    if not _SLUG.match(card.key):
        problems.append(f"{where}: key: missing or not a slug")
    if card.type not in CARD_TYPES:
        problems.append(f"{where}: type: {card.type!r} is not one of {CARD_TYPES}")
    allowed = tuple(objectives) if objectives is not None else None
    if not card.objective or (allowed is not None and card.objective not in allowed):
        problems.append(f"{where}: objective: {card.objective!r} not in {allowed}")
    if card.type == "basic" and not (card.front and card.back and not card.text):
        problems.append(f"{where}: a basic card needs front and back, and no text")
    if card.type == "cloze" and (card.front or not _clozes(card.text)):
        problems.append(f"{where}: a cloze card needs text with {{{{c1::...}}}}")
    return problems


def _clozes(text: str) -> list[tuple[int, int, int, str, str]]:
    """Find ``{{cN::answer::hint}}``: (start, end, N, answer, hint), brace-aware."""
    found = []
    pos = 0
    while m := _CLOZE_OPEN.search(text, pos):
        depth, i = 0, m.end()
        while i < len(text) and not (depth == 0 and text.startswith("}}", i)):
            depth += {"{": 1, "}": -1}.get(text[i], 0)
            i += 1
        if i >= len(text):
            break
        answer, _, hint = text[m.end() : i].partition("::")
        found.append((m.start(), i + 2, int(m[1]), answer, hint))
        pos = i + 2
    return found


def _cloze_sides(text: str) -> tuple[str, str]:
    question, answer, last = [], [], 0
    for start, end, _n, ans, hint in _clozes(text):
        question += [text[last:start], f"[{hint or '…'}]"]
        answer += [text[last:start], f"**{ans}**"]
        last = end
    return "".join(question + [text[last:]]), "".join(answer + [text[last:]])


def _card_html(card: Card) -> str:
    if card.type == "cloze":
        question, answer = _cloze_sides(card.text)
        if card.back:
            answer += "\n\n" + card.back
    else:
        question, answer = card.front, card.back
    return (
        f'<aside class="check-yourself" id="card-{card.key}">'
        '<p class="check-yourself-title">Check yourself</p>'
        f'<div class="check-yourself-question">{_fragment(question)}</div>'
        "<details><summary>Show answer</summary>"
        f'<div class="check-yourself-answer">{_fragment(answer)}</div>'
        "</details></aside>"
    )


# --------------------------------------------------------------------------
# Math and markdown

_PROTECTED = re.compile(
    r"(?P<fence>^(?P<f>`{3,}|~{3,})[^\n]*\n.*?^(?P=f)[ \t]*$)"
    r"|(?P<code>(?P<ticks>`+).+?(?P=ticks))"
    r"|(?P<dollar>\\\$)"
    r"|\$\$(?P<display>.+?)\$\$"
    r"|(?<!\$)\$(?P<inline>[^\s$](?:[^$\n]*?[^\s\\$])?)\$(?!\d)",
    re.M | re.S,
)
_TOKEN = "QXMATHTOKEN{kind}{n}QX"


@dataclass
class _Stash:
    """Pieces lifted out of the markdown and put back after conversion."""

    items: dict[str, str] = field(default_factory=dict)
    blocks: set[str] = field(default_factory=set)
    math_count: int = 0

    def add(self, kind: str, html_: str) -> str:
        token = _TOKEN.format(kind=kind, n=len(self.items))
        self.items[token] = html_
        if kind in ("D", "C"):
            self.blocks.add(token)
        return token


def _lift_math(text: str, stash: _Stash) -> str:
    def repl(m: re.Match[str]) -> str:
        if m["fence"] or m["code"]:
            return m[0]
        if m["dollar"]:
            return stash.add("S", "$")
        stash.math_count += 1
        if m["display"] is not None:
            tex = html.escape(m["display"].strip(), quote=False)
            return stash.add("D", f'<div class="math display">\\[{tex}\\]</div>')
        tex = html.escape(m["inline"], quote=False)
        return stash.add("I", f'<span class="math inline">\\({tex}\\)</span>')

    return _PROTECTED.sub(repl, text)


def _put_back(html_: str, stash: _Stash) -> str:
    for token, piece in stash.items.items():
        if token in stash.blocks:
            html_ = html_.replace(f"<p>{token}</p>", piece)
        if token.startswith("QXMATHTOKEND"):  # display math inside a paragraph
            piece = piece.replace("<div", "<span").replace("</div>", "</span>")
        html_ = html_.replace(token, piece)
    return html_


def _markdown(text: str) -> tuple[str, tuple[TocEntry, ...]]:
    md = markdown.Markdown(
        extensions=["tables", "fenced_code", "sane_lists", "md_in_html", "toc"],
        extension_configs={
            "toc": {
                "permalink": "#",
                "permalink_class": "anchor",
                "permalink_title": "Link to this section",
                "slugify": slugify,
            }
        },
        output_format="html",
    )
    body = md.convert(text)
    return body, tuple(_flatten_toc(md.toc_tokens))


def _flatten_toc(tokens: list[dict[str, Any]]) -> Iterable[TocEntry]:
    for token in tokens:
        yield TocEntry(token["level"], token["id"], html.unescape(token["name"]))
        yield from _flatten_toc(token["children"])


_NOT_PROSE = re.compile(
    r"<pre.*?</pre>|<code.*?</code>|<a class=\"anchor\".*?</a>|QXMATHTOKEN\w+?QX", re.S
)
_TAG = re.compile(r"<[^>]+>")
_WORD = re.compile(r"[^\W_]+(?:['’.,\-][^\W_]+)*")


def _count_words(html_: str) -> int:
    text = html.unescape(_TAG.sub(" ", _NOT_PROSE.sub(" ", html_)))
    return len(_WORD.findall(text))


def read_minutes(words: int) -> int:
    """Return the read time for ``words`` words: ceil(words / 200), at least 1.

    Args:
        words: Number of prose words.

    Returns:
        Whole minutes at :data:`READING_WORDS_PER_MINUTE`.
    """
    return max(1, math.ceil(words / READING_WORDS_PER_MINUTE))


def _fragment(text: str) -> str:
    """Render a card side: markdown and math, no cards, no headings ids needed."""
    stash = _Stash()
    body, _toc = _markdown(_lift_math(text, stash))
    return _put_back(body, stash)


def render_markdown(
    text: str,
    values: Mapping[str, str],
    *,
    objectives: Iterable[str] | None = None,
    section: str = "",
    source: str = "<text>",
) -> RenderedDoc:
    """Render lesson markdown to sanitized HTML.

    Placeholders are filled first, then card blocks are lifted out, then math,
    then Markdown runs, and the pieces are put back before sanitizing.

    Args:
        text: Markdown with ``{{ key }}`` placeholders, math and card blocks.
        values: The placeholder values (see :func:`lesson_values`).
        objectives: Allowed card objective keys; ``None`` accepts any.
        section: Anchor recorded on each card.
        source: Name used in error messages (a file name).

    Returns:
        The HTML, table of contents, cards, prose word count and read time.

    Raises:
        UnknownPlaceholderError: A placeholder is not in ``values``.
        ContentError: A card block is invalid.
    """
    text = _substitute(text, values, source=source)
    stash = _Stash()
    cards: list[Card] = []
    allowed = tuple(objectives) if objectives is not None else None

    def lift_card(m: re.Match[str]) -> str:
        card = _parse_card(m[1], objectives=allowed, where=f"{source}: card")
        cards.append(Card(**{**card.to_dict(), "section": section}))
        return "\n\n" + stash.add("C", _card_html(cards[-1])) + "\n\n"

    text = _CARD_BLOCK.sub(lift_card, text)
    keys = [c.key for c in cards]
    if len(keys) != len(set(keys)):
        raise ContentError([f"{source}: card keys are not unique: {keys}"])
    body, toc = _markdown(_lift_math(text, stash))
    words = _count_words(body)
    return RenderedDoc(
        html=sanitize_html(_put_back(body, stash)),
        toc=toc,
        cards=tuple(cards),
        word_count=words,
        read_minutes=read_minutes(words),
        math_count=stash.math_count,
    )


def render_lesson(lesson: Lesson, values: Mapping[str, str]) -> RenderedLesson:
    """Render every section of a lesson and join them in order.

    Args:
        lesson: A lesson from :func:`load_course`.
        values: The placeholder values (see :func:`lesson_values`); the
            lesson's own ``lesson.practice_minutes`` and
            ``lesson.read_minutes`` (as stated in lesson.toml) are added.

    Returns:
        The lesson's HTML (one ``<section>`` per section file), its table of
        contents, all cards, and the word count and read time of the reading
        sections (practice sections are timed by ``practice_minutes``).

    Raises:
        UnknownPlaceholderError: Listing unknown keys across all sections.
        ContentError: A card is invalid, or keys or heading ids repeat.
    """
    values = {**values, **_lesson_meta_values(lesson)}
    unknown = {k for s in lesson.sections for k in placeholders(s.text)} - set(values)
    if unknown:
        raise UnknownPlaceholderError(unknown, source=str(lesson.path))
    docs = [
        render_markdown(
            s.text,
            values,
            objectives=lesson.objective_keys,
            section=s.anchor,
            source=str(lesson.path / s.file),
        )
        for s in lesson.sections
    ]
    toc = tuple(e for d in docs for e in d.toc)
    cards = tuple(c for d in docs for c in d.cards)
    _check_unique(lesson, "heading ids", [e.id for e in toc])
    _check_unique(lesson, "card keys", [c.key for c in cards])
    sections = tuple(
        RenderedSection(s.anchor, s.title, s.kind, d.html, d.word_count)
        for s, d in zip(lesson.sections, docs, strict=True)
    )
    words = sum(s.word_count for s in sections if s.kind == "reading")
    return RenderedLesson(
        lesson=lesson,
        html="\n".join(
            f'<section class="lesson-section lesson-{s.kind}">\n{s.html}\n</section>'
            for s in sections
        ),
        toc=toc,
        cards=cards,
        sections=sections,
        word_count=words,
        read_minutes=read_minutes(words),
        math_count=sum(d.math_count for d in docs),
    )


def _lesson_meta_values(lesson: Lesson) -> dict[str, str]:
    """Placeholders about the lesson itself: ``{{ lesson.practice_minutes }}``."""
    return {
        "lesson.practice_minutes": str(lesson.practice_minutes),
        "lesson.read_minutes": str(lesson.read_minutes),
    }


def _check_unique(lesson: Lesson, what: str, items: list[str]) -> None:
    repeated = sorted({i for i in items if items.count(i) > 1})
    if repeated:
        raise ContentError([f"{lesson.path}: {what} repeat: {', '.join(repeated)}"])


# --------------------------------------------------------------------------
# Sanitizing

ALLOWED_TAGS = frozenset(
    {
        *("a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del"),
        *("details", "div", "dl", "dt", "em", "h1", "h2", "h3", "h4", "h5"),
        *("h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre", "s", "section"),
        *("span", "strong", "sub", "summary", "sup", "table", "tbody", "td"),
        *("tfoot", "th", "thead", "tr", "ul"),
    }
)
ALLOWED_ATTRIBUTES: dict[str, set[str]] = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"align", "colspan", "rowspan"},
    "th": {"align", "colspan", "rowspan", "scope"},
    "ol": {"start"},
    "details": {"open"},
    "abbr": {"title"},
    **{h: {"id"} for h in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "aside": {"id"},
}
ALLOWED_CLASSES: dict[str, set[str]] = {
    "span": {"math", "inline", "display"},
    "div": {"math", "display", "check-yourself-question", "check-yourself-answer"},
    "aside": {"check-yourself"},
    "p": {"check-yourself-title"},
    "a": {"anchor"},
    "section": {"lesson-section", "lesson-reading", "lesson-practice"},
    "code": {f"language-{lang}" for lang in ("python", "text", "bash", "toml")},
}
URL_SCHEMES = frozenset({"http", "https", "mailto"})


#: The only images a user's markdown may show: the site's own card media
#: (``flashcards.media``: uploaded, checked, served by the note's sharing
#: rule). An image from anywhere else would be fetched from that server each
#: time the card is shown, telling a deck's author when each learner reviews.
USER_IMAGE_SRC = re.compile(r"/flashcards/media/[0-9a-f]{64}\.(?:png|jpg|gif|webp)")


def _only_user_images(element: str, attribute: str, value: str) -> str | None:
    """nh3's attribute filter for user markdown: an ``<img>`` keeps its ``src``
    only when it is one of `USER_IMAGE_SRC` (without one it loads nothing and
    shows its alt text)."""
    if element == "img" and attribute == "src":
        return value if USER_IMAGE_SRC.fullmatch(value) else None
    return value


def sanitize_html(
    html_: str,
    *,
    attribute_filter: Callable[[str, str, str], str | None] | None = None,
) -> str:
    """Clean HTML against an explicit allow-list of tags, attributes and classes.

    Script, style and event-handler attributes never survive; links keep only
    ``http``, ``https``, ``mailto`` and relative URLs, and get
    ``rel="noopener noreferrer"``.

    Args:
        html_: Untrusted HTML.
        attribute_filter: Called with (tag, attribute, value) for each
            attribute left; returns the value to keep or None to drop it.

    An ``<img>`` left without ``alt`` gets ``alt=""`` (WCAG 1.1.1: a screen
    reader skips it instead of reading its file name).

    Returns:
        The sanitized HTML.
    """
    clean = nh3.clean(
        html_,
        tags=set(ALLOWED_TAGS),
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=ALLOWED_CLASSES,
        url_schemes=set(URL_SCHEMES),
        clean_content_tags={"script", "style"},
        link_rel="noopener noreferrer",
        strip_comments=True,
        attribute_filter=attribute_filter,
    )
    return _IMG_WITHOUT_ALT.sub('<img alt=""', clean)


# nh3 writes every tag it keeps as ``<img`` plus quoted attributes.
_IMG_WITHOUT_ALT = re.compile(r"<img(?![^>]*\salt=)")


def render_user_markdown(text: str) -> str:
    """Render teacher- or learner-written markdown with math to safe HTML.

    No placeholders and no card blocks: ``{{c1::...}}`` and ``{{ x }}`` stay as
    written. Raw HTML is allowed through Markdown and then sanitized; images
    only from the site's card media (`USER_IMAGE_SRC`).

    Args:
        text: Untrusted markdown with ``$...$`` / ``$$...$$`` math.

    Returns:
        Sanitized HTML.
    """
    return sanitize_html(_fragment(text), attribute_filter=_only_user_images)


# --------------------------------------------------------------------------
# Values: every number the lesson shows, computed by the precision domain

_SUPERSCRIPT = str.maketrans("-0123456789", "⁻⁰¹²³⁴⁵⁶⁷⁸⁹")
#: Registry names, and the short names the lesson's placeholders use.
LESSON_FORMATS = {
    "fp32": "fp32",
    "tf32": "tf32",
    "fp16": "fp16",
    "bf16": "bf16",
    "e4m3": "fp8_e4m3fn",
    "e5m2": "fp8_e5m2",
}


def format_number(x: float, *, digits: int = 3) -> str:
    """Format a number for reading: ``65,504``, ``0.00391``, ``5.96 × 10⁻⁸``.

    Integers below ten million get thousands separators; other numbers get
    ``digits`` significant digits, in scientific notation (with a real
    superscript) when very large or small. Negative numbers use a minus sign.

    Args:
        x: The number.
        digits: Significant digits for non-integers.

    Returns:
        The text.
    """
    if math.isinf(x):
        return "−∞" if x < 0 else "∞"
    if float(x).is_integer() and abs(x) < 1e7:
        text = f"{int(x):,}"
    else:
        text = f"{x:.{digits}g}"
        if "e" in text:
            mantissa, exponent = text.split("e")
            power = "10" + str(int(exponent)).translate(_SUPERSCRIPT)
            text = power if mantissa == "1" else f"{mantissa} × {power}"
    return text.replace("-", "−")


def _exact(x: float, *, max_digits: int = 12) -> str:
    """The exact decimal value of a binary float if short, else 10 digits."""
    exact = f"{x:.{max_digits}g}"
    return (exact if float(exact) == x else f"{x:.10g}").replace("-", "−")


def _percent(x: float) -> str:
    return f"{format_number(100 * x, digits=2)} %"


def _pow2(x: float) -> str:
    """TeX for an exact power of two, e.g. ``2^{-24}``."""
    exponent = math.log2(x)
    if not exponent.is_integer():
        raise ValueError(f"{x} is not a power of two")
    return f"2^{{{int(exponent)}}}"


def _format_values(short: str, name: str) -> dict[str, str]:
    f = precision.lookup(name)
    # Float formats have all of these; the asserts narrow the types.
    assert f.exponent_bits is not None
    assert f.mantissa_bits is not None
    assert f.epsilon is not None
    assert f.min_normal is not None
    assert f.min_subnormal is not None
    assert f.bias is not None
    values = {
        "bits": f.bits,
        "sign_bits": f.bits - f.exponent_bits - f.mantissa_bits,
        "exp_bits": f.exponent_bits,
        "mant_bits": f.mantissa_bits,
        "bias": f.bias,
        "bytes": f.bytes_per_value,
        "max": f.max_finite,
        "min_normal": f.min_normal,
        "min_subnormal": f.min_subnormal,
        "eps": f.epsilon,
    }
    out = {f"{short}.{k}": format_number(v) for k, v in values.items()}
    # Exponents go into TeX, which wants an ASCII minus.
    out[f"{short}.min_exp"] = str(1 - f.bias)
    out[f"{short}.max_exp"] = str(math.floor(math.log2(f.max_finite)))
    out[f"{short}.digits"] = f"{(f.mantissa_bits + 1) * math.log10(2):.1f}"
    out[f"{short}.rel_error"] = _percent(f.epsilon / 2)
    for key in ("eps", "min_normal", "min_subnormal"):
        out[f"{short}.{key}_pow2"] = _pow2(values[key])
    # At or below half the smallest subnormal a value becomes 0; above, it
    # rounds up to the smallest subnormal (checked by casting).
    flush = underflow_threshold(name)
    out[f"{short}.flush"] = format_number(flush)
    out[f"{short}.flush_pow2"] = _pow2(flush)
    if f.dtype is not None and f.bits <= 16:
        out[f"{short}.nan_patterns"] = format_number(len(nan_codes(name)))
    return out


def _encoding_values(key: str, name: str, value: float) -> dict[str, str]:
    e = precision.encode(name, value)
    fields = dict(e.bit_fields)
    out = {
        "bits": " ".join(bits for _field, bits in e.bit_fields),
        "sign": fields.get("sign", ""),
        "exp_field": fields.get("exponent", ""),
        "exp_field_int": str(e.exponent),
        "mant_field": fields.get("mantissa", ""),
        "value": _exact(e.stored),
        "rel_error": _percent(e.rel_error or 0.0),
    }
    return {f"ex.{key}.{k}": v for k, v in out.items()}


#: Inputs the lesson's examples are built on (choices, not facts): the update
#: in the update-swallowing example, how often it is applied, the gradient and
#: loss scale of the loss-scaling example, the weights of the quantization
#: examples and the group size of per-group quantization.
EXAMPLE_INPUTS: dict[str, Any] = {
    "update": 1e-4,
    "steps": 1000,
    "gradient": 1e-8,
    "loss_scale": 2.0**16,
    "row": (0.12, -0.5, 0.31, 0.02),
    "outlier": 8.0,
    "asym_range": (-1.0, 3.0),
    "group_size": 128,
    "scale_bits": 16,
    "practice_absmax": 0.8,
    "practice_weight": 0.3,
    # The recaps of what the problems test: a KV cache for a batch of
    # sequences, with and without grouped-query attention; a training run's
    # tokens, GPUs and model FLOPs utilization; data-parallel GPUs for ZeRO;
    # the value whose E5M2 neighbours are shown.
    "kv_batch": 8,
    "kv_heads_gqa": 8,
    "train_tokens": 2e12,
    "train_gpus": 1024,
    "mfu": 0.4,
    "zero_gpus": 8,
    "e5m2_near": 1000.0,
}


def _tex_power10(x: float) -> str:
    exponent = math.log10(x)
    if not exponent.is_integer():
        raise ValueError(f"{x} is not a power of ten")
    return f"10^{{{int(exponent)}}}"


def _update_values() -> dict[str, str]:
    out = {
        f"update.{short}.at_{w}": format_number(
            precision.smallest_update_that_changes(short, float(w))
        )
        for short in ("fp32", "fp16", "bf16")
        for w in (1, 4)
    }
    out.update(
        {
            f"spacing.{short}.1000": format_number(precision.spacing(short, 1000.0))
            for short in ("fp16", "bf16")
        }
    )
    # Near a power of two the grid changes step: show both neighbours.
    near = precision.encode("fp8_e5m2", EXAMPLE_INPUTS["e5m2_near"])
    assert near.below is not None
    assert near.above is not None
    out["e5m2.near_1000.stored"] = format_number(near.stored)
    out["e5m2.near_1000.below"] = format_number(near.below)
    out["e5m2.near_1000.above"] = format_number(near.above)
    out["e5m2.near_1000.gap_below"] = format_number(near.stored - near.below)
    out["e5m2.near_1000.gap_above"] = format_number(near.above - near.stored)
    update, steps = EXAMPLE_INPUTS["update"], EXAMPLE_INPUTS["steps"]
    for short in ("fp32", "fp16", "bf16"):
        w = 1.0
        for _ in range(steps):
            w = precision.round_to(short, w + precision.round_to(short, update))
        out[f"asym.{short}_after"] = format_number(w, digits=5)
    out["asym.steps"] = format_number(steps)
    out["asym.update_tex"] = _tex_power10(update)
    return out


def _loss_scale_values() -> dict[str, str]:
    grad, scale = EXAMPLE_INPUTS["gradient"], EXAMPLE_INPUTS["loss_scale"]
    scaled = precision.round_to("fp16", grad * scale)
    return {
        "ls.grad_tex": _tex_power10(grad),
        "ls.scale_pow2": _pow2(scale),
        "ls.scaled_stored": format_number(scaled),
        "ls.recovered": format_number(
            precision.round_to("fp32", scaled / scale), digits=4
        ),
        **_encoding_values("fp16.1e-8", "fp16", grad),
    }


def _int8_row(row: tuple[float, ...]) -> tuple[float, list[Any]]:
    scale = max(abs(x) for x in row) / precision.lookup("int8").max_finite
    return scale, [precision.encode("int8", x, scale=scale) for x in row]


def _quantization_values() -> dict[str, str]:
    int8, int4 = precision.lookup("int8"), precision.lookup("int4")
    scale, row = _int8_row(EXAMPLE_INPUTS["row"])
    _big_scale, big = _int8_row((*EXAMPLE_INPUTS["row"], EXAMPLE_INPUTS["outlier"]))
    low, high = EXAMPLE_INPUTS["asym_range"]
    uint8_qmax = 2**int8.bits - 1
    asym_scale = (high - low) / uint8_qmax
    practice_scale = EXAMPLE_INPUTS["practice_absmax"] / int8.max_finite
    practice = precision.encode(
        "int8", EXAMPLE_INPUTS["practice_weight"], scale=practice_scale
    )
    group, scale_bits = EXAMPLE_INPUTS["group_size"], EXAMPLE_INPUTS["scale_bits"]
    return {
        "int8.qmax": format_number(int8.max_finite),
        "int8.levels": format_number(2**int8.bits),
        "int4.levels": format_number(2**int4.bits),
        "uint8.qmax": format_number(uint8_qmax),
        "q.ex.scale": format_number(scale),
        "q.ex.levels": _join(format_number(e.level) for e in row),
        "q.ex.decoded": _join(format_number(e.stored) for e in row),
        "q.ex.max_abs_error": format_number(max(e.abs_error for e in row)),
        "q.outlier.scale": format_number(_big_scale),
        "q.outlier.small_decoded": _join(format_number(big[i].stored) for i in (0, 3)),
        "q.asym.scale": format_number(asym_scale),
        "q.asym.zero_point": format_number(round(-low / asym_scale)),
        "q.group.size": format_number(group),
        "q.group.overhead_bits": format_number(scale_bits / group),
        "q.practice.scale": format_number(practice_scale),
        "q.practice.level": format_number(practice.level or 0),
        "q.practice.decoded": format_number(practice.stored),
    }


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _nf4_values() -> dict[str, str]:
    levels = precision.NF4_VALUES
    zero = levels.index(0.0)
    return {
        "nf4.levels": format_number(len(levels)),
        "nf4.next_to_zero": _join(
            format_number(levels[i]) for i in (zero - 1, zero + 1)
        ),
        "nf4.below_one": format_number(levels[-2]),
        "nf4.top_gap": format_number(levels[-1] - levels[-2]),
    }


#: The GPU of the worked examples, from the domain's GPU registry.
EXAMPLE_GPU = "h100_80gb"
#: The model shapes of the worked examples: a 7B model shaped like Llama 2 7B,
#: one sequence of 4,096 tokens, and a 70B model for the practice.
EXAMPLE_MODELS: dict[str, dict[str, int]] = {
    "7b": {"params": 7_000_000_000, "layers": 32, "hidden": 4096, "heads": 32},
    "70b": {"params": 70_000_000_000},
}
EXAMPLE_SEQ_LEN = 4096
_GB = 1e9
_GIB = 2**30


def _gb(nbytes: float) -> str:
    return format_number(nbytes / _GB)


def _weights_values(model: str) -> dict[str, str]:
    params = EXAMPLE_MODELS[model]["params"]
    out = {}
    for short, name in (("fp32", "fp32"), ("bf16", "bf16"), ("int8", "int8")):
        out[f"mem.{model}.weights.{short}_gb"] = _gb(
            memory.inference_memory(params, name).total_bytes
        )
    # "int4" in the table is the plain 4-bit width; NF4 adds its block scales.
    int4 = memory.inference_memory(params, "int4")
    out[f"mem.{model}.weights.int4_gb"] = _gb(int4.weights_bytes)
    out[f"mem.{model}.weights.nf4_gb"] = _gb(
        memory.inference_memory(params, "nf4").total_bytes
    )
    bf16 = memory.inference_memory(params, "bf16").total_bytes
    out[f"mem.{model}.weights.bf16_gib"] = format_number(bf16 / _GIB)
    return out


def _training_values(model: str) -> dict[str, str]:
    params = EXAMPLE_MODELS[model]["params"]
    mixed = memory.training_memory(params)
    fp32 = memory.training_memory(params, weights_dtype="fp32")
    out = {
        f"mem.{model}.train.mixed.total_gb": _gb(mixed.total_bytes),
        f"mem.{model}.train.fp32.total_gb": _gb(fp32.total_bytes),
    }
    for label, result in (("mixed", mixed), ("fp32", fp32)):
        p = result.per_param
        out[f"mem.train.{label}.weights_bpp"] = format_number(p.weights)
        out[f"mem.train.{label}.grads_bpp"] = format_number(p.gradients)
        out[f"mem.train.{label}.master_bpp"] = format_number(p.master_weights)
        out[f"mem.train.{label}.adam_bpp"] = format_number(p.optimizer_states)
        out[f"mem.train.{label}.bpp"] = format_number(p.total)
    return out


def _activation_values() -> dict[str, str]:
    shape = EXAMPLE_MODELS["7b"]
    act = {
        mode: memory.activation_memory(
            EXAMPLE_SEQ_LEN,
            1,
            shape["hidden"],
            shape["heads"],
            shape["layers"],
            recompute=mode,
        )
        for mode in ("none", "selective", "full")
    }
    return {
        "act.7b.bf16_gb": _gb(act["selective"].total_bytes),
        "act.7b.none_gb": _gb(act["none"].total_bytes),
        "act.7b.full_gb": _gb(act["full"].total_bytes),
        "model.7b.layers": format_number(shape["layers"]),
        "model.7b.hidden": format_number(shape["hidden"]),
        "model.7b.heads": format_number(shape["heads"]),
        "model.7b.seq": format_number(EXAMPLE_SEQ_LEN),
    }


def _gpu_values() -> dict[str, str]:
    gpu = precision.gpu(EXAMPLE_GPU)
    fp32, tf32, bf16, fp8 = (
        gpu.peak_flops(f) or math.nan for f in ("fp32", "tf32", "bf16", "fp8")
    )
    bandwidth = gpu.memory_bandwidth or math.nan
    out = {
        "gpu.h100.fp32_tflops": format_number(fp32 / 1e12),
        "gpu.h100.tf32_tflops": format_number(tf32 / 1e12),
        "hw.fp8_accum_bits": format_number(compute.FP8_ACCUMULATION_BITS),
        "hw.fp8_promote_every": format_number(compute.FP8_PROMOTION_INTERVAL),
        "gpu.h100.bf16_tflops": format_number(bf16 / 1e12),
        "gpu.h100.fp8_tflops": format_number(fp8 / 1e12),
        "gpu.h100.bf16_over_fp32": format_number(bf16 / fp32, digits=2),
        "gpu.h100.hbm_tbs": format_number(bandwidth / 1e12),
        "gpu.h100.memory_gib": format_number(gpu.memory_bytes / _GIB),
        "gpu.h100.memory_gb": _gb(gpu.memory_bytes),
    }
    params = EXAMPLE_MODELS["7b"]["params"]
    bf16_s = memory.inference_memory(params, "bf16").total_bytes / bandwidth
    int4_s = memory.inference_memory(params, "int4").total_bytes / bandwidth
    out["decode.7b.bf16_ms"] = format_number(bf16_s * 1e3, digits=2)
    out["decode.7b.int4_ms"] = format_number(int4_s * 1e3, digits=2)
    out["decode.7b.bf16_tokens_s"] = format_number(math.floor(1 / bf16_s))
    big = EXAMPLE_MODELS["70b"]["params"]
    train = precision.fits(memory.training_memory(big).total_bytes, gpu)
    out["mem.70b.train.gpus"] = format_number(train.min_gpus)
    for dtype in ("bf16", "int4"):
        serve = precision.fits(memory.inference_memory(big, dtype).total_bytes, gpu)
        out[f"mem.70b.serve.{dtype}_gpus"] = format_number(serve.min_gpus)
    return out


def _recap_values() -> dict[str, str]:
    """The worked examples of the recaps: KV cache, 6ND and MFU, 8-bit Adam,
    the gradient conventions, pure bf16 and ZeRO, all on the 7B model."""
    shape, params = EXAMPLE_MODELS["7b"], EXAMPLE_MODELS["7b"]["params"]
    head_dim = shape["hidden"] // shape["heads"]
    batch, gqa = EXAMPLE_INPUTS["kv_batch"], EXAMPLE_INPUTS["kv_heads_gqa"]
    kv = memory.kv_cache(
        shape["layers"], shape["heads"], head_dim, EXAMPLE_SEQ_LEN, batch, "bf16"
    )
    kv_gqa = memory.kv_cache(
        shape["layers"], gqa, head_dim, EXAMPLE_SEQ_LEN, batch, "bf16"
    )
    tokens, gpus, mfu = (
        EXAMPLE_INPUTS[k] for k in ("train_tokens", "train_gpus", "mfu")
    )
    flops = precision.training_compute(params, int(tokens)).flops
    peak = precision.gpu(EXAMPLE_GPU).peak_flops("bf16") or math.nan
    days = precision.training_days(flops, gpus, peak, mfu).days
    mixed = memory.training_memory(params)
    adam8 = memory.training_memory(params, optimizer="adam8bit")
    fp32_grads = memory.training_memory(params, grads_dtype="fp32")
    accum = memory.training_memory(params, accumulation_dtype="fp32")
    pure = memory.training_memory(params, master_weights=False, optimizer_dtype="bf16")
    n_d = EXAMPLE_INPUTS["zero_gpus"]
    out = {
        "kv.7b.head_dim": format_number(head_dim),
        "kv.batch": format_number(batch),
        "kv.7b.per_token_kib": format_number(kv.bytes_per_token / 2**10),
        "kv.7b.total_gb": _gb(kv.total_bytes),
        "kv.gqa.kv_heads": format_number(gqa),
        "kv.gqa.total_gb": _gb(kv_gqa.total_bytes),
        "compute.tokens": format_number(tokens),
        "compute.gpus": format_number(gpus),
        "compute.mfu": _percent(mfu),
        "compute.7b.flops": format_number(flops),
        "compute.7b.days": format_number(days, digits=2),
        "adam8.block": format_number(memory.ADAM8BIT_BLOCK),
        "mem.train.adam8.adam_bpp": format_number(
            adam8.per_param.optimizer_states, digits=4
        ),
        "mem.train.adam8.bpp": format_number(adam8.per_param.total, digits=5),
        "mem.7b.train.adam8.total_gb": _gb(adam8.total_bytes),
        "mem.train.fp32grads.bpp": format_number(fp32_grads.per_param.total),
        "mem.train.accum.bpp": format_number(accum.per_param.total),
        "mem.train.bf16.bpp": format_number(pure.per_param.total),
        "zero.gpus": format_number(n_d),
        "zero.k": format_number(mixed.k),
    }
    for stage in range(4):
        sharded = memory.training_memory(params, zero_stage=stage, gpus=n_d)
        out[f"zero.7b.s{stage}_gb"] = _gb(sharded.per_gpu.total)
    return out


def _nf4_memory_values() -> dict[str, str]:
    nf4 = memory.inference_memory(EXAMPLE_MODELS["7b"]["params"], "nf4")
    return {
        "nf4.block": format_number(nf4.block_size or 0),
        "nf4.bits_per_param": format_number(nf4.bits_per_param),
    }


#: The worked bit-by-bit examples: (placeholder prefix, format, value).
ENCODING_EXAMPLES: tuple[tuple[str, str, float], ...] = (
    ("fp32.6_5", "fp32", 6.5),
    ("fp32.0_1", "fp32", 0.1),
    ("fp16.0_1", "fp16", 0.1),
    ("bf16.0_1", "bf16", 0.1),
    ("e4m3.0_1", "fp8_e4m3fn", 0.1),
    ("fp16.-2_5", "fp16", -2.5),
    ("tf32.0_1", "tf32", 0.1),
)


def lesson_values() -> dict[str, str]:
    """Compute every number the lesson shows, formatted for reading.

    Format properties, bit patterns of the worked examples, update thresholds,
    quantization examples and memory figures all come from
    :mod:`lessons.precision` (GPU figures from its registry); only the
    examples' inputs (:data:`EXAMPLE_INPUTS`, :data:`EXAMPLE_MODELS`,
    :data:`EXAMPLE_GPU`) are chosen here.

    Returns:
        Placeholder key (e.g. ``"fp16.max"``) to display text (``"65,504"``).
    """
    values: dict[str, str] = {}
    for short, name in LESSON_FORMATS.items():
        values.update(_format_values(short, name))
    for key, name, value in ENCODING_EXAMPLES:
        values.update(_encoding_values(key, name, value))
    for part in (
        _update_values,
        _loss_scale_values,
        _quantization_values,
        _nf4_values,
        _nf4_memory_values,
        _activation_values,
        _gpu_values,
        _recap_values,
    ):
        values.update(part())
    for model in EXAMPLE_MODELS:
        values.update(_weights_values(model))
        values.update(_training_values(model))
    for short in ("int8", "int4"):
        values[f"{short}.bytes"] = format_number(
            precision.lookup(short).bytes_per_value
        )
    return values
