"""Subdecks (Anki's "Parent::Child"): a deck tree, studied, shared, renamed,
assigned and imported as a whole, as in Anki."""

from __future__ import annotations

import pytest
from django.test import Client

from flashcards import interop, selectors, services
from flashcards.models import Deck, DeckSubscription, Note
from lessons.classes import services as classes
from lessons.models import Assignment
from studysite.errors import Invalid
from tests.factories import TeacherFactory, UserFactory
from tests.flashcards.conftest import add_basic


def tree(owner, visibility="private"):
    physics = services.deck_create(owner=owner, title="Physics", visibility=visibility)
    optics = services.deck_create(owner=owner, title="Physics::Optics", parent=physics)
    lenses = services.deck_create(
        owner=owner, title="Physics::Optics::Lenses", parent=optics
    )
    for deck in (physics, optics, lenses):
        add_basic(deck, front=f"{deck.title}?", back="yes")
    return physics, optics, lenses


def queued_fronts(learner, deck=None) -> list[str]:
    queue = selectors.study_queue(learner=learner, deck=deck, limit=50)
    return sorted(c.card.note.fields["front"] for c in queue.cards)


def test_studying_a_deck_studies_its_subdecks_and_a_subdeck_alone_only_its_own(
    learner,
):
    physics, optics, lenses = tree(learner)
    everything = ["Physics::Optics::Lenses?", "Physics::Optics?", "Physics?"]
    assert queued_fronts(learner, physics) == everything
    assert queued_fronts(learner, optics) == everything[:2]
    assert queued_fronts(learner, lenses) == everything[:1]
    assert queued_fronts(learner) == everything


def test_a_subdeck_is_made_only_in_a_deck_of_ones_own(learner, other_learner):
    theirs = services.deck_create(owner=other_learner, title="Theirs")
    with pytest.raises(Invalid) as info:
        services.deck_create(owner=learner, title="Theirs::Mine", parent=theirs)
    assert "parent" in info.value.fields
    assert not Deck.objects.filter(title="Theirs::Mine").exists()


def test_sharing_a_deck_shares_its_tree_and_renaming_it_renames_the_paths(learner):
    physics, optics, lenses = tree(learner)
    services.deck_update(deck=physics, visibility="public", title="Physik")
    optics.refresh_from_db()
    lenses.refresh_from_db()
    assert (optics.visibility, optics.title) == ("public", "Physik::Optics")
    assert (lenses.visibility, lenses.title) == ("public", "Physik::Optics::Lenses")


def test_a_tree_with_an_assigned_subdeck_is_not_made_private_and_nothing_changes(db):
    teacher = TeacherFactory()
    physics, optics, _ = tree(teacher)
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.assignment_create(school_class=school_class, deck_id=optics.pk)
    services.deck_update(deck=physics, visibility="public")
    with pytest.raises(Invalid) as info:
        services.deck_update(deck=physics, visibility="private")
    assert "assigned to 7b" in info.value.fields["visibility"][0]
    assert set(Deck.objects.values_list("visibility", flat=True)) == {"public"}


def test_assigning_a_deck_assigns_its_subdecks_and_members_study_the_whole_tree(db):
    teacher, member, outsider = TeacherFactory(), UserFactory(), UserFactory()
    physics, optics, lenses = tree(teacher)
    school_class = classes.class_create(teacher=teacher, name="7b")
    classes.class_join(learner=member, code=school_class.join_code)
    assignment = classes.assignment_create(
        school_class=school_class, deck_id=physics.pk
    )
    assert set(Assignment.objects.values_list("deck__title", flat=True)) == {
        "Physics",
        "Physics::Optics",
        "Physics::Optics::Lenses",
    }
    assert len(queued_fronts(member, physics)) == 3
    client = Client()
    client.force_login(member)
    assert client.get(f"/decks/{lenses.pk}/").status_code == 200
    client.force_login(outsider)
    assert client.get(f"/decks/{lenses.pk}/").status_code == 404
    assert Client().get(f"/decks/{lenses.pk}/").status_code in (302, 404)
    classes.assignment_delete(assignment=assignment)
    assert not Assignment.objects.exists()


def test_subscribing_to_a_catalog_deck_subscribes_to_its_public_subdecks(
    learner, other_learner
):
    physics, optics, lenses = tree(other_learner, visibility="public")
    services.deck_subscribe(learner=learner, deck=physics)
    subscribed = DeckSubscription.objects.filter(learner=learner)
    assert {s.deck_id for s in subscribed} == {physics.pk, optics.pk, lenses.pk}
    assert len(queued_fronts(learner, physics)) == 3
    services.deck_unsubscribe(learner=learner, deck=physics)
    assert not DeckSubscription.objects.filter(learner=learner).exists()


