"""Who may see what: every sharing rule of the site, in one place.

The apps ask here and nowhere else. Each rule is a function of the user (and
the time, for quizzes) that returns a ``Q`` to filter that model's rows, or a
yes/no for one object; `tests/security/test_permissions.py` holds every route
to these rules, for six roles and each object in each sharing state.

Decks
    A deck is ``private`` (its owner alone), ``class`` (its owner, and the
    learners enrolled now in a class it is assigned to, read-only) or
    ``public`` (listed in the catalog; any signed-in user may read it and
    subscribe). A user *studies* (has in "Study all due" and gets new cards
    from) exactly: the decks they own, the public decks they subscribe to, the
    decks assigned to a class they are enrolled in, and decks whose
    subscription was kept for them when sharing narrowed (``origin="kept"``).
    A user may *read* what they study and every public deck; admins read
    every deck. Only the owner changes a deck, and nobody changes a lesson's
    generated (system) deck. Answering, suspending or burying a card needs
    the card to be readable, not studied: the memory is the learner's own, and
    an answer given offline just before unsubscribing still counts.
Quizzes
    A teacher's quiz is seen by that teacher, by admins, and by learners
    enrolled now in a class it is assigned to, once it opens. Its attempts and
    results follow the quiz; practice attempts are their learner's alone.
    Analytics count attempts by the members of those classes only. A
    problem of the problems API is its owner's alone; a quiz variant is no
    such problem for anyone (its seed and solution are its answer key, shown
    in the attempt's result once submitted).
Learners
    A teacher sees the learners enrolled now in a class they teach; admins
    see everyone.
Media
    An image follows the note it belongs to: pages and the API that show a
    note to a user who may read it sign its image URLs for that user
    (`flashcards.media_access`); the uploader and admins need no signature.

Anything a user may not see is a 404, never a 403, so its existence does not
leak. The models are looked up by name (this module sits below the apps it
speaks of).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.apps import apps
from django.db.models import Exists, OuterRef, Q

from studysite import rows
from studysite.media_tokens import token_valid

PRIVATE, CLASS, PUBLIC = "private", "class", "public"
VISIBILITIES = (PRIVATE, CLASS, PUBLIC)
KEPT = "kept"


def _model(label: str) -> Any:
    return apps.get_model(label)


def is_admin(user: Any) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_staff or user.is_superuser)
    )


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_teach(user: Any) -> bool:
    """``user`` may open classes, write quizzes and assign them: a signed-in
    member of the teachers group. The one teacher check: APIs, pages,
    services and templates (``user.is_teacher`` for display) all ask it."""
    return _signed_in(user) and bool(getattr(user, "is_teacher", False))


def _nothing() -> Q:
    return Q(pk__in=[])


def _enrolled_now(user: Any, class_ref: str) -> Exists:
    """An active enrollment of ``user`` in the class ``class_ref`` points at."""
    return Exists(
        _model("lessons.Enrollment").objects.filter(
            school_class=OuterRef(class_ref), learner=user, left_at__isnull=True
        )
    )


# --- decks ---------------------------------------------------------------------


def deck_assigned_to_user(user: Any) -> Q:
    """Decks (``class`` or ``public``) assigned to a class ``user`` is in now."""
    assignments = (
        _model("lessons.Assignment")
        .objects.filter(deck=OuterRef("pk"))
        .filter(_enrolled_now(user, "school_class"))
    )
    return Q(Exists(assignments)) & Q(visibility__in=(CLASS, PUBLIC))


def deck_subscribed(user: Any) -> Q:
    """Decks ``user``'s subscriptions let them study: public ones, and the
    ones kept for them when the deck's sharing narrowed."""
    rows = _model("flashcards.DeckSubscription").objects.filter(
        deck=OuterRef("pk"), learner=user
    )
    return Q(Exists(rows.filter(origin=KEPT))) | (
        Q(Exists(rows)) & Q(visibility=PUBLIC)
    )


def deck_studied(user: Any) -> Q:
    """Decks in ``user``'s daily review (see the module docstring)."""
    if not _signed_in(user):
        return _nothing()
    return Q(owner=user) | deck_subscribed(user) | deck_assigned_to_user(user)


def deck_readable(user: Any) -> Q:
    """Decks ``user`` may open, read and export."""
    if not _signed_in(user):
        return _nothing()
    if is_admin(user):
        return Q()
    return deck_studied(user) | Q(visibility=PUBLIC)


