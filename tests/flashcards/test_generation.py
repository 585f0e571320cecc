"""Cards generated from the lesson: figures checked against the domain module,
every card linked to its section and objective, regeneration in place."""

from __future__ import annotations

import uuid

import pytest
from django.core.management import call_command

from flashcards import generation, numeric_answers, services
from flashcards.lesson_cards import lesson_cards_generate, lesson_deck
from flashcards.models import Card, Note, ReviewLog
from lessons import precision, problems
from lessons.deck_links import flashcard_links
from lessons.markup import format_number
from lessons.models import Lesson
from lessons.services import course_load

SLUG = generation.PRECISION_LESSON


@pytest.fixture
def lesson(db):
    course_load()  # sends lesson_loaded: the deck is generated
    return Lesson.objects.get(slug=SLUG)


def _by_key(notes):
    return {n.source_key: n for n in notes}


def test_format_cards_state_each_formats_bits_bias_range_and_epsilon():
    notes = _by_key(generation.domain_notes())
    for f in precision.all_formats():
        if f.kind != "float":
            grid = notes[f"format:{f.name}:grid"].fields["back"]
            assert f"**{f.bits} bits**" in grid
            continue
        layout = notes[f"format:{f.name}:layout"].fields["text"]
        assert f"{{{{c1::{f.exponent_bits}}}}}" in layout
        assert f"{{{{c2::{f.mantissa_bits}}}}}" in layout
        assert f"{{{{c3::{f.bias}}}}}" in layout
        if f.bytes_per_value * 8 == f.bits:
            assert f"({f.bits} bits)" in layout
        else:  # TF32: the bits of the math, and what it is stored in
            assert f"({f.bits} bits, stored in 32 (4 bytes))" in layout
        rng = notes[f"format:{f.name}:range"].fields["back"]
        assert f"**{format_number(f.max_finite)}**" in rng
        assert (
            format_number(f.min_normal) in rng and format_number(f.min_subnormal) in rng
        )
        eps = notes[f"format:{f.name}:epsilon"].fields
        assert float(eps["answer"]) == f.epsilon == 2.0**-f.mantissa_bits
        assert numeric_answers.grade_numeric(eps, repr(f.epsilon))


def test_training_cards_match_training_memory_for_every_setup():
    notes = _by_key(generation.domain_notes())
    for setup in generation.TRAINING_SETUPS:
        result = precision.training_memory(generation.EXAMPLE_PARAMS, **setup.kwargs)
        card = notes[f"training:{setup.key}"].fields
        assert float(card["answer"]) == result.bytes_per_param
        assert numeric_answers.grade_numeric(card, f"{result.bytes_per_param:g} B")
        parts = notes[f"training:{setup.key}:parts"].fields["text"]
        p = result.per_param
        for value in (p.weights, p.gradients, p.master_weights, p.optimizer_states):
            assert f"::{format_number(value)}}}}}" in parts
    mixed = _by_key(generation.domain_notes())["training:mixed-bf16-adam"]
    assert float(mixed.fields["answer"]) == 16  # the lesson's 2 + 2 + 4 + 8


def test_inference_cards_match_inference_memory_at_16_8_and_4_bits():
    notes = _by_key(generation.domain_notes())
    fp32 = precision.inference_memory(generation.EXAMPLE_PARAMS, "fp32").total_bytes
    for dtype, _ in generation.INFERENCE_DTYPES:
        result = precision.inference_memory(generation.EXAMPLE_PARAMS, dtype)
        card = notes[f"inference:{dtype}"].fields
        assert float(card["answer"]) == pytest.approx(result.total_bytes / 1e9)
        if dtype != "fp32":
            saves = notes[f"inference:{dtype}:saves"].fields["back"]
            share = format_number(result.total_bytes / fp32 * 100, digits=3)
            assert f"**{share} %** of fp32" in saves
    assert float(notes["inference:bf16"].fields["answer"]) == 14.0
    assert float(notes["inference:int4"].fields["answer"]) == 3.5


def test_every_problem_template_is_a_parametric_note():
    keys = {n.source_key for n in generation.problem_notes()}
    assert keys == {f"problem:{t.key}" for t in problems.templates()}


