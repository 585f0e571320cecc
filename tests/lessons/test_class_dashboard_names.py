"""The teacher's class dashboard names templates, parts, objectives and
misconceptions by their titles, not by their keys."""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from lessons import problems
from lessons.classes import selectors
from lessons.classes.dashboard import class_dashboard
from lessons.models import AttemptAnswer
from tests.lessons.classes_factories import SchoolClassFactory, assign, enroll
from tests.lessons.progress_factories import make_deck, memory, quiz_attempt
from tests.lessons.quiz_factories import QuizFactory

pytestmark = pytest.mark.django_db

KEYS = ("gb-vs-gib", "converted", "gib_labelled_gb", "fewer-bits-save")


class _Text(HTMLParser):
    """The text a reader sees: element content, no attributes, no markup."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(parser.parts)


@pytest.fixture
def klass(teacher, learner):
    now = timezone.now()
    school_class = SchoolClassFactory(teacher=teacher, name="Tuesday")
    enroll(school_class, learner)
    deck, cards = make_deck(teacher, 2, objective_key="fewer-bits-save")
    quiz = QuizFactory(teacher=teacher, title="Units quiz")
    assign(school_class, deck=deck)
    assign(school_class, quiz=quiz)
    memory(learner, cards[0], due=now + timedelta(days=2))
    quiz_attempt(
        learner,
        quiz=quiz,
        answers=[("gb-vs-gib", "wrong", "gib_labelled_gb")],
        submitted_at=now,
    )
    AttemptAnswer.objects.update(part_key="converted")  # the template's real part
    return school_class


def test_problem_names_come_from_the_template_registry():
    names = selectors.problem_names()
    template = problems.get_template("gb-vs-gib")
    assert names.template("gb-vs-gib") == template.title
    fits = problems.generate("fits-on-gpu", 1).part("memory")
    assert names.part("fits-on-gpu", "memory") == fits.label
    # A label that depends on the drawn direction names both.
    assert names.part("gb-vs-gib", "converted") == "In GB or in GiB"
    title = names.misconception("gib_labelled_gb")
    assert title and title != "gib_labelled_gb" and "_" not in title
    registered = getattr(problems, "MISCONCEPTION_TITLES", {})
    if "gib_labelled_gb" in registered:  # the register's name in words wins
        assert title == registered["gib_labelled_gb"]


def test_rows_get_labels_beside_their_keys():
    names = selectors.problem_names()
    spec = problems.get_template("zero-per-gpu").params[0]
    (row,) = names.label_rows(
        [{"template": "zero-per-gpu", "param": spec.name, "misconception": "x_y"}]
    )
    assert row["template"] == "zero-per-gpu" and row["param"] == spec.name
    assert row["template_title"] == problems.get_template("zero-per-gpu").title
    assert row["param_label"] == spec.label
    assert row["misconception_title"] == "X y"


def test_unknown_keys_are_humanised_not_shown_raw():
    names = selectors.problem_names()
    assert names.template("no-such-template") == "No such template"
    assert names.part("gb-vs-gib", "per_token") == "Per token"
    assert names.misconception("kib_as_kb_twice") == "KiB as kB twice"


def test_the_dashboard_data_carries_titles_beside_keys(klass):
    data = class_dashboard(school_class=klass)
    part = data["missed_parts"][0]
    assert part["template"] == "gb-vs-gib"
    assert part["template_title"] == problems.get_template("gb-vs-gib").title
    assert part["part_label"] == "In GB or in GiB"
    mistake = data["misconceptions"][0]
    assert mistake["misconception"] == "gib_labelled_gb"
    assert mistake["misconception_title"] == selectors.problem_names().misconception(
        "gib_labelled_gb"
    )
    objective = next(o for o in data["objectives"] if o["key"] == "fewer-bits-save")
    assert objective["text"] == problems.OBJECTIVES["fewer-bits-save"]


def test_the_dashboard_page_shows_titles_and_no_keys(klass, client, teacher):
    client.force_login(teacher)
    html = client.get(f"/classes/{klass.pk}/dashboard/").content.decode()
    text = visible_text(html)
    names = selectors.problem_names()
    assert problems.get_template("gb-vs-gib").title in text
    assert "In GB or in GiB" in text
    assert names.misconception("gib_labelled_gb") in text
    assert problems.OBJECTIVES["fewer-bits-save"] in text
    for key in KEYS:
        assert key not in text, key