def deck_readable_from_row(user: Any, deck: Any) -> bool | None:
    """What `deck_readable` says of one deck from its row alone, or None where
    only the database can tell (a private or class deck of someone else's:
    a subscription kept or a class it is assigned to).

    The answer path asks this first, so a learner's own decks and public
    decks (the lesson's among them) cost no permission query.
    """
    if not _signed_in(user):
        return False
    if is_admin(user) or deck.owner_id == user.pk or deck.visibility == PUBLIC:
        return True
    return None


def deck_readable_one(user: Any, deck: Any) -> bool:
    """`deck_readable` for one deck already read (the answer path's check):
    from the deck's row where that tells (`deck_readable_from_row`), else
    whether the user studies it (`deck_studied_one`)."""
    by_row = deck_readable_from_row(user, deck)
    if by_row is not None:
        return by_row
    return deck_studied_one(user, deck)


def deck_studied_one(user: Any, deck: Any) -> bool:
    """`deck_studied` for one deck already read, in one small statement.

    Theirs, or a subscription (kept for them, or any to a public deck:
    `deck_subscribed`), or a class they are in now that the deck is assigned
    to, the deck being shared with classes (`deck_assigned_to_user`). The
    permission matrix holds it to the rule in every sharing state.
    """
    if not _signed_in(user):
        return False
    if deck.owner_id == user.pk:
        return True
    subscription = _model("flashcards.DeckSubscription")._meta
    assignment = _model("lessons.Assignment")._meta
    enrollment = _model("lessons.Enrollment")._meta

    def col(meta: Any, name: str) -> str:
        return str(meta.get_field(name).column)

    sql = (
        f"SELECT EXISTS(SELECT 1 FROM {subscription.db_table} "
        f"WHERE {col(subscription, 'deck')} = %s "
        f"AND {col(subscription, 'learner')} = %s"
    )
    params: list[Any] = [deck.pk, user.pk]
    if deck.visibility != PUBLIC:
        sql += f" AND {col(subscription, 'origin')} = %s"
        params.append(KEPT)
    sql += ")"
    if deck.visibility in (CLASS, PUBLIC):
        sql += (
            f" OR EXISTS(SELECT 1 FROM {assignment.db_table} a "
            f"JOIN {enrollment.db_table} e ON e.{col(enrollment, 'school_class')} "
            f"= a.{col(assignment, 'school_class')} "
            f"WHERE a.{col(assignment, 'deck')} = %s "
            f"AND e.{col(enrollment, 'learner')} = %s "
            f"AND e.{col(enrollment, 'left_at')} IS NULL)"
        )
        params += [deck.pk, user.pk]
    ((found,),) = rows.fetch(sql, params)
    return bool(found)


def deck_writable(user: Any, deck: Any) -> bool:
    """Only the owner changes a deck; a lesson's generated deck is read-only."""
    return bool(_signed_in(user) and deck.owner_id == user.pk and not deck.is_system)


def deck_writable_q(user: Any) -> Q:
    """`deck_writable` as a filter: the decks ``user`` may change."""
    if not _signed_in(user):
        return _nothing()
    return Q(owner=user, is_system=False)


def deck_subscribable(user: Any, deck: Any) -> bool:
    """A public deck that is not one's own may be subscribed to."""
    return deck.visibility == PUBLIC and deck.owner_id != getattr(user, "pk", None)


# --- quizzes -------------------------------------------------------------------


def quiz_assigned_to_user(user: Any) -> Q:
    assignments = (
        _model("lessons.Assignment")
        .objects.filter(quiz=OuterRef("pk"))
        .filter(_enrolled_now(user, "school_class"))
    )
    return Q(Exists(assignments))


def quiz_visible(user: Any, now: datetime) -> Q:
    """Quizzes ``user`` may see, start and see the results of, at ``now``."""
    if not _signed_in(user):
        return _nothing()
    if is_admin(user):
        return Q()
    opened = Q(opens_at__isnull=True) | Q(opens_at__lte=now)
    return Q(teacher=user) | (quiz_assigned_to_user(user) & opened)