def test_the_lesson_deck_has_its_blocks_and_the_domain_cards_linked(lesson):
    deck = lesson_deck(lesson_slug=SLUG)
    assert deck.is_system and not deck.owner.is_active
    notes = list(deck.notes.all())
    blocks = {c["key"] for c in lesson.cards}
    assert {f"lesson:{key}" for key in blocks} <= {n.source_key for n in notes}
    sections = set(lesson.sections.values_list("anchor", flat=True))
    objectives = set(lesson.objectives.values_list("key", flat=True))
    for note in notes:
        assert note.section_anchor in sections, note.source_key
        assert note.objective_key in objectives, note.source_key
        assert note.lesson_slug == SLUG
    per_objective = lesson_cards_generate(lesson=lesson).cards_per_objective
    assert set(per_objective) == objectives
    assert sum(per_objective.values()) == Card.objects.filter(deck=deck).count()


def test_regeneration_edits_in_place_and_keeps_review_history(lesson, learner):
    deck = lesson_deck(lesson_slug=SLUG)
    note = deck.notes.get(source_key="lesson:fp-bias")
    card = note.cards.get(ordinal=1)
    services.card_review(
        learner=learner, card_id=card.pk, rating=3, client_review_id=uuid.uuid4()
    )
    # The lesson's text changes (as a content edit would) and is regenerated.
    cards = [dict(c) for c in lesson.cards]
    for c in cards:
        if c["key"] == "fp-bias":
            c["text"] = c["text"].replace("offset", "shifted")
    Lesson.objects.filter(pk=lesson.pk).update(cards=cards)
    lesson.refresh_from_db()
    report = lesson_cards_generate(lesson=lesson)
    assert report.updated == ["lesson:fp-bias"]
    note.refresh_from_db()
    assert "shifted" in note.fields["text"]
    assert note.cards.get(ordinal=1).pk == card.pk
    assert ReviewLog.objects.filter(card=card, learner=learner).count() == 1
    # A block that disappears keeps its reviewed card, tagged retired.
    Lesson.objects.filter(pk=lesson.pk).update(
        cards=[c for c in cards if c["key"] != "fp-bias"]
    )
    lesson.refresh_from_db()
    report = lesson_cards_generate(lesson=lesson)
    assert report.retired == ["lesson:fp-bias"]
    note.refresh_from_db()
    assert "retired" in note.tags and ReviewLog.objects.filter(card=card).exists()
    # Loading the lesson again brings it back, same card.
    course_load()
    note.refresh_from_db()
    assert note.cards.get(ordinal=1).pk == card.pk


def test_a_second_load_changes_nothing(lesson):
    before = list(Note.objects.order_by("id").values_list("id", "fields"))
    report = lesson_cards_generate(lesson=lesson)
    assert not report.created and not report.updated
    assert list(Note.objects.order_by("id").values_list("id", "fields")) == before


def test_generate_cards_command_reports_cards_per_objective(lesson, capsys):
    call_command("generate_cards", "--lesson", SLUG)
    out = capsys.readouterr().out
    assert "fp-representation:" in out and "precision-asymmetry:" in out


def test_the_system_deck_is_visible_to_learners_and_read_only(lesson, learner_api):
    deck = lesson_deck(lesson_slug=SLUG)
    assert learner_api.get(f"/api/v1/decks/{deck.pk}/").status_code == 200
    response = learner_api.post(
        f"/api/v1/decks/{deck.pk}/notes/",
        {"type": "basic", "fields": {"front": "a", "back": "b"}},
        format="json",
    )
    assert response.status_code == 403


def test_objective_links_point_to_the_generated_cards(lesson):
    links = flashcard_links(lesson, "fp-representation")
    deck = lesson_deck(lesson_slug=SLUG)
    assert links[0].kind == "cards"
    assert f"/decks/{deck.pk}/?objective=fp-representation" == links[0].url
    count = Card.objects.filter(
        deck=deck, note__objective_key="fp-representation"
    ).count()
    assert f"{count} generated cards" in links[0].label