def test_a_readers_queue_leaves_out_subdecks_they_may_not_study(learner, other_learner):
    physics = services.deck_create(
        owner=other_learner, title="Physics", visibility="public"
    )
    hidden = services.deck_create(
        owner=other_learner, title="Physics::Drafts", parent=physics
    )
    services.deck_update(deck=hidden, visibility="private")
    add_basic(physics, front="shown", back="a")
    add_basic(hidden, front="draft", back="b")
    services.deck_subscribe(learner=learner, deck=physics)
    assert queued_fronts(learner, physics) == ["shown"]


def test_deleting_a_deck_deletes_its_subdecks(learner):
    physics, _, _ = tree(learner)
    services.deck_delete(deck=physics)
    assert not Deck.objects.exists() and not Note.objects.exists()


def test_the_deck_page_links_the_parent_and_lists_the_subdecks(client, learner):
    physics, optics, lenses = tree(learner)
    client.force_login(learner)
    page = client.get(f"/decks/{optics.pk}/").content.decode()
    assert f'href="/decks/{physics.pk}/">↑ Physics</a>' in page
    assert f'href="/decks/{lenses.pk}/">Physics::Optics::Lenses</a>' in page
    assert "(1 note)" in page


def test_a_csv_with_a_deck_column_imports_as_a_tree_and_again_into_the_same(learner):
    data = (
        b"#separator:tab\n#deck column:3\n"
        b"g\t9.81\tPhysics::Mechanics\nn\t1.33\tPhysics::Optics\nunit\tN\tPhysics\n"
    )
    root = None
    for _ in range(2):
        job = interop.import_job_create(
            owner=learner,
            filename="p.txt",
            data=data,
            deck_id=root.pk if root else None,
        )
        interop.import_job_map(
            job=job, columns={"front": 0, "back": 1, "deck": 2}, header=False
        )
        job = interop.import_job_run(job_id=job.pk)
        assert job.status == "done", job.error
        root = job.deck
    titles = sorted(Deck.objects.filter(owner=learner).values_list("title", flat=True))
    assert titles == ["Physics", "Physics::Mechanics", "Physics::Optics"]
    assert root.title == "Physics"
    mechanics = Deck.objects.get(title="Physics::Mechanics")
    assert mechanics.parent == root
    assert [n.fields["front"] for n in mechanics.notes.all()] == ["g", "g"]


def test_an_export_carries_the_tree_anki_shows_and_comes_back_to_the_same_decks(
    learner, tmp_path
):
    from tests.anki_oracle import oracle

    physics, _, _ = tree(learner)
    path = tmp_path / "physics.apkg"
    path.write_bytes(interop.deck_export_apkg(deck=physics, user=learner))
    opened = oracle.opened_by_anki(path)
    assert opened["decks"] == ["Physics", "Physics::Optics", "Physics::Optics::Lenses"]
    assert opened["notes"] == 3
    job = interop.import_job_create(
        owner=learner, filename="physics.apkg", data=path.read_bytes()
    )
    job = interop.import_job_run(job_id=job.pk)
    assert job.status == "done", job.error
    assert job.deck == physics
    assert (job.result["notes"], job.result["unchanged"]) == (0, 3)
    assert Deck.objects.filter(owner=learner).count() == 3


def test_a_readers_export_leaves_out_the_subdecks_they_may_not_read(
    learner, other_learner
):
    import io
    import zipfile

    physics = services.deck_create(
        owner=other_learner, title="Physics", visibility="public"
    )
    drafts = services.deck_create(
        owner=other_learner, title="Physics::Drafts", parent=physics
    )
    services.deck_update(deck=drafts, visibility="private")
    add_basic(physics, front="shown", back="a")
    add_basic(drafts, front="secret draft", back="b")
    data = interop.deck_export_apkg(deck=physics, user=learner)
    collection = zipfile.ZipFile(io.BytesIO(data)).read("collection.anki2")
    assert b"shown" in collection and b"secret draft" not in collection
    owners = interop.deck_export_apkg(deck=physics, user=other_learner)
    assert b"secret draft" in zipfile.ZipFile(io.BytesIO(owners)).read(
        "collection.anki2"
    )