def attempt_visible(user: Any, now: datetime) -> Q:
    """Attempts (``QuizAttempt``) ``user`` may open: their own, practice or of a
    quiz they may still see."""
    if not _signed_in(user):
        return _nothing()
    quizzes = _model("lessons.Quiz").objects.filter(quiz_visible(user, now))
    return Q(learner=user) & (Q(quiz__isnull=True) | Q(quiz__in=quizzes))


def problem_readable(user: Any) -> Q:
    """Generated problems ``user`` may open in the problems API: their own,
    quiz variants excepted (``GeneratedProblem``)."""
    if not _signed_in(user):
        return _nothing()
    return Q(owner=user, quiz__isnull=True)


def quiz_members(quiz: Any) -> Q:
    """Users enrolled now in a class ``quiz`` is assigned to (filter on User)."""
    classes = _model("lessons.Assignment").objects.filter(quiz=quiz)
    return Q(
        Exists(
            _model("lessons.Enrollment").objects.filter(
                learner=OuterRef("pk"),
                left_at__isnull=True,
                school_class__in=classes.values("school_class"),
            )
        )
    )


# --- learners ------------------------------------------------------------------


def learners_visible(user: Any) -> Q:
    """Users whose work ``user`` may follow (filter on User): themselves, the
    learners of the classes they teach, everyone for admins."""
    if not _signed_in(user):
        return _nothing()
    if is_admin(user):
        return Q()
    taught = _model("lessons.Enrollment").objects.filter(
        learner=OuterRef("pk"), left_at__isnull=True, school_class__teacher=user
    )
    return Q(pk=user.pk) | Q(Exists(taught))


# --- classes -------------------------------------------------------------------


def class_managed(user: Any) -> Q:
    """Classes ``user`` runs (codes, assignments, dashboards): the teacher's
    own; every class for admins."""
    if not _signed_in(user):
        return _nothing()
    return Q() if is_admin(user) else Q(teacher=user)


def class_readable(user: Any) -> Q:
    """Classes ``user`` may open: those they run and those they are in now."""
    if not _signed_in(user):
        return _nothing()
    if is_admin(user):  # (an empty Q would vanish from an OR)
        return Q()
    return Q(teacher=user) | Q(_enrolled_now(user, "pk"))


def class_manages(user: Any, school_class: Any) -> bool:
    """``user`` runs ``school_class`` (its teacher, or an admin)."""
    return is_admin(user) or (_signed_in(user) and school_class.teacher_id == user.pk)


def quiz_managed(user: Any) -> Q:
    """Quizzes ``user`` manages (generation, analytics): their own; every quiz
    for admins."""
    if not _signed_in(user):
        return _nothing()
    return Q() if is_admin(user) else Q(teacher=user)


# --- media ---------------------------------------------------------------------


def media_readable(user: Any, media: Any, token: str) -> bool:
    """An image is served to its uploader, to admins, and to a user holding a
    URL signed for them by a page that showed them a note it is in."""
    if not _signed_in(user):
        return False
    if is_admin(user) or media.owner_id == user.pk:
        return True
    return token_valid(media.sha256, token, user_id=user.pk)


# --- demo runs -----------------------------------------------------------------
#
# A demo run is its requester's: they (and admins) open it by id. Its owner
# may share it on purpose by link: anyone holding ``/demos/shared/<token>/``,
# signed in or not, reads it there, and nowhere else. Anonymous users cannot
# start runs; a run without an owner (its user was deleted) is for admins. A
# result reused from another user's run is a copy owned by the new requester,
# so no run id crosses from one user to another.


def demo_run_visible(user: Any) -> Q:
    """Demo runs ``user`` may open by id: their own; every run for admins."""
    if not _signed_in(user):
        return _nothing()
    if is_admin(user):
        return Q()
    return Q(requested_by=user)


def demo_run_shared(token: Any) -> Q:
    """The run its owner shares by the link with ``token`` (a UUID)."""
    if token is None:
        return _nothing()
    return Q(share_token=token) & Q(share_token__isnull=False)


def demo_run_sharable(user: Any, run: Any) -> bool:
    """Only a run's owner turns its share link on or off."""
    return bool(
        _signed_in(user)
        and run.requested_by_id is not None
        and run.requested_by_id == user.pk
    )


def demo_run_reusable(user: Any) -> Q:
    """Runs whose row a new request of ``user``'s may be answered with
    (their own); anyone else's result is copied, never handed over."""
    if not _signed_in(user):
        return _nothing()
    return Q(requested_by=user)
